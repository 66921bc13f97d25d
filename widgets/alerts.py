"""Alerts: new priority-1 cases, missed stage deadlines and emergency calls.

AlertCenter (a QObject) decides; AlertBanner shows the most urgent unacknowledged alert
across the top of the window. Emergencies sound again every few seconds and cannot be
muted; they end when acknowledged over the radio (radio.ack), by anyone in the room.
"""
from __future__ import annotations

import math
import struct
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from models.commands import MAX_ACK_CASES
from models.qt.room import RoomState
from models.sla import OVERDUE, case_clock, case_sla
from models.timeutil import epoch

KINDS = ("emergency", "p1", "overdue")
MUTABLE = ("p1", "overdue")


@dataclass
class Alert:
    kind: str
    key: str            # case id or squad id
    text: str
    at: float           # when it began (reported, deadline missed, call made)
    acknowledged: bool = False
    escalated: bool = False     # unacknowledged too long: the shift leader's


def _tone(path: Path, freq: float, ms: int, volume: float = 0.5) -> None:
    rate = 22050
    n = int(rate * ms / 1000)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(b"".join(struct.pack("<h", int(volume * 32767 * math.sin(2 * math.pi * freq * i / rate)
                                                       * (1 if (i // (rate // 8)) % 2 == 0 else 0)))
                               for i in range(n)))


_SOUNDS: dict[str, object] | None = None


def sound_bank() -> dict[str, object]:
    """One set of sound effects for the whole application, owned by the QApplication:
    created once, never destroyed while windows come and go."""
    global _SOUNDS
    if _SOUNDS is None:
        _SOUNDS = {}
        try:
            from PySide6.QtMultimedia import QSoundEffect
        except ImportError:
            return _SOUNDS
        d = Path(tempfile.gettempdir()) / "xiaonao-sounds"
        d.mkdir(exist_ok=True)
        app = QApplication.instance()
        for kind, freq, ms in (("emergency", 1200, 900), ("p1", 880, 500), ("overdue", 660, 350)):
            p = d / f"{kind}.wav"
            if not p.exists():
                _tone(p, freq, ms)
            eff = QSoundEffect(app)
            eff.setSource(QUrl.fromLocalFile(str(p)))
            _SOUNDS[kind] = eff
    return _SOUNDS


P1_WAITING = frozenset({"new", "accepted", "returned"})     # a P1 case nobody has sent a squad to yet
ESCALATE_AFTER_MIN = 5.0


def overdue_since(case: dict, profile, now: float) -> float | None:
    """When the case's first missed, still pending stage fell due (None: nothing overdue)."""
    missed = [c.deadline for c in case_clock(case, profile, now) if c.state == OVERDUE]
    return min(missed) if missed else None


class AlertCenter(QObject):
    """The room's alerts, worked out from the shared state: a P1 case nobody has dispatched
    yet, a case with a missed deadline, an emergency call. Acknowledging a P1 or deadline
    alert is a command (`alert.ack`): the event marks the case for everyone, so a restart,
    another cockpit or the wall all agree on what is still unacknowledged. An alert left
    unacknowledged for `escalate_after_min` minutes is escalated to the shift leader: it is
    marked so everywhere, and rings on a leader's cockpit even when muted.

    Signals:
        sig_changed(): the list of alerts changed.
        sig_sound(str): an alert kind wants to be heard.
    """
    sig_changed = Signal()
    sig_sound = Signal(str)

    def __init__(self, room: RoomState, link, parent=None, escalate_after_min: float = ESCALATE_AFTER_MIN):
        super().__init__(parent)
        self.room, self.link = room, link
        self.escalate_after_min = escalate_after_min
        self.alerts: list[Alert] = []
        self.muted: set[str] = set()
        self._overdue_seen: set[str] = set()
        self._pending_acks: set[tuple[str, str]] = set()     # acknowledged here, event not back yet
        self._primed = False
        room.sig_events.connect(self._events)
        room.sig_tick.connect(self._tick)
        room.sig_reset.connect(self._reset)
        self._repeat = QTimer(self, interval=4000)
        self._repeat.timeout.connect(self._repeat_emergency)
        self._repeat.start()
        self._sounds = sound_bank()
        if room.state.get("seq"):          # built over a room already shown (a wall opened later): its alerts now
            self._reset()

    def play(self, kind: str, force: bool = False) -> None:
        if kind in self.muted and kind in MUTABLE and not force:
            return
        self.sig_sound.emit(kind)
        eff = self._sounds.get(kind)
        if eff is not None:
            eff.play()
        else:
            QApplication.beep()

    @property
    def is_leader(self) -> bool:
        return self.room.role in ("leader", "admin")

    # ---- alerts from the state -------------------------------------------------------
    def _p1_text(self, c: dict) -> str:
        return self.tr("New P1 case %1: %2").replace("%1", c["id"]).replace("%2", c["title"])

    def _overdue_text(self, c: dict) -> str:
        return self.tr("Deadline missed: %1 %2").replace("%1", c["id"]).replace("%2", c["title"])

    @staticmethod
    def _acked(c: dict, kind: str) -> bool:
        return kind in (c.get("acks") or {})

    def _reset(self) -> None:
        """A new state: every alert still unacknowledged in it is an alert again (after a
        restart too: acknowledgement is in the state, not in this window)."""
        now = self.room.now()
        cases = self.room.state["cases"]
        self.alerts = []
        for t in self.room.state["teams"].values():
            if t.get("emergency"):
                self._emergency_alert(t, sound=False)
        self._overdue_seen = set()
        for cid in sorted(self.room.open_ids):
            c = cases.get(cid)
            if c is None:
                continue
            if (c["priority"] == 1 and c["status"] in P1_WAITING and not c.get("merged_into")
                    and not self._acked(c, "p1")):
                self.alerts.append(Alert("p1", cid, self._p1_text(c), epoch(c["times"]["reported"])))
            since = overdue_since(c, self.room.profile, now)
            if since is not None:
                self._overdue_seen.add(cid)
                if not self._acked(c, "overdue"):
                    self.alerts.append(Alert("overdue", cid, self._overdue_text(c), since))
        for a in self.alerts:
            if (a.kind, a.key) in self._pending_acks:
                a.acknowledged = True
        self._primed = True
        self._escalate(now, sound=False)
        self.sig_changed.emit()

    def _emergency_alert(self, t: dict, sound: bool = True) -> None:
        em = t["emergency"]
        text = self.tr("EMERGENCY from %1 (%2): %3").replace("%1", t["call_sign"]).replace(
            "%2", em.get("by", "")).replace("%3", em.get("note", ""))
        at = epoch(em["at"]) if em.get("at") else self.room.now()
        self.alerts.append(Alert("emergency", t["id"], text, at))
        if sound:
            self.play("emergency")

    def _drop(self, kind: str, key: str) -> bool:
        before = len(self.alerts)
        self.alerts = [a for a in self.alerts if not (a.kind == kind and a.key == key)]
        return len(self.alerts) != before

    def _events(self, events: list[dict]) -> None:
        changed = False
        for ev in events:
            d = ev.get("data") or {}
            if ev["name"] == "radio.emergency":
                t = self.room.state["teams"].get(d["team_id"])
                if t and t.get("emergency"):
                    self._drop("emergency", t["id"])
                    self._emergency_alert(t)
                    changed = True
            elif ev["name"] == "radio.emergency_acknowledged":
                changed |= self._drop("emergency", d["team_id"])
            elif ev["name"] == "alert.acknowledged":
                self._pending_acks.discard((d["kind"], d["case_id"]))
                changed |= self._drop(d["kind"], d["case_id"])
            elif ev["name"] == "case.reported" and d.get("priority") == 1 and not d.get("closed") and not any(
                    e["name"] == "case.merged" and (e.get("data") or {}).get("case_id") == d["case_id"] for e in events):
                c = self.room.state["cases"].get(d["case_id"])
                if c is not None:
                    self.alerts.append(Alert("p1", d["case_id"], self._p1_text(c), self.room.now()))
                    self.play("p1")
                    changed = True
            elif ev["name"] in ("case.dispatched", "case.closed", "case.merged", "case.transferred",
                                "case.escalated") and "case_id" in d:
                changed |= self._drop("p1", d["case_id"])
        if changed:
            self.sig_changed.emit()

    def _tick(self) -> None:
        if not self._primed:
            return
        now = self.room.now()
        fresh = []
        cases = self.room.state["cases"]
        for cid in self.room.open_ids:
            c = cases.get(cid)
            if c is None or cid in self._overdue_seen:
                continue
            if case_sla(c, self.room.profile, now)[0] == OVERDUE:
                self._overdue_seen.add(cid)
                if not self._acked(c, "overdue"):
                    fresh.append(c)
        for c in fresh:
            self.alerts.append(Alert("overdue", c["id"], self._overdue_text(c),
                                     overdue_since(c, self.room.profile, now) or now))
        if fresh:
            self.play("overdue")
        if self._escalate(now) or fresh:
            self.sig_changed.emit()

    def _escalate(self, now: float, sound: bool = True) -> bool:
        """Mark the alerts unacknowledged for too long; True when one was newly marked."""
        limit = self.escalate_after_min * 60.0
        newly = [a for a in self.alerts if a.kind in MUTABLE and not a.acknowledged and not a.escalated
                 and now - a.at >= limit]
        for a in newly:
            a.escalated = True
        if newly and sound and self.is_leader:
            self.play(newly[0].kind, force=True)        # the leader hears it, muted or not
        return bool(newly)

    def _repeat_emergency(self) -> None:
        if any(a.kind == "emergency" for a in self.alerts):
            self.play("emergency")

    def top(self) -> Alert | None:
        live = [a for a in self.alerts if not a.acknowledged]
        for kind in KINDS:
            mine = [a for a in live if a.kind == kind]
            for a in reversed(mine):
                if a.escalated:
                    return a
            if mine:
                return mine[-1]
        return None

    def acknowledge(self, alert: Alert) -> None:
        """Acknowledge for the whole room: the server records it, every window follows."""
        if alert.kind == "emergency":
            self.link.submit("radio.ack", {"team_id": alert.key})   # ends for everyone when the event arrives
        else:
            self.link.submit("alert.ack", {"kind": alert.kind, "case_ids": [alert.key]})
            self._pending_acks.add((alert.kind, alert.key))
        alert.acknowledged = True
        self.sig_changed.emit()

    def acknowledge_all(self, kind: str) -> None:
        if kind not in MUTABLE:
            return
        keys = [a.key for a in self.alerts if a.kind == kind and not a.acknowledged]
        for i in range(0, len(keys), MAX_ACK_CASES):
            self.link.submit("alert.ack", {"kind": kind, "case_ids": keys[i:i + MAX_ACK_CASES]})
        for a in self.alerts:
            if a.kind == kind:
                a.acknowledged = True
                self._pending_acks.add((kind, a.key))
        self.sig_changed.emit()

    def set_muted(self, kind: str, muted: bool) -> None:
        if kind not in MUTABLE:
            return
        (self.muted.add if muted else self.muted.discard)(kind)
        self.sig_changed.emit()

    def unacknowledged(self, kind: str | None = None) -> list[Alert]:
        return [a for a in self.alerts if not a.acknowledged and (kind is None or a.kind == kind)]


class AlertBanner(QWidget):
    """The most urgent alert across the window; red and flashing for emergencies."""
    # grounds for white bold text, each at least 4.5:1 (tests/test_console_readability.py)
    STYLES = {"emergency": ("#d11a1a", "#7a0000"), "p1": ("#a65200", "#a65200"), "overdue": ("#c0392b", "#c0392b")}
    TEXT = "#ffffff"

    def __init__(self, center: AlertCenter, selection=None, scale: float = 1.0, parent=None):
        super().__init__(parent)
        self.center, self.selection = center, selection
        self.setObjectName("AlertBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.scale = scale
        self.label = QLabel()
        # a long alert wraps instead of widening the window's middle into the docks
        self.label.setWordWrap(True)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.count = QLabel()
        self.label.setObjectName("AlertText")
        self.count.setObjectName("AlertCount")
        self.ack = QPushButton(self.tr("Acknowledge (F9)"))
        self.ack.setObjectName("AlertAck")
        self.ack.clicked.connect(self.acknowledge)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.count)
        lay.addWidget(self.ack)
        self._flash = False
        self._timer = QTimer(self, interval=450)
        self._timer.timeout.connect(self._blink)
        self._timer.start()
        center.sig_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        a = self.center.top()
        self.setVisible(a is not None)
        if a is None:
            return
        text = ("⚠ " if a.kind == "emergency" else "● ") + a.text
        if a.escalated:
            text += "  " + self.tr("⇧ escalated to the shift leader")
        self.label.setText(text)
        n = len(self.center.unacknowledged())
        self.count.setText(self.tr("%1 unacknowledged").replace("%1", str(n)) if n > 1 else "")
        self._paint(a)

    def _paint(self, a) -> None:
        on, off = self.STYLES.get(a.kind, ("#c0392b", "#c0392b"))
        self.setStyleSheet(f"#AlertBanner {{ background: {on if self._flash else off}; }} "
                           f"#AlertBanner QLabel {{ color: #ffffff; background: transparent; "
                           f"font-size: {13 * self.scale:.1f}pt; font-weight: bold; }}")

    def _blink(self) -> None:
        a = self.center.top()
        if a is not None:
            self._flash = not self._flash if a.kind == "emergency" else True
            self._paint(a)

    def acknowledge(self) -> None:
        a = self.center.top()
        if a is None:
            return
        if self.selection is not None:
            (self.selection.set_team if a.kind == "emergency" else self.selection.set_case)(a.key)
        self.center.acknowledge(a)
