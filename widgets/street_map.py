"""The street drawn from its own data, with no internet: patrol areas and grids, open cases
coloured by SLA state and sized by priority, squads with their status, and a heat layer of
today's incidents."""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsPathItem,
    QGraphicsPolygonItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
)

from models import kpi
from models.dispatch import team_position
from models.domain import OPEN_STATUSES
from models.qt.room import RoomState, Selection
from models.sla import case_sla
from widgets.style import SLA_COLOURS, TEAM_COLOURS, P

AREA_COLOURS = [P["accent"], P["ok"], P["purple"], P["warning"], P["teal"]]
K = 100_000.0      # scene units per degree of latitude


LABEL_PT = 10.0    # grid labels and the legend at 100 %


class StreetMap(QGraphicsView):
    """Wheel or +/- zoom (around the pointer), drag pans, 0 or a double click fits the street.

    Signals:
        case_clicked(str): a case marker was clicked (the case is selected).
        team_clicked(str): a squad marker was clicked (the squad is selected).
    """
    case_clicked = Signal(str)
    team_clicked = Signal(str)
    ZOOM_MIN, ZOOM_MAX = 1.0, 12.0     # times the whole street in view

    def __init__(self, room: RoomState, selection: Selection | None = None, scale: float = 1.0, parent=None):
        super().__init__(parent)
        self.setObjectName("StreetMap")
        self.room, self.selection, self.scale_factor = room, selection, scale
        self.scene_ = QGraphicsScene(self)
        self.setScene(self.scene_)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setBackgroundBrush(QColor(P["field"]))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.case_items: dict[str, QGraphicsEllipseItem] = {}
        self.team_items: dict[str, tuple] = {}
        self._grids: list = []
        self._labels: list = []
        self._roads: list = []
        self.label_font = QFont()
        self._heat: tuple[QRectF, QPixmap] | None = None      # where in the scene, the image
        self.setCacheMode(QGraphicsView.CacheModeFlag.CacheBackground)
        self._cos = 1.0
        self._dirty_cases: set[str] = set()
        room.sig_reset.connect(self.rebuild)
        room.sig_cases.connect(self._cases)
        room.sig_teams.connect(self._teams)
        room.sig_tick.connect(self._tick)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.zoom = 1.0                  # 1: the whole street fits
        self.legend_rect = QRectF()
        self.drawn_labels: list[tuple[QRectF, str]] = []   # the grid labels of the last paint
        if selection is not None:
            self.case_clicked.connect(selection.set_case)
            self.team_clicked.connect(selection.set_team)
        # squads' tracks (a replay's 轨迹回放): squad -> its positions, drawn under the markers
        self.tracks: dict[str, list[tuple[float, float]]] = {}
        self.track_items: dict[str, QGraphicsPathItem] = {}
        self._heat_timer = QTimer(self, interval=10_000)
        self._heat_timer.timeout.connect(self.update_heat)
        self._heat_timer.start()
        self.rebuild()

    def to_scene(self, lat: float, lon: float) -> QPointF:
        return QPointF(lon * K * self._cos, -lat * K)

    def rebuild(self) -> None:
        self.scene_.clear()
        self.case_items.clear()
        self.team_items.clear()
        self.track_items.clear()
        street = self.room.street
        if not street:
            return
        self._cos = math.cos(math.radians(street.get("center", [30, 120])[0]))
        areas = {a["id"]: i for i, a in enumerate(street.get("areas", []))}
        font = QFont()
        font.setPointSizeF(LABEL_PT * self.scale_factor)
        # the static layers (grids, their labels, roads, the heat image) are drawn as the
        # view's cached background: one pixmap blit a frame instead of re-filling every
        # polygon and re-rendering every label
        self._grids, self._labels, self._roads = [], [], []
        for g in street.get("grids", []):
            poly = QPolygonF([self.to_scene(lat, lon) for lat, lon in g["polygon"]])
            colour = QColor(AREA_COLOURS[areas.get(g.get("area"), 0) % len(AREA_COLOURS)])
            fill = QColor(colour)
            fill.setAlpha(28)
            self._grids.append((poly, QBrush(fill), QPen(colour.darker(130), 0)))
            c = poly.boundingRect().center()
            self._labels.append((c, g["id"]))      # drawn centred there, in pixels (drawForeground)
        self.label_font = font
        for road in street.get("roads", []):
            self._roads.append(QLineF(self.to_scene(*road["from"]), self.to_scene(*road["to"])))
        self._bounds = QRectF()
        for poly, _b, _p in self._grids:
            self._bounds = self._bounds.united(poly.boundingRect())
        for line in self._roads:
            self._bounds = self._bounds.united(QRectF(line.p1(), line.p2()).normalized())
        # room around the street to pan into when zoomed in
        self.scene_.setSceneRect(self._bounds.adjusted(-self._bounds.width() * 0.5, -self._bounds.height() * 0.5,
                                                       self._bounds.width() * 0.5, self._bounds.height() * 0.5))
        self.update_heat()
        for cid, c in self.room.state["cases"].items():
            if c["status"] in OPEN_STATUSES:
                self._place_case(cid)
        for tid in self.room.state["teams"]:
            self._place_team(tid)
        self.set_tracks(self.tracks)
        self.fit()

    def set_tracks(self, tracks: dict[str, list[tuple[float, float]]]) -> None:
        """Draw each squad's track (its positions in order) as a line in its status colour,
        with a dot at each position; squads not in `tracks` lose theirs."""
        self.tracks = tracks
        if not self.room.street:
            return
        for tid in [t for t in self.track_items if t not in tracks]:
            self.scene_.removeItem(self.track_items.pop(tid))
        for tid, pts in tracks.items():
            t = self.room.state["teams"].get(tid) or {}
            key = f"{len(pts)}|{t.get('status')}"
            item = self.track_items.get(tid)
            if item is not None and item.data(4) == key:
                continue                       # nothing new on this one (a replay's steps are many)
            path = QPainterPath()
            for i, (lat, lon) in enumerate(pts):
                p = self.to_scene(lat, lon)
                if i == 0:
                    path.moveTo(p)
                else:
                    path.lineTo(p)
            for lat, lon in pts:
                path.addEllipse(self.to_scene(lat, lon), 18.0, 18.0)
            if item is None:
                item = self.track_items[tid] = QGraphicsPathItem()
                item.setZValue(3)
                item.setData(3, tid)
                self.scene_.addItem(item)
            item.setData(4, key)
            colour = QColor(TEAM_COLOURS.get(str(t.get("status") or ""), P["muted"]))
            pen = QPen(colour, 2)
            pen.setCosmetic(True)
            item.setPen(pen)
            item.setPath(path)
            item.setToolTip(f"{t.get('call_sign', tid)} ({tid})")

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawBackground(painter, rect)
        for poly, brush, pen in self._grids:
            painter.setBrush(brush)
            painter.setPen(pen)
            painter.drawPolygon(poly)
        if self._heat is not None:
            painter.setOpacity(0.55)
            painter.drawPixmap(self._heat[0], self._heat[1], QRectF(self._heat[1].rect()))
            painter.setOpacity(1.0)
        painter.setPen(QPen(QColor(P["map_block"]), 0))
        painter.drawLines(self._roads)

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        """Grid labels and the legend in screen pixels: the same size at any zoom, a label
        left out where it would overlap one already drawn."""
        super().drawForeground(painter, rect)
        painter.save()
        painter.resetTransform()
        vp = QRectF(self.viewport().rect())
        taken: list[QRectF] = []
        self.drawn_labels = []
        # squads' call signs first (beside their marker, wherever there is room), then the grids'
        s = 12 * self.scale_factor
        for tri, label in self.team_items.values():
            if tri.isVisible():
                c = self.mapFromScene(tri.pos())
                taken.append(QRectF(c.x() - s, c.y() - s, 2 * s, 2 * s))
        painter.setFont(label_font := self._team_font())
        tfm = QFontMetricsF(label_font)
        for tri, label in self.team_items.values():
            if not tri.isVisible():
                continue
            c = self.mapFromScene(tri.pos())
            w, h = tfm.horizontalAdvance(label.text()), tfm.height()
            for dx, dy in ((s, -h), (s, 0), (-s - w, -h), (-s - w, 0), (-w / 2, s), (-w / 2, -s - h)):
                r = QRectF(c.x() + dx, c.y() + dy, w, h)
                if vp.contains(r) and not any(r.intersects(t) for t in taken):
                    break
            else:
                continue                      # no room: the marker's tooltip still names it
            taken.append(r.adjusted(-3, -1, 3, 1))
            painter.setPen(QPen(label.brush().color()))
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter, label.text())
            self.drawn_labels.append((r, label.text()))
        painter.setFont(self.label_font)
        fm = QFontMetricsF(self.label_font)
        painter.setPen(QPen(QColor("#aab4c0")))
        for pos, text in self._labels:
            c = self.mapFromScene(pos)
            w, h = fm.horizontalAdvance(text), fm.height()
            r = QRectF(c.x() - w / 2, c.y() - h / 2, w, h)
            if not vp.contains(r) or any(r.intersects(t) for t in taken):
                continue
            taken.append(r.adjusted(-3, -1, 3, 1))
            painter.drawText(r, Qt.AlignmentFlag.AlignCenter, text)
            self.drawn_labels.append((r, text))
        self._draw_legend(painter, fm)
        painter.restore()

    def _team_font(self) -> QFont:
        f = QFont(self.label_font)
        f.setBold(True)
        return f

    def legend_entries(self) -> list[tuple[str, str, str]]:
        """(shape, colour, text) of each legend line."""
        return [("dot", SLA_COLOURS["overdue"], self.tr("Case: overdue")),
                ("dot", SLA_COLOURS["due_soon"], self.tr("Case: due soon")),
                ("dot", SLA_COLOURS["on_time"], self.tr("Case: on time")),
                ("tri", TEAM_COLOURS["available"], self.tr("Squad: available")),
                ("tri", TEAM_COLOURS["en_route"], self.tr("Squad: en route")),
                ("tri", TEAM_COLOURS["on_scene"], self.tr("Squad: on scene")),
                ("tri", P["emergency"], self.tr("Squad: emergency")),
                ("heat", "#ff7800", self.tr("Today's incidents (heat)"))]

    def legend_width(self, fm: QFontMetricsF | None = None) -> float:
        fm = fm or QFontMetricsF(self.label_font)
        return max(fm.horizontalAdvance(t) for _s, _c, t in self.legend_entries()) + fm.height() + 2 + 16

    def _draw_legend(self, painter: QPainter, fm: QFontMetricsF) -> None:
        entries = self.legend_entries()
        line = fm.height() + 2
        w = self.legend_width(fm)
        r = QRectF(8, self.viewport().height() - 8 - line * len(entries) - 8, w, line * len(entries) + 8)
        self.legend_rect = r
        painter.setPen(QPen(QColor(P["border"])))
        painter.setBrush(QColor(15, 19, 24, 215))
        painter.drawRoundedRect(r, 4, 4)
        for i, (shape, colour, text) in enumerate(entries):
            y = r.top() + 4 + i * line
            mark = QRectF(r.left() + 6, y + line * 0.2, line * 0.6, line * 0.6)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(colour))
            if shape == "tri":
                painter.drawPolygon(QPolygonF([QPointF(mark.center().x(), mark.top()), mark.bottomRight(),
                                               mark.bottomLeft()]))
            elif shape == "heat":
                painter.setOpacity(0.6)
                painter.drawRect(mark)
                painter.setOpacity(1.0)
            else:
                painter.drawEllipse(mark)
            painter.setPen(QPen(QColor(P["text"])))
            painter.drawText(QRectF(mark.right() + 6, y, w, line), Qt.AlignmentFlag.AlignVCenter, text)

    def fit(self) -> None:
        """The whole street in view (zoom 1)."""
        r = self._bounds if self._grids else self.scene_.itemsBoundingRect()
        if not r.isEmpty():
            r = r.adjusted(-50, -50, 50, 50)
            vw, vh = self.viewport().width(), self.viewport().height()
            legend = self.legend_width() + 16
            if self._grids and vw > 2 * legend and vh > 0:
                # the legend (drawn at the left, in pixels) gets a strip of its own: it covered
                # the squads and grid labels of the street's left-hand corner on a wall. At
                # s px a scene unit the street takes w*s and the strip `legend` px of the width
                px = min((vw - legend) / r.width(), vh / r.height())
                r = r.adjusted(-legend / px, 0, 0, 0)
            self.fitInView(r, Qt.AspectRatioMode.KeepAspectRatio)
            self.zoom = 1.0

    def zoom_by(self, factor: float) -> None:
        z = max(self.ZOOM_MIN, min(self.ZOOM_MAX, self.zoom * factor))
        if z == self.zoom:
            return
        if z == self.ZOOM_MIN:
            self.fit()
            return
        self.scale(z / self.zoom, z / self.zoom)
        self.zoom = z

    def wheelEvent(self, e):
        steps = e.angleDelta().y() / 120
        if steps:
            self.zoom_by(1.25 ** steps)
        e.accept()

    def keyPressEvent(self, e):
        key = e.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1.25)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(0.8)
        elif key == Qt.Key.Key_0:
            self.fit()
        else:
            super().keyPressEvent(e)

    def mouseDoubleClickEvent(self, e):
        if self.itemAt(e.position().toPoint()) is None:
            self.fit()
        super().mouseDoubleClickEvent(e)

    def showEvent(self, e):
        super().showEvent(e)
        self._tick()

    def resizeEvent(self, e):
        super().resizeEvent(e)
        if self.zoom == 1.0:          # zoomed in by the operator: stay there
            self.fit()

    def _place_case(self, cid: str) -> None:
        c = self.room.state["cases"].get(cid)
        item = self.case_items.get(cid)
        loc = (c or {}).get("location", {})
        if c is None or c["status"] not in OPEN_STATUSES or loc.get("lat") is None:
            if item is not None:
                self.scene_.removeItem(item)
                del self.case_items[cid]
            return
        light, _ = case_sla(c, self.room.profile, self.room.now())
        r = (20 - c["priority"] * 2.5) * self.scale_factor
        if item is None:
            item = QGraphicsEllipseItem(-r / 2, -r / 2, r, r)
            item.setFlag(QGraphicsEllipseItem.GraphicsItemFlag.ItemIgnoresTransformations)   # pixels, not metres
            item.setZValue(3)
            item.setData(0, cid)
            item.setToolTip(f"{cid} {c['title']}")
            self.scene_.addItem(item)
            self.case_items[cid] = item
        item.setRect(-r / 2, -r / 2, r, r)
        item.setPos(self.to_scene(loc["lat"], loc["lon"]))
        item.setBrush(QColor(SLA_COLOURS.get(light, P["muted"])))
        item.setPen(QPen(QColor(P["text_strong"]) if c["priority"] == 1 else QColor(P["field"]), 2 if c["priority"] == 1 else 1))
        item.setData(1, light)

    def _place_team(self, tid: str) -> None:
        t = self.room.state["teams"].get(tid)
        if t is None:
            return
        pos = team_position(self.room.state, t)
        if pos is None:
            return
        p = self.to_scene(*pos)
        s = 12 * self.scale_factor
        colour = QColor(P["emergency"] if t.get("emergency") else TEAM_COLOURS.get(t["status"], P["muted"]))
        if tid not in self.team_items:
            tri = QGraphicsPolygonItem(QPolygonF([QPointF(0, -s), QPointF(s * 0.85, s * 0.6), QPointF(-s * 0.85, s * 0.6)]))
            tri.setZValue(4)
            tri.setFlag(QGraphicsPolygonItem.GraphicsItemFlag.ItemIgnoresTransformations)
            tri.setData(2, tid)
            tri.setToolTip(f"{t['call_sign']} ({tid})")
            label = QGraphicsSimpleTextItem(t["call_sign"])
            label.setData(2, tid)
            label.setFlag(QGraphicsSimpleTextItem.GraphicsItemFlag.ItemIgnoresTransformations)
            f = QFont()
            f.setPointSizeF(LABEL_PT * self.scale_factor)
            f.setBold(True)
            label.setFont(f)
            label.setZValue(4)
            self.scene_.addItem(tri)
            self.scene_.addItem(label)
            self.team_items[tid] = (tri, label)
        tri, label = self.team_items[tid]
        tri.setPos(p)
        tri.setBrush(colour)
        tri.setPen(QPen(QColor(P["field"]), 1))
        tri.setVisible(t["on_duty"])
        label.setVisible(False)         # drawn by drawForeground, clear of the other labels
        label.setBrush(colour)
        label.setPos(p)
        label.setTransform(label.transform().fromTranslate(s, -s))

    def _cases(self, changed, new) -> None:
        for cid in list(changed) + list(new):
            self._place_case(cid)

    def _teams(self, ids) -> None:
        for tid in ids:
            self._place_team(tid)

    def _tick(self) -> None:
        # lights change with time: recolour the open cases (a few hundred at most), when seen
        if not self.isVisible():
            return
        for cid in list(self.case_items):
            self._place_case(cid)

    def update_heat(self) -> None:
        """A density image of today's incidents, blurred, under the markers."""
        street = self.room.street
        if not street or not street.get("bounds"):
            return
        (la0, lo0), (la1, lo1) = street["bounds"]
        cases = kpi.today_cases(self.room.state, self.room.now())
        W, H = 160, 160
        grid = np.zeros((H, W), dtype=np.float32)
        for c in cases:
            loc = c["location"]
            if loc.get("lat") is None:
                continue
            x = int((loc["lon"] - lo0) / (lo1 - lo0) * (W - 1))
            y = int((la1 - loc["lat"]) / (la1 - la0) * (H - 1))
            if 0 <= x < W and 0 <= y < H:
                grid[y, x] += 1
        if grid.max() > 0:
            k = np.exp(-0.5 * (np.arange(-12, 13) / 4.0) ** 2)
            k /= k.sum()
            grid = np.apply_along_axis(lambda r: np.convolve(r, k, mode="same"), 1, grid)
            grid = np.apply_along_axis(lambda r: np.convolve(r, k, mode="same"), 0, grid)
            grid /= grid.max()
        rgba = np.zeros((H, W, 4), dtype=np.uint8)
        rgba[..., 0] = 255
        rgba[..., 1] = (120 * (1 - grid)).astype(np.uint8)
        rgba[..., 3] = (grid * 200).astype(np.uint8)
        img = QImage(rgba.data, W, H, W * 4, QImage.Format.Format_RGBA8888).copy()
        tl, br = self.to_scene(la1, lo0), self.to_scene(la0, lo1)
        self._heat = (QRectF(tl, br), QPixmap.fromImage(img))
        self.resetCachedContent()
        self.viewport().update()

    def mousePressEvent(self, e):
        items = self.items(e.position().toPoint())
        case = next((i for i in items if i.data(0)), None)      # a case under a squad's marker wins
        team = next((i for i in items if i.data(2)), None)
        if case is not None:
            self.case_clicked.emit(case.data(0))
        elif team is not None:
            self.team_clicked.emit(team.data(2))
        super().mousePressEvent(e)
