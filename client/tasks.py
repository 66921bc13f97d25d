"""Background tasks that are kept referenced and whose failures reach a handler."""
from __future__ import annotations

import asyncio
from collections.abc import Callable

ErrorHandler = Callable[[BaseException], None]


class TaskSet:
    """Holds a reference to every task it starts (asyncio keeps only weak ones) and routes
    each failure, once, to the handler given with the task, else to `on_error`: a failed
    cache write is a cache problem, a failed keyring write is not."""

    def __init__(self, on_error: ErrorHandler):
        self._tasks: dict[asyncio.Future, ErrorHandler] = {}
        self._on_error = on_error

    def spawn(self, coro, on_error: ErrorHandler | None = None) -> asyncio.Task:
        t = asyncio.ensure_future(coro)
        self._tasks[t] = on_error or self._on_error
        t.add_done_callback(self._done)
        return t

    def _done(self, t: asyncio.Future) -> None:
        handler = self._tasks.pop(t, self._on_error)
        exc = None if t.cancelled() else t.exception()
        if exc is not None:
            handler(exc)

    def __iter__(self):
        return iter(list(self._tasks))
