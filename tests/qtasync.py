"""Driving the cockpit's qasync loop from pytest-qt tests."""
from __future__ import annotations

import asyncio

import qasync

from .helpers import until


class QtLoop:
    def __init__(self, qapp):
        self.loop = qasync.QEventLoop(qapp, already_running=False)
        asyncio.set_event_loop(self.loop)

    def run(self, coro, timeout: float = 20.0):
        return self.loop.run_until_complete(asyncio.wait_for(coro, timeout))

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
