"""Background tasks that are kept referenced and whose failures reach one handler."""
from __future__ import annotations

import asyncio
from collections.abc import Callable


class TaskSet:
    """Holds a reference to every task it starts (asyncio keeps only weak ones) and routes
    each failure, once, to `on_error`."""

    def __init__(self, on_error: Callable[[BaseException], None]):
        self._tasks: set[asyncio.Task] = set()
        self._on_error = on_error

    def spawn(self, coro) -> asyncio.Task:
        t = asyncio.ensure_future(coro)
        self._tasks.add(t)
        t.add_done_callback(self._done)
        return t

    def _done(self, t: asyncio.Task) -> None:
        self._tasks.discard(t)
        exc = None if t.cancelled() else t.exception()
        if exc is not None:
            self._on_error(exc)

    def __iter__(self):
        return iter(list(self._tasks))
