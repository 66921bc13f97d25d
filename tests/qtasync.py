"""Driving the cockpit's qasync loop from pytest-qt tests."""
from __future__ import annotations

import asyncio

import qasync

from .helpers import until, within


class _QEventLoop(qasync.QEventLoop):
    """qasync's loop, except that the last round of Qt events its run_until_complete
    processes after the loop stopped (qasync does, to flush them) runs with the loop still
    marked as running: a task step scheduled from a paint or a signal just then would
    otherwise find no running loop (asyncio.get_running_loop() raises RuntimeError). The
    cockpit runs qasync's run_forever for its whole life and never meets this."""

    def run_forever(self):
        try:
            return super().run_forever()
        finally:
            asyncio.events._set_running_loop(self)

    def run_until_complete(self, future):
        try:
            return super().run_until_complete(future)
        finally:
            asyncio.events._set_running_loop(None)


class QtLoop:
    def __init__(self, qapp):
        self.loop = _QEventLoop(qapp, already_running=False)
        asyncio.set_event_loop(self.loop)

    def run(self, coro, timeout: float = 20.0):
        return self.loop.run_until_complete(within(coro, timeout))

    def wait(self, pred, timeout: float = 20.0, what: str = "condition"):
        self.loop.run_until_complete(until(pred, timeout, what))

    def pump(self, seconds: float = 0.1):
        self.loop.run_until_complete(asyncio.sleep(seconds))

    def close(self):
        pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
        for t in pending:
            t.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()
        asyncio.set_event_loop(None)
