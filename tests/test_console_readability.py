"""Readability and the wall, offscreen against the real embedded server: contrast of every
text colour on its ground (from the palette), the selected row's colour, zoom, the street
map's zoom/pan/labels/legend/click-through, the wall's sizes, pages and keys."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, QSettings, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractItemView, QApplication, QToolButton

from app.embedded import WALL_USER
from client.qtlink import LinkService
from models.qt.room import RoomState

from .helpers import ROOT


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours."""
    def lum(c: str) -> float:
        q = QColor(c)
        ch = [v / 255 for v in (q.red(), q.green(), q.blue())]
        f = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in ch]
        return 0.2126 * f[0] + 0.7152 * f[1] + 0.0722 * f[2]
    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_every_queue_and_banner_text_colour_is_readable_on_its_ground():
    from widgets.alerts import AlertBanner
    from widgets.style import PALETTE
    from widgets.style import QUEUE_LIGHT_TEXT as LIGHT_COLOURS
    from widgets.style import QUEUE_P1_TEXT as P1_TEXT
    from widgets.style import QUEUE_ROWS as ROW_COLOURS
    grounds = [PALETTE["base"], PALETTE["base_alt"]]
    pairs = [(LIGHT_COLOURS[k], g, f"{k} light") for k in LIGHT_COLOURS for g in grounds]
    pairs += [(P1_TEXT, g, "P1") for g in grounds] + [(PALETTE["text"], g, "text") for g in grounds]
    pairs += [(text, g, f"{k} row") for k, (a, b, text) in ROW_COLOURS.items() for g in (a, b)]
    pairs += [(PALETTE["text_strong"], PALETTE["selection"], "selected row")]
    pairs += [(AlertBanner.TEXT, g, f"{k} banner") for k, gs in AlertBanner.STYLES.items() for g in gs]
    bad = [(what, fg, bg, round(contrast(fg, bg), 2)) for fg, bg, what in pairs if contrast(fg, bg) < 4.5]
    assert not bad


def test_an_overdue_row_stays_red_with_white_text_when_selected(cockpit, loop):
    from models.qt.case_table import COLUMNS, LightRole
    from widgets.style import QUEUE_ROWS as ROW_COLOURS
    win = cockpit
    win.link.submit("case.report", {"title": "路灯损坏", "category": "public_service", "source": "grid",
                                    "priority": 3, "location": {"address": "顺福路98号"}})
    loop.wait(lambda: win.queue.model.rowCount() == 1)
    win.room.clock_offset += 120
    q = win.queue
    loop.wait(lambda: q.model.index(0, 0).data(LightRole) == "overdue", what="overdue")
    q.set_blinking(False)
    ground, fg = q.delegate.colours(q.model.index(0, COLUMNS.index("title")))
    assert fg.name() == ROW_COLOURS["overdue"][2] and ground.color().name() == ROW_COLOURS["overdue"][0]
    assert q.delegate.colours(q.model.index(0, COLUMNS.index("sla")))[1].name() == fg.name()
    win.selection.set_case(q.model.case_id(0))
    assert q.view.selectionModel().isRowSelected(0)
    img = q.view.viewport().grab().toImage()
    rect = q.view.visualRect(q.model.index(0, COLUMNS.index("title")))
    ground = img.pixelColor(rect.right() - 3, rect.center().y()).name()
    assert ground == ROW_COLOURS["overdue"][0]                  # the deadline's colour, not the selection's
    win.room.clock_offset -= 120


def test_ctrl_plus_minus_zero_zoom_the_console_and_are_remembered(cockpit, loop, qtbot, demo_server, tmp_path):
    from app.mainwindow import MainWindow
    from widgets.style import apply_theme
    win = cockpit
    app = QApplication.instance()
    zoomed = []
    win.sig_zoom.connect(zoomed.append)
    base_pt = app.font().pointSizeF()
    try:
        qtbot.keyClick(win, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
        assert zoomed == [1.1] and float(win.settings.value("zoom")) == 1.1
        assert "font-size: 11.0pt" in app.styleSheet() and app.font().pointSizeF() == pytest.approx(base_pt * 1.1)
        qtbot.keyClick(win, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
        assert win.zoom == 1.25
        qtbot.keyClick(win, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
        assert win.zoom == 1.1
        qtbot.keyClick(win, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
        assert win.zoom == 1.0 and "font-size: 10pt;" in app.styleSheet()
        # remembered: the next window (the app rebuilds it on a zoom) is drawn at that size
        settings = QSettings(str(tmp_path / "zoom.ini"), QSettings.Format.IniFormat)
        settings.setValue("zoom", 1.25)
        other = MainWindow(win.room, win.link, win.selection, settings)
        qtbot.addWidget(other)
        assert other.zoom == 1.25
        assert other.panels["roster"].scale == 1.25 and other.banner.scale == 1.25
        assert other.queue.view.verticalHeader().defaultSectionSize() == int(26 * 1.25)
        other.close()
    finally:
        apply_theme(app, zoom=1.0)


def _drag(qtbot, w, a: QPoint, b: QPoint):
    qtbot.mousePress(w, Qt.MouseButton.LeftButton, pos=a)
    for i in range(1, 6):
        qtbot.mouseMove(w, a + (b - a) * (i / 5))
    qtbot.mouseRelease(w, Qt.MouseButton.LeftButton, pos=b)


def test_street_map_zooms_pans_labels_clear_and_clicks_through(cockpit, loop, qtbot):
    from PySide6.QtGui import QWheelEvent
    win = cockpit
    win.link.submit("case.report", {"title": "路灯损坏", "category": "public_service", "source": "grid",
                                    "priority": 1, "location": {"address": "顺福路98号"}})
    loop.wait(lambda: len(win.room.state["cases"]) == 1)
    cid = next(iter(win.room.state["cases"]))
    win.docks["map"].raise_()
    m = win.panels["map"]
    loop.wait(lambda: m.isVisible() and cid in m.case_items, what="map shown")
    m.resize(900, 600)
    m.fit()
    m.viewport().grab()                                   # one paint: labels placed
    from widgets.roster import SUBTEXT_PT
    assert m.drawn_labels and m.label_font.pointSizeF() >= 10 and SUBTEXT_PT >= 10     # at 100 %
    rects = [r for r, _t in m.drawn_labels]
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])   # none overlap
    assert any(t == "九巡101" for _r, t in m.drawn_labels) and any(t.startswith("G") for _r, t in m.drawn_labels)
    assert not m.legend_rect.isEmpty() and len(m.legend_entries()) >= 7
    for shape in ((900, 600), (640, 600)):      # (a wall's map is about square): the legend covers no grid
        m.resize(*shape)
        m.fit()
        m.viewport().grab()
        street = m.mapFromScene(m._bounds).boundingRect()
        assert not m.legend_rect.intersects(QRectF(street)), (shape, m.legend_rect, street)
    # click-through: the case marker selects the case, a squad marker the squad
    pos = m.mapFromScene(m.case_items[cid].pos())
    qtbot.mouseClick(m.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert win.selection.case_id == cid
    tri = m.team_items["W03"][0]
    qtbot.mouseClick(m.viewport(), Qt.MouseButton.LeftButton, pos=m.mapFromScene(tri.pos()) + QPoint(0, 2))
    assert win.selection.team_id == "W03"
    # wheel and +/- zoom, drag pans, 0 fits
    centre = QPointF(m.viewport().rect().center())
    ev = QWheelEvent(centre, m.viewport().mapToGlobal(centre), QPoint(0, 0), QPoint(0, 240), Qt.MouseButton.NoButton,
                     Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(m.viewport(), ev)
    assert m.zoom == pytest.approx(1.5625)
    qtbot.keyClick(m, Qt.Key.Key_Plus)
    assert m.zoom == pytest.approx(1.953125)
    qtbot.keyClick(m, Qt.Key.Key_Minus)
    assert m.zoom == pytest.approx(1.5625)
    before = m.mapToScene(m.viewport().rect().center())
    _drag(qtbot, m.viewport(), QPoint(300, 300), QPoint(150, 200))
    after = m.mapToScene(m.viewport().rect().center())
    assert after.x() > before.x() + 10 and after.y() > before.y() + 10      # the street moved with the pointer
    qtbot.keyClick(m, Qt.Key.Key_0)
    assert m.zoom == 1.0


@pytest.mark.slow
def test_the_wall_is_legible_paged_and_closes_on_ctrl_q(qtbot, loop, demo_server, tmp_path):
    from app.wall import WALL_MIN_PX, WallWindow
    link = LinkService(demo_server.url, WALL_USER, None, demo_server.tokens[WALL_USER], cache_path=tmp_path / "w.db")
    room = RoomState()
    room.user = WALL_USER
    room.attach(link)
    wall = WallWindow(room, link, scale=1.35)
    qtbot.addWidget(wall)
    wall.resize(1920, 1080)
    wall.show()
    link.start()
    loop.wait(lambda: link.status.state == "online" and room.state["teams"], what="online")
    loop.pump(0.3)
    # tick labels, tile captions and subtexts, warnings: 20 px at least
    p1 = wall.pages.widget(0)
    for key, p in p1.plots.items():
        for ax in ("left", "bottom"):
            assert p.getAxis(ax).style["tickFont"].pixelSize() >= WALL_MIN_PX, key
    assert all(f"{WALL_MIN_PX}px" in t.caption.styleSheet() or int(t.caption.styleSheet().split("font-size: ")[1]
               .split("px")[0]) >= WALL_MIN_PX for t in p1.tiles.values())
    roster = wall.roster
    assert roster.scale * 10 * 96 / 72 >= WALL_MIN_PX - 0.5      # the tiles' smallest lines
    # the talkgroups are paged, never behind a scroll bar
    wall.show_page(1)
    loop.pump(0.3)
    assert roster.scroll_area.verticalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    seen = set()
    for _ in range(len(roster.pages)):
        vis = [s for s in roster.strips if s.isVisible()]
        assert vis and sum(s.height() for s in vis) <= roster.scroll_area.viewport().height() + 10
        seen.update(t for s in vis for t in (tile.team_id for tile in s.tiles))
        roster.next_page()
        loop.pump(0.05)
    assert len(seen) == 18
    # every squad in the ranking, a page at a time
    wall.show_page(2)
    perf = wall.performance
    perf.mark_all_dirty()
    perf.refresh()
    loop.pump(0.3)
    perf.resize(perf.size())
    names = set()
    for _ in range(perf.ranking_pages()):
        names.update(perf.ranking.item(r, 1).text() for r in range(perf.ranking.rowCount()))
        assert not perf.ranking.verticalScrollBar().isVisible()
        perf.next_ranking_page()
    assert len(names) == 18
    assert perf.warnings.wordWrap() and perf.warnings.textElideMode() == Qt.TextElideMode.ElideNone
    wall.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is wall)
    qtbot.keyClick(wall, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert not wall.isVisible()
    loop.run(link.shutdown())


@pytest.mark.subprocess
def test_a_screen_that_does_not_exist_is_an_error_naming_the_screens():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "app.main", "--wall", "--screen", "7"], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "there is no screen 7" in r.stderr and "the screens are 0:" in r.stderr


def test_spin_box_arrows_are_drawn_light_on_the_dark_theme(qtbot, qapp):
    """The priority box's up/down arrows were drawn dark on dark: now they read."""
    from PySide6.QtWidgets import QSpinBox

    from widgets.style import P, style_sheet
    box = QSpinBox(minimum=1, maximum=4, value=3)
    box.setStyleSheet(style_sheet())
    qtbot.addWidget(box)
    box.resize(120, 30)
    box.show()
    img = box.grab().toImage()
    strip = [QColor(img.pixel(x, y)) for x in range(img.width() - 18, img.width()) for y in range(img.height())]
    lightest = max(strip, key=lambda c: c.lightness())
    assert contrast(lightest.name(), P["button"]) >= 4.5, lightest.name()


def test_a_slider_shows_its_whole_track_and_how_far_it_is(qtbot):
    """The replay's time slider: its track was near the window's colour, the handle dark, so
    at 0 % there was nothing to see to drag."""
    from PySide6.QtWidgets import QSlider

    from widgets.style import P, apply_theme
    apply_theme(QApplication.instance(), zoom=1.0)
    s = QSlider(Qt.Orientation.Horizontal)
    qtbot.addWidget(s)
    s.setRange(0, 100)
    s.setValue(40)
    s.resize(600, 30)
    s.show()
    img = s.grab().toImage()
    y = img.height() // 2
    assert img.pixelColor(img.width() - 30, y).name() == P["border_button"]      # the track still ahead
    assert img.pixelColor(60, y).name() == P["accent"]                             # the part played


def _light_share(img) -> float:
    """The share of an image's pixels on a light ground (what a light theme paints)."""
    light = sum(img.pixelColor(x, y).lightness() > 160 for x in range(0, img.width(), 2) for y in range(0, img.height(), 2))
    return light / max(1, len(range(0, img.width(), 2)) * len(range(0, img.height(), 2)))


def test_the_replay_windows_controls_calendar_and_scroll_bars_are_dark(qtbot):
    """The replay's top row (range, Load, Play, speed, slider), the range's calendar and a
    horizontal scroll bar on the dark theme: dark grounds, the calendar's month arrows drawn
    light (they were black on dark), its days of other months dimmed."""
    from PySide6.QtWidgets import QScrollBar

    from widgets.replay import ReplayWindow
    from widgets.style import P, apply_theme
    apply_theme(QApplication.instance(), zoom=1.0)
    rw = ReplayWindow(None)
    qtbot.addWidget(rw)
    rw.show()
    for w in (rw.from_edit, rw.to_edit, rw.load_button, rw.play_button, rw.speed, rw.slider):
        assert _light_share(w.grab().toImage()) < 0.15, w.objectName() or type(w).__name__
    bar = QScrollBar(Qt.Orientation.Horizontal)
    qtbot.addWidget(bar)
    bar.setRange(0, 100)
    bar.resize(400, 14)
    bar.show()
    assert _light_share(bar.grab().toImage()) < 0.05
    cal = rw.from_edit.calendarWidget()
    cal.resize(320, 220)
    cal.show()
    for name in ("qt_calendar_prevmonth", "qt_calendar_nextmonth"):
        button = cal.findChild(QToolButton, name)
        img = button.grab().toImage()
        lightest = max((img.pixelColor(x, y) for x in range(img.width()) for y in range(img.height())),
                       key=lambda c: c.lightness())
        assert contrast(lightest.name(), P["panel"]) >= 4.5, (name, lightest.name())
    view = cal.findChild(QAbstractItemView)
    assert view.palette().color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text).name() == P["dim"]
