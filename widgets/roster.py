"""The radio-style roster: one strip per talkgroup (patrol area), a tile per squad with call
sign, status colour, time in status, members on duty, current case and last transmission.
An emergency call takes over: its tile flashes red until acknowledged. The squad's field
terminal shows in the tile's corner: ● online (how many), ○ when it was last seen; a
reinforcement request from the field takes the last line until the room acknowledges it."""
from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QPoint, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from models import rota
from models.qt import labels
from models.qt.room import RoomState, Selection
from models.timeutil import epoch
from widgets.common import fill_with_scroll
from widgets.style import EMERGENCY, TEAM_COLOURS, P

SUBTEXT_PT = 10.0     # a tile's smaller lines at 100 % (legible at a glance)


def hhmm(iso_time: str) -> str:
    return time.strftime("%H:%M", time.localtime(epoch(iso_time)))


def terminal_text(team: dict) -> tuple[str, bool]:
    """The tile's terminal marker and whether a terminal is online: '● online' ('● 2
    online': two phones of the squad connected), '○ 14:02' (none now, last seen then), '' (never)."""
    term = team.get("terminal") or {}
    n = term.get("online") or 0
    if n == 1:
        return "● " + QCoreApplication.translate("SquadTile", "online"), True
    if n:
        return "● " + QCoreApplication.translate("SquadTile", "%1 online").replace("%1", str(n)), True
    if term.get("last_seen"):
        return "○ " + hhmm(term["last_seen"]), False     # the tooltip says "offline; last seen"
    return "", False


def terminal_tooltip(team: dict) -> str:
    """Presence and position, in words, for the tile's tooltip."""
    term = team.get("terminal") or {}
    lines = []
    if term.get("online"):
        lines.append(QCoreApplication.translate("SquadTile", "Field terminal online since %1 (%2 connected)").replace(
            "%1", hhmm(term["since"]) if term.get("since") else "?").replace("%2", str(term["online"])))
    elif term.get("last_seen"):
        text = QCoreApplication.translate("SquadTile", "Field terminal offline; last seen %1")
        lines.append(text.replace("%1", hhmm(term["last_seen"])))
    else:
        lines.append(QCoreApplication.translate("SquadTile", "No field terminal has connected"))
    pos = team.get("position")
    if pos:
        at = team.get("position_at")
        text = QCoreApplication.translate("SquadTile", "Position %1, %2")
        lines.append(text.replace("%1", f"{pos[0]:.5f}").replace("%2", f"{pos[1]:.5f}") + (f" ({hhmm(at)})" if at else ""))
    return "\n".join(lines)


def since(iso_time: str | None, now: float) -> str:
    if not iso_time:
        return ""
    s = max(0, int(now - epoch(iso_time)))
    return f"{s // 3600}h{(s % 3600) // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


class SquadTile(QWidget):
    clicked = Signal(str)
    double_clicked = Signal(str)
    menu_requested = Signal(str, QPoint)     # right click: the squad, a global position

    def __init__(self, room: RoomState, team_id: str, scale: float = 1.0, parent=None):
        super().__init__(parent)
        self.room, self.team_id, self.scale = room, team_id, scale
        self.selected = False
        self.flash = False
        self._cached: QPixmap | None = None      # the tile as last drawn, and what it showed
        self._cached_content: tuple | None = None
        self.drawn: list[tuple[QRectF, str]] = []   # where each text went, as last drawn (tests: none overlap)
        self.setMinimumSize(QSize(int(190 * scale), int(84 * scale)))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setObjectName(f"tile-{team_id}")

    def sizeHint(self) -> QSize:
        return QSize(int(210 * self.scale), int(84 * self.scale))

    def mousePressEvent(self, e):
        self.clicked.emit(self.team_id)

    def contextMenuEvent(self, e):
        self.menu_requested.emit(self.team_id, e.globalPos())

    def mouseDoubleClickEvent(self, e):
        self.double_clicked.emit(self.team_id)

    def content(self) -> tuple | None:
        """Everything the tile shows, as text: the tile is redrawn only when this changes."""
        t = self.room.state["teams"].get(self.team_id)
        if t is None:
            return None
        emergency = bool(t.get("emergency"))
        reinforcement = t.get("reinforcement")
        line3 = ""
        if t.get("case_id"):
            c = self.room.state["cases"].get(t["case_id"])
            # on the case as a supporting squad (case.reinforce)
            support = self.tr("support") + " " if c and c.get("team_id") != t["id"] else ""
            line3 = f"▶ {support}{t['case_id']} {c['title'] if c else ''}"
            if len(t["cases"]) > 1:
                line3 += f" (+{len(t['cases']) - 1})"
        if emergency:
            em = t["emergency"]
            line4 = "⚠ " + self.tr("EMERGENCY") + f" {em.get('by', '')}: {em.get('note', '')}"
        elif reinforcement:
            line4 = "✚ " + self.tr("Requests reinforcement") + (f": {reinforcement['note']}"
                                                               if reinforcement.get("note") else "")
        elif t.get("last_tx"):
            tx = t["last_tx"]
            line4 = f"» {time.strftime('%H:%M', time.localtime(epoch(tx['at'])))} {tx.get('by', '')}: {tx.get('text', '')}"
        else:
            line4 = ""
        on = sum(1 for m in t["members"] if m.get("on_duty", True))
        # called up by mass mobilisation: the reserve list with the squad, its members out of their shift
        reserve = rota.mobilised_on(self.room.state, t["id"])
        called = [m for m in t["members"] if m.get("mobilised") and m.get("on_duty", True)]
        members = f"{on}/{len(t['members'])}"
        if reserve or called:
            members += " ⚑" + str(len(reserve) + len(called))
        terminal, online = terminal_text(t)
        tip = terminal_tooltip(t)
        if reserve or called:
            tip += "\n" + self.tr("Called up: %1").replace("%1", ", ".join(
                [f"{r['name']} ({r.get('unit', '')})" for r in reserve] + [m["name"] for m in called]))
        if tip != self.toolTip():
            self.setToolTip(tip)
        return (self.width(), self.height(), self.devicePixelRatioF(), self.selected, self.flash, emergency,
                t["status"], t["call_sign"], t["id"],
                labels.team_status(t["status"]) + (" ✎" if t.get("status_by") else "")   # ✎: set by the room
                + "  " + ("" if self.room.live else "≈")   # ≈: not live
                + since(t.get("status_since"), self.room.now()),
                members, line3, line4, terminal, online, bool(reinforcement))

    def paintEvent(self, _e):
        content = self.content()
        if content is None:
            return
        if content != self._cached_content:
            dpr = content[2]
            pix = QPixmap(int(self.width() * dpr), int(self.height() * dpr))
            pix.setDevicePixelRatio(dpr)
            pix.fill(Qt.GlobalColor.transparent)
            p = QPainter(pix)
            self._render(p, content)
            p.end()
            self._cached, self._cached_content = pix, content
        p = QPainter(self)
        p.drawPixmap(0, 0, self._cached)
        p.end()

    def _render(self, p: QPainter, content: tuple) -> None:
        (_w, _h, _dpr, selected, flash, emergency, status, call_sign, tid, status_line, members, line3,
         line4, terminal, online, reinforcement) = content
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = QRectF(self.rect()).adjusted(2, 2, -2, -2)
        bg = QColor(P["base_alt"])
        if emergency:
            bg = QColor(EMERGENCY if flash else P["emergency_off"])
        p.setBrush(bg)
        p.setPen(QPen(QColor(P["accent"]) if selected else QColor(P["border"]), 2 if selected else 1))
        p.drawRoundedRect(r, 4, 4)
        colour = QColor(TEAM_COLOURS.get(status, P["muted"]))
        p.setBrush(colour)
        p.setPen(Qt.PenStyle.NoPen)
        p.drawRoundedRect(QRectF(r.left(), r.top(), 7 * self.scale, r.height()), 3, 3)
        s = self.scale
        x = r.left() + 14 * s
        w = r.width() - 20 * s
        f = QFont(self.font())
        f.setPointSizeF(12 * s)
        f.setBold(True)
        p.setFont(f)
        p.setPen(QColor(P["text_strong"]))
        self.drawn = []
        Left, Right = Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignRight
        self._text(p, QRectF(x, r.top() + 2 * s, w, 22 * s), Left, call_sign)
        call_w = p.fontMetrics().horizontalAdvance(call_sign)
        f.setPointSizeF(SUBTEXT_PT * s)
        f.setBold(False)
        p.setFont(f)
        p.setPen(QColor(P["muted"]))
        right = QRectF(x, r.top() + 2 * s, w, 22 * s)
        self._text(p, right, Right, tid)
        gap = p.fontMetrics().horizontalAdvance("  ")
        if terminal:
            # the field terminal, between the call sign and the squad's id: green while online
            tid_w = p.fontMetrics().horizontalAdvance(tid) + gap
            room = int(w - tid_w - call_w - gap)
            p.setPen(QColor(P["ok"]) if online else QColor(P["muted"]))
            self._text(p, right.adjusted(0, 0, -tid_w, 0), Right,
                       p.fontMetrics().elidedText(terminal, Qt.TextElideMode.ElideRight, max(0, room)))
        fm = p.fontMetrics()
        members_w = fm.horizontalAdvance(members)
        f.setBold(True)
        p.setFont(f)
        # the status and its time first; the members beside them where both fit (a narrow tile, a
        # long status: 'On scene ✎ ≈47m43s' and '3/10 ⚑2'), else at the end of the case line
        status_w = p.fontMetrics().horizontalAdvance(status_line)
        members_beside = status_w + gap + members_w <= w
        p.setPen(colour if not emergency else QColor(P["text_strong"]))
        self._text(p, QRectF(x, r.top() + 24 * s, w, 18 * s), Left,
                   p.fontMetrics().elidedText(status_line, Qt.TextElideMode.ElideRight, int(w)))
        f.setBold(False)
        p.setFont(f)
        p.setPen(QColor(P["muted"]))
        members_row = r.top() + (24 if members_beside else 42) * s
        self._text(p, QRectF(x, members_row, w, 18 * s), Right, members)
        p.setPen(QColor(P["text_soft"]))
        line3_w = int(w) if members_beside else max(0, int(w - members_w - gap))
        self._text(p, QRectF(x, r.top() + 42 * s, w, 18 * s), Left,
                   fm.elidedText(line3, Qt.TextElideMode.ElideRight, line3_w))
        p.setPen(QColor(P["text_strong"]) if emergency else QColor(P["warning"]) if reinforcement
                 else QColor(P["muted"]))
        self._text(p, QRectF(x, r.top() + 61 * s, w, 18 * s), Left,
                   fm.elidedText(line4, Qt.TextElideMode.ElideRight, int(w)))

    def _text(self, p: QPainter, rect: QRectF, align: Qt.AlignmentFlag, text: str) -> None:
        """Draw one line in `rect` (left or right, vertically centred) and keep where it went."""
        if not text:
            return
        flags = align | Qt.AlignmentFlag.AlignVCenter
        p.drawText(rect, flags, text)
        self.drawn.append((p.fontMetrics().boundingRect(rect.toRect(), int(flags), text).toRectF(), text))


class RosterStrip(QFrame):
    """One talkgroup: the squads of one patrol area."""

    def __init__(self, room: RoomState, area: dict, team_ids: list[str], columns: int, scale: float, parent=None):
        super().__init__(parent)
        self.area_id: str = area["id"]
        self.setProperty("kind", "card")
        title = QLabel(f"{area.get('talkgroup', '')}  {labels.area(room.street, area['id'])}")
        title.setStyleSheet(f"font-size: {12 * scale:.1f}pt; font-weight: bold; color: #ffffff")
        self.summary = QLabel()
        self.summary.setStyleSheet(f"font-size: {9 * scale:.1f}pt; color: #8593a3")
        grid = QGridLayout()
        grid.setSpacing(4)
        self.tiles = [SquadTile(room, tid, scale) for tid in team_ids]
        for i, tile in enumerate(self.tiles):
            grid.addWidget(tile, i // columns, i % columns)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 6)
        head = QWidget()
        hl = QGridLayout(head)
        hl.setContentsMargins(0, 0, 0, 0)
        hl.addWidget(title, 0, 0)
        hl.addWidget(self.summary, 0, 1, Qt.AlignmentFlag.AlignRight)
        lay.addWidget(head)
        lay.addLayout(grid)


class RosterPanel(QWidget):
    """`paged` (the wall): no scroll bar; when the talkgroups do not all fit, as many as fit
    are shown a page at a time, turning every `page_s` seconds.

    Signals:
        sig_tile_menu(str, QPoint): a squad tile's menu was asked for (right click).
    """
    sig_tile_menu = Signal(str, QPoint)

    def __init__(self, room: RoomState, selection: Selection | None, columns: int = 2, scale: float = 1.0,
                 parent=None, paged: bool = False, page_s: float = 7.0):
        super().__init__(parent)
        self.setObjectName("RosterPanel")
        self.room, self.selection = room, selection
        self.columns, self.scale, self.paged = columns, scale, paged
        self.page = 0
        self.pages: list[list] = [[]]
        self.tiles: dict[str, SquadTile] = {}
        self.strips: list[RosterStrip] = []
        self.body = QWidget()
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(2, 2, 2, 2)
        self.scroll_area = fill_with_scroll(self, self.body)
        if paged:
            self.scroll_area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.page_label = QLabel()
            self.page_label.setStyleSheet(f"font-size: {int(10 * scale * 96 / 72)}px; color: #8593a3")
            outer = self.layout()
            assert outer is not None
            outer.addWidget(self.page_label)
            self._page_timer = QTimer(self, interval=int(page_s * 1000))
            self._page_timer.timeout.connect(self.next_page)
            self._page_timer.start()
        room.sig_reset.connect(self.rebuild)
        room.sig_teams.connect(self.update_teams)
        room.sig_tick.connect(self._tick)
        if selection is not None:
            selection.sig_team.connect(self._select)
        self._flash = QTimer(self, interval=400)
        self._flash.timeout.connect(self._flash_tick)
        self._flash.start()
        self.rebuild()

    def rebuild(self) -> None:
        for s in self.strips:
            s.setParent(None)
            s.deleteLater()
        self.strips.clear()
        self.tiles.clear()
        while self.body_layout.count():
            item = self.body_layout.takeAt(0)
            w = item.widget() if item is not None else None
            if w is not None:
                w.deleteLater()
        teams = self.room.state["teams"]
        for area in self.room.street.get("areas", []):
            ids = sorted(t["id"] for t in teams.values() if t["area"] == area["id"])
            strip = RosterStrip(self.room, area, ids, self.columns, self.scale)
            self.strips.append(strip)
            self.body_layout.addWidget(strip)
            for tile in strip.tiles:
                self.tiles[tile.team_id] = tile
                if self.selection is not None:
                    tile.clicked.connect(self.selection.set_team)
                    tile.double_clicked.connect(self._dispatch_to)
                tile.menu_requested.connect(self.sig_tile_menu)
        self.body_layout.addStretch(1)
        self._summaries()
        self._paginate()

    # ---- pages (the wall) ---------------------------------------------------------
    def _paginate(self) -> None:
        """Group the talkgroups into pages that fit the panel's height, whole strips each."""
        if not self.paged:
            return
        room = max(1, self.scroll_area.viewport().height())
        pages: list[list] = [[]]
        used = 0
        for strip in self.strips:
            h = strip.sizeHint().height() + self.body_layout.spacing()
            if pages[-1] and used + h > room:
                pages.append([])
                used = 0
            pages[-1].append(strip)
            used += h
        self.pages = pages
        self.page = min(self.page, len(pages) - 1)
        self._show_page()

    def _show_page(self) -> None:
        shown = set(map(id, self.pages[self.page])) if self.pages else set()
        for strip in self.strips:
            strip.setVisible(id(strip) in shown)
        n = len(self.pages)
        self.page_label.setVisible(n > 1)
        self.page_label.setText(self.tr("Talkgroups page %1/%2").replace("%1", str(self.page + 1)).replace(
            "%2", str(n)))

    def next_page(self) -> None:
        if self.paged and self.pages:
            self.page = (self.page + 1) % len(self.pages)
            self._show_page()

    def resizeEvent(self, e):
        super().resizeEvent(e)
        self._paginate()

    def _summaries(self) -> None:
        teams = self.room.state["teams"]
        for strip in self.strips:
            mine = [t for t in teams.values() if t["area"] == strip.area_id]
            avail = sum(1 for t in mine if t["status"] == "available")
            strip.summary.setText(self.tr("%1 of %2 available").replace("%1", str(avail)).replace("%2", str(len(mine))))

    def update_teams(self, ids) -> None:
        for tid in ids:
            tile = self.tiles.get(tid)
            if tile:
                tile.update()
        self._summaries()

    def _tick(self) -> None:
        for tile in self.tiles.values():
            tile.update()

    def _flash_tick(self) -> None:
        for tile in self.tiles.values():
            if self.room.state["teams"].get(tile.team_id, {}).get("emergency"):
                tile.flash = not tile.flash
                tile.update()

    def _select(self, tid: str) -> None:
        for k, tile in self.tiles.items():
            if tile.selected != (k == tid):
                tile.selected = k == tid
                tile.update()

    def _dispatch_to(self, tid: str) -> None:
        sel = self.selection
        if sel is None:
            return
        sel.set_team(tid)
        if sel.case_id:
            sel.sig_dispatch_to.emit(sel.case_id, tid)
