"""Drill-down, menus, amendments, details and charts in the cockpit offscreen, against the
real embedded server."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox, QMenu


def _report(link, title, priority=3, phone=None, address="九环路209号"):
    args = {"title": title, "category": "city_management", "source": "grid", "priority": priority,
            "location": {"address": address}}
    if phone:
        args["reporter"] = {"name": "张先生", "phone": phone}
    link.submit("case.report", args)


def _dashboard(win, loop):
    win.build_deferred_panels()
    d = win.panels["dashboard"]
    d.refresh()
    return d


def test_clicking_the_overdue_tile_shows_just_those_cases_in_the_queue(cockpit, loop, qtbot):
    win = cockpit
    for t in ("甲", "乙", "丙"):
        _report(win.link, t)
    loop.wait(lambda: win.queue.model.rowCount() == 3)
    cases = win.room.state["cases"]
    late = sorted(cases)[:2]
    for cid in sorted(cases)[2:]:
        win.link.submit("case.dispatch", {"case_id": cid, "team_id": "E02"})
    loop.wait(lambda: cases[sorted(cases)[2]]["status"] == "dispatched")
    win.room.clock_offset += 90.0             # the two left undispatched miss the 1-minute limit
    d = _dashboard(win, loop)
    assert d.tiles["overdue"].value.text() == "2"
    qtbot.mouseClick(d.tiles["overdue"], Qt.MouseButton.LeftButton)
    loop.pump(0.1)
    q = win.queue
    assert sorted(q.model.ids()) == late
    assert q.drill_chip.isVisible() and "Overdue: 2 cases" in q.drill_chip.text()
    assert win.selection.case_id in late
    qtbot.mouseClick(q.drill_chip, Qt.MouseButton.LeftButton)       # the chip clears it
    assert q.model.rowCount() == 3 and not q.drill_chip.isVisible()
    win.room.clock_offset -= 90.0


def test_an_early_warning_opens_its_cases(cockpit, loop, qtbot):
    win = cockpit
    for t in ("噪音扰民", "噪音扰民again", "夜间施工"):
        _report(win.link, t, address="九和路120号")
    _report(win.link, "别处", address="顺福路98号")
    loop.wait(lambda: win.queue.model.rowCount() == 4)
    win.build_deferred_panels()
    perf = win.panels["performance"]
    perf.mark_all_dirty()
    perf.refresh()
    item = perf.warnings.item(0)
    ids = item.data(Qt.ItemDataRole.UserRole)
    assert len(ids) == 3
    win.docks["performance"].raise_()
    loop.wait(lambda: perf.warnings.isVisible(), what="the warnings shown")
    loop.pump(0.1)
    rect = perf.warnings.visualItemRect(item)
    qtbot.mouseClick(perf.warnings.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert sorted(win.queue.model.ids()) == sorted(ids)


def test_right_click_menus_on_a_queue_row_and_a_squad_tile(cockpit, loop, qtbot):
    win = cockpit
    _report(win.link, "占道经营")
    loop.wait(lambda: win.queue.model.rowCount() == 1)
    cid = win.queue.model.case_id(0)
    view = win.queue.view
    pos = view.visualRect(win.queue.model.index(0, 3)).center()
    view.customContextMenuRequested.emit(pos)
    menu = win.menu
    assert isinstance(menu, QMenu) and menu.isVisible()
    assert win.queue.model.frozen                      # the row acted on holds still
    acts = {a.objectName(): a for a in menu.actions()}
    assert acts["case.accept"].isEnabled() and acts["case.dispatch"].isEnabled() and acts["case.amend"].isEnabled()
    acts["case.accept"].trigger()
    menu.close()
    loop.wait(lambda: win.room.state["cases"][cid]["status"] == "accepted", what="accepted from the menu")
    assert not win.queue.model.frozen
    # a squad tile: dispatch the selected case to that squad
    tile = win.panels["roster"].tiles["W02"]
    win.selection.set_case(cid)
    tile.menu_requested.emit("W02", tile.mapToGlobal(tile.rect().center()))
    menu = win.menu
    acts = {a.objectName(): a for a in menu.actions()}
    assert cid in acts["case.dispatch"].text()
    acts["case.dispatch"].trigger()
    menu.close()
    loop.wait(lambda: win.room.state["cases"][cid]["team_id"] == "W02", what="dispatched to the tile's squad")
    tile.menu_requested.emit("W02", tile.mapToGlobal(tile.rect().center()))
    acts = {a.objectName(): a for a in win.menu.actions()}
    acts["drill"].trigger()
    win.menu.close()
    assert win.queue.model.ids() == [cid] and "九巡102" in win.queue.drill_chip.text()


def test_amending_a_case_from_the_detail_panel(cockpit, loop, qtbot):
    win = cockpit
    _report(win.link, "占道经营", priority=3)
    loop.wait(lambda: win.queue.model.rowCount() == 1)
    cid = win.queue.model.case_id(0)
    win.selection.set_case(cid)
    detail = win.panels["detail"]
    before = dict(win.room.state["cases"][cid]["times"])
    assert detail.buttons["case.amend"].isVisible()
    qtbot.mouseClick(detail.buttons["case.amend"], Qt.MouseButton.LeftButton)
    dlg = detail.dialog
    assert dlg.title.text() == "占道经营" and dlg.priority.value() == 3
    dlg.title.setText("占道经营（早市）")
    dlg.priority.setValue(2)
    dlg.category.setCurrentIndex(dlg.category.findData("market"))
    qtbot.mouseClick(dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    case = win.room.state["cases"][cid]
    loop.wait(lambda: case["priority"] == 2, what="amended on the server")
    assert case["title"] == "占道经营（早市）" and case["category"] == "market"
    assert case["times"] == before
    loop.wait(lambda: "Amended" in detail.timeline.item(detail.timeline.count() - 1).text())
    last = detail.timeline.item(detail.timeline.count() - 1).text()
    assert "占道经营 → 占道经营（早市）" in last and "P3 → P2" in last and "City management → Market supervision" in last
    assert "占道经营（早市）" in detail.header.text()
    # nothing changed: refused in the form, nothing sent
    detail.open_amend()
    dlg = detail.dialog
    dlg.submit()
    assert dlg.isVisible() and "Nothing was changed" in dlg.error.text()
    dlg.reject()


def test_the_reporters_phone_is_shown_in_full_to_a_leader_with_a_copy_button(cockpit, loop, qtbot):
    win = cockpit
    _report(win.link, "噪音扰民", phone="13812345678")
    loop.wait(lambda: win.queue.model.rowCount() == 1)
    win.selection.set_case(win.queue.model.case_id(0))
    detail = win.panels["detail"]
    assert "13812345678" in detail.field_text("reporter")
    assert detail.copy_phone.isVisible()
    qtbot.mouseClick(detail.copy_phone, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "13812345678"
    win.room.role = "field"                       # anyone else sees it masked
    detail.show_case(detail.case_id)
    assert "138****5678" in detail.field_text("reporter") and not detail.copy_phone.isVisible()
    win.room.role = "leader"


def test_charts_have_legends_hours_0_to_23_no_data_and_the_profiles_arrival_target(cockpit, loop):
    win = cockpit
    d = _dashboard(win, loop)
    for key in d.plots:
        assert d.legends[key].isVisibleTo(d) and d.legends[key].text(), f"{key} has no legend"
    assert "110 diverted" in d.legends["hourly"].text() and "to arrival" in d.legends["response"].text()
    assert "Off duty" in d.legends["squads"].text() and "closed" in d.legends["trend"].text()
    # nothing today yet: every chart of cases says "no data"
    for key in ("hourly", "response", "categories"):
        assert d.plots[key].no_data.isVisible(), key
    ticks = d.plots["hourly"].getAxis("bottom")._tickLevels[0]
    assert [t[1] for t in ticks] == [str(h) for h in range(0, 24, 2)]
    lo, hi = d.plots["hourly"].getViewBox().viewRange()[0]
    assert -1 < lo < 0 and 23 < hi < 24
    cat_ticks = d.plots["categories"].getAxis("left")._tickLevels[0]
    assert len(cat_ticks) == 9                    # every category named
    assert d.tiles["arrival_in_target"].caption.text() == "Arrived within 10 min"      # 1310: on scene in 10
    win.link.submit("mode.set", {"mode": "wartime"})
    loop.wait(lambda: win.room.state["mode"] == "wartime")
    d.refresh()
    assert d.tiles["arrival_in_target"].caption.text() == "Arrived within 3 min"
    _report(win.link, "有数据")
    loop.wait(lambda: win.queue.model.rowCount() == 1)
    d.refresh()
    assert not d.plots["hourly"].no_data.isVisible() and not d.plots["categories"].no_data.isVisible()
    assert np.asarray(d.cat_bars.opts["width"]).sum() == 1
