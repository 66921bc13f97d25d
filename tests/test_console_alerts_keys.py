"""The cockpit and the wall offscreen, against the real embedded server: alerts acknowledged
for the whole room, escalation, muting remembered, and the keyboard."""
from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.embedded import DEMO_USER, WALL_USER
from client.qtlink import LinkService
from models.qt.room import RoomState, Selection


def _p1(link, title="燃气泄漏", address="九和路120号"):
    link.submit("case.report", {"title": title, "category": "fire", "source": "119", "priority": 1,
                                "location": {"address": address}})


def open_window(qtbot, loop, server, tmp_path, name, settings=None, user=DEMO_USER):
    from app.mainwindow import MainWindow
    link = LinkService(server.url, user, None, server.tokens[user], cache_path=tmp_path / f"{name}.db")
    room, sel = RoomState(), Selection()
    room.user = user
    room.attach(link)
    settings = settings or QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat)
    win = MainWindow(room, link, sel, settings)
    qtbot.addWidget(win)
    win.show()
    link.start()
    loop.wait(lambda: link.status.state == "online" and room.state["teams"], what="online")
    return win


def open_wall(qtbot, loop, server, tmp_path):
    from app.wall import WallWindow
    link = LinkService(server.url, WALL_USER, None, server.tokens[WALL_USER], cache_path=tmp_path / "wall.db")
    room = RoomState()
    room.user = WALL_USER
    room.attach(link)
    wall = WallWindow(room, link, scale=1.0)
    qtbot.addWidget(wall)
    wall.resize(1920, 1080)
    wall.show()
    link.start()
    loop.wait(lambda: link.status.state == "online" and room.state["teams"], what="wall online")
    return wall


def test_an_alert_acknowledged_in_one_cockpit_clears_everywhere_and_survives_restarts(
        cockpit, loop, qtbot, demo_server, tmp_path):
    win = cockpit
    wall = open_wall(qtbot, loop, demo_server, tmp_path)
    _p1(win.link)
    _p1(win.link, "化工厂冒烟", "顺福路98号")
    loop.wait(lambda: len(win.alerts.unacknowledged("p1")) == 2, what="two P1 alerts")
    loop.wait(lambda: len(wall.alerts.unacknowledged("p1")) == 2, what="the wall counts both")
    loop.wait(lambda: "2 unacknowledged" in wall.banner.count.text(), what="the wall's count")
    first = win.alerts.top()
    qtbot.mouseClick(win.banner.ack, Qt.MouseButton.LeftButton)     # acknowledged here...
    cid = first.key
    loop.wait(lambda: "p1" in (win.room.state["cases"][cid].get("acks") or {}), what="the server recorded it")
    # ...and on the wall, which cannot acknowledge anything itself
    loop.wait(lambda: len(wall.alerts.unacknowledged("p1")) == 1, what="wall count down")
    assert wall.banner.count.text() == ""            # one left: no count, the alert itself
    assert cid not in wall.banner.label.text()
    # a second cockpit starting now (a restart) shows only the unacknowledged one
    other = open_window(qtbot, loop, demo_server, tmp_path, "second")
    loop.wait(lambda: len(other.alerts.unacknowledged("p1")) == 1, what="alert kept over a restart")
    left = other.alerts.unacknowledged("p1")[0]
    assert left.key != cid and other.banner.isVisible() and left.key in other.banner.label.text()
    other.alerts.acknowledge_all("p1")
    loop.wait(lambda: not wall.alerts.unacknowledged() and not win.alerts.unacknowledged(), what="all cleared")
    loop.wait(lambda: not wall.banner.isVisible() and not win.banner.isVisible())
    other.close()
    wall.close()
    for w in (other, wall):                 # their links close now, not at the server's stop
        loop.run(w.link.shutdown())


def test_an_unacknowledged_alert_escalates_to_the_shift_leader_even_muted(cockpit, loop):
    win = cockpit
    win.set_muted("p1", True)
    heard = []
    win.alerts.sig_sound.connect(heard.append)
    _p1(win.link)
    loop.wait(lambda: win.alerts.unacknowledged("p1"), what="P1 alert")
    assert heard == []                                  # muted
    assert win.room.role == "leader"
    win.room.clock_offset += win.alerts.escalate_after_min * 60 + 5
    loop.wait(lambda: win.alerts.unacknowledged("p1")[0].escalated, what="escalated")
    assert "p1" in heard                                # the leader hears it although muted
    assert "escalated to the shift leader" in win.banner.label.text()
    win.room.clock_offset -= win.alerts.escalate_after_min * 60 + 5


def test_muting_shows_an_indicator_and_is_remembered(qtbot, loop, demo_server, tmp_path):
    settings = QSettings(str(tmp_path / "mute.ini"), QSettings.Format.IniFormat)
    win = open_window(qtbot, loop, demo_server, tmp_path, "mute", settings)
    assert not win.mute_label.isVisible()
    win.mute_actions["overdue"].trigger()               # the Alerts menu's check box
    assert "overdue" in win.alerts.muted
    assert win.mute_label.isVisible() and "missed deadlines" in win.mute_label.text()
    win.close()
    again = open_window(qtbot, loop, demo_server, tmp_path, "mute2", settings)
    assert again.mute_actions["overdue"].isChecked() and "overdue" in again.alerts.muted
    assert again.mute_label.isVisible()
    again.mute_actions["overdue"].trigger()
    assert not again.mute_label.isVisible() and not settings.value("alerts/mute_overdue", type=bool)
    again.close()
    for w in (win, again):                  # their links close now, not at the server's stop
        loop.run(w.link.shutdown())


def test_ctrl_q_asks_while_alerts_are_unacknowledged(cockpit, loop, qtbot):
    win = cockpit
    _p1(win.link)
    loop.wait(lambda: win.alerts.unacknowledged(), what="alert")
    qtbot.keyClick(win, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    box = win.quit_box
    assert box.isVisible() and "1 unacknowledged alert" in box.text()
    assert win.isVisible()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.No), Qt.MouseButton.LeftButton)
    assert win.isVisible()
    cid = win.alerts.alerts[0].key
    win.alerts.acknowledge_all("p1")
    loop.wait(lambda: "p1" in (win.room.state["cases"][cid].get("acks") or {}), what="acknowledged")
    loop.wait(lambda: not win.quit_warnings(), what="nothing left")
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    qtbot.keyClick(win, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not win.isVisible()                          # nothing pending: quits at once


def test_new_case_form_tab_leaves_the_description_and_esc_asks_before_discarding(cockpit, loop, qtbot):
    win = cockpit
    win.open_new_case()
    dlg = win.dialog
    dlg.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dlg)
    dlg.description.setFocus()
    assert dlg.description.hasFocus()
    qtbot.keyClick(dlg.description, Qt.Key.Key_Tab)
    assert "\t" not in dlg.description.toPlainText()
    assert not dlg.description.hasFocus() and QApplication.focusWidget() is dlg.reporter
    dlg.title.setText("电动车楼道充电")
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert dlg.isVisible() and dlg.discard_box.isVisible()            # asks
    qtbot.mouseClick(dlg.discard_box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert dlg.isVisible() and dlg.title.text() == "电动车楼道充电"     # kept
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    qtbot.mouseClick(dlg.discard_box.button(QMessageBox.StandardButton.Discard), Qt.MouseButton.LeftButton)
    assert not dlg.isVisible()
    win.open_new_case()                  # an empty form closes on Esc at once
    empty = win.dialog
    qtbot.keyClick(empty, Qt.Key.Key_Escape)
    assert not empty.isVisible()


def test_down_from_search_moves_into_the_queue(cockpit, loop, qtbot):
    win = cockpit
    for t in ("占道经营", "路灯损坏"):
        win.link.submit("case.report", {"title": t, "category": "city_management", "source": "grid",
                                        "priority": 3, "location": {"address": "九环路209号"}})
    loop.wait(lambda: win.queue.model.rowCount() == 2)
    win.queue.focus_search()
    qtbot.keyClick(win.queue.search, Qt.Key.Key_Down)
    assert win.queue.view.hasFocus()
    assert win.queue.view.currentIndex().isValid()


def test_the_queue_holds_still_while_the_mouse_is_down(cockpit, loop, qtbot: QtBot):
    win = cockpit
    q = win.queue
    for t, p in (("甲", 3), ("乙", 3), ("丙", 3)):
        win.link.submit("case.report", {"title": t, "category": "city_management", "source": "grid",
                                        "priority": p, "location": {"address": "九环路209号"}})
    loop.wait(lambda: q.model.rowCount() == 3)
    loop.pump(0.2)
    order = q.model.ids()
    last = order[-1]
    vp = q.view.viewport()
    rect = q.view.visualRect(q.model.index(2, 3))
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, pos=rect.center())
    assert q.model.frozen
    # the case under the pointer becomes P1: it would jump to the top
    win.link.submit("case.amend", {"case_id": last, "priority": 1})
    loop.wait(lambda: win.room.state["cases"][last]["priority"] == 1, what="amended")
    loop.pump(0.3)
    assert q.model.ids() == order and q.model.case_id(2) == last        # still under the pointer
    win.room.sig_room.emit()            # the SLA profile or mode changed meanwhile: still under the pointer
    win.room.sig_reset.emit()           # a whole new state (a resync): still there
    loop.pump(0.1)
    assert q.model.ids() == order and q.model.case_id(2) == last
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, pos=rect.center())
    assert win.selection.case_id == last
    loop.wait(lambda: not q.model.frozen, what="thawed after the double-click interval")
    loop.wait(lambda: q.model.case_id(0) == last, what="moved after release")
    assert win.selection.case_id == last and q.view.currentIndex().row() == 0   # the selection followed
