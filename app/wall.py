"""Wall mode: a read-only big-screen dashboard for the room and visiting officials.

Full screen on the chosen screen, type readable from five metres, a clock and the link
state always shown, pages rotating on an interval (like a Grafana playlist) with alerts
pinned over them. No personal data, no dialog that needs a click; it reconnects by itself.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from models import rota
from models.qt import labels
from widgets.alerts import AlertBanner, AlertCenter
from widgets.dashboard import DashboardPanel
from widgets.evidence import AlertFrame, EvidenceSource, LinkEvidence
from widgets.link_indicator import LinkIndicator
from widgets.offline import OfflineBanner
from widgets.roster import SUBTEXT_PT, RosterPanel
from widgets.street_map import StreetMap


class _ReadOnlyLink:
    """What the wall's alert centre may do: nothing that changes the room."""

    def __init__(self, link):
        self.sig_command = link.sig_command

    def submit(self, name, args):
        return None


WALL_MIN_PX = 20      # no text smaller: legible from 5 m on a 1080p screen


class _ElidedLabel(QLabel):
    """A label that shrinks with an ellipsis (its whole text in the tooltip) rather than widening
    its row or being cut mid-letter."""

    def __init__(self) -> None:
        super().__init__()
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self._full = text
        self.setToolTip(text)
        self._fit()

    def full_text(self) -> str:
        return self._full

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        super().setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(0, self.width())))


class WallWindow(QWidget):
    def __init__(self, room, link, scale: float | None = None, rotate_s: float = 20.0, parent=None):
        super().__init__(parent)
        self.setObjectName("WallWindow")
        self.room, self.link = room, link
        self.setWindowTitle(self.tr("Xiaonao video wall"))
        screen = QGuiApplication.primaryScreen().geometry()
        self.scale = scale or max(1.0, screen.height() / 1080 * 1.35)
        s = self.scale
        self.title = _ElidedLabel()
        self.clock = QLabel()
        self.mode = QLabel()
        self.mode.setObjectName("ModeLabel")
        self.shift = _ElidedLabel()        # the shift on duty by the rota: who the room has out now
        self.shift.setObjectName("WallWindow.shift")
        for lab, size in ((self.title, 20), (self.clock, 22), (self.mode, 14), (self.shift, 12)):
            lab.setStyleSheet(f"font-size: {size * s:.1f}pt; font-weight: bold")
            lab.setProperty("pt", size * s)
        # the street's name and the shift share what the mode, link and clock leave: they never
        # widen the wall past its screen (a long shift line made a 1920 px wall 2,856 px wide)
        # the shift under the street's name, each with the row's whole width: side by side both were
        # cut short in English ('Jiubao Street (demo) · Command …', '… leader 李红梅 · on …')
        self.link_indicator = LinkIndicator(link, room, big=True, scale=s)
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.title)
        names.addWidget(self.shift)
        top = QHBoxLayout()
        top.addLayout(names, 1)
        top.addSpacing(int(20 * s))
        top.addWidget(self.mode)
        top.addSpacing(int(20 * s))
        top.addWidget(self.link_indicator)
        top.addSpacing(int(20 * s))
        top.addWidget(self.clock)
        self.alerts = AlertCenter(room, _ReadOnlyLink(link), self)
        self.alerts.set_muted("p1", True)
        self.alerts.set_muted("overdue", True)
        self.banner = AlertBanner(self.alerts, None, scale=s)
        self.banner.ack.setVisible(False)        # the wall is read-only: nothing to click
        self.pages = QStackedWidget()
        self.page_titles: list[str] = []
        p1 = DashboardPanel(room, scale=s, parts=("kpis", "charts"), min_px=WALL_MIN_PX)
        self._add_page(p1, self.tr("Today at a glance"))
        p2 = QWidget()
        self._map_page = l2 = QHBoxLayout(p2)
        l2.addWidget(StreetMap(room, None, scale=s), 3)
        # tiles big enough for 20 px subtexts; the talkgroups that do not fit are paged
        self.roster = RosterPanel(room, None, columns=2, scale=max(s * 0.8, WALL_MIN_PX / (SUBTEXT_PT * 96 / 72)),
                                  paged=True)
        l2.addWidget(self.roster, 2)
        self._add_page(p2, self.tr("Street map and squads"))
        p3 = DashboardPanel(room, scale=s, parts=("kpis", "tables"), min_px=WALL_MIN_PX, page_rows=-1)
        self.performance = p3
        self._add_page(p3, self.tr("Performance and early warnings"))
        self.page_label = QLabel()
        self.page_label.setStyleSheet(f"color: #8593a3; font-size: {max(WALL_MIN_PX, int(11 * s * 96 / 72))}px")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(int(12 * s), int(8 * s), int(12 * s), int(8 * s))
        lay.addLayout(top)
        self.offline_banner = OfflineBanner(link, room, scale=s)
        lay.addWidget(self.offline_banner)
        lay.addWidget(self.banner)
        # the AI alert's frame (its marked region, label and confidence) beside the pages while
        # the alert pinned across the top has one the wall may show (docs/protocol.md, Evidence)
        source = LinkEvidence(link, self) if hasattr(link, "fetch_thumbnail") else EvidenceSource(self)
        self.alert_frame = AlertFrame(source, scale=s)
        middle = QHBoxLayout()
        middle.addWidget(self.pages, 3)
        middle.addWidget(self.alert_frame, 2)
        lay.addLayout(middle, 1)
        lay.addWidget(self.page_label)
        self._rotate = QTimer(self, interval=int(rotate_s * 1000))
        self._rotate.timeout.connect(self.next_page)
        self._rotate.start()
        quit_ = QShortcut(QKeySequence("Ctrl+Q"), self)      # the wall has no menu: Ctrl+Q closes it
        quit_.activated.connect(self.close)
        room.sig_tick.connect(self._tick)
        room.sig_room.connect(self._tick)
        room.sig_reset.connect(self._tick)
        self.alerts.sig_changed.connect(self._pinned)
        room.sig_cases.connect(self._cases_changed)
        self._pinned()
        self._tick()
        self.show_page(0)

    def pinned_case(self) -> dict | None:
        """The case of the alert pinned across the wall (none for a squad's emergency)."""
        a = self.alerts.top()
        return self.room.state["cases"].get(a.key) if a is not None and a.kind != "emergency" else None

    def _pinned(self) -> None:
        self.alert_frame.show_alert(self.pinned_case())

    def _cases_changed(self, changed, _new) -> None:
        case = self.pinned_case()
        if case is not None and case["id"] in changed:
            self.alert_frame.show_alert(case)

    def _add_page(self, w: QWidget, title: str) -> None:
        self.pages.addWidget(w)
        self.page_titles.append(title)

    def show_page(self, i: int) -> None:
        self.pages.setCurrentIndex(i)
        self.page_label.setText(f"{i + 1}/{self.pages.count()} · {self.page_titles[i]}")

    def next_page(self) -> None:
        self.show_page((self.pages.currentIndex() + 1) % self.pages.count())

    def _tick(self) -> None:
        now = self.room.now()
        self.clock.setText(time.strftime("%H:%M:%S", time.localtime(now))
                           + ("" if self.room.live else " · " + self.tr("not live")))
        street = self.room.street
        zh = QCoreApplication.translate("Domain", "Dispute") != "Dispute"
        name = (street.get("name") if zh else street.get("name_en")) if street else ""
        self.title.setText(self.tr("%1 · Command centre").replace("%1", name or ""))
        self.shift.setText(self.shift_text())
        war = self.room.state.get("mode") == "wartime"
        self.mode.setText(f" {labels.mode(self.room.state.get('mode', 'peacetime'))} ")
        pt = f"font-size: {14 * self.scale:.1f}pt; font-weight: bold;"
        self.mode.setStyleSheet(pt + ("background:#c0392b; color:white; padding: 2px 12px" if war else "color:#34c759"))

    def shift_text(self) -> str:
        """The shift in force, its crew and leader, and the members on duty ('' without a rota)."""
        st = self.room.state
        cur = rota.current(st) if rota.has_rota(st) else None
        if cur is None:
            return ""
        r = st["street"]["rota"]
        crew = next((c for c in r["crews"] if c["id"] == cur.get("crew")), None)
        on = sum(1 for t in st["teams"].values() for m in t["members"] if m.get("on_duty", True))
        called = sum(1 for p in (st.get("reserve") or {}).values() if p.get("on_duty"))
        text = self.tr("%1 · %2 · leader %3 · on duty %4").replace("%1", labels.named(rota.shift_def(r, cur["shift"]))) \
            .replace("%2", labels.named(crew)).replace("%3", cur.get("leader") or "—").replace("%4", str(on + called))
        return text + (" · " + self.tr("reserve called up %1").replace("%1", str(called)) if called else "")

    def resizeEvent(self, e):
        super().resizeEvent(e)
        # a narrow wall (1366 px): the map gives the roster room for two columns of its 20 px tiles
        self._map_page.setStretch(0, 3 if self.width() >= 1700 else 2)

    def keyPressEvent(self, e):
        if e.key() == Qt.Key.Key_Right:
            self.next_page()
        elif e.key() == Qt.Key.Key_Escape:
            self.showNormal()
        super().keyPressEvent(e)
