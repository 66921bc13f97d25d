"""The live dashboard: KPI tiles, charts, the squad ranking and early warnings.

Recomputed from the state at most once a second when something changed (coalesced), and
drawn by updating curves created once (`setData`/`setOpts`), never by re-creating them.
"""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, Qt, QTimer
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
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models import kpi
from models.domain import CATEGORIES, SOURCES, TEAM_STATUSES
from models.qt import labels
from models.qt.room import RoomState
from widgets.style import SLA_COLOURS, TEAM_COLOURS

pg.setConfigOptions(antialias=False, background="#161b22", foreground="#9fb3c8")

WEEK_EVERY = 10.0     # seconds between refreshes of the 7-day figures

KPI_TILES = [
    ("today", QT_TRANSLATE_NOOP("Dashboard", "Cases today"), "count"),
    ("open", QT_TRANSLATE_NOOP("Dashboard", "Open"), "count"),
    ("overdue", QT_TRANSLATE_NOOP("Dashboard", "Overdue"), "alarm"),
    ("dispatch_in_sla", QT_TRANSLATE_NOOP("Dashboard", "Dispatched within SLA"), "rate"),
    ("arrival_8min", QT_TRANSLATE_NOOP("Dashboard", "Arrived within 8 min"), "rate"),
    ("on_scene_closure", QT_TRANSLATE_NOOP("Dashboard", "Closed on scene"), "rate"),
    ("closure_rate", QT_TRANSLATE_NOOP("Dashboard", "Closure rate"), "rate"),
    ("satisfaction", QT_TRANSLATE_NOOP("Dashboard", "Satisfaction"), "rate"),
]
SOURCE_COLOURS = ["#3d8bfd", "#34c759", "#ffb020", "#ff6b6b", "#b36bff", "#2ec4b6", "#f78c6b", "#8593a3", "#e056fd"]


class KpiTile(QFrame):
    def __init__(self, caption: str, scale: float = 1.0, parent=None):
        super().__init__(parent)
        self.setProperty("kind", "card")
        self.scale = scale
        self.value = QLabel("—")
        self.value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel(caption)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # sizes through the stylesheet: the theme's font-size would override setFont()
        self.caption.setStyleSheet(f"color: #8593a3; font-size: {9.5 * scale:.1f}pt")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.value)
        lay.addWidget(self.caption)

    def set(self, text: str, colour: str = "#ffffff") -> None:
        if text != self.value.text():
            self.value.setText(text)
        if colour != getattr(self, "_colour", None):       # a new style sheet re-polishes: only on change
            self._colour = colour
            self.value.setStyleSheet(f"color: {colour}; font-size: {20 * self.scale:.1f}pt; font-weight: bold")


def _plot(title: str, scale: float) -> pg.PlotWidget:
    w = pg.PlotWidget()
    w.setTitle(title, color="#c9d1d9", size=f"{int(10 * scale)}pt")
    w.showGrid(x=False, y=True, alpha=0.2)
    w.setMenuEnabled(False)
    w.setMouseEnabled(False, False)
    w.hideButtons()
    f = QFont()
    f.setPointSizeF(8 * scale)
    for ax in ("left", "bottom"):
        w.getAxis(ax).setTickFont(f)
        # axes (text and grid) change only when their range or ticks do: keep each as a
        # pixmap and blit it, instead of re-rendering its text every frame (most of a
        # frame's cost in software rendering)
        w.getAxis(ax).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    w.getPlotItem().titleLabel.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    return w


class DashboardPanel(QWidget):
    """scale > 1 for the wall: type readable from across the room."""

    def __init__(self, room: RoomState, scale: float = 1.0, parts: tuple[str, ...] = ("kpis", "charts", "tables"),
                 parent=None):
        super().__init__(parent)
        self.setObjectName("DashboardPanel")
        self.room, self.scale = room, scale
        self.tiles: dict[str, KpiTile] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        if "kpis" in parts:
            row = QGridLayout()
            for i, (key, caption, _kind) in enumerate(KPI_TILES):
                tile = KpiTile(QCoreApplication.translate("Dashboard", caption), scale)
                self.tiles[key] = tile
                row.addWidget(tile, 0, i)
            lay.addLayout(row)
        self.plots: dict[str, pg.PlotWidget] = {}
        if "charts" in parts:
            charts = QGridLayout()
            self.plots["hourly"] = p = _plot(QCoreApplication.translate("Dashboard", "Cases per hour by source (today)"), scale)
            self._hour_bars = []
            for i, src in enumerate(SOURCES):
                bar = pg.BarGraphItem(x=np.arange(24), height=np.zeros(24), width=0.8,
                                      brush=SOURCE_COLOURS[i % len(SOURCE_COLOURS)], pen=None, name=labels.source(src))
                p.addItem(bar)
                self._hour_bars.append(bar)
            self.plots["response"] = p = _plot(QCoreApplication.translate("Dashboard", "Minutes from report to dispatch / arrival"), scale)
            self._disp_curve = p.plot(stepMode="center", fillLevel=0, brush=(61, 139, 253, 110), pen=pg.mkPen("#3d8bfd"))
            self._arr_curve = p.plot(stepMode="center", fillLevel=0, brush=(255, 176, 32, 90), pen=pg.mkPen("#ffb020"))
            self._limit_lines = [pg.InfiniteLine(angle=90, pen=pg.mkPen("#ff3b30", style=Qt.PenStyle.DashLine))
                                 for _ in range(3)]
            for ln in self._limit_lines:
                p.addItem(ln)
            self.plots["categories"] = p = _plot(QCoreApplication.translate("Dashboard", "Categories (today)"), scale)
            # horizontal bars: the category names (long in English) get a whole line each
            self._cat_bars = pg.BarGraphItem(x0=0, y=np.arange(len(CATEGORIES)), width=np.zeros(len(CATEGORIES)),
                                             height=0.7, brush="#3d8bfd", pen=None)
            p.addItem(self._cat_bars)
            p.invertY(True)
            p.showGrid(x=True, y=False, alpha=0.2)
            p.setToolTip("\n".join(labels.category(c) for c in CATEGORIES))
            p.installEventFilter(self)          # on resize: as many names as fit (see eventFilter)
            self._cat_ticks_step = 0
            self._fit_category_ticks()
            self.plots["squads"] = p = _plot(QCoreApplication.translate("Dashboard", "Squads by status"), scale)
            self._team_bars = pg.BarGraphItem(x=np.arange(len(TEAM_STATUSES)), height=np.zeros(len(TEAM_STATUSES)),
                                              width=0.7, brushes=[TEAM_COLOURS[s] for s in TEAM_STATUSES], pen=None)
            p.addItem(self._team_bars)
            p.getAxis("bottom").setTicks([[(i, labels.team_status(s)) for i, s in enumerate(TEAM_STATUSES)]])
            self.plots["trend"] = p = _plot(QCoreApplication.translate("Dashboard", "Last 7 days: reported and closed"), scale)
            self._trend_rep = p.plot(pen=pg.mkPen("#3d8bfd"), symbol="o", symbolSize=5, symbolBrush="#3d8bfd")
            self._trend_clo = p.plot(pen=pg.mkPen("#34c759"), symbol="o", symbolSize=5, symbolBrush="#34c759")
            positions = [("hourly", 0, 0, 1, 2), ("response", 0, 2, 1, 1), ("categories", 1, 0, 1, 1),
                         ("squads", 1, 1, 1, 1), ("trend", 1, 2, 1, 1)]
            for key, r, c, rs, cs in positions:
                charts.addWidget(self.plots[key], r, c, rs, cs)
            lay.addLayout(charts, 3)
        if "tables" in parts:
            row = QHBoxLayout()
            self.ranking = QTableWidget(0, 5)
            self.ranking.setHorizontalHeaderLabels([self.tr("Squad"), self.tr("Score"), self.tr("Handled"),
                                                    self.tr("Arrived ≤8 min"), self.tr("Satisfaction")])
            self.ranking.verticalHeader().setVisible(False)
            self.ranking.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            self.ranking.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            self.warnings = QListWidget()
            self.warnings.setWordWrap(True)
            if scale > 1:
                self.ranking.setStyleSheet(f"font-size: {10 * scale:.1f}pt")
                self.warnings.setStyleSheet(f"font-size: {10 * scale:.1f}pt")
                self.ranking.verticalHeader().setDefaultSectionSize(int(30 * scale))
            left = QVBoxLayout()
            h = QLabel(self.tr("Squad ranking (7 days)"))
            h.setStyleSheet(f"font-size: {12 * scale:.1f}pt; font-weight: bold")
            left.addWidget(h)
            left.addWidget(self.ranking)
            right = QVBoxLayout()
            h2 = QLabel(self.tr("Early warnings: repeated complaints"))
            h2.setStyleSheet(f"font-size: {12 * scale:.1f}pt; font-weight: bold")
            right.addWidget(h2)
            right.addWidget(self.warnings)
            row.addLayout(left, 3)
            row.addLayout(right, 2)
            lay.addLayout(row, 2)
        self._dirty = True
        self._week_at = 0.0          # when the 7-day figures were last computed
        self._last_data: dict[int, list] = {}
        room.sig_reset.connect(self.mark_all_dirty)
        room.sig_cases.connect(self.mark_dirty)
        room.sig_history.connect(self.mark_dirty)     # older cases: the 7-day figures catch up in WEEK_EVERY
        room.sig_teams.connect(self.mark_dirty)
        room.sig_room.connect(self.mark_dirty)
        self._timer = QTimer(self, interval=1000, timeout=self._maybe_refresh)
        self._timer.start()
        self.refresh()

    def mark_dirty(self, *_):
        self._dirty = True

    def mark_all_dirty(self, *_):
        self._dirty = True
        self._week_at = 0.0

    def _maybe_refresh(self):
        if self._dirty and self.isVisible():
            self.refresh()

    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Resize and obj is self.plots.get("categories"):
            self._fit_category_ticks()
        return super().eventFilter(obj, ev)

    def _fit_category_ticks(self) -> None:
        """One name per bar where the chart is tall enough (the wall), every 2nd or 3rd where
        it is not (a short dock), instead of names printed over each other."""
        p = self.plots["categories"]
        axis = p.getAxis("left")
        line = QFontMetrics(axis.style["tickFont"] or QFont()).height()
        rows = max(1.0, p.height() - 3.5 * line)       # less the title and the bottom axis
        step = max(1, math.ceil(len(CATEGORIES) * line * 1.05 / rows))
        if step != self._cat_ticks_step:
            self._cat_ticks_step = step
            axis.setTicks([[(i, labels.category(c)) for i, c in enumerate(CATEGORIES) if i % step == 0]])

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
        if now - self._week_at >= WEEK_EVERY:
            self._week_at = now
            week = self.room.working_set()
        if self.tiles:
            k = kpi.kpis(st, now)
            for key, _cap, kind in KPI_TILES:
                v = k.get(key)
                if kind == "rate":
                    text = "—" if v is None else f"{v * 100:.1f}%"
                    colour = "#ffffff" if v is None else ("#34c759" if v >= 0.9 else "#ffb020" if v >= 0.75 else "#ff3b30")
                else:
                    text = f"{v:,}"
                    colour = (SLA_COLOURS["overdue"] if v else "#34c759") if kind == "alarm" else "#ffffff"
                self.tiles[key].set(text, colour)
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
                self.plots["hourly"].setYRange(0, top)
            rt = kpi.response_times(st, now)
            for curve, data in ((self._disp_curve, rt["dispatch"]), (self._arr_curve, rt["arrival"])):
                mins = np.clip(np.array(data, dtype=float) / 60.0, 0, 30)
                y, x = np.histogram(mins, bins=np.arange(0, 31, 1)) if len(mins) else (np.zeros(30), np.arange(31))
                self._update(curve, "setData", x, y)
            limits = [s.minutes for s in self.room.profile.stages if s.milestone in ("dispatched", "on_scene")][:2] + [8]
            for ln, m in zip(self._limit_lines, limits + [None] * 3):
                ln.setVisible(m is not None)
                if m is not None:
                    ln.setValue(m)
            cats = kpi.category_counts(st, now)
            self._update(self._cat_bars, "setOpts", width=np.array([cats.get(c, 0) for c in CATEGORIES], dtype=float))
            teams = kpi.squads_by_status(st)
            self._update(self._team_bars, "setOpts", height=np.array([teams.get(s, 0) for s in TEAM_STATUSES], dtype=float))
        if self.plots and week is not None:
            tr = kpi.trend(week, now)
            xs = np.arange(len(tr))
            self._update(self._trend_rep, "setData", xs, np.array([r[1] for r in tr], dtype=float))
            self._update(self._trend_clo, "setData", xs, np.array([r[2] for r in tr], dtype=float))
            self.plots["trend"].getAxis("bottom").setTicks([[(i, r[0]) for i, r in enumerate(tr)]])
        if hasattr(self, "ranking") and week is not None:
            rows = kpi.squad_ranking(week, now)[:10]
            self.ranking.setRowCount(len(rows))
            pct = lambda v: "—" if v is None else f"{v * 100:.0f}%"  # noqa: E731
            for r, row in enumerate(rows):
                for c, text in enumerate([row["call_sign"], f"{row['score']:.1f}", str(row["handled"]),
                                          pct(row["arrival_8min"]), pct(row["satisfaction"])]):
                    self.ranking.setItem(r, c, QTableWidgetItem(text))
            self.warnings.clear()
            for w in kpi.early_warnings(week, now)[:8]:
                text = self.tr("⚠ %1 complaints about %2 (%3) within 7 days: %4").replace(
                    "%1", str(w["count"])).replace("%2", w["key"]).replace(
                    "%3", labels.category(w["category"])).replace("%4", ", ".join(w["case_ids"][-5:]))
                self.warnings.addItem(text)
                self.warnings.item(self.warnings.count() - 1).setForeground(QColor("#ffb020"))
            if not self.warnings.count():
                self.warnings.addItem(self.tr("No repeated complaints."))
