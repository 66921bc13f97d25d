"""Budgets that keep one account or connection from hurting the room: token buckets for
commands (per session and per account) and frames (per connection), the connection cap,
and a log filter that turns a storm of identical connection errors into one line.
"""
from __future__ import annotations

import logging
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("xiaonao.server")


class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up."""
    __slots__ = ("rate", "burst", "tokens", "at", "clock")

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens = burst
        self.at = clock()

    def take(self, n: float = 1.0) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= n:
            self.tokens -= n
            return True
        return False


@dataclass(frozen=True)
class Budget:
    rate: float      # per second
    burst: float


@dataclass(frozen=True)
class Limits:
    """The server's budgets (see docs/protocol.md, 'Limits')."""
    session_commands: Budget = Budget(50, 500)         # one connection's commands (a console's
                                                       # offline outbox goes out in one burst)
    account_commands: Budget = Budget(100, 1000)       # all the connections of one account
    intake_commands: Budget = Budget(10000, 20000)     # an intake account (imports, other systems),
                                                       # per connection and per account
    frames: Budget = Budget(500, 2000)                 # every frame of a connection (an intake's:
                                                       # twice its command budget); over it: closed
    pings: Budget = Budget(50, 500)                    # pings of a connection; over it: not answered
    command_queue: int = 5000                          # commands waiting for the writer; over it: busy
    max_connections: int | None = None                 # None: from the open-file limit


def default_max_connections(reserve: int = 96) -> int:
    """What the process's open-file limit allows, less a reserve for the database, logs
    and the listening sockets."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 10_000
    return max(16, soft - reserve)


class StormSummary(logging.Filter):
    """Lets the first record of a kind through, then counts the rest and says once every
    `every` seconds how many there were. For the accept/handshake errors of a connection
    burst (1,100 connections against 1,024 files wrote 21,000 tracebacks in a second)."""

    def __init__(self, every: float = 10.0, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.every, self.clock = every, clock
        self._counts: dict[str, int] = {}
        self._since: dict[str, float] = {}

    @staticmethod
    def kind(record: logging.LogRecord) -> str | None:
        exc = record.exc_info[1] if record.exc_info else None
        msg = record.getMessage()
        if record.name.startswith("asyncio") and "accept" in msg:
            return "accept"
        if record.name.startswith("xiaonao.ws") or record.name.startswith("websockets"):
            if "opening handshake failed" in msg or isinstance(exc, OSError) or "connection handler failed" in msg:
                return "handshake"
        return None

    def filter(self, record: logging.LogRecord) -> bool:
        kind = self.kind(record)
        if kind is None:
            return True
        now = self.clock()
        first = kind not in self._since
        if first or now - self._since[kind] >= self.every:
            n = self._counts.pop(kind, 0)
            self._since[kind] = now
            exc = record.exc_info[1] if record.exc_info else None
            why = f" ({exc.__class__.__name__}: {exc})" if exc else ""
            record.msg = f"{record.getMessage()}{why}" + (f" [{n} more like this in the last {self.every:.0f} s]"
                                                          if n else " [similar errors are summarised]")
            record.args = ()
            record.exc_info = None        # the cause in one line, no traceback
            record.exc_text = None
            return True
        self._counts[kind] = self._counts.get(kind, 0) + 1
        return False


_installed: StormSummary | None = None


def install_storm_summary() -> StormSummary:
    """On the loggers that a connection storm floods (once per process)."""
    global _installed
    if _installed is None:
        _installed = StormSummary()
        for name in ("asyncio", "xiaonao.ws", "websockets.server"):
            logging.getLogger(name).addFilter(_installed)
    return _installed
