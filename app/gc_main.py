"""Garbage collection on the Qt thread only.

Python's cyclic collector runs in whichever thread happens to allocate: the embedded
server's thread, the cache writer. A Qt object collected there is destroyed on the wrong
thread, its timers stay registered, and one later fires on freed memory (a crash we hit).
So automatic collection is off and the Qt main thread collects on a timer (as qutebrowser
does), young generations often and everything now and then.
"""
from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer


class MainThreadGC(QObject):
    def __init__(self, parent: QObject, interval_ms: int = 1000, full_every: int = 60):
        super().__init__(parent)
        self._n = 0
        self._full_every = full_every
        gc.disable()
        self._timer = QTimer(self, interval=interval_ms, timeout=self.collect)
        self._timer.start()

    def follow(self, room) -> None:
        """Freeze what a big load leaves (a state of 100k cases is millions of objects) so
        that later collections on this thread do not walk it again and again."""
        room.sig_reset.connect(self.freeze)
        room.sig_history.connect(self.freeze)

    def freeze(self, *_) -> None:
        gc.collect(0)
        gc.freeze()

    def collect(self) -> None:
        self._n += 1
        if self._n % self._full_every == 0:
            gc.collect()
        else:
            gc.collect(0 if self._n % 10 else 1)
