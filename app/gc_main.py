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
    def __init__(self, parent: QObject, interval_ms: int = 1000, full_every: int = 60,
                 first_after_ms: int = 5000):
        super().__init__(parent)
        self._n = 0
        self._full_every = full_every
        gc.disable()
        self._timer = QTimer(self, interval=interval_ms)
        self._timer.timeout.connect(self.collect)
        # the first collection walks everything start-up made: after the first frame
        QTimer.singleShot(first_after_ms, self._timer.start)
        self._freeze_timer = QTimer(self, interval=1000, singleShot=True)
        self._freeze_timer.timeout.connect(self.freeze)

    def follow(self, room) -> None:
        """Freeze what a big load leaves (a state of 100k cases is millions of objects) so
        that later collections on this thread do not walk it again and again."""
        room.sig_reset.connect(self._freeze_soon)
        room.sig_history.connect(self._freeze_soon)

    def _freeze_soon(self, *_) -> None:
        """After the load's first frame, once for a burst of pages."""
        if not self._freeze_timer.isActive():
            self._freeze_timer.start()

    def freeze(self, *_) -> None:
        gc.collect(0)
        gc.freeze()

    def collect(self) -> None:
        self._n += 1
        if self._n % self._full_every == 0:
            gc.collect()
        else:
            gc.collect(0 if self._n % 10 else 1)
