"""The live dashboard: KPI tiles, charts, the squad ranking and early warnings.

Recomputed from the state at most once a second when something changed (coalesced), and
drawn by updating curves created once (`setData`/`setOpts`), never by re-creating them.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGraphicsItem,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models import kpi
from models.domain import CATEGORIES, SOURCES, TEAM_STATUSES
from models.qt import labels
from models.qt.room import RoomState
from widgets.style import SLA_COLOURS, TEAM_COLOURS, P, set_kind

pg.setConfigOptions(antialias=False, background=P["base"], foreground=P["heading"])

WEEK_EVERY = 10.0     # seconds between refreshes of the 7-day figures

KPI_TILES = [
    ("today", QT_TRANSLATE_NOOP("Dashboard", "Cases today"), "count"),
    ("open", QT_TRANSLATE_NOOP("Dashboard", "Open"), "count"),
    ("overdue", QT_TRANSLATE_NOOP("Dashboard", "Overdue"), "alarm"),
    ("dispatch_in_sla", QT_TRANSLATE_NOOP("Dashboard", "Dispatched within SLA"), "rate"),
    # captioned from the profile in force ("Arrived within %1 min"), see refresh
    ("arrival_in_target", QT_TRANSLATE_NOOP("Dashboard", "Arrived within 8 min"), "rate"),
    ("on_scene_closure", QT_TRANSLATE_NOOP("Dashboard", "Closed on scene"), "rate"),
    ("closure_rate", QT_TRANSLATE_NOOP("Dashboard", "Closure rate"), "rate"),
    ("satisfaction", QT_TRANSLATE_NOOP("Dashboard", "Satisfaction"), "rate"),
]
SOURCE_COLOURS = [P["accent"], P["ok"], P["warning"], P["error"], P["purple"], P["teal"], P["coral"], P["muted"], P["pink"]]


def text_px(pt: float, scale: float = 1.0, min_px: int = 0) -> int:
    """A type size in pixels: `pt` at 100 % (96 dpi) times the scale, at least `min_px`
    (the wall asks for 20 px: legible from 5 m on a 1080p screen)."""
    return max(int(round(pt * scale * 96 / 72)), min_px)


class KpiTile(QFrame):
    """Signals:
        clicked(str): the tile's key (the queue shows the cases behind it).
    """
    clicked = Signal(str)

    def __init__(self, caption: str, scale: float = 1.0, parent=None, key: str = "", min_px: int = 0):
        super().__init__(parent)
        self.setProperty("kind", "card")
        self.scale, self.key, self.min_px = scale, key, min_px
        if key:
            self.setObjectName(f"kpi-{key}")
        self.value = QLabel("—")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel(caption)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # sizes through the stylesheet: the theme's font-size would override setFont()
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet(f"color: #8593a3; font-size: {text_px(10, scale, min_px)}px")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.value)
        lay.addWidget(self.caption)

    def mousePressEvent(self, e):
        if e.button() == Qt.MouseButton.LeftButton and self.key:
            self.clicked.emit(self.key)
        super().mousePressEvent(e)

    def set(self, text: str, colour: str = P["text_strong"]) -> None:
        if text != self.value.text():
            self.value.setText(text)
        if colour != getattr(self, "_colour", None):       # a new style sheet re-polishes: only on change
            self._colour = colour
            self.value.setStyleSheet(f"color: {colour}; font-size: {text_px(20, self.scale, self.min_px)}px; "
                                     "font-weight: bold")


PLOT_MIN_PX = 100     # a chart's least height at 100 %: title, an axis of at least two readable ticks


class CountAxis(pg.AxisItem):
    """An axis of counts (cases, squads, minutes): whole numbers only, never '0.5 cases', and
    no closer together than their labels allow (a short chart gets 0, 10, 20, not 0, 5, 10, 15, 20
    piled on each other)."""

    def resizeEvent(self, ev=None):
        # pyqtgraph drops its picture on a resize but asks for no repaint: with the axis cached as a
        # pixmap (DeviceCoordinateCache, _plot) a chart made shorter kept the taller one's labels,
        # out of place against its bars, until its range next changed
        super().resizeEvent(ev)
        self.update()

    def tickValues(self, minVal, maxVal, size):
        span = maxVal - minVal
        if span <= 0 or size <= 0:
            return []
        font = self.style.get("tickFont")
        px = font.pixelSize() if font is not None and font.pixelSize() > 0 else 11
        least = span * px * (1.8 if self.orientation in ("left", "right") else 3.0) / size
        step = 1.0
        for m in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
            step = float(m)
            if m >= least:
                break
        else:
            step = float(10 ** math.ceil(math.log10(least)))
        first = math.ceil(minVal / step - 1e-6) * step        # 0 at a range starting a hair above it
        values = [first + i * step for i in range(int((maxVal - first) / step + 1e-6) + 1)]
        return [(step, values)]


def fitted_title(title: str, font: QFont, width: int) -> str:
    """A chart's title as it fits `width` pixels at its size (a wall's text is never made
    smaller): whole, or broken onto a second line at a space, or cut with "…" as a last
    resort (drawn past the panel's edge, "Categories (toda" read as a word)."""
    fm = QFontMetrics(font)
    if fm.horizontalAdvance(title) <= width:
        return title
    words = title.split(" ")
    for i in range(len(words) - 1, 0, -1):
        first, rest = " ".join(words[:i]), " ".join(words[i:])
        if fm.horizontalAdvance(first) <= width:
            return first + "<br>" + fm.elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return fm.elidedText(title, Qt.TextElideMode.ElideRight, width)


class _Plot(pg.PlotWidget):
    """A dashboard chart whose title is fitted to its width as it is resized."""

    def set_fitted_title(self, title: str, px: int) -> None:
        self._title, self._title_font = title, QFont()
        self._title_font.setPixelSize(px)
        self._title_shown = ""
        # fitted again when the left axis takes its labels' width (a wall's category names)
        self.getPlotItem().getAxis("left").geometryChanged.connect(self._fit_title)
        self._fit_title()

    def _fit_title(self) -> None:
        title = getattr(self, "_title", None)
        if title is None:
            return
        # the title sits over the plot area only: the left axis' labels (a wall's category
        # names) take their width first, and a title wider than the rest made the chart
        # wider than its panel (cut off at the right, its bars with it)
        left = self.getPlotItem().getAxis("left")
        axis_w = left.width() if left.isVisible() else 0
        text = fitted_title(title, self._title_font, max(40, int(self.width() - axis_w - 16)))
        if text != self._title_shown:
            self._title_shown = text
            self.setTitle(text, color=P["text_soft"], size=f"{self._title_font.pixelSize()}px")
            self.setToolTip(title if text != title else "")
            if "<br>" in text:           # (pyqtgraph keeps the title's row at 30 px: one line)
                h = int(2 * QFontMetrics(self._title_font).lineSpacing() + 8)
                pi = self.getPlotItem()
                pi.titleLabel.setMaximumHeight(h)
                pi.layout.setRowFixedHeight(0, h)
            # the chart laid out again in the view's rect: one sized while the title was
            # wider keeps that width (past its panel) until the next resize
            if getattr(self, "_relayout_timer", None) is None:      # (dies with the chart)
                self._relayout_timer = QTimer(self, singleShot=True, interval=0)
                self._relayout_timer.timeout.connect(self._relayout)
            self._relayout_timer.start()

    def _relayout(self) -> None:
        if not self.closed and self.centralWidget is not None:
            self.centralWidget.setGeometry(self.range)

    def resizeEvent(self, ev) -> None:
        super().resizeEvent(ev)
        self._fit_title()


def _plot(title: str, scale: float, min_px: int = 0) -> pg.PlotWidget:
    # (enableMenu=False: its view box's context menu, never shown, is not made: ~4 ms a chart)
    w = _Plot(axisItems={"left": CountAxis("left"), "bottom": CountAxis("bottom")}, enableMenu=False)
    # never squeezed to a strip whose tick labels pile up (a short dock, the replay, 1366x768)
    w.setMinimumHeight(int(PLOT_MIN_PX * scale))
    w.set_fitted_title(title, text_px(10, scale, min_px))
    w.showGrid(x=False, y=True, alpha=0.2)
    w.setMenuEnabled(False)
    # pyqtgraph makes each plot's "Plot Options" menu (and its six submenus) without a parent:
    # a top-level widget that outlived the chart, 35 per dashboard left behind by every window
    # closed (a replay, a zoom's rebuilt window), each restyled by every later zoom and told of
    # every language switch. A child of the chart, it goes with it.
    menu = w.getPlotItem().ctrlMenu
    if menu is not None and menu.parent() is None:
        menu.setParent(w, menu.windowFlags())
    w.setMouseEnabled(False, False)
    w.hideButtons()
    f = QFont()
    f.setPixelSize(text_px(8.5, scale, min_px))
    w.getAxis("bottom").setHeight(int(f.pixelSize() * 1.6) + 8)     # room for the tick labels' full height
    # the lowest and highest counts named too: a label half past the axis' end is drawn, not dropped
    w.getAxis("left").setStyle(hideOverlappingLabels=False)
    for ax in ("left", "bottom"):
        w.getAxis(ax).setTickFont(f)
        w.getAxis(ax).setTextPen(P["text_soft"])
        # axes (text and grid) change only when their range or ticks do: keep each as a
        # pixmap and blit it, instead of re-rendering its text every frame (most of a
        # frame's cost in software rendering)
        w.getAxis(ax).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    w.getPlotItem().titleLabel.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    # an empty chart says so instead of showing a bare ±0.4 axis
    nd = pg.TextItem(QCoreApplication.translate("Dashboard", "no data"), color=P["muted"], anchor=(0.5, 0.5))
    nd.setFont(f)
    nd.setVisible(False)
    w.getViewBox().addItem(nd, ignoreBounds=True)
    w.no_data = nd
    return w


def legend_html(entries: list[tuple[str, str, str]]) -> str:
    """A legend line: (colour, text, "box" | "line" | "dash") for each series."""
    marks = {"box": "■", "line": "━", "dash": "╌"}
    return "&nbsp;&nbsp; ".join(f"<span style='color:{c}'>{marks.get(k, '■')}</span>&nbsp;{t}" for c, t, k in entries)


def _legend_label(scale: float, min_px: int) -> QLabel:
    lab = QLabel()
    lab.setTextFormat(Qt.TextFormat.RichText)
    lab.setWordWrap(True)
    lab.setAlignment(Qt.AlignmentFlag.AlignCenter)
    lab.setStyleSheet(f"color: #c9d1d9; font-size: {text_px(8.5, scale, min_px)}px; background: #161b22")
    return lab


def _count_range(p: pg.PlotWidget, top: float) -> None:
    """Counts from 0 to `top`, with room under 0 for its label (a label reaching past the chart's
    edge is not drawn)."""
    p.setYRange(-0.08 * top, top, padding=0.02)


def _show_no_data(p: pg.PlotWidget, empty: bool, x: float, y: float) -> None:
    p.no_data.setVisible(empty)
    if empty:
        p.no_data.setPos(x, y)


class DashboardPanel(QWidget):
    """scale > 1 for the wall: type readable from across the room (`min_px`: no text
    smaller; `page_rows`: the ranking shows this many squads a page and turns the pages).

    Signals:
        sig_drill(str, list): a tile or an early warning was clicked: a title and the ids of
            the cases behind it (the queue shows just those).
    """
    sig_drill = Signal(str, object)

    def __init__(self, room: RoomState, scale: float = 1.0, parts: tuple[str, ...] = ("kpis", "charts", "tables"),
                 parent=None, min_px: int = 0, page_rows: int = 0, page_s: float = 8.0, link=None):
        """`link`: the cockpit's link; with it, a warning can be acknowledged or made a joint
        case from here (the wall has none: it only shows)."""
        super().__init__(parent)
        self.setObjectName("DashboardPanel")
        self.room, self.scale, self.min_px = room, scale, min_px
        self.link = link
        self.page_rows, self.ranking_page = page_rows, 0
        self._ranking_rows: list[dict] = []
        self.tiles: dict[str, KpiTile] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        if "kpis" in parts:
            row = QGridLayout()
            for i, (key, caption, _kind) in enumerate(KPI_TILES):
                tile = KpiTile(QCoreApplication.translate("Dashboard", caption), scale, key=key, min_px=min_px)
                tile.setToolTip(self.tr("Click: show these cases in the queue"))
                tile.setCursor(Qt.CursorShape.PointingHandCursor)
                tile.clicked.connect(self.drill)
                self.tiles[key] = tile
                row.addWidget(tile, 0, i)
            lay.addLayout(row)
        self.plots: dict[str, pg.PlotWidget] = {}
        self.legends: dict[str, QLabel] = {}
        if "charts" in parts:
            charts = QGridLayout()
            self.plots["hourly"] = p = _plot(QCoreApplication.translate("Dashboard", "Cases per hour by source (today)"), scale, min_px)
            self._legend("hourly", [(SOURCE_COLOURS[i % len(SOURCE_COLOURS)], labels.source(src), "box")
                                    for i, src in enumerate(SOURCES)])
            self._hour_bars = []
            for i, src in enumerate(SOURCES):
                bar = pg.BarGraphItem(x=np.arange(24), height=np.zeros(24), width=0.8,
                                      brush=SOURCE_COLOURS[i % len(SOURCE_COLOURS)], pen=None, name=labels.source(src))
                p.addItem(bar)
                self._hour_bars.append(bar)
            p.setXRange(-0.6, 23.6, padding=0)      # the hours 0-23, nothing before or after
            p.getAxis("bottom").setTicks([[(h, str(h)) for h in range(0, 24, 2)], [(h, "") for h in range(1, 24, 2)]])
            self.plots["response"] = p = _plot(
                QCoreApplication.translate("Dashboard", "Minutes from report to dispatch / arrival"), scale, min_px)
            self._legend("response", [(P["accent"], QCoreApplication.translate("Dashboard", "to dispatch"), "box"),
                                      (P["warning"], QCoreApplication.translate("Dashboard", "to arrival"), "box"),
                                      (P["alarm"], QCoreApplication.translate("Dashboard", "time limits"), "dash")])
            self._disp_curve = p.plot(stepMode="center", fillLevel=0, brush=(61, 139, 253, 110), pen=pg.mkPen(P["accent"]),
                                      name=QCoreApplication.translate("Dashboard", "to dispatch"))
            self._arr_curve = p.plot(stepMode="center", fillLevel=0, brush=(255, 176, 32, 90), pen=pg.mkPen(P["warning"]),
                                     name=QCoreApplication.translate("Dashboard", "to arrival"))
            self._limit_lines = [pg.InfiniteLine(angle=90, pen=pg.mkPen(P["alarm"], style=Qt.PenStyle.DashLine))
                                 for _ in range(3)]
            for ln in self._limit_lines:
                p.addItem(ln)
            p.setXRange(0, 30, padding=0.02)
            self.plots["categories"] = p = _plot(QCoreApplication.translate("Dashboard", "Categories (today)"), scale, min_px)
            # horizontal bars, every one named on the axis (the chart spans two rows)
            self.cat_bars = pg.BarGraphItem(x0=0, y=np.arange(len(CATEGORIES)), width=np.zeros(len(CATEGORIES)),
                                             height=0.7, brush=P["accent"], pen=None)
            p.addItem(self.cat_bars)
            p.invertY(True)
            p.showGrid(x=True, y=False, alpha=0.2)
            p.getAxis("left").setTicks([[(i, labels.category(c)) for i, c in enumerate(CATEGORIES)]])
            p.setYRange(-0.6, len(CATEGORIES) - 0.4, padding=0)
            self._legend("categories", [(P["accent"], QCoreApplication.translate("Dashboard", "cases today"), "box")])
            self.plots["squads"] = p = _plot(QCoreApplication.translate("Dashboard", "Squads by status"), scale, min_px)
            self._team_bars = pg.BarGraphItem(x=np.arange(len(TEAM_STATUSES)), height=np.zeros(len(TEAM_STATUSES)),
                                              width=0.7, brushes=[TEAM_COLOURS[s] for s in TEAM_STATUSES], pen=None)
            p.addItem(self._team_bars)
            # the bars in the legend's order and colours: names under narrow bars would collide
            p.getAxis("bottom").setTicks([[(i, "") for i in range(len(TEAM_STATUSES))]])
            p.setXRange(-0.6, len(TEAM_STATUSES) - 0.4, padding=0)
            self._legend("squads", [(TEAM_COLOURS[st], labels.team_status(st), "box") for st in TEAM_STATUSES])
            self.plots["trend"] = p = _plot(QCoreApplication.translate("Dashboard", "Last 7 days: reported and closed"), scale, min_px)
            self._legend("trend", [(P["accent"], QCoreApplication.translate("Dashboard", "reported"), "line"),
                                   (P["ok"], QCoreApplication.translate("Dashboard", "closed"), "line")])
            self._trend_rep = p.plot(pen=pg.mkPen(P["accent"]), symbol="o", symbolSize=5, symbolBrush=P["accent"],
                                     name=QCoreApplication.translate("Dashboard", "reported"))
            self._trend_clo = p.plot(pen=pg.mkPen(P["ok"]), symbol="o", symbolSize=5, symbolBrush=P["ok"],
                                     name=QCoreApplication.translate("Dashboard", "closed"))
            p.before_record = br = pg.TextItem("", color=P["muted"], anchor=(0.5, 0.5))
            br.setFont(p.no_data.textItem.font())
            br.setVisible(False)
            p.getViewBox().addItem(br, ignoreBounds=True)
            positions = [("categories", 0, 0, 2, 1), ("hourly", 0, 1, 1, 2), ("response", 0, 3, 1, 1),
                         ("squads", 1, 1, 1, 1), ("trend", 1, 2, 1, 2)]
            for key, r, c, rs, cs in positions:     # each chart with its legend under it
                box = QWidget()
                bl = QVBoxLayout(box)
                bl.setContentsMargins(0, 0, 0, 0)
                bl.setSpacing(0)
                bl.addWidget(self.plots[key], 1)
                bl.addWidget(self.legends[key])
                charts.addWidget(box, r, c, rs, cs)
            for c, stretch in enumerate((3, 3, 2, 3)):
                charts.setColumnStretch(c, stretch)
            lay.addLayout(charts, 3)
        if "tables" in parts:
            row = QHBoxLayout()
            self.ranking = QTableWidget(0, 6)
            self._ranking_headers(8)
            self.ranking.verticalHeader().setVisible(False)
            self.ranking.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            self.ranking.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            self.warnings = QListWidget()
            self.warnings.setWordWrap(True)            # whole sentences, never cut with "…"
            self.warnings.setTextElideMode(Qt.TextElideMode.ElideNone)
            self.warnings.setResizeMode(QListWidget.ResizeMode.Adjust)
            self.warnings.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.warnings.itemClicked.connect(self._warning_clicked)
            self.warnings.setToolTip(self.tr("Click a warning: show its cases in the queue"))
            if scale > 1:
                px = text_px(10, scale, min_px)
                self.ranking.setStyleSheet(f"font-size: {px}px")
                self.ranking.horizontalHeader().setStyleSheet(f"font-size: {px}px")
                self.warnings.setStyleSheet(f"font-size: {px}px")
                self.ranking.verticalHeader().setDefaultSectionSize(int(px * 1.6))
            if page_rows:                          # the wall: pages, no scroll bar nobody can use
                self.ranking.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
                self.warnings.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
                self._page_timer = QTimer(self, interval=int(page_s * 1000))
                self._page_timer.timeout.connect(self.next_ranking_page)
                self._page_timer.start()
            left = QVBoxLayout()
            h = self.ranking_title = QLabel(self.tr("Squad ranking (7 days)"))
            h.setStyleSheet(f"font-size: {text_px(12, scale, min_px)}px; font-weight: bold")
            left.addWidget(h)
            left.addWidget(self.ranking)
            right = QVBoxLayout()
            h2 = QLabel(self.tr("Early warnings: repeated complaints"))
            h2.setStyleSheet(f"font-size: {text_px(12, scale, min_px)}px; font-weight: bold")
            right.addWidget(h2)
            right.addWidget(self.warnings, 3)
            if link is not None:
                right.addWidget(self._warning_actions(link))
            h3 = QLabel(self.tr("Joint cases (一件事)"))
            h3.setStyleSheet(f"font-size: {text_px(12, scale, min_px)}px; font-weight: bold")
            right.addWidget(h3)
            self.joint_cases = QListWidget()
            self.joint_cases.setObjectName("Dashboard.joint")
            self.joint_cases.setWordWrap(True)
            self.joint_cases.setTextElideMode(Qt.TextElideMode.ElideNone)
            self.joint_cases.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.joint_cases.itemClicked.connect(self._joint_clicked)
            self.joint_cases.setToolTip(self.tr("Click a joint case: show it and its linked cases in the queue"))
            if scale > 1:
                self.joint_cases.setStyleSheet(f"font-size: {text_px(10, scale, min_px)}px")
            if page_rows:
                self.joint_cases.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            right.addWidget(self.joint_cases, 2)
            row.addLayout(left, 3)
            row.addLayout(right, 2)
            lay.addLayout(row, 2)
        self._dirty = True
        self._week_at: float | None = None   # when the 7-day figures were last computed (None: never)
        self.trend_unrecorded = 0            # the 7-day trend's first days, before the record began: blank
        self._last_data: dict[int, list] = {}
        room.sig_reset.connect(self.mark_all_dirty)
        room.sig_cases.connect(self.mark_dirty)
        room.sig_history.connect(self.mark_dirty)     # older cases: the 7-day figures catch up in WEEK_EVERY
        room.sig_teams.connect(self.mark_dirty)
        room.sig_room.connect(self.mark_dirty)
        self._timer = QTimer(self, interval=1000)
        self._timer.timeout.connect(self._maybe_refresh)
        self._timer.start()
        self.refresh()

    def mark_dirty(self, *_):
        self._dirty = True

    def mark_all_dirty(self, *_):
        self._dirty = True
        self._week_at = None

    def _maybe_refresh(self):
        if self._dirty and self.isVisible():
            self.refresh()

    def _legend(self, key: str, entries: list[tuple[str, str, str]]) -> None:
        lab = self.legends[key] = _legend_label(self.scale, self.min_px)
        lab.setText(legend_html(entries))

    def _ranking_headers(self, minutes: float) -> None:
        self._ranking_minutes = minutes
        self.ranking.setHorizontalHeaderLabels([
            "#", self.tr("Squad"), self.tr("Score"), self.tr("Handled"),
            self.tr("Arrived ≤%1 min").replace("%1", f"{minutes:g}"), self.tr("Satisfaction")])   # the ranking's fixed 8

    def _satisfaction_sources(self, st: dict, now: float) -> None:
        """The satisfaction tile says how today's closed cases were rated: the resident's QR
        code (扫码打分), a callback (回访), or entered by the room."""
        from models.rating import source_of
        lo, _hi = kpi.day_bounds(now)
        n = {"resident": 0, "callback": 0, "room": 0}
        for c in st["cases"].values():
            closed = c["times"].get("closed")
            src = source_of(c) if closed and closed >= lo else None
            if src in n:
                n[src] += 1
        tip = (self.tr("Click: show these cases in the queue") + "\n"
               + self.tr("Rated today: %1 by the resident's QR code, %2 by callback, %3 entered by the room")
               .replace("%1", str(n["resident"])).replace("%2", str(n["callback"])).replace("%3", str(n["room"])))
        tile = self.tiles["satisfaction"]
        if tile.toolTip() != tip:
            tile.setToolTip(tip)

    def drill(self, key: str) -> None:
        """The cases behind a tile, for the queue."""
        caption = next((QCoreApplication.translate("Dashboard", str(c)) for k, c, _ in KPI_TILES if k == key), key)
        if key == "arrival_in_target":
            caption = self.tiles[key].caption.text()
        ids = kpi.drill_ids(self.room.working_set(0), self.room.now(), key)
        self.sig_drill.emit(caption, ids)

    def _warning_clicked(self, item) -> None:
        ids = item.data(Qt.ItemDataRole.UserRole)
        if ids:
            self.sig_drill.emit(item.data(Qt.ItemDataRole.UserRole + 1), list(ids))
        self._enable_warning_actions()

    def _warning_actions(self, link) -> QWidget:
        """Under the warnings: open the selected one's cases, acknowledge it with a note, or
        make it one joint case; what became of it is said beside the buttons."""
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.warning_open = QPushButton(self.tr("Show its cases"))
        self.warning_open.setObjectName("Dashboard.warning_open")
        self.warning_open.clicked.connect(lambda: self._warning_clicked(self.warnings.currentItem())
                                          if self.warnings.currentItem() else None)
        self.warning_ack = QPushButton(self.tr("Acknowledge…"))
        self.warning_ack.setObjectName("Dashboard.warning_ack")
        self.warning_ack.setToolTip(self.tr("With a note: not raised again until a new case comes in"))
        self.warning_ack.clicked.connect(self.open_warning_ack)
        self.warning_joint = QPushButton(self.tr("Make a joint case…"))
        self.warning_joint.setObjectName("Dashboard.warning_joint")
        self.warning_joint.setToolTip(self.tr("Its cases linked under one lead (一件事), the departments' parts"))
        self.warning_joint.clicked.connect(self.open_warning_joint)
        self.warning_result = QLabel()
        self.warning_result.setObjectName("Dashboard.warning_result")
        self.warning_result.setWordWrap(True)
        for b in (self.warning_open, self.warning_ack, self.warning_joint):
            row.addWidget(b)
        row.addWidget(self.warning_result, 1)
        self._warning_sent: dict[str, str] = {}
        self._warning_dialog = None
        link.sig_command.connect(self._warning_command_result)
        self.warnings.currentItemChanged.connect(lambda *_: self._enable_warning_actions())
        self._enable_warning_actions()
        return box

    def selected_warning(self) -> dict | None:
        item = self.warnings.currentItem() if hasattr(self, "warnings") else None
        return item.data(Qt.ItemDataRole.UserRole + 2) if item is not None else None

    def select_warning(self, wid: str) -> None:
        for i in range(self.warnings.count()):
            w = self.warnings.item(i).data(Qt.ItemDataRole.UserRole + 2)
            if w and w["id"] == wid:
                self.warnings.setCurrentRow(i)

    def _enable_warning_actions(self) -> None:
        if not hasattr(self, "warning_ack"):
            return
        w = self.selected_warning()
        self.warning_open.setEnabled(w is not None)
        self.warning_ack.setEnabled(w is not None and w["active"] and self.room.may("warning.ack"))
        # a joint case needs an open case to lead it: a warning whose cases are all closed is
        # acknowledged instead (said on the button, not first in the dialog)
        from models.early_warning import lead_for
        leadable = w is not None and lead_for(self.room.state, w["case_ids"]) is not None
        self.warning_joint.setEnabled(w is not None and w["active"] and leadable and self.room.may("case.link"))
        self.warning_joint.setToolTip(
            self.tr("Its cases linked under one lead (一件事), the departments' parts") if leadable or w is None
            else self.tr("Every case of this warning is closed: acknowledge it instead"))

    @property
    def warning_dialog(self):
        """The warning dialog opened last (acknowledge, joint case), None before any."""
        return self._warning_dialog

    def open_warning_ack(self):
        from widgets.joint import WarningAckDialog
        w = self.selected_warning()
        if w is None:
            return None
        dlg = self._warning_dialog = WarningAckDialog(self.room, w, self.window())
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.sig_ack.connect(lambda args: self._warning_send("warning.ack", args))
        dlg.open()
        return dlg

    def open_warning_joint(self):
        from widgets.joint import WarningJointDialog
        w = self.selected_warning()
        if w is None:
            return None
        dlg = self._warning_dialog = WarningJointDialog(self.room, w, self.window())
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.sig_link.connect(lambda args: self._warning_send("case.link", args))
        dlg.open()
        return dlg

    def _warning_send(self, name: str, args: dict) -> None:
        from widgets import outcome
        self._warning_sent[self.link.submit(name, args)] = name
        self.warning_result.setText(outcome.describe("pending", {"name": name}))
        set_kind(self.warning_result, None)

    def _warning_command_result(self, cid: str, outcome_: str, detail: dict) -> None:
        from widgets import outcome
        if cid not in self._warning_sent or outcome_ == "pending":
            return
        name = self._warning_sent.pop(cid)
        text = outcome.describe(outcome_, {"name": name, **detail})
        if outcome_ == "refused" and detail.get("message"):
            text += " (" + str(detail["message"]) + ")"
        self.warning_result.setText(text)
        set_kind(self.warning_result, outcome.kind(outcome_))
        self.mark_dirty()

    def _joint_clicked(self, item) -> None:
        ids = item.data(Qt.ItemDataRole.UserRole)
        if ids:
            self.sig_drill.emit(item.data(Qt.ItemDataRole.UserRole + 1), list(ids))

    def rows_per_page(self) -> int:
        """0: all rows (scrolling); page_rows < 0: as many as the table shows without scrolling."""
        if self.page_rows >= 0:
            return self.page_rows
        row_h = self.ranking.verticalHeader().defaultSectionSize()
        return max(1, (self.ranking.viewport().height() - 2) // max(1, row_h))

    def ranking_pages(self) -> int:
        per = self.rows_per_page()
        return max(1, math.ceil(len(self._ranking_rows) / per)) if per else 1

    def resizeEvent(self, e):
        super().resizeEvent(e)
        if self.page_rows < 0 and hasattr(self, "ranking"):
            self.ranking_page = min(self.ranking_page, self.ranking_pages() - 1)
            self._show_ranking()

    def next_ranking_page(self) -> None:
        self.ranking_page = (self.ranking_page + 1) % self.ranking_pages()
        self._show_ranking()
        if getattr(self, "_warning_list", None):
            self.warning_page = getattr(self, "warning_page", 0) + 1
            self._show_warnings()

    def _show_ranking(self) -> None:
        rows = self._ranking_rows
        per = self.rows_per_page()
        first = self.ranking_page * per if per else 0
        shown = rows[first:first + per] if per else rows
        self.ranking.setRowCount(len(shown))
        pct = lambda v: "—" if v is None else f"{v * 100:.0f}%"  # noqa: E731
        for r, row in enumerate(shown):
            for c, text in enumerate([str(first + r + 1), row["call_sign"], f"{row['score']:.1f}", str(row["handled"]),
                                      pct(row["arrival_8min"]), pct(row["satisfaction"])]):
                self.ranking.setItem(r, c, QTableWidgetItem(text))
        title = self.tr("Squad ranking (7 days)")
        if self.ranking_pages() > 1:
            title += "  " + self.tr("page %1/%2").replace("%1", str(self.ranking_page + 1)).replace(
                "%2", str(self.ranking_pages()))
        self.ranking_title.setText(title)

    def _update(self, item, method: str, *args, **kw) -> None:
        """Give a chart item new data only when it differs: an unchanged chart is not
        repainted (most seconds on a wall nothing in a chart has changed)."""
        key = [np.asarray(a) for a in args] + [np.asarray(kw[k]) for k in sorted(kw)]
        last = self._last_data.get(id(item))
        if last is not None and len(last) == len(key) and all(
                a.shape == b.shape and np.array_equal(a, b) for a, b in zip(last, key)):
            return
        self._last_data[id(item)] = key
        getattr(item, method)(*args, **kw)

    def refresh(self) -> None:
        """Today's figures every second the room changed; the 7-day ones (trend, ranking,
        early warnings) every WEEK_EVERY seconds: each reads only the cases its window needs."""
        self._dirty = False
        now = self.room.now()
        st = self.room.working_set(0)                   # open cases and today's
        week = None
        # due, or never yet, or the clock went back (a replay moved to an earlier moment)
        if self._week_at is None or not 0 <= now - self._week_at < WEEK_EVERY:
            self._week_at = now
            week = self.room.working_set()
        if self.tiles:
            k = kpi.kpis(st, now)
            target = k.get("arrival_target_min", 8)
            cap = self.tr("Arrived within %1 min").replace("%1", f"{target:g}")
            if self.tiles["arrival_in_target"].caption.text() != cap:    # the profile in force says how long
                self.tiles["arrival_in_target"].caption.setText(cap)
            for key, _cap, kind in KPI_TILES:
                v = k.get(key)
                if kind == "rate":
                    text = "—" if v is None else f"{v * 100:.1f}%"
                    colour = P["text_strong"] if v is None else (P["ok"] if v >= 0.9 else P["warning"] if v >= 0.75 else P["alarm"])
                else:
                    text = f"{v:,}"
                    colour = (SLA_COLOURS["overdue"] if v else P["ok"]) if kind == "alarm" else P["text_strong"]
                self.tiles[key].set(text, colour)
            self._satisfaction_sources(st, now)
        if self.plots:
            hourly = kpi.hourly_by_source(st, now)
            base = np.zeros(24)
            for bar, src in zip(self._hour_bars, SOURCES):
                h = np.array(hourly.get(src, [0] * 24), dtype=float)
                self._update(bar, "setOpts", y0=base.copy(), height=h)
                base += h
            top = max(5, base.max() * 1.1)
            if top != getattr(self, "_hourly_top", None):      # an unchanged axis stays a cached pixmap
                self._hourly_top = top
                _count_range(self.plots["hourly"], top)
            _show_no_data(self.plots["hourly"], not base.any(), 11.5, top / 2)
            rt = kpi.response_times(st, now)
            for curve, data in ((self._disp_curve, rt["dispatch"]), (self._arr_curve, rt["arrival"])):
                mins = np.clip(np.array(data, dtype=float) / 60.0, 0, 30)
                y, x = np.histogram(mins, bins=np.arange(0, 31, 1)) if len(mins) else (np.zeros(30), np.arange(31))
                self._update(curve, "setData", x, y)
            empty = not (rt["dispatch"] or rt["arrival"])
            if empty:
                _count_range(self.plots["response"], 5)
            else:
                self.plots["response"].enableAutoRange(axis="y")
            _show_no_data(self.plots["response"], empty, 15, 2.5)
            limits = [s.minutes for s in self.room.profile.stages if s.milestone in ("dispatched", "on_scene")][:2]
            for ln, m in zip(self._limit_lines, limits + [None] * 3):
                ln.setVisible(m is not None)
                if m is not None:
                    ln.setValue(m)
            cats = kpi.category_counts(st, now)
            widths = np.array([cats.get(c, 0) for c in CATEGORIES], dtype=float)
            self._update(self.cat_bars, "setOpts", width=widths)
            if not widths.any():
                self.plots["categories"].setXRange(0, 5)
            else:
                self.plots["categories"].enableAutoRange(axis="x")
            _show_no_data(self.plots["categories"], not widths.any(), 2.5, len(CATEGORIES) / 2)
            teams = kpi.squads_by_status(st)
            heights = np.array([teams.get(s, 0) for s in TEAM_STATUSES], dtype=float)
            self._update(self._team_bars, "setOpts", height=heights)
            if not heights.any():          # no squads (yet): a 0-5 axis, not pyqtgraph's ±0.2 around nothing
                _count_range(self.plots["squads"], 5)
            else:
                self.plots["squads"].enableAutoRange(axis="y")
            _show_no_data(self.plots["squads"], not heights.any(), (len(TEAM_STATUSES) - 1) / 2, 2.5)
        if self.plots and week is not None:
            tr = kpi.trend(week, now)
            # the days before the street's record began are left blank, not drawn as zeros
            gone = min(kpi.unrecorded_days(week, now, len(tr)), len(tr))
            xs = np.arange(gone, len(tr))
            self._update(self._trend_rep, "setData", xs, np.array([r[1] for r in tr[gone:]], dtype=float))
            self._update(self._trend_clo, "setData", xs, np.array([r[2] for r in tr[gone:]], dtype=float))
            self.trend_unrecorded = gone
            empty = not any(r[1] or r[2] for r in tr)
            # counts from 0 (a line of 142..156 with no zero would look like a collapse)
            top = max(5.0, 1.15 * max((max(r[1], r[2]) for r in tr), default=0))
            _count_range(self.plots["trend"], top)
            before = self.plots["trend"].before_record
            before.setVisible(0 < gone < len(tr))
            if 0 < gone < len(tr):
                before.setText(self.tr("no record before %1").replace("%1", tr[gone][0]))
                before.setPos((gone - 1) / 2, top / 2)
            days = max(len(tr), 7)          # no days yet (a replay before it loads): still a week's axis
            _show_no_data(self.plots["trend"], empty, (days - 1) / 2, 2.5)
            self.plots["trend"].getAxis("bottom").setTicks([[(i, r[0]) for i, r in enumerate(tr)]])
            self.plots["trend"].setXRange(-0.4, days - 0.6, padding=0)     # the first and last day named
        if hasattr(self, "ranking") and week is not None:
            self._ranking_rows = kpi.squad_ranking(week, now)          # every squad: paged on the wall
            self.ranking_page = min(self.ranking_page, self.ranking_pages() - 1)
            self._show_ranking()
            self._warning_list = kpi.early_warnings(week, now)[:12]
            self._show_warnings()
        if hasattr(self, "joint_cases"):
            self._show_joint(now)

    WARNINGS_PER_PAGE = 4     # the wall: whole warnings a page at a time, never cut

    def _show_warnings(self) -> None:
        items = self._warning_list
        if self.page_rows:
            pages = max(1, math.ceil(len(items) / self.WARNINGS_PER_PAGE))
            self.warning_page = getattr(self, "warning_page", 0) % pages
            first = self.warning_page * self.WARNINGS_PER_PAGE
            items = items[first:first + self.WARNINGS_PER_PAGE]
        else:
            items = items[:8]
        from widgets.joint import handled_text, warning_text
        keep = self.selected_warning()
        self.warnings.blockSignals(True)
        self.warnings.clear()
        for w in items:
            text = warning_text(w) + ": " + ", ".join(w["case_ids"][-5:])
            if w.get("handled"):
                text += "\n   " + ("⚠ " if w["active"] else "✓ ") + handled_text(w)
            self.warnings.addItem(text)
            item = self.warnings.item(self.warnings.count() - 1)
            item.setForeground(QColor(P["warning"] if w["active"] else P["muted"]))
            item.setData(Qt.ItemDataRole.UserRole, w["case_ids"])
            item.setData(Qt.ItemDataRole.UserRole + 1, w["key"])
            item.setData(Qt.ItemDataRole.UserRole + 2, w)
            if keep is not None and keep["id"] == w["id"]:
                self.warnings.setCurrentItem(item)
        if not self.warnings.count():
            self.warnings.addItem(self.tr("No repeated complaints."))
        self.warnings.blockSignals(False)
        self._enable_warning_actions()

    def _show_joint(self, now: float) -> None:
        """The open joint cases: parts done of parts, an overdue part in red."""
        from models import joint
        from widgets.joint import progress_text
        street = self.room.street
        cases = joint.open_joint_cases(self.room.state)
        self.joint_cases.clear()
        for c in cases[:8]:
            late = joint.overdue_parts(c, now)
            text = f"{c['id']} · {c['title']} — {progress_text(c)}"
            if c.get("links"):
                text += " · " + self.tr("%1 linked").replace("%1", str(len(c["links"])))
            if late:
                text += " · " + self.tr("overdue: %1").replace(
                    "%1", ", ".join(labels.department(street, p["department"]) for p in late))
            self.joint_cases.addItem(text)
            item = self.joint_cases.item(self.joint_cases.count() - 1)
            item.setForeground(QColor(P["alarm"] if late else P["text"]))
            item.setData(Qt.ItemDataRole.UserRole, [c["id"], *(c.get("links") or ())])
            item.setData(Qt.ItemDataRole.UserRole + 1, c["id"])
        if not cases:
            self.joint_cases.addItem(self.tr("No joint cases open."))
