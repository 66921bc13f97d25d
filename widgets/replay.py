"""Replay a shift (可复盘): a window of its own that replays the room of any past range from the
server's log, with a time slider, play/pause and 1x-60x, the squads' tracks on the map.

It is a second room (models/qt/replay.py: ReplayRoom) fed from a replay (client/replay.py),
shown by the live panels' own classes: the queue, the roster, the street map, the dashboard.
Read-only: nothing in it can issue a command (no command line, no dispatch, no menus; the
room says no role may do anything), and it takes nothing from the live room, whose link,
alerts and sounds go on as they were. Marked REPLAY / 回放 across its top and in its title.
"""
from __future__ import annotations

import time
from datetime import datetime

from PySide6.QtCore import QDateTime, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from client.replay import SPEEDS, Player, Replay
from models.qt.replay import ReplayRoom
from models.qt.room import Selection
from models.state import touched
from models.timeutil import iso
from widgets.case_queue import CaseQueuePanel
from widgets.roster import RosterPanel
from widgets.street_map import StreetMap
from widgets.style import P

STEP_MS = 200              # the player's clock moves this often while playing
DRAG_MS = 120              # the room follows a dragged slider this often
SHIFT_HOURS = 8            # the range offered at first: the last shift
MAX_HOURS = 24             # the server replays at most this much at once


def _local(t: float, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return datetime.fromtimestamp(t).strftime(fmt)


class ReplayWindow(QMainWindow):
    """Signals:
        sig_loaded(): a range was loaded and is shown at its start.
        sig_failed(str): loading failed, with the reason in words (also shown in the window).
    """
    sig_loaded = Signal()
    sig_failed = Signal(str)

    def __init__(self, link, live_room=None, parent=None, now: float | None = None, scale: float = 1.0):
        super().__init__(parent)
        self.setObjectName("ReplayWindow")
        self.setWindowTitle(self.tr("REPLAY — Xiaonao (read-only)"))
        self.link = link
        self.room = ReplayRoom(self)
        if live_room is not None:
            self.room.user, self.room.role, self.room.team_id = live_room.user, live_room.role, live_room.team_id
        self.selection = Selection(self)
        self.player: Player | None = None
        self.replay: Replay | None = None
        self._last_step = time.monotonic()
        self._closed = False
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.banner = QLabel()
        self.banner.setObjectName("replay-banner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.setStyleSheet(f"background: {P['purple']}; color: #ffffff; font-weight: bold; "
                                  f"font-size: {int(15 * scale)}px; padding: 6px")
        # the mark and the controls across the whole window, above the docks too
        top = QWidget()
        top.setObjectName("replay-top")
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.setSpacing(0)
        tl.addWidget(self.banner)
        tl.addWidget(self._range_bar(now))
        tl.addWidget(self._transport_bar())
        self.setMenuWidget(top)
        self.queue = CaseQueuePanel(self.room, self.selection)
        lay.addWidget(self.queue, 1)
        self.setCentralWidget(central)
        self.roster = RosterPanel(self.room, self.selection, scale=scale)
        self.map = StreetMap(self.room, self.selection, scale=scale)
        from widgets.dashboard import DashboardPanel  # pyqtgraph: imported when a replay is opened
        self.dashboard = DashboardPanel(self.room, parts=("kpis", "charts"), scale=scale)
        self.docks: dict[str, QDockWidget] = {}
        for key, title, widget, area in (
                ("roster", self.tr("Radio roster"), self.roster, Qt.DockWidgetArea.LeftDockWidgetArea),
                ("map", self.tr("Street map"), self.map, Qt.DockWidgetArea.RightDockWidgetArea),
                ("dashboard", self.tr("Dashboard"), self.dashboard, Qt.DockWidgetArea.BottomDockWidgetArea)):
            dock = QDockWidget(title, self)
            dock.setObjectName(f"replay-dock-{key}")
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
            dock.setWidget(widget)
            self.addDockWidget(area, dock)
            self.docks[key] = dock
        # as large as the cockpit it opens from allows, 1500x920 at least (1920 px: the roster's two
        # columns of tiles whole), never larger than that window (a 1366x768 screen)
        ref = parent.window().size() if parent is not None else None
        w, h = 1500, 920
        if ref is not None and ref.width() > 0:
            w = min(ref.width(), max(w, int(ref.width() * 0.92)))
            h = min(ref.height(), max(h, int(ref.height() * 0.92)))
        self.resize(w, h)
        self.resizeDocks([self.docks["roster"], self.docks["map"]], [470, max(300, min(520, int(w * 0.27)))],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["dashboard"]], [max(200, min(300, int(h * 0.32)))], Qt.Orientation.Vertical)
        self.timer = QTimer(self, interval=STEP_MS)
        self.timer.timeout.connect(self._step)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, self.toggle_play)
        QShortcut(QKeySequence("Ctrl+W"), self, self.close)
        self._show_banner()
        self._set_loaded(False)

    # ---- the bars ------------------------------------------------------------------
    def _range_bar(self, now: float | None) -> QWidget:
        bar = QWidget()
        h = QHBoxLayout(bar)
        h.setContentsMargins(8, 4, 8, 4)
        now = time.time() if now is None else now
        self.from_edit = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(now - SHIFT_HOURS * 3600)))
        self.to_edit = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(now)))
        for e in (self.from_edit, self.to_edit):
            e.setDisplayFormat("yyyy-MM-dd HH:mm")
            e.setCalendarPopup(True)
        self.load_button = QPushButton(self.tr("Load"))
        self.load_button.setObjectName("replay-load")
        self.load_button.clicked.connect(self.load)
        self.status = QLabel()
        self.status.setObjectName("replay-status")
        self.status.setWordWrap(True)
        h.addWidget(QLabel(self.tr("From")))
        h.addWidget(self.from_edit)
        h.addWidget(QLabel(self.tr("to")))
        h.addWidget(self.to_edit)
        h.addWidget(self.load_button)
        h.addWidget(self.status, 1)
        return bar

    def _transport_bar(self) -> QWidget:
        bar = QWidget()
        h = QHBoxLayout(bar)
        h.setContentsMargins(8, 0, 8, 4)
        self.play_button = QPushButton(self.tr("Play"))
        self.play_button.setObjectName("replay-play")
        self.play_button.clicked.connect(self.toggle_play)
        self.speed = QComboBox()
        self.speed.setObjectName("replay-speed")
        for s in SPEEDS:
            self.speed.addItem(f"{s}×", s)
        self.speed.setCurrentIndex(SPEEDS.index(10))
        self.speed.currentIndexChanged.connect(self._speed_changed)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("replay-slider")
        self.slider.valueChanged.connect(self._slid)
        self.slider.sliderReleased.connect(lambda: self._slid(self.slider.value()))
        # while the slider is dragged the room follows at most every DRAG_MS (a jump rebuilds views)
        self._drag_timer = QTimer(self, singleShot=True, interval=DRAG_MS)
        self._drag_timer.timeout.connect(lambda: self._slid(self.slider.value(), now=True))
        self.clock = QLabel("—")
        self.clock.setObjectName("replay-clock")
        self.clock.setMinimumWidth(220)
        h.addWidget(self.play_button)
        h.addWidget(QLabel(self.tr("Speed")))
        h.addWidget(self.speed)
        h.addWidget(self.slider, 1)
        h.addWidget(self.clock)
        return bar

    def _set_loaded(self, loaded: bool) -> None:
        for w in (self.play_button, self.speed, self.slider):
            w.setEnabled(loaded)

    def _show_banner(self) -> None:
        if self.replay is None:
            text = self.tr("REPLAY · read-only · pick a range and Load; the live room goes on in the main window")
        else:
            text = (self.tr("REPLAY %1 – %2 · read-only · not live")
                    .replace("%1", _local(self.replay.lo, "%m-%d %H:%M")).replace("%2", _local(self.replay.hi, "%m-%d %H:%M")))
        self.banner.setText(text)

    # ---- loading -------------------------------------------------------------------------
    def set_range(self, lo: float, hi: float) -> None:
        self.from_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(lo)))
        self.to_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(hi)))

    def load(self) -> None:
        lo = self.from_edit.dateTime().toSecsSinceEpoch()
        hi = self.to_edit.dateTime().toSecsSinceEpoch()
        if hi <= lo:
            self._fail(self.tr("The end of the range must be after its start."))
            return
        if hi - lo > MAX_HOURS * 3600:
            self._fail(self.tr("A replay covers at most %1 hours: pick a shorter range.").replace("%1", str(MAX_HOURS)))
            return
        self.pause()
        self.load_button.setEnabled(False)
        self.status.setProperty("kind", "muted")
        self.status.setText(self.tr("Loading the log…"))
        self.link.replay(iso(lo), iso(hi), self._loaded, self._progress)

    def _progress(self, fraction: float) -> None:
        if self._closed:
            return
        self.status.setText(self.tr("Loading the log… %1 %").replace("%1", f"{fraction * 100:.0f}"))

    def _fail(self, message: str) -> None:
        self.status.setProperty("kind", "error")
        self.status.setStyleSheet(f"color: {P['error']}")
        self.status.setText(message)
        self.sig_failed.emit(message)

    def _loaded(self, replay: Replay | None, error) -> None:
        if self._closed:                 # closed while it was loading: nothing to show it in
            return
        self.load_button.setEnabled(True)
        if replay is None:
            self._fail(self.tr("Could not load the replay: %1").replace("%1", self._reason(error)))
            self.status.setToolTip(getattr(error, "message", "") or str(error))    # the server's own words
            return
        self.status.setStyleSheet("")
        self.replay, self.player = replay, Player(replay)
        self.player.speed = int(self.speed.currentData())
        n = len([b for b in replay.frames if b.startswith(b'{"type":"event"')])
        self.status.setText(self.tr("%1 events; cases at the start: %2").replace("%1", str(n))
                            .replace("%2", str(len(replay.start["cases"]))))
        self.slider.blockSignals(True)
        self.slider.setRange(0, int(replay.hi - replay.lo))
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self._set_loaded(True)
        self._show_banner()
        self.room.show(self.player.state, self.player.t)
        self._after_move()
        self.sig_loaded.emit()

    def _reason(self, error) -> str:
        """Why the server did not replay the range, in the operator's language."""
        code = getattr(error, "code", "")
        message = getattr(error, "message", "") or str(error)
        if code in ("offline", "timeout"):
            return self.tr("not connected to the server")
        if code == "busy":
            return self.tr("the server is replaying too many ranges; try again in a few minutes")
        if code == "unavailable":
            return self.tr("the server could not read its log; try again")
        if code == "forbidden":
            return self.tr("this account may not replay the room")
        if code == "invalid" and "reaches back" in message:
            return self.tr("the server's log does not reach back that far; pick a later range")
        if code == "invalid":
            return self.tr("the server refused the range (%1)").replace("%1", message)
        return message

    # ---- playing ---------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self.player is not None and self.player.playing

    def toggle_play(self) -> None:
        if self.player is None:
            return
        if self.player.playing:
            self.pause()
        else:
            if self.player.at_end:
                self.seek(self.replay.lo if self.replay else 0.0)
            self.player.playing = True
            self._last_step = time.monotonic()
            self.timer.start()
            self.play_button.setText(self.tr("Pause"))

    def pause(self) -> None:
        if self.player is not None:
            self.player.playing = False
        self.timer.stop()
        self.play_button.setText(self.tr("Play"))

    def _speed_changed(self) -> None:
        if self.player is not None:
            self.player.speed = int(self.speed.currentData())

    def _step(self, dt: float | None = None) -> None:
        """The clock moved (dt real seconds: measured, or given by a test)."""
        if self.player is None:
            return
        now = time.monotonic()
        dt, self._last_step = (now - self._last_step if dt is None else dt), now
        self._shown(*self.player.advance(dt))
        if not self.player.playing:
            self.pause()

    def step(self, seconds: float) -> None:
        """Play for `seconds` of real time at once (what the timer does bit by bit)."""
        if self.player is not None and self.player.playing:
            self._step(seconds)

    def seek(self, t: float) -> None:
        """Jump to moment t of the range (the slider's)."""
        if self.player is None:
            return
        self._shown(*self.player.seek(t))

    def _slid(self, value: int, now: bool = False) -> None:
        if self.replay is None:
            return
        if self.slider.isSliderDown() and not now:
            if not self._drag_timer.isActive():
                self._drag_timer.start()
            return
        self.seek(self.replay.lo + value)

    def _shown(self, kind: str, events) -> None:
        assert self.player is not None
        # the street itself loaded within the range (a range from before the room existed, e.g.
        # the demo's first hours): the roster and the map are built from the street, so rebuild
        if kind == "reset" or any(touched(ev).everything for ev in events or ()):
            self.room.show(self.player.state, self.player.t)
        else:
            self.room.advance(self.player.t, events or [])
        self._after_move()

    def _after_move(self) -> None:
        assert self.player is not None and self.replay is not None
        rp, t = self.replay, self.player.t
        self.slider.blockSignals(True)
        self.slider.setValue(int(t - rp.lo))
        self.slider.blockSignals(False)
        done = (t - rp.lo) / max(1.0, rp.hi - rp.lo)
        self.clock.setText(f"{_local(t)}  ({done * 100:.0f} %)")
        self.map.set_tracks({tid: rp.track(tid, t) for tid in rp.tracks if rp.track(tid, t)})

    def closeEvent(self, e):
        self._closed = True
        self.pause()
        super().closeEvent(e)

