"""The rota, the roads and the reserve in the cockpit (pytest-qt, offscreen, the real
embedded demo server following its rota): the week view and the leader's change to a shift,
the roads and their reassignment, the road in the case detail and the dispatch dialog's
reason, the reserve called up and shown on the roster, the handover at the shift change.
Screenshots of each screen in both languages go to $XIAONAO_SHOTS (default /tmp)."""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

from PySide6.QtCore import Qt

from models import rota
from models.commands import Actor

SHOTS = Path(os.environ.get("XIAONAO_SHOTS", "/tmp"))


def _shot(widget, name: str, lang: str) -> None:
    widget.grab().save(str(SHOTS / f"rota-{name}-{lang}.png"))


def _on_server(demo_server, coro):
    """Run a coroutine on the embedded server's own loop (what another leader's cockpit would do)."""
    return asyncio.run_coroutine_threadsafe(coro, demo_server._loop).result(10)


def _zh_panel(win, room):
    """A rota panel built in Chinese (the language is chosen at start), the size of the window's."""
    from widgets.rota import RotaPanel
    zh = RotaPanel(room, win.link)
    zh.resize(win.panels["rota"].size())
    return zh


def _show(win, key):
    win.docks[key].show()
    win.docks[key].raise_()
    return win.panels[key]


def test_the_week_view_shows_the_shifts_and_the_leader_changes_one(cockpit, loop, qtbot):
    from app import i18n
    win = cockpit
    room = win.room
    panel = _show(win, "rota")
    week = panel.week
    loop.wait(lambda: rota.current(room.state) is not None, what="the shift in force")
    loop.wait(lambda: week.table.rowCount() == 3 and "Now:" in week.current.text(), what="the week drawn")
    # the shift in force is selected, its crew and leader said (the view follows the room within
    # its refresh: the demo's history may start the next shift while the first drawing is shown)
    loop.wait(lambda: week.selected_shift() == ((rota.current(room.state) or {}).get("date"),
                                                (rota.current(room.state) or {}).get("shift")),
              what="the shift in force selected")
    cur = rota.current(room.state)
    assert cur["leader"] in week.current.text() and cur["leader"] in week.detail.toPlainText()
    # the next shift: one member of W01 who is not on it is put on it, with the reason
    r = room.state["street"]["rota"]
    nxt_day, nxt_shift, _ = rota.shift_at(r, rota.next_change(r, rota.shift_start(r, cur["date"], cur["shift"])) + 1)
    week.select(nxt_day, nxt_shift)
    plan = rota.planned(room.state, nxt_day, nxt_shift)
    mid = next(m["id"] for m in room.state["teams"]["W01"]["members"] if m["id"] not in plan["members"]["W01"])
    week.member.setCurrentIndex(week.member.findData(f"W01/{mid}"))
    week.on_off.setCurrentIndex(0)                         # works this shift
    qtbot.mouseClick(week.apply, Qt.MouseButton.LeftButton)
    assert "Say why" in week.outcome.text(), (week.apply.isEnabled(), week.isVisible(), week.selected_shift(),
                                              week.member.currentData())                # no reason: nothing sent, the field is asked for
    week.reason.setText("顶班：病假")
    qtbot.mouseClick(week.apply, Qt.MouseButton.LeftButton)
    loop.wait(lambda: "acknowledged" in week.outcome.text(), what="the change acknowledged")
    loop.wait(lambda: "✎1" in (week.table.currentItem().text() if week.table.currentItem() else ""),
              what="the changed shift marked")
    name = rota.member_name(room.state, "W01", mid)
    loop.wait(lambda: f"{name} (九巡101) works this shift · by demo" in week.detail.toPlainText()
              and "顶班：病假" in week.detail.toPlainText(), what="who and why shown")
    # the same change again is refused, said where the leader acted
    week.reason.setText("再一次")
    qtbot.mouseClick(week.apply, Qt.MouseButton.LeftButton)
    loop.wait(lambda: "refused" in week.outcome.text(), what="refused")
    _shot(panel, "week", "en")
    i18n.install("zh_CN")
    try:
        zh = _zh_panel(win, room)
        zh.week.select(nxt_day, nxt_shift)
        assert "当前" in zh.week.current.text() and "值班长" in zh.week.detail.toPlainText()
        _shot(zh, "week", "zh_CN")
        zh.deleteLater()
    finally:
        i18n.install("en")


def test_roads_are_assigned_and_the_case_and_dispatch_say_who_answers(cockpit, loop, qtbot, demo_server):
    from app import i18n
    from widgets.dispatch import DispatchDialog
    win = cockpit
    room, link = win.room, win.link
    panel = _show(win, "rota")
    panel.tabs.setCurrentWidget(panel.roads)
    roads = panel.roads
    loop.wait(lambda: roads.table.rowCount() == 29, what="the road stretches listed")
    roads.select("九堡大道", "west")
    assert roads.squad.currentData() == "W03"
    roads.squad.setCurrentIndex(roads.squad.findData("W05"))
    roads.member.setCurrentIndex(roads.member.findData("M041"))
    roads.reason.setText("W03 支援中片区")
    qtbot.mouseClick(roads.assign, Qt.MouseButton.LeftButton)
    loop.wait(lambda: "acknowledged" in roads.outcome.text(), what="assigned")
    loop.wait(lambda: room.state["roads"]["九堡大道/west"]["team_id"] == "W05", what="the room has it")
    loop.wait(lambda: roads.table.item(roads.table.currentRow(), 2).text() == "九巡105 (W05)", what="the table shows it")
    _shot(panel, "roads", "en")
    # a case on that road: the detail says the road and who answers for it; dispatch prefers it and says why
    link.submit("case.report", {"title": "占道经营", "category": "city_management", "source": "12345", "priority": 3,
                                "location": {"address": "九堡大道88号"}})
    loop.wait(lambda: any(c["location"]["address"] == "九堡大道88号" for c in room.state["cases"].values()),
              what="the case reported")
    cid = next(c["id"] for c in room.state["cases"].values() if c["location"]["address"] == "九堡大道88号")
    win.selection.set_case(cid)
    detail = win.panels["detail"]
    loop.wait(lambda: "九堡大道 · responsible: 九巡105 (W05)" in detail.field_text("road"), what="the road in the detail")
    assert "member in charge: 莫平" in detail.field_text("road")
    dlg = DispatchDialog(room, link, cid, win)
    first = dlg.list.item(0).text()
    assert "W05" in first and "responsible for 九堡大道" in first and dlg.chosen_team() == "W05"
    _shot(dlg, "dispatch", "en")
    dlg.reject()
    i18n.install("zh_CN")
    try:
        zh = _zh_panel(win, room)
        zh.tabs.setCurrentWidget(zh.roads)
        zh.roads.select("九堡大道", "west")
        assert "九巡105" in zh.roads.table.item(zh.roads.table.currentRow(), 2).text()
        _shot(zh, "roads", "zh_CN")
        zh.deleteLater()
        detail.show_case(cid)
        assert "责任班组：九巡105" in detail.field_text("road") and "包干队员：莫平" in detail.field_text("road")
        dlg = DispatchDialog(room, link, cid, win)
        assert "九堡大道" in dlg.list.item(0).text()
        _shot(dlg, "dispatch", "zh_CN")
        dlg.reject()
    finally:
        i18n.install("en")


def test_the_reserve_is_called_up_shown_on_the_roster_and_stood_down(cockpit, loop, qtbot):
    from app import i18n
    win = cockpit
    room = win.room
    leader = _show(win, "leader")
    loop.wait(lambda: "36 standing by" in leader.reserve_counts.text(), what="the reserve pool counted")
    assert "Call up the reserve list (36)" == leader.call_reserve.text()
    qtbot.mouseClick(leader.call_reserve, Qt.MouseButton.LeftButton)
    assert "Confirm" in leader.call_reserve.text()
    assert not any(r["on_duty"] for r in room.state["reserve"].values())       # not before the second click
    qtbot.mouseClick(leader.call_reserve, Qt.MouseButton.LeftButton)
    loop.wait(lambda: all(r["on_duty"] for r in room.state["reserve"].values()), what="called up")
    loop.wait(lambda: "0 standing by, 36 called up of 36" in leader.reserve_counts.text(), what="counted")
    assert leader.call_reserve.text() == "Reserve list: all called up" and not leader.call_reserve.isEnabled()
    roster = win.panels["roster"]
    tile = roster.tiles["W01"]
    loop.wait(lambda: "⚑2" in tile.content()[10], what="the roster shows who was called up")
    assert "Called up:" in tile.toolTip()
    _shot(leader, "reserve", "en")
    _shot(roster, "roster", "en")
    i18n.install("zh_CN")
    try:
        from widgets.leader import LeaderPanel
        zh = LeaderPanel(room, win.link)
        zh.resize(leader.size())
        assert "备勤名单：共 36 人，待命 0 人，已调集 36 人" in zh.reserve_counts.text()
        _shot(zh, "reserve", "zh_CN")
        zh.deleteLater()
    finally:
        i18n.install("en")
    qtbot.mouseClick(leader.stand_down, Qt.MouseButton.LeftButton)
    loop.wait(lambda: not any(r["on_duty"] for r in room.state["reserve"].values()), what="stood down")
    loop.wait(lambda: "36 standing by" in leader.reserve_counts.text(), what="back in the pool")


def test_the_shift_change_follows_the_clock_and_shows_the_handover_to_the_incoming_leader(cockpit, loop,
                                                                                           demo_server):
    from app import i18n
    win = cockpit
    room = win.room
    leader = _show(win, "leader")
    loop.wait(lambda: rota.current(room.state) is not None and "Shift in force" in leader.shift_line.text(),
              what="the shift in force shown")
    before = rota.current(room.state)
    hub = demo_server.server.hub
    # the outgoing leader (another account) records the handover; the demo's leader is the incoming one
    _on_server(demo_server, hub.execute(Actor("wang", "leader"), "shift.handover", {"note": "白班交中班：注意九堡大道"}))
    loop.wait(lambda: (room.state.get("handover") or {}).get("by") == "wang", what="the handover arrived")
    loop.wait(lambda: leader.handover_dialog is not None and leader.handover_dialog.isVisible(), what="shown")
    leader.handover_dialog.reject()                 # "later": it comes back at the shift change
    r = room.state["street"]["rota"]
    nxt = rota.next_change(r, rota.shift_start(r, before["date"], before["shift"]))
    demo_server.clock.manual = nxt + 1             # the server's clock reaches the next shift
    try:
        loop.wait(lambda: (rota.current(room.state) or {}).get("seq") != before["seq"], timeout=15,
                  what="the next shift started by the server")
        cur = rota.current(room.state)
        assert (cur["date"], cur["shift"]) == rota.shift_at(r, nxt + 1)[:2]
        loop.wait(lambda: cur["leader"] in leader.shift_line.text(), what="the new shift's leader shown")
        loop.wait(lambda: leader.handover_dialog is not None and leader.handover_dialog.isVisible(), timeout=30,
                  what=f"the handover shown again at the shift change ({leader._shift_seen}, {cur['seq']}, "
                       f"{room.state.get('handover', {}).get('acked')})")
        assert "注意九堡大道" in leader.handover_dialog.note.toPlainText()
        assert f"Shift taken over: {cur['date']}" in leader.handover_dialog.shift.text()
        assert f"leader {cur['leader']}" in leader.handover_dialog.shift.text()
        _shot(leader.handover_dialog, "handover-at-shift", "en")
        # every squad member's duty follows the new crew
        plan = rota.on_shift(room.state, cur["date"], cur["shift"])
        on = {(t["id"], m["id"]) for t in room.state["teams"].values() for m in t["members"] if m["on_duty"]}
        assert on == plan
        _shot(win, "shift-change", "en")
        i18n.install("zh_CN")
        try:
            from widgets.handover import HandoverDialog
            zh = HandoverDialog(room, win.link, win)
            assert zh.shift.text().startswith("接班：") and "值班长" in zh.shift.text()
            _shot(zh, "handover-at-shift", "zh_CN")
            zh.deleteLater()
        finally:
            i18n.install("en")
    finally:
        demo_server.clock.go_live()


def test_an_operator_sees_the_rota_and_roads_but_cannot_change_them(cockpit, loop):
    """The panel follows the role the server gave (the server refuses the commands anyway:
    tests/test_rota.py): disabled, and said why."""
    from widgets.rota import RotaPanel
    win = cockpit
    room = win.room
    loop.wait(lambda: rota.current(room.state) is not None, what="the shift in force")
    room.role = "operator"
    try:
        panel = RotaPanel(room, win.link)
        panel.week.refresh()
        assert not panel.week.apply.isEnabled() and not panel.week.set_leader.isEnabled()
        assert "Shift leader or administrator only" in panel.week.role_note.text()
        assert panel.week.table.rowCount() == 3 and "Now:" in panel.week.current.text()
        assert not panel.roads.assign.isEnabled() and panel.roads.table.rowCount() == 29
        assert "may see the roads, not assign them" in panel.roads.role_note.text()
        panel.deleteLater()
    finally:
        room.role = "leader"


def test_the_wall_shows_the_shift_on_duty_and_the_reserve_called_up(qtbot, loop, demo_server, tmp_path):
    """The wall (its own account, masked view) says which shift, crew and leader are on, and
    how many are on duty; calling up the reserve shows there too."""
    from app import i18n
    from app.embedded import WALL_USER
    from app.wall import WallWindow
    from client.qtlink import LinkService
    from models.qt.room import RoomState
    link = LinkService(demo_server.url, WALL_USER, None, demo_server.tokens[WALL_USER], cache_path=tmp_path / "w.db")
    room = RoomState()
    room.user = WALL_USER
    room.attach(link)
    wall = WallWindow(room, link, scale=1.0)
    qtbot.addWidget(wall)
    wall.resize(1920, 1080)
    wall.show()
    link.start()
    try:
        loop.wait(lambda: link.status.state == "online" and rota.current(room.state) is not None, what="online")
        cur = rota.current(room.state)
        # the crew on now (crews differ in size: the demo's crew C has 72, A and B 54)
        crew = sum(len(m) for m in rota.planned(room.state, cur["date"], cur["shift"])["members"].values())
        loop.wait(lambda: f"leader {cur['leader']} · on duty {crew}" in wall.shift.full_text(), what="the shift on the wall")
        _on_server(demo_server, demo_server.server.hub.execute(Actor("wang", "leader"), "team.mobilise",
                                                               {"pool": "reserve"}))
        loop.wait(lambda: f"on duty {crew + 36} · reserve called up 36" in wall.shift.full_text(), what="the reserve on the wall")
        loop.pump(0.1)
        assert wall.shift.text() == wall.shift.full_text() and wall.title.text() == wall.title.full_text()   # whole
        assert all("*" in p["phone"] for p in room.state["reserve"].values())     # the wall's view: masked
        wall.grab().save(str(SHOTS / "rota-wall-en.png"))
        i18n.install("zh_CN")
        try:
            assert "值班长" in wall.shift_text() and "已调集备勤 36 人" in wall.shift_text()
            wall.shift.setText(wall.shift_text())
            wall.grab().save(str(SHOTS / "rota-wall-zh_CN.png"))
        finally:
            i18n.install("en")
    finally:
        wall.close()
        loop.run(link.shutdown())
