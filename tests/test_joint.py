"""Joint handling (一件事), linked cases and early warnings you can act on: the rules (decide +
apply, no server), the department's and the wall's views, the commands through the real
server with real clients, and the cockpit's joint box, warnings and dialogs (pytest-qt)."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from models import early_warning, joint, kpi
from models.commands import Actor, CommandError, allowed_case_commands
from models.places import place_of, strip_suffixes
from models.street import load_street
from server.app import XiaonaoServer
from server.cli import add_user
from server.views import view_for
from widgets.style import P

from .conftest import BOTH_BACKENDS, RawClient, ws_url
from .helpers import until
from .test_domain import LEAD, OP, World, report
from .test_field_roles import act
from .test_views import watch

CITY = Actor("cm1", "department", department="citymgmt")
MARKET = Actor("mk1", "department", department="market")
POLICE = Actor("po1", "department", department="police")
STREET = load_street()
PARTS = [{"department": "citymgmt", "task": "清理占道摊点", "hours": 4},
         {"department": "market", "task": "核查证照", "hours": 24}]


def refused(w, actor, name, args):
    with pytest.raises(CommandError) as e:
        w.run(actor, name, args)
    return e.value


# ---- places and warnings ------------------------------------------------------------

def test_places_are_resolved_on_the_street_without_directional_words():
    assert strip_suffixes("九堡中心小学东侧门口") == "九堡中心小学"
    assert strip_suffixes("门口") == "门口"                 # never down to nothing
    for addr in ("九堡中心小学", "九堡中心小学东侧", "九堡中心小学 附近", "顺福路56号门口", "顺福路56号对面"):
        assert place_of(STREET, addr) == "九堡中心小学", addr
    assert place_of(STREET, "九和路4号3单元") == "九和路4号"          # an address with no place: its number
    assert place_of(STREET, "某小区北门") == "某小区"


def test_one_place_however_it_is_said_raises_one_warning_by_its_categorys_threshold():
    w = World()
    for addr in ("九堡中心小学", "九堡中心小学东侧"):
        report(w, location={"address": addr})
    assert kpi.early_warnings(w.state, w.now) == []                     # dispute: 3 complaints
    report(w, location={"address": "顺福路56号门口"})
    (warn,) = kpi.early_warnings(w.state, w.now)
    assert warn["id"] == "place:九堡中心小学" and warn["count"] == 3 and warn["active"]
    # market supervision warns at 2 (resources/early_warnings.toml); a business groups by its name
    for addr in ("九环路156号", "九环路156号二楼"):
        report(w, category="market", business="启航教育培训学校", location={"address": addr})
    ids = {x["id"] for x in kpi.early_warnings(w.state, w.now)}
    assert ids == {"place:九堡中心小学", "business:启航教育培训学校"}
    assert early_warning.RULES.threshold_of("market") == 2 and "fire" in early_warning.RULES.excluded
    for _ in range(3):
        report(w, category="fire", location={"address": "九和路120号"})
    assert len(kpi.early_warnings(w.state, w.now)) == 2                 # fire never warns


def test_an_acknowledged_warning_is_not_raised_again_until_a_new_case_arrives():
    w = World()
    ids = [report(w, location={"address": a}) for a in ("九堡中心小学", "九堡中心小学东侧", "九堡中心小学附近")]
    e = refused(w, OP, "warning.ack", {"warning": "place:九堡中心小学", "case_ids": ids})
    assert e.code == "invalid" and "note" in e.message
    w.run(OP, "warning.ack", {"warning": "place:九堡中心小学", "case_ids": ids, "note": "已通知学校"})
    (warn,) = kpi.early_warnings(w.state, w.now)
    assert not warn["active"] and warn["handled"]["note"] == "已通知学校" and warn["handled"]["by"] == "op"
    e = refused(w, OP, "warning.ack", {"warning": "place:九堡中心小学", "case_ids": ids, "note": "again"})
    assert e.code == "conflict" and "already handled by op" in e.message
    report(w, location={"address": "顺福路56号"})
    (warn,) = kpi.early_warnings(w.state, w.now)
    assert warn["active"] and warn["new"] == 1 and warn["count"] == 4
    e = refused(w, Actor("w01", "field", "W01"), "warning.ack",
                {"warning": "place:九堡中心小学", "case_ids": ids, "note": "x"})
    assert e.code == "forbidden"
    e = refused(w, OP, "warning.ack", {"warning": "九堡", "case_ids": ids, "note": "x"})
    assert e.code == "invalid" and e.field == "warning"


# ---- joint cases ------------------------------------------------------------------------

def test_a_joint_case_closes_only_when_every_part_is_done():
    w = World()
    cid = report(w, category="city_management")
    w.run(OP, "case.part_add", {"case_id": cid, "parts": PARTS})
    case = w.state["cases"][cid]
    assert [p["id"] for p in case["parts"]] == ["P1", "P2"] and joint.progress(case) == (0, 2)
    assert case["parts"][0]["due"] > case["parts"][0]["at"]
    e = refused(w, OP, "case.close", {"case_id": cid, "resolution": "完成"})
    assert e.code == "conflict" and "2 of 2 parts still open" in e.message and "citymgmt" in e.message
    assert "case.close" not in allowed_case_commands(case)
    e = refused(w, OP, "case.part_add", {"case_id": cid, "parts": [PARTS[0]]})
    assert e.code == "conflict" and "citymgmt already has an open part" in e.message
    e = refused(w, OP, "case.part_add", {"case_id": cid, "parts": [{"department": "nowhere", "task": "x"}]})
    assert e.code == "invalid"
    # each department feeds back its own part; another's is refused
    e = refused(w, MARKET, "case.part_feedback", {"case_id": cid, "part_id": "P1", "note": "x"})
    assert e.code == "forbidden" and "citymgmt's" in e.message
    e = refused(w, POLICE, "case.part_feedback", {"case_id": cid, "part_id": "P1", "note": "x"})
    assert e.code == "forbidden"
    assert allowed_case_commands(case, "department", "citymgmt") == ["case.note", "case.attach", "case.part_feedback"]
    e = refused(w, CITY, "case.feedback", {"case_id": cid, "note": "x"})
    assert e.code == "conflict"
    w.run(CITY, "case.note", {"case_id": cid, "note": "明早到场"})      # a note on its part's case
    w.run(CITY, "case.part_feedback", {"case_id": cid, "part_id": "P1", "note": "已清理"})
    assert joint.progress(case) == (1, 2) and case["status"] == "new"
    e = refused(w, CITY, "case.part_feedback", {"case_id": cid, "part_id": "P1", "note": "again"})
    assert e.code == "conflict" and "already done" in e.message
    assert allowed_case_commands(case, "department", "citymgmt") == ["case.note", "case.attach"]
    e = refused(w, OP, "case.close", {"case_id": cid, "resolution": "完成"})
    assert "1 of 2 parts still open: P2 market" in e.message
    w.run(MARKET, "case.part_feedback", {"case_id": cid, "part_id": "P2", "note": "证照齐全"})
    # nobody in the field holds it: the departments' feedback resolves it, the room closes it
    assert case["status"] == "resolved" and case["parts"][1]["done"]["by_role"] == "department"
    w.run(OP, "case.close", {"case_id": cid, "resolution": "联合处置完毕"})
    assert case["status"] == "closed"
    names = [e["name"] for e in case["timeline"]]
    assert names.count("case.part_added") == 2 and names.count("case.part_done") == 2


def test_a_part_cancelled_no_longer_counts_and_a_squads_case_keeps_its_status():
    w = World()
    cid = report(w)
    w.run(OP, "case.dispatch", {"case_id": cid, "team_id": "W01"})
    w.run(OP, "case.part_add", {"case_id": cid, "parts": PARTS})
    w.run(OP, "case.part_cancel", {"case_id": cid, "part_id": "P2", "reason": "派错部门"})
    case = w.state["cases"][cid]
    assert joint.progress(case) == (0, 1)
    w.run(OP, "case.part_feedback", {"case_id": cid, "part_id": "P1", "note": "已清理"})
    assert case["status"] == "dispatched" and case["parts"][0]["done"]["by_role"] == "operator"
    e = refused(w, OP, "case.part_cancel", {"case_id": cid, "part_id": "P1", "reason": "x"})
    assert e.code == "conflict"
    e = refused(w, OP, "case.part_feedback", {"case_id": cid, "part_id": "P2", "note": "x"})
    assert e.code == "conflict" and "cancelled" in e.message


def test_overdue_parts_are_known():
    w = World()
    cid = report(w)
    w.run(OP, "case.part_add", {"case_id": cid, "parts": PARTS})
    case = w.state["cases"][cid]
    assert joint.overdue_parts(case, w.now) == []
    assert [p["id"] for p in joint.overdue_parts(case, w.now + 5 * 3600)] == ["P1"]


def test_linked_cases_are_closed_with_their_lead_and_unlinked_ones_are_not():
    w = World()
    lead, a, b, c = (report(w, location={"address": "九堡中心小学"}) for _ in range(4))
    w.run(OP, "case.link", {"case_id": lead, "case_ids": [a, b, c]})
    cases = w.state["cases"]
    assert cases[lead]["links"] == [a, b, c] and cases[a]["linked_to"] == lead
    e = refused(w, OP, "case.link", {"case_id": lead, "case_ids": [a]})
    assert e.code == "conflict" and "already linked" in e.message
    e = refused(w, OP, "case.link", {"case_id": a, "case_ids": [b]})
    assert e.code == "conflict" and f"linked to {lead}" in e.message
    e = refused(w, OP, "case.part_add", {"case_id": a, "parts": PARTS})
    assert e.code == "conflict" and "its lead" in e.message
    e = refused(w, OP, "case.merge", {"case_id": lead, "into": a})
    assert e.code == "conflict"
    w.run(OP, "case.unlink", {"case_id": c})
    assert cases[c]["linked_to"] is None and cases[lead]["links"] == [a, b]
    assert cases[lead]["timeline"][-1]["name"] == "case.unlinked"
    w.run(OP, "case.dispatch", {"case_id": lead, "team_id": "W01"})
    w.run(OP, "case.sign", {"case_id": lead})
    w.run(OP, "case.arrive", {"case_id": lead})
    seq = w.state["seq"]
    w.run(OP, "case.close", {"case_id": lead, "resolution": "已整治"})
    closed = [e for e in w.log if e["seq"] > seq]
    assert [e["data"]["case_id"] for e in closed] == [lead, a, b]          # one command, three closures
    assert all(e["data"].get("with_lead") == lead for e in closed[1:])
    assert [cases[x]["status"] for x in (lead, a, b, c)] == ["closed", "closed", "closed", "new"]
    assert cases[a]["resolution"] == "已整治" and cases[a]["on_scene_closure"] is False


def test_a_warning_becomes_one_joint_case_in_one_command():
    w = World()
    ids = [report(w, location={"address": a}) for a in ("九堡中心小学", "九堡中心小学东侧", "顺福路56号")]
    (warn,) = kpi.early_warnings(w.state, w.now)
    lead = early_warning.lead_for(w.state, warn["case_ids"])
    assert lead == ids[0]
    seq = w.state["seq"]
    w.run(LEAD, "case.link", {"case_id": lead, "case_ids": ids[1:], "warning": warn["id"], "parts": PARTS})
    assert [e["name"] for e in w.log if e["seq"] > seq] == ["case.linked", "case.part_added", "case.part_added"]
    (warn,) = kpi.early_warnings(w.state, w.now)
    assert not warn["active"] and warn["handled"]["lead"] == lead
    assert joint.open_joint_cases(w.state)[0]["id"] == lead


# ---- views ---------------------------------------------------------------------------------

def test_a_department_sees_the_joint_cases_where_it_has_a_part_with_only_its_part_whole():
    w = World()
    cid = report(w, reporter={"name": "王女士", "phone": "13812345678"})
    other = report(w)
    w.run(OP, "case.part_add", {"case_id": cid, "parts": PARTS})
    w.run(MARKET, "case.part_feedback", {"case_id": cid, "part_id": "P2", "note": "证照齐全，已约谈店主"})
    city = view_for(CITY)
    assert [c["id"] for c in city.cases(w.state)] == [cid]
    case = city.case(w.state["cases"][cid])
    mine, theirs = case["parts"]
    assert mine["task"] == "清理占道摊点" and theirs["task"] == "" and theirs["done"]["note"] == ""
    assert theirs["department"] == "market" and theirs["done"]["at"]
    assert "证照齐全" not in json.dumps(case, ensure_ascii=False)
    assert view_for(POLICE).cases(w.state) == [] and view_for(CITY).case(w.state["cases"][other]) is None
    wall = view_for(Actor("wall", "wall")).case(w.state["cases"][cid])
    assert wall["parts"][1]["done"]["note"] == "" and wall["parts"][0]["task"] == "清理占道摊点"
    # an intake system sees the outcome of its report, not the departments' words
    w.run(Actor("hotline", "intake"), "case.report", {"title": "占道", "category": "city_management", "source": "12345",
                                                      "priority": 3, "location": {"address": "九堡中心小学"}})
    mine = w.log[-1]["data"]["case_id"]
    w.run(OP, "case.part_add", {"case_id": mine, "parts": PARTS[:1]})
    w.run(CITY, "case.part_feedback", {"case_id": mine, "part_id": "P1", "note": "摊点已清理，店主已签字"})
    seen = view_for(Actor("hotline", "intake")).case(w.state["cases"][mine])
    assert seen["parts"][0]["done"]["at"] and "店主已签字" not in json.dumps(seen, ensure_ascii=False)


def test_warnings_handled_are_the_rooms_and_the_walls_without_notes_and_no_ones_else():
    w = World()
    ids = [report(w, location={"address": "九堡中心小学"}) for _ in range(3)]
    w.run(OP, "warning.ack", {"warning": "place:九堡中心小学", "case_ids": ids, "note": "校方已知晓"})
    assert view_for(OP).state_head(w.state)["warnings"]["place:九堡中心小学"]["note"] == "校方已知晓"
    assert view_for(Actor("wall", "wall")).state_head(w.state)["warnings"]["place:九堡中心小学"]["note"] == ""
    for actor in (CITY, Actor("w01", "field", "W01"), Actor("g", "community", grids=("G01",))):
        assert "warnings" not in view_for(actor).state_head(w.state)


# ---- the real server, real clients ----------------------------------------------------------

@pytest.mark.parametrize("backend", BOTH_BACKENDS)
async def test_through_the_server_a_department_feeds_back_its_part_and_the_wall_sees_it_masked(db_url, tmp_path):
    url = db_url
    add_user(url, "cm1", "department", "cm1-password", department="citymgmt")
    add_user(url, "mk1", "department", "mk1-password", department="market")
    srv = XiaonaoServer(url, "127.0.0.1", 0)
    await srv.start()
    try:
        op = await RawClient.connect(ws_url(srv), "op")
        await op.recv()
        ids = []
        for addr in ("九堡中心小学", "九堡中心小学东侧", "顺福路56号门口"):
            ack, _ = await op.command("case.report", {"title": "学校门口占道", "category": "city_management",
                                                      "source": "12345", "priority": 3, "location": {"address": addr},
                                                      "reporter": {"name": "李先生", "phone": "13912345678"}})
            assert ack["type"] == "ack"
        ids = sorted(srv.hub.state["cases"])
        cm, mk, wall = await watch(srv, "cm1"), await watch(srv, "mk1"), await watch(srv, "wall")
        await until(lambda: all(x.state is not None for x in (cm, mk, wall)), what="snapshots")
        assert cm.state["cases"] == {}
        ack, _ = await op.command("case.link", {"case_id": ids[0], "case_ids": ids[1:], "warning": "place:九堡中心小学",
                                                "parts": PARTS})
        assert ack["type"] == "ack"
        await until(lambda: ids[0] in cm.state["cases"] and ids[0] in mk.state["cases"], what="the part reaches both")
        assert set(cm.state["cases"]) == {ids[0]}                      # the linked ones have no part of theirs
        err, _ = await act(mk, "case.part_feedback", {"case_id": ids[0], "part_id": "P1", "note": "x"})
        assert err["type"] == "error" and err["code"] == "forbidden"
        err, _ = await op.command("case.close", {"case_id": ids[0], "resolution": "完成"})
        assert err["type"] == "error" and err["code"] == "conflict" and "2 of 2 parts still open" in err["message"]
        for who, pid, note in ((cm, "P1", "摊点已清理"), (mk, "P2", "证照已核查")):
            ack, _ = await act(who, "case.part_feedback", {"case_id": ids[0], "part_id": pid, "note": note})
            assert ack["type"] == "ack"
        await until(lambda: cm.state["cases"][ids[0]]["status"] == "resolved", what="resolved in the department's view")
        theirs = cm.state["cases"][ids[0]]["parts"][1]
        assert theirs["task"] == "" and theirs["done"]["note"] == ""
        ack, _ = await op.command("case.close", {"case_id": ids[0], "resolution": "联合处置完毕"})
        assert ack["type"] == "ack"
        await until(lambda: all(wall.state["cases"][c]["status"] == "closed" for c in ids), what="all three closed")
        assert wall.state["warnings"]["place:九堡中心小学"]["lead"] == ids[0]
        assert all(p["done"]["note"] == "" for p in wall.state["cases"][ids[0]]["parts"])
        assert "摊点已清理" not in "".join(wall.raw) and "13912345678" not in "".join(wall.raw)
        assert srv.hub.state["cases"][ids[1]]["timeline"][-1]["with_lead"] == ids[0]
        await op.close()
        for x in (cm, mk, wall):
            await x.c.close()
        before = json.loads(json.dumps({"warnings": srv.hub.state["warnings"],
                                        "lead": srv.hub.state["cases"][ids[0]]}))
    finally:
        await srv.stop()
    # after a restart the server holds the same parts, links and handled warning (from its log)
    srv = XiaonaoServer(url, "127.0.0.1", 0)
    await srv.start()
    try:
        after = {"warnings": srv.hub.state["warnings"], "lead": srv.hub.state["cases"][ids[0]]}
        assert json.loads(json.dumps(after)) == before
    finally:
        await srv.stop()


# ---- the cockpit (pytest-qt, offscreen, the real embedded server) ------------------------------

def _report(link, title, address):
    link.submit("case.report", {"title": title, "category": "city_management", "source": "12345", "priority": 3,
                                "location": {"address": address}})


def _warning_row(perf, wid):
    for i in range(perf.warnings.count()):
        w = perf.warnings.item(i).data(0x0100 + 2)
        if w and w["id"] == wid:
            return i
    return -1


def test_the_room_makes_a_warning_a_joint_case_and_sees_its_parts(cockpit, loop, qtbot, tmp_path):
    win = cockpit
    for t, a in (("学校门口占道经营", "九堡中心小学"), ("学校东侧摆摊", "九堡中心小学东侧"),
                 ("放学时段摊贩", "顺福路56号门口"), ("学校附近占道", "九堡中心小学附近")):
        _report(win.link, t, a)
    loop.wait(lambda: win.queue.model.rowCount() == 4)
    win.build_deferred_panels()
    win.docks["performance"].raise_()
    perf = win.panels["performance"]
    perf.mark_all_dirty()
    perf.refresh()
    row = _warning_row(perf, "place:九堡中心小学")
    assert row >= 0 and "4 complaints about 九堡中心小学" in perf.warnings.item(row).text()   # one place, not four
    perf.warnings.setCurrentRow(row)
    assert perf.warning_joint.isEnabled() and perf.warning_ack.isEnabled()
    qtbot.mouseClick(perf.warning_open, Qt.MouseButton.LeftButton)
    assert len(win.queue.model.ids()) == 4                                   # the warning opens its cases
    dlg = perf.open_warning_joint()
    assert dlg.isVisible() and dlg.lead.count() == 4
    lead = dlg.lead.currentData()
    dept, task, _hours = dlg.form.rows[0]
    dept.setCurrentIndex(dept.findData("citymgmt"))
    task.setText("清理占道摊点")
    dept2, task2, hours2 = dlg.form.rows[1]
    dept2.setCurrentIndex(dept2.findData("market"))
    task2.setText("核查证照")
    hours2.setValue(2)
    dlg.grab().save(str(tmp_path / "warning-joint-dialog-en.png"))
    dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    loop.wait(lambda: perf.warning_result.text().endswith("acknowledged"), what="the joint case acknowledged")
    cases = win.room.state["cases"]
    assert len(cases[lead]["links"]) == 3 and len(cases[lead]["parts"]) == 2
    perf.mark_all_dirty()
    perf.refresh()
    row = _warning_row(perf, "place:九堡中心小学")
    perf.warnings.setCurrentRow(row)
    assert "joint case " + lead in perf.warnings.item(row).text() and not perf.warning_joint.isEnabled()
    assert any("0/2 parts done" in perf.joint_cases.item(i).text() for i in range(perf.joint_cases.count()))
    # the case detail: its parts and its linked cases; a part fed back on the department's behalf
    win.selection.set_case(lead)
    box = win.panels["detail"].joint
    loop.wait(lambda: "0/2 parts done" in box.progress.text(), what="the parts in the detail")
    assert box.table.rowCount() == 2 and "closed with this one" in box.links.text()
    qtbot.mouseClick(box.together_btn, Qt.MouseButton.LeftButton)          # the lead and its linked cases together
    assert sorted(win.queue.model.ids()) == sorted([lead, *cases[lead]["links"]])
    assert "Joint case " + lead in win.queue.drill_chip.text()
    assert not win.panels["detail"].buttons["case.close"].isVisible()
    box.select_part("P1")
    qtbot.mouseClick(box.done_btn, Qt.MouseButton.LeftButton)
    assert "Type the department's feedback" in box.result.text()             # nothing sent without it
    box.note.setText("摊点已清理")
    qtbot.mouseClick(box.done_btn, Qt.MouseButton.LeftButton)
    loop.wait(lambda: "1/2 parts done" in box.progress.text(), what="one part done")
    assert "acknowledged" in box.result.text() and box.note.text() == ""
    # two hours later the market part is overdue: in red, here and on the dashboard
    win.room.clock_offset += 3 * 3600
    box.show_case(cases[lead])
    assert "1 overdue" in box.progress.text()
    perf.mark_all_dirty()
    perf.refresh()
    item = next(perf.joint_cases.item(i) for i in range(perf.joint_cases.count())
                if perf.joint_cases.item(i).text().startswith(lead))
    assert "overdue: " in item.text() and item.foreground().color().name() == P["alarm"]
    shots = tmp_path / "shots"
    shots.mkdir()
    win.panels["detail"].grab().save(str(shots / "joint-detail-en.png"))
    perf.grab().save(str(shots / "warnings-en.png"))
    _shots_in_chinese(win, lead, shots)
    win.room.clock_offset -= 3 * 3600
    box.select_part("P2")
    box.note.setText("证照已核查")
    qtbot.mouseClick(box.done_btn, Qt.MouseButton.LeftButton)
    loop.wait(lambda: cases[lead]["status"] == "resolved", what="all parts done: resolved")
    win.link.submit("case.close", {"case_id": lead, "resolution": "联合处置完毕"})
    loop.wait(lambda: all(cases[c]["status"] == "closed" for c in [lead, *cases[lead]["links"]]),
              what="the lead's closure closes its linked cases")


def _shots_in_chinese(win, lead, shots):
    """The same screens built in zh_CN (the language is process-wide: English again after)."""
    from app import i18n
    from widgets.dashboard import DashboardPanel
    from widgets.joint import JointBox, WarningJointDialog
    i18n.install("zh_CN")
    try:
        box = JointBox(win.room, win.link, win.selection)
        box.resize(520, 420)
        box.show_case(win.room.state["cases"][lead])
        assert "已完成 1/2 项" in box.progress.text()
        box.grab().save(str(shots / "joint-box-zh_CN.png"))
        perf = DashboardPanel(win.room, parts=("tables",), link=win.link)
        perf.resize(1600, 360)
        perf.refresh()
        perf.grab().save(str(shots / "warnings-zh_CN.png"))
        w = perf.warnings.item(0).data(0x0100 + 2)
        dlg = WarningJointDialog(win.room, w)
        dlg.grab().save(str(shots / "warning-joint-dialog-zh_CN.png"))
        for x in (box, perf, dlg):
            x.deleteLater()
    finally:
        i18n.install("en")


def test_a_warning_is_acknowledged_with_a_note_and_shown_so(cockpit, loop, qtbot):
    win = cockpit
    for a in ("九堡中心小学", "九堡中心小学东侧", "顺福路56号", "九堡中心小学北门"):
        _report(win.link, "占道", a)
    loop.wait(lambda: win.queue.model.rowCount() == 4)
    win.build_deferred_panels()
    perf = win.panels["performance"]
    perf.mark_all_dirty()
    perf.refresh()
    perf.warnings.setCurrentRow(_warning_row(perf, "place:九堡中心小学"))
    dlg = perf.open_warning_ack()
    dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert dlg.isVisible() and "A note is needed" in dlg.problem.text()          # refused here, nothing sent
    dlg.note.setText("已通知校方，加强巡查")
    dlg.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    loop.wait(lambda: perf.warning_result.text().endswith("acknowledged"), what="the warning acknowledged")
    perf.mark_all_dirty()
    perf.refresh()
    item = perf.warnings.item(_warning_row(perf, "place:九堡中心小学"))
    assert "acknowledged by" in item.text() and "已通知校方" in item.text()
    assert item.foreground().color().name() == P["muted"]
    _report(win.link, "又一起", "九堡中心小学西侧")                               # a new case raises it again
    loop.wait(lambda: win.queue.model.rowCount() == 5)
    perf.mark_all_dirty()
    perf.refresh()
    item = perf.warnings.item(_warning_row(perf, "place:九堡中心小学"))
    assert "1 new since" in item.text() and item.foreground().color().name() == P["warning"]


def test_the_weekly_report_says_how_the_room_handled_each_warning():
    from datetime import date

    from models.reports import build_report
    from models.timeutil import epoch
    w = World()
    w.now = epoch("2026-11-24T02:00:00.000Z")
    ids = [report(w, location={"address": a}) for a in ("九堡中心小学", "九堡中心小学东侧", "顺福路56号")]
    biz = [report(w, category="market", business="启航教育培训学校", location={"address": "九环路156号"})
           for _ in range(2)]
    w.run(OP, "case.link", {"case_id": ids[0], "case_ids": ids[1:], "warning": "place:九堡中心小学"})
    w.run(OP, "warning.ack", {"warning": "business:启航教育培训学校", "case_ids": biz, "note": "已约谈"})
    end = w.now + 7 * 86400
    for lang, joint_word, ack_word in (("en", "joint case " + ids[0], "acknowledged by op"),
                                        ("zh_CN", "已转一件事 " + ids[0], "op 已确认")):
        r = build_report("weekly", w.state, date(2026, 11, 24), lang, now=end, generated=end)
        states = {row[0]: row[6] for row in r.table("warnings").rows}
        assert joint_word in states["九堡中心小学"] and ack_word in states["启航教育培训学校"], states


@pytest.mark.parametrize("line,expected", [
    ("lk 1 2 C000003", ("case.link", {"case_id": "C000001", "case_ids": ["C000002", "C000003"]})),
    ("关联 1 3", ("case.link", {"case_id": "C000001", "case_ids": ["C000003"]})),
    ("ul 2", ("case.unlink", {"case_id": "C000002"})),
    ("pd 1 p2 证照已核查", ("case.part_feedback", {"case_id": "C000001", "part_id": "P2", "note": "证照已核查"})),
])
def test_the_command_line_links_unlinks_and_feeds_back_a_part(line, expected):
    from models.cmdline import parse
    w = World()
    for _ in range(3):
        report(w)
    assert parse(line, w.state) == expected


@pytest.mark.parametrize("line,message", [("lk 1", "cases to link"), ("pd 1 P1", "feedback"), ("lk 1 99", "no case")])
def test_the_command_line_says_what_is_missing(line, message):
    from models.cmdline import ParseError, parse
    w = World()
    report(w)
    with pytest.raises(ParseError, match=message):
        parse(line, w.state)


def test_the_case_sheet_prints_the_parts_and_the_linked_cases(tmp_path):
    import subprocess

    from reporting.casesheet import write_case_sheet
    w = World()
    lead, other = report(w), report(w)
    w.run(OP, "case.link", {"case_id": lead, "case_ids": [other], "parts": PARTS})
    w.run(CITY, "case.part_feedback", {"case_id": lead, "part_id": "P1", "note": "摊点已清理"})
    out = write_case_sheet(w.state["cases"][lead], w.state, tmp_path / "sheet.pdf", "zh_CN", now=w.now)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    for words in ("部门任务", "清理占道摊点", "核查证照", "关联案件", other, "部门任务完成", "摊点已清理", "城管执法中队"):
        assert words in text, words


def test_a_warning_whose_cases_are_all_closed_is_acknowledged_not_made_joint(cockpit, loop, qtbot):
    """No open case could lead a joint case: the button says so before the dialog would."""
    win = cockpit
    for a in ("九堡中心小学", "九堡中心小学东侧", "九堡中心小学门口"):
        _report(win.link, "占道", a)
    cases = win.room.state["cases"]
    loop.wait(lambda: len(cases) == 3, what="reported")
    for cid in list(cases):
        win.link.submit("case.transfer", {"case_id": cid, "to": "police"})
        win.link.submit("case.close", {"case_id": cid, "resolution": "已处置"})
    loop.wait(lambda: all(c["status"] == "closed" for c in cases.values()), what="all closed")
    win.build_deferred_panels()
    perf = win.panels["performance"]
    perf.mark_all_dirty()
    perf.refresh()
    row = _warning_row(perf, "place:九堡中心小学")
    assert row >= 0
    perf.warnings.setCurrentRow(row)
    assert perf.warning_ack.isEnabled() and not perf.warning_joint.isEnabled()
    assert "acknowledge it instead" in perf.warning_joint.toolTip()
