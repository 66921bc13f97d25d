"""ReplayRoom: a second room, fed from a replay of the log instead of the live link.

The same view-model the live panels take (models/qt/room.py), so the queue, the roster, the
map and the dashboard show a past moment with their own code: its clock is the replay's
(`now()`), nothing may be done from it (`may()` is always False: a replay is read-only), and
it is never attached to a link, so the live room, its alerts and its sounds are untouched.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QObject

from models.qt.room import RoomState


class ReplayRoom(RoomState):
    """Signals: those of RoomState; sig_tick each time the replay's clock moves."""

    replay = True

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.t = time.time()         # the replay's moment (epoch seconds); before a load: now (the charts' days)
        self.live = True             # its clock is exact (not the "last known" of an offline room)
        self._tick.stop()            # the replay's clock moves the ticks (advance), not the wall clock

    def now(self) -> float:
        return self.t

    def may(self, command: str) -> bool:
        return False

    def show(self, state: dict, t: float) -> None:
        """Jump: the room at moment t (a state of the replay's own)."""
        self.t = t
        self.reset(state)

    def advance(self, t: float, events: list[dict]) -> None:
        """Moved forward to t; `events`, already applied to `state`, happened on the way."""
        self.t = t
        if events:
            self.feed(events)
        self.sig_tick.emit()
