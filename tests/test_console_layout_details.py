"""Layout at 1920x1080 in both languages and the details around it, offscreen against the
real embedded server."""
from __future__ import annotations

import logging
import time

import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QPushButton

from app.embedded import DEMO_USER
from client.qtlink import LinkService
from models.qt.room import RoomState, Selection


def _window(qtbot, loop, server, tmp_path, lang, name="w", link=None, room=None):
    from app import i18n
    from app.mainwindow import MainWindow
    i18n.install(lang)
    if link is None:
        link = LinkService(server.url, DEMO_USER, None, server.tokens[DEMO_USER], cache_path=tmp_path / f"{name}.db")
        room = RoomState()
        room.user = DEMO_USER
        room.attach(link)
        link.start()
    settings = QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat)
    win = MainWindow(room, link, Selection(), settings)
    qtbot.addWidget(win)
    win.resize(1920, 1080)
    win.show()
    loop.wait(lambda: link.status.state == "online" and room.state["teams"], what="online")
    if room.state.get("seq"):
        room.sig_reset.emit()
    return win


def _report(link, title="邻里纠纷，楼上漏水", phone="13812345678", category="dispute", source="12345", grid=None,
            priority=2):
    location = {"address": "九和路120号"} | ({"grid": grid} if grid else {})
    link.submit("case.report", {"title": title, "category": category, "source": source, "priority": priority,
                                "location": location, "reporter": {"name": "王", "phone": phone}})


def _cut_cells(view) -> list[tuple[str, str]]:
    """(column, text) of every queue cell but the title's whose text does not fit its column."""
    from PySide6.QtWidgets import QStyleOptionViewItem

    from models.qt.case_table import COLUMNS
    model, delegate, cut = view.model(), view.itemDelegate(), []
    for row in range(model.rowCount()):
        for col, key in enumerate(COLUMNS):
            if key == "title":
                continue
            idx = model.index(row, col)
            opt = QStyleOptionViewItem()
            opt.initFrom(view.viewport())
            opt.font, opt.fontMetrics, opt.widget = view.font(), view.fontMetrics(), view
            if delegate.sizeHint(opt, idx).width() > view.columnWidth(col):
                cut.append((key, str(idx.data())))
    return cut


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_at_1920x1080_nothing_hides_behind_a_horizontal_scroll_bar(qtbot, loop, demo_server, tmp_path, lang):
    win = _window(qtbot, loop, demo_server, tmp_path, lang, f"layout-{lang}")
    try:
        from models.domain import CATEGORIES, SOURCES
        cats, sources = list(CATEGORIES), list(SOURCES)
        grids = [g["id"] for g in win.room.street["grids"]]
        for i in range(30):                  # more rows than the queue shows: its vertical bar is there
            _report(win.link, f"邻里纠纷 {i}", category=cats[i % len(cats)], source=sources[i % len(sources)],
                    grid=grids[(i * 7) % len(grids)], priority=1 if i % 4 == 0 else 2)     # P1 rows are bold
        loop.wait(lambda: win.queue.model.rowCount() >= 30 and not any(
            c.get("pending") for c in win.room.state["cases"].values()), what="30 reports in")
        # every category, source, area and status in full (the English ones were cut at 1920 px)
        assert not _cut_cells(win.queue.view)
        first = win.queue.model.case_id(0)
        win.build_deferred_panels()
        # a transferred case offers the most actions (progress, feedback, department signed, close,
        # escalate, supervise, return, note, amend): none of them may be pushed out of sight
        win.link.submit("case.transfer", {"case_id": first, "to": "police"})
        loop.wait(lambda: win.room.state["cases"][first]["status"] == "transferred", what="transferred")
        win.selection.set_case(first)
        loop.pump(0.5)
        assert sum(b.isVisible() for b in win.panels["detail"].buttons.values()) >= 8
        for key in ("roster", "detail"):
            for area in win.panels[key].findChildren(QAbstractScrollArea):
                if area.isVisible():
                    assert not area.horizontalScrollBar().isVisible(), f"{key}: {area.objectName() or area}"
        detail = win.panels["detail"]
        vp = detail.findChild(QAbstractScrollArea).viewport()
        for b in detail.findChildren(QPushButton):
            if b.isVisible():
                r = b.rect().translated(b.mapTo(vp, QPoint(0, 0)))
                assert vp.rect().contains(r), b.text()
        assert not detail.stages.horizontalScrollBar().isVisible()
        v = win.queue.view
        assert v.verticalScrollBar().isVisible()
        assert not v.horizontalScrollBar().isVisible(), (v.viewport().width(), win.docks["roster"].width(),
                                                         win.docks["detail"].width(), win.width())
        assert win.queue.view.columnWidth(3) >= win.queue.TITLE_MIN        # the title column
    finally:
        win.close()
        loop.run(win.link.shutdown())
        from app import i18n
        i18n.install("en")


def test_the_title_column_never_collapses(qtbot, loop, demo_server, tmp_path):
    win = _window(qtbot, loop, demo_server, tmp_path, "en")
    win.resize(900, 700)
    loop.pump(0.2)
    assert win.queue.view.columnWidth(3) >= win.queue.TITLE_MIN
    win.close()
    loop.run(win.link.shutdown())


def test_typing_a_search_or_a_long_alert_does_not_squeeze_the_docks(qtbot, loop, demo_server, tmp_path):
    win = _window(qtbot, loop, demo_server, tmp_path, "en")
    loop.pump(0.3)
    widths = {k: win.docks[k].width() for k in ("roster", "detail")}
    qtbot.keyClicks(win.queue.search, "a search for something nobody reported at all, typed at length")
    win.link.submit("case.report", {"title": "很长的标题" * 30, "category": "fire", "source": "119", "priority": 1,
                                    "location": {"address": "九和路120号"}})
    loop.wait(lambda: win.banner.isVisible(), what="a long P1 alert")
    loop.pump(0.3)
    assert {k: win.docks[k].width() for k in widths} == widths
    win.close()
    loop.run(win.link.shutdown())


def test_reset_layout_keeps_the_window_maximised(qtbot, loop, demo_server, tmp_path):
    win = _window(qtbot, loop, demo_server, tmp_path, "en")
    win.showMaximized()
    qtbot.waitUntil(win.isMaximized)
    win.docks["roster"].setFloating(True)
    win.reset_layout()
    loop.pump(0.1)
    assert win.isMaximized() and not win.docks["roster"].isFloating()
    win.close()
    loop.run(win.link.shutdown())


def test_the_wheel_over_a_choice_scrolls_its_panel(qtbot, loop, demo_server, tmp_path):
    win = _window(qtbot, loop, demo_server, tmp_path, "en")
    _report(win.link)
    loop.wait(lambda: win.queue.model.rowCount() >= 1)
    win.selection.set_case(win.queue.model.case_id(0))
    detail = win.panels["detail"]
    win.docks["detail"].resize(470, 300)
    win.resizeDocks([win.docks["detail"]], [260], Qt.Orientation.Vertical)
    loop.pump(0.3)
    area = detail.findChild(QAbstractScrollArea)
    bar = area.verticalScrollBar()
    assert bar.maximum() > 0, "the panel scrolls"
    combo = detail.department
    before = combo.currentIndex()
    bar.setValue(0)
    centre = QPointF(combo.rect().center())
    ev = QWheelEvent(centre, combo.mapToGlobal(centre), QPoint(0, 0), QPoint(0, -120), Qt.MouseButton.NoButton,
                     Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(combo, ev)
    assert combo.currentIndex() == before and bar.value() > 0
    win.close()
    loop.run(win.link.shutdown())


def test_handover_summary_refreshes_itself(qtbot, loop, demo_server, tmp_path):
    win = _window(qtbot, loop, demo_server, tmp_path, "en")
    leader = win.panels["leader"]
    assert "Open cases: 0" in leader.summary.toPlainText()
    _report(win.link)
    loop.wait(lambda: "Open cases: 1" in leader.summary.toPlainText(), timeout=10, what="summary followed")
    win.close()
    loop.run(win.link.shutdown())


def test_switching_language_keeps_user_counts_and_marks_the_language(qtbot, loop, demo_server, tmp_path):
    first = _window(qtbot, loop, demo_server, tmp_path, "en", "lang")
    assert first.language_actions["en"].isChecked() and not first.language_actions["zh_CN"].isChecked()
    assert first.user_label.text() == "demo · shift leader"
    first.link.submit("case.close", {"case_id": "C999999", "resolution": "x"})          # refused
    loop.wait(lambda: first.panels["outbox"].refused() == 1, what="refused")
    # the app rebuilds the window in the other language on the same link
    second = _window(qtbot, loop, demo_server, tmp_path, "zh_CN", "lang2", link=first.link, room=first.room)
    try:
        assert second.language_actions["zh_CN"].isChecked()
        assert second.user_label.text() == "demo · 值班长"
        assert second.panels["outbox"].refused() == 1 and second.pending_label.text()
        assert "战时时限" not in second.mode_label.text() and "平时" in second.mode_label.text()
        hint = second.cmdline.edit.placeholderText()
        assert "police" not in hint and "ack" not in hint and "确认 W01" in hint
        second.link.submit("mode.set", {"mode": "wartime"})
        loop.wait(lambda: second.room.state["mode"] == "wartime")
        loop.pump(0.1)
        assert second.mode_label.text().strip() == "战时 · 战时时限"
    finally:
        second.close()
        first.close()
        loop.run(first.link.shutdown())
        from app import i18n
        i18n.install("en")


def test_the_login_dialog_asks_first_and_shows_red_only_after_a_refusal(qtbot, loop, tmp_path):
    from app.main import Cockpit, parse_args
    from server.app import XiaonaoServer

    from .conftest import make_db
    from .test_cockpit import qtbot_app
    srv = XiaonaoServer(make_db(tmp_path), "127.0.0.1", 0)
    loop.run(srv.start())
    try:
        args = parse_args(["--server", f"ws://127.0.0.1:{srv.port}/ws", "--user", "op", "--cache",
                           str(tmp_path / "c.db"), "--lock-after", "0"])
        cockpit = Cockpit(qtbot_app(), args, None, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                          "en")
        cockpit.start()
        qtbot.addWidget(cockpit.window)
        loop.wait(lambda: cockpit.login_dialog is not None and cockpit.login_dialog.isVisible(), what="login")
        first = cockpit.login_dialog
        assert first.error.property("kind") == "muted"            # a question, not an error
        first.password_field.setText("wrong")
        first.accept()
        loop.wait(lambda: cockpit.login_dialog is not first and cockpit.login_dialog.isVisible(), what="asked again")
        assert cockpit.login_dialog.error.property("kind") == "error"
        cockpit.login_dialog.password_field.setText("op-password")
        cockpit.login_dialog.accept()
        loop.wait(lambda: cockpit.link.status.state == "online", what="logged in")
        cockpit.request_quit()
        loop.loop.run_until_complete(cockpit.finished)
    finally:
        qtbot_app().setQuitOnLastWindowClosed(True)
        loop.run(srv.stop())


def test_the_demo_logs_a_summary_not_every_command():
    from app.main import CHATTY_LOGGERS, configure_logging
    try:
        configure_logging(False)
        assert all(logging.getLogger(n).getEffectiveLevel() == logging.WARNING for n in CHATTY_LOGGERS)
        assert logging.getLogger("xiaonao.embedded").getEffectiveLevel() <= logging.INFO
        configure_logging(True)
        assert all(logging.getLogger(n).getEffectiveLevel() == logging.INFO for n in CHATTY_LOGGERS)
    finally:
        for n in (*CHATTY_LOGGERS, "xiaonao"):
            logging.getLogger(n).setLevel(logging.NOTSET)


@pytest.mark.slow
def test_first_start_shows_a_window_with_progress_while_the_demo_history_plays(qtbot, tmp_path):
    from app.embedded import EmbeddedServer
    from app.startup import StartupProgress
    win = StartupProgress()
    qtbot.addWidget(win)
    win.show()
    seen: list[float] = []

    def waiting(fraction: float) -> None:
        seen.append(fraction)
        win.set_progress(fraction)
    EmbeddedServer.waiting = waiting
    try:
        srv = EmbeddedServer(tmp_path / "fresh.db", seed=3, backfill_hours=6).start()
    finally:
        EmbeddedServer.waiting = None
    try:
        assert win.isVisible() and any(0 < f < 1 for f in seen)     # painted while the history played
        assert seen == sorted(seen) and seen[-1] > 0.2 and 0 <= seen[0] <= seen[-1] <= 1
        assert win.bar.value() == int(round(seen[-1] * 100))
        assert srv.progress() == 1.0
    finally:
        srv.stop()


@pytest.mark.slow
def test_demo_hours_without_the_simulator_plays_the_history(tmp_path):
    """`xiaonao --demo-hours 1 --no-simulate` (README): an hour of history, then a room where
    only what the user does happens (it showed an empty room: no history without the simulator)."""
    from app.embedded import EmbeddedServer
    srv = EmbeddedServer(tmp_path / "quiet.db", seed=3, backfill_hours=1, simulate=False, history=True).start()
    try:
        cases = srv.server.hub.state["cases"]
        assert len(cases) >= 5                      # the hour's cases are there
        assert any(c["status"] == "closed" for c in cases.values())
        # the room's clock is the machine's once the history is played: it went live where the
        # history began to play and lagged by the playing's length (the cockpit's clock 26 s behind)
        assert abs(srv.clock() - time.time()) < 2.0
    finally:
        srv.stop()


def test_a_layout_saved_on_a_1080p_screen_opens_on_a_laptop_with_the_queue_in_its_share(qtbot, loop, demo_server,
                                                                                         tmp_path):
    """The docks of a layout saved at 1920x1080 are scaled to a 1366x768 window, not kept in
    pixels: the dashboard kept its 480 px and left the queue three rows."""
    win = _window(qtbot, loop, demo_server, tmp_path, "en", "moved")
    try:
        win.build_deferred_panels()
        win.fit_default_docks(win.size())
        loop.pump(0.2)
        big = win.docks["dashboard"].height()
        win.save_layout()
    finally:
        win.close()
    from app.mainwindow import MainWindow
    link = win.link
    again = MainWindow(win.room, link, Selection(), QSettings(str(tmp_path / "moved.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    try:
        again.build_deferred_panels()
        again.resize(1366, 768)            # (restored at 1920x1080, then opened on the laptop's screen)
        again.show()
        loop.pump(0.3)
        assert again.docks["dashboard"].height() < big * 0.8
        v = again.queue.view
        assert v.viewport().height() // v.verticalHeader().defaultSectionSize() >= 7, v.viewport().height()
    finally:
        again.close()
        loop.run(link.shutdown())


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_at_1366x768_the_queue_keeps_its_share_and_no_panel_scrolls_sideways(qtbot, loop, demo_server, tmp_path,
                                                                               lang):
    """A laptop's screen: the window stays within it, the queue shows rows enough to work (it
    showed two, under a dashboard of 517 px), the roster's tiles sit in one column whole and the
    case detail needs no horizontal scroll bar."""
    win = _window(qtbot, loop, demo_server, tmp_path, lang, f"small-{lang}")
    try:
        win.build_deferred_panels()
        loop.pump(0.2)
        win.resize(1366, 768)            # as the first start fits a window of this size (MainWindow.showEvent)
        loop.pump(0.1)
        win.fit_default_docks(win.size())
        for i in range(12):
            _report(win.link, f"邻里纠纷 {i}")
        loop.wait(lambda: win.queue.model.rowCount() >= 12, what="reports in")
        win.selection.set_case(win.queue.model.case_id(0))
        loop.pump(0.5)
        assert win.height() <= 768 and win.minimumSizeHint().height() <= 768
        v = win.queue.view
        assert v.viewport().height() // v.verticalHeader().defaultSectionSize() >= 7, v.viewport().height()
        roster = win.panels["roster"]
        assert roster.fitting_columns() == 1 and all(s.columns == 1 for s in roster.strips)
        for key in ("roster", "detail"):
            for area in win.panels[key].findChildren(QAbstractScrollArea):
                if area.isVisible() and area.objectName() != "CaseSquads":
                    assert not area.horizontalScrollBar().isVisible(), f"{key}: {area.objectName() or area}"
    finally:
        win.close()
        loop.run(win.link.shutdown())
        from app import i18n
        i18n.install("en")
