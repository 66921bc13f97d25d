"""Issue 17's workflows in the cockpit, against the real (embedded) server, offscreen:
the callback queue, and what the operator sees of each workflow."""
from __future__ import annotations

from PySide6.QtCore import Qt

from .test_callback import REPORT

# ---- the cockpit ---------------------------------------------------------------------

def _closed_in_cockpit(win, loop, phone):
    """A case reported and taken to closure through the cockpit's own link."""
    room, link = win.room, win.link
    before = set(room.state["cases"])
    link.submit("case.report", {**REPORT, "reporter": {"name": "王女士", "phone": phone}})
    loop.wait(lambda: set(room.state["cases"]) - before, what="case reported")
    cid = (set(room.state["cases"]) - before).pop()
    for name, args in [("case.dispatch", {"team_id": "W01"}), ("case.sign", {}), ("case.arrive", {}),
                       ("case.feedback", {"note": "已劝停"}), ("case.close", {"resolution": "施工停止"})]:
        link.submit(name, {"case_id": cid, **args})
    loop.wait(lambda: room.state["cases"][cid]["status"] == "closed", what="closed")
    return cid


def test_callback_queue_in_the_cockpit_two_keystrokes(cockpit, loop, qtbot):
    win = cockpit
    panel = win.panels["callback"]
    room = win.room
    a = _closed_in_cockpit(win, loop, "13811112222")
    b = _closed_in_cockpit(win, loop, "13933334444")
    c = _closed_in_cockpit(win, loop, "13755556666")
    win.docks["callback"].raise_()
    loop.wait(lambda: panel.table.rowCount() == 3, what="three callbacks due")
    assert [panel.table.item(r, 0).text() for r in range(3)] == [a, b, c]      # oldest closure first
    assert panel.table.item(0, 3).text() == "13811112222"                     # the number to dial
    assert "Callbacks due: 3" in panel.summary.text()
    # reached, rated 5: select and press 5
    panel.table.setFocus()
    panel.select_case(a)
    qtbot.keyClick(panel.table, Qt.Key.Key_5)
    loop.wait(lambda: room.state["cases"][a]["rating"] == 5, what="rated 5")
    loop.wait(lambda: panel.table.rowCount() == 2, what="a left the queue")
    assert "acknowledged" in panel.result.text()
    # dissatisfied: 1, then R asks for the reason; with it, the case is reopened
    panel.select_case(b)
    qtbot.keyClick(panel.table, Qt.Key.Key_1)
    assert panel.follow.isVisible() and "dissatisfied" in panel.follow_label.text()
    qtbot.keyClick(panel.table, Qt.Key.Key_R)
    assert "reason first" in panel.result.text() and room.state["cases"][b]["status"] == "closed"
    # the prompt says how to get back to the list: an R typed in the comment is only a letter
    assert "press Enter, then reopen the case (R)" in panel.follow_label.text()
    qtbot.keyClicks(panel.comment, "noise again")          # (QTest cannot type CJK: it aborts)
    qtbot.keyClick(panel.comment, Qt.Key.Key_Return)
    qtbot.keyClick(panel.table, Qt.Key.Key_R)
    loop.wait(lambda: room.state["cases"][b]["status"] == "accepted", what="reopened")
    assert room.state["cases"][b]["timeline"][-1]["reason"] == "noise again"
    loop.wait(lambda: panel.comment.text() == "", what="the comment cleared once acknowledged")
    # the detail panel shows the call in the timeline
    detail = win.panels["detail"]
    win.selection.set_case(b)
    texts = [detail.timeline.item(i).text() for i in range(detail.timeline.count())]
    assert any("Citizen called back" in t and "reached" in t and "★" in t for t in texts)
    # not reached: N, it waits for its retry
    loop.wait(lambda: panel.table.rowCount() == 1)
    panel.select_case(c)
    qtbot.keyClick(panel.table, Qt.Key.Key_N)
    loop.wait(lambda: (room.state["cases"][c].get("callback") or {}).get("attempts") == 1, what="one try")
    loop.wait(lambda: panel.table.rowCount() == 0, what="c waits for a retry")
    assert "waiting for a retry: 1" in panel.summary.text()


def test_reinforce_and_release_from_the_detail_panel(cockpit, loop, qtbot):
    win = cockpit
    room, link, detail = win.room, win.link, win.panels["detail"]
    before = set(room.state["cases"])
    link.submit("case.report", {**REPORT, "priority": 1})
    loop.wait(lambda: set(room.state["cases"]) - before, what="reported")
    cid = (set(room.state["cases"]) - before).pop()
    win.selection.set_case(cid)
    assert detail.buttons["case.dispatch"].property("role") == "primary"            # the next step, highlighted
    link.submit("case.dispatch", {"case_id": cid, "team_id": "W01"})
    loop.wait(lambda: room.state["cases"][cid]["status"] == "dispatched", what="dispatched")
    # found trying main: "Dispatch…" stayed highlighted on a case already sent, as if still to do
    loop.wait(lambda: not detail.buttons["case.dispatch"].property("role"), what="re-dispatch not highlighted")
    box = detail.squads
    assert box.isVisible(), (detail.case_id, cid)
    loop.wait(lambda: box.table.rowCount() == 1, what="the lead shown")
    assert box.table.item(0, 1).text() == "Lead"
    assert box.reinforce.isVisible()
    dlg = box.open_reinforce()
    rows = {dlg.list.item(i).data(Qt.ItemDataRole.UserRole): dlg.list.item(i) for i in range(dlg.list.count())}
    assert "W01" not in rows                                   # the lead is not offered
    for tid in ("W02", "W03"):
        rows[tid].setCheckState(Qt.CheckState.Checked)
    qtbot.keyClick(dlg.list, Qt.Key.Key_Return)
    loop.wait(lambda: len(room.state["cases"][cid].get("support") or []) == 2, what="two squads added")
    loop.wait(lambda: box.table.rowCount() == 3, what="three squads shown")
    assert [box.table.item(r, 1).text() for r in range(3)] == ["Lead", "Support", "Support"]

    def row(tid):
        return next(r for r in range(box.table.rowCount()) if f"({tid})" in box.table.item(r, 0).text())
    assert box.table.item(row("W02"), 2).text()                  # its own 'sent' stamp
    assert "+ " in detail.field_text("squad")
    # the roster shows each squad on the case, the supporting ones marked so
    roster = win.panels["roster"]
    loop.wait(lambda: roster.tiles["W02"].content()[11].startswith("▶ support " + cid), what="W02 tile")
    assert roster.tiles["W01"].content()[11].startswith("▶ " + cid)
    # the supporting squad arrives (stamped on its behalf), then is released: the case stays open
    link.submit("case.arrive", {"case_id": cid, "team_id": "W02"})
    loop.wait(lambda: box.table.item(row("W02"), 4).text() != "", what="W02 on scene")
    box.select_squad("W01")
    assert box.release_btn.isVisible() and not box.release_btn.isEnabled()      # the lead is not released here
    box.select_squad("W02")
    qtbot.mouseClick(box.release_btn, Qt.MouseButton.LeftButton)
    loop.wait(lambda: room.state["teams"]["W02"]["status"] == "available", what="W02 freed")
    assert room.state["cases"][cid]["status"] == "dispatched"
    loop.wait(lambda: "released" in box.table.item(row("W02"), 1).text(), what="shown released")
    assert box.releasable == {"W03"}
    loop.wait(lambda: "acknowledged" in box.result.text())
    texts = [detail.timeline.item(i).text() for i in range(detail.timeline.count())]
    assert any("Reinforced" in t for t in texts) and any("Squad released" in t for t in texts)


def test_the_detail_panel_shows_the_ladder_and_where_the_case_stands(cockpit, loop, qtbot):
    win = cockpit
    room, link, detail = win.room, win.link, win.panels["detail"]
    before = set(room.state["cases"])
    link.submit("case.report", {**REPORT, "category": "city_management", "title": "店外堆物",
                                "location": {"address": "九堡街道 九环路 1 号"}})      # resolves to no grid
    loop.wait(lambda: set(room.state["cases"]) - before, what="reported")
    cid = (set(room.state["cases"]) - before).pop()
    win.selection.set_case(cid)
    # found trying main: an address with no area or grid was shown as "… 1 号 ·"
    where = detail._field_labels["location"].text()
    assert where == "九堡街道 九环路 1 号"
    # the category's handling guide and checklist
    assert detail.guide.isVisible() and detail.guide.title() == "Handling guide: City management"
    assert "Persuade before penalising" in detail.guide.guide.text()
    assert "☐ Photo before" in detail.guide.checklist.text()
    ladder = detail._field_labels["escalation"]
    assert "City management" in ladder.text() and "○ 1. Grid worker" in ladder.text()
    assert "not escalated" in ladder.text()
    assert detail.buttons["case.escalate"].isVisible()
    qtbot.mouseClick(detail.buttons["case.escalate"], Qt.MouseButton.LeftButton)
    loop.wait(lambda: room.state["cases"][cid]["escalation"] == 0, what="escalated")
    loop.wait(lambda: "▶ 1. Grid worker" in ladder.text(), what="the current step shown")
    assert "due " in ladder.text() and "○ 2. Co-governance member verifies" in ladder.text()
    assert "Grid worker" in detail._field_labels["squad"].text()          # the step's owner holds the case
    qtbot.mouseClick(detail.buttons["case.escalate"], Qt.MouseButton.LeftButton)
    loop.wait(lambda: "▶ 2. Co-governance" in ladder.text(), what="second step")
    assert "✓ 1. Grid worker" in ladder.text()


def test_the_leader_picks_the_profile_for_new_cases(cockpit, loop, qtbot):
    win = cockpit
    room, link, detail = win.room, win.link, win.panels["detail"]
    box = win.panels["leader"].sla_box
    win.docks["leader"].raise_()
    assert box.apply.isEnabled() and "1310" in box.state.text()

    def reported(**kw):
        before = set(room.state["cases"])
        link.submit("case.report", {**REPORT, **kw})
        loop.wait(lambda: set(room.state["cases"]) - before, what="reported")
        return (set(room.state["cases"]) - before).pop()
    old = reported()
    box.combo.setCurrentIndex(box.combo.findData("135"))
    qtbot.mouseClick(box.apply, Qt.MouseButton.LeftButton)
    loop.wait(lambda: room.state["sla_profile"] == "135", what="profile 135")
    loop.wait(lambda: box.log.count() == 1 and "profile 135 for new cases" in box.log.item(0).text(), what="logged")
    assert "In force for new cases: 135" in box.state.text()
    new = reported()
    win.selection.set_case(old)
    assert detail._sla_title.text() == "SLA stages · profile 1310" and detail.stages.rowCount() == 3
    win.selection.set_case(new)
    assert detail._sla_title.text() == "SLA stages · profile 135"
    assert detail.stages.item(0, 0).text() == "Receipt"              # 135's stages: receipt first
    # the same profile again is refused, and said so
    qtbot.mouseClick(box.apply, Qt.MouseButton.LeftButton)
    loop.wait(lambda: "refused" in box.result.text(), what="refused")


def test_the_radio_console_calls_a_talkgroup_a_squad_and_sets_a_status_on_its_behalf(cockpit, loop, qtbot):
    win = cockpit
    room, panel = win.room, win.panels["radio"]
    win.docks["radio"].raise_()
    assert panel.target.currentData() == "talkgroup:TG-1"
    qtbot.mouseClick(panel.phrase_buttons["stand_by"], Qt.MouseButton.LeftButton)
    tg1 = [t["id"] for t in room.state["teams"].values() if t["talkgroup"] == "TG-1"]
    loop.wait(lambda: all((room.state["teams"][t].get("radio_log") or [{}])[-1].get("text") == "原地待命，等候指令"
                          for t in tg1), what="the talkgroup got the phrase")
    # a click on a squad's tile makes it the target; its log shows what the room said
    win.selection.set_team("W02")
    assert panel.squad() == "W02" and "Radio log" in panel.log_title.text()
    loop.wait(lambda: panel.log.count() == 1, what="the log shown")
    assert "→ [TG-1]" in panel.log.item(0).text() and "原地待命" in panel.log.item(0).text()
    panel.text.setText("九巡102，请到九堡大道88号")
    qtbot.keyClick(panel.text, Qt.Key.Key_Return)
    loop.wait(lambda: panel.log.count() == 2 and "九堡大道88号" in panel.log.item(0).text(), what="typed message")
    loop.wait(lambda: panel.text.text() == "", what="cleared once acknowledged")
    # the squad said over the radio it is busy: set on its behalf, marked on its tile
    panel.status.setCurrentIndex(panel.status.findData("busy"))
    qtbot.mouseClick(panel.set_status, Qt.MouseButton.LeftButton)
    loop.wait(lambda: room.state["teams"]["W02"]["status"] == "busy", what="busy")
    loop.wait(lambda: "on its behalf" in panel.log.item(0).text(), what="logged as on its behalf")
    tile = win.panels["roster"].tiles["W02"]
    loop.wait(lambda: "✎" in tile.content()[9], what="the tile marks it")


def test_the_next_leader_reads_the_handover_and_acknowledges_it(cockpit, loop, qtbot, demo_server):
    from server.cli import add_user

    from .conftest import RawClient
    win = cockpit
    room, leader = win.room, win.panels["leader"]
    assert "No handover recorded yet" in leader.last_handover.text() and leader.handover_dialog is None
    # the outgoing leader (another account) records the handover while this cockpit is logged in
    add_user(f"sqlite:///{demo_server.db_path}", "zhang", "leader", "zhang-long-password")
    link = win.link
    before = set(room.state["cases"])
    link.submit("case.report", {**REPORT, "priority": 1})
    loop.wait(lambda: set(room.state["cases"]) - before, what="reported")
    cid = (set(room.state["cases"]) - before).pop()
    link.submit("case.dispatch", {"case_id": cid, "team_id": "W01"})
    loop.wait(lambda: room.state["cases"][cid]["status"] == "dispatched", what="dispatched")

    async def outgoing():
        c = await RawClient.connect(demo_server.url, "zhang", "zhang-long-password")
        await c.recv()
        ans, _ = await c.command("shift.handover", {"note": "白班交夜班：C1 仍在处置", "to": "demo"})
        await c.close()
        return ans
    assert loop.run(outgoing())["type"] == "ack"
    loop.wait(lambda: leader.handover_dialog is not None and leader.handover_dialog.isVisible(), what="shown")
    dlg = leader.handover_dialog
    assert "白班交夜班" in dlg.note.toPlainText() and dlg.items.rowCount() == 1
    assert dlg.items.item(0, 0).text() == cid and dlg.items.item(0, 3).text() == room.state["teams"]["W01"]["call_sign"]
    assert "not acknowledged yet" in leader.last_handover.text()
    dlg.ack_note.setText("已阅")
    qtbot.mouseClick(dlg.ack, Qt.MouseButton.LeftButton)
    loop.wait(lambda: (room.state["handover"].get("acked") or {}).get("by") == "demo", what="acknowledged")
    loop.wait(lambda: not dlg.isVisible(), what="closed")
    loop.wait(lambda: "read and acknowledged by demo" in leader.last_handover.text(), what="shown as read")
    # read again later: nothing left to acknowledge, so no note-on-taking-over box to type into
    again = leader.open_handover()
    assert again is not None and again.isVisible() and "白班交夜班" in again.note.toPlainText()
    assert not again.ack.isVisible() and not again.ack_note.isVisible() and again.later.isVisible()
    again.reject()


def test_the_leader_mobilises_the_reserve_with_one_action(cockpit, loop, qtbot):
    win = cockpit
    room, link, leader = win.room, win.link, win.panels["leader"]
    from models.commands import reserve, standing_by
    for tid in ("W05", "W06"):
        link.submit("team.duty", {"team_id": tid, "on_duty": False})
    loop.wait(lambda: not room.state["teams"]["W06"]["on_duty"], what="two squads off")
    # everyone off duty: the two squads, the members off shift (the rota), the reserve list
    n = (len(room.state["teams"]["W05"]["members"]) + len(room.state["teams"]["W06"]["members"])
         + len(reserve(room.state)[1]))
    # the members as the line above counts them (off shift), the reserve list apart
    loop.wait(lambda: f"squads 2, members {n}, reserve {len(standing_by(room.state))})" in leader.mobilise.text(),
              what="the reserve counted")
    assert f"members {n} (off shift)" in leader.reserve_counts.text()
    qtbot.mouseClick(leader.mobilise, Qt.MouseButton.LeftButton)
    assert "Confirm" in leader.mobilise.text() and room.state["teams"]["W05"]["on_duty"] is False
    qtbot.mouseClick(leader.mobilise, Qt.MouseButton.LeftButton)
    loop.wait(lambda: room.state["teams"]["W05"]["on_duty"] and room.state["teams"]["W06"]["on_duty"], what="called up")
    loop.wait(lambda: "everyone is on duty" in leader.mobilise.text(), what="nobody left in reserve")
    assert leader.checks["W05"].isChecked()


def test_the_command_line_reinforces_and_calls_back(cockpit, loop):
    from .test_callback import REPORT as CB_REPORT
    win = cockpit
    room, link = win.room, win.link
    cid = _closed_in_cockpit(win, loop, "13811112222")
    win.cmdline.edit.setText(f"cb {int(cid[1:])} 4 态度很好")
    win.cmdline.run()
    loop.wait(lambda: room.state["cases"][cid]["rating"] == 4, what="rated from the command line")
    before = set(room.state["cases"])
    link.submit("case.report", CB_REPORT)
    loop.wait(lambda: set(room.state["cases"]) - before, what="reported")
    other = (set(room.state["cases"]) - before).pop()
    link.submit("case.dispatch", {"case_id": other, "team_id": "W01"})
    loop.wait(lambda: room.state["cases"][other]["status"] == "dispatched", what="dispatched")
    win.cmdline.edit.setText(f"rf {int(other[1:])} W02 W03")
    win.cmdline.run()
    loop.wait(lambda: len(room.state["cases"][other].get("support") or []) == 2, what="reinforced")



def test_a_field_request_preselects_the_squads_asked_for(cockpit, loop, qtbot):
    win = cockpit
    room, link, detail = win.room, win.link, win.panels["detail"]
    before = set(room.state["cases"])
    link.submit("case.report", {**REPORT, "priority": 1})
    loop.wait(lambda: set(room.state["cases"]) - before, what="reported")
    cid = (set(room.state["cases"]) - before).pop()
    link.submit("case.dispatch", {"case_id": cid, "team_id": "W01"})
    link.submit("team.request_reinforcement", {"team_id": "W01", "case_id": cid, "count": 2, "note": "现场人多"})
    loop.wait(lambda: room.state["teams"]["W01"].get("reinforcement"), what="requested")
    win.selection.set_case(cid)
    box = detail.squads
    loop.wait(lambda: "asks for 2 more squads: 现场人多" in box.result.text(), what="the request shown")
    dlg = box.open_reinforce()
    ticked = [dlg.list.item(i) for i in range(dlg.list.count())
              if dlg.list.item(i).checkState() == Qt.CheckState.Checked]
    assert len(ticked) == 2
    qtbot.keyClick(dlg.list, Qt.Key.Key_Return)
    loop.wait(lambda: len(room.state["cases"][cid].get("support") or []) == 2, what="two squads sent")
    loop.wait(lambda: room.state["teams"]["W01"].get("reinforcement") is None, what="the request answered")
