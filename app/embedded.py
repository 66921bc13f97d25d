"""The embedded demo: a real server on a free loopback port, a SQLite database in the
user's data directory, the demo street and the simulator, on a thread of its own so the
cockpit's event loop never waits for it."""
from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

log = logging.getLogger("xiaonao.embedded")

DEMO_USER = "demo"          # the local shift leader the demo logs in as
WALL_USER = "wall"
BACKFILL_HOURS = 6.0


def demo_db_path() -> Path:
    return Path(user_data_dir("xiaonao", appauthor=False)) / "demo" / "street.db"


class EmbeddedServer:
    # called with progress() about 20 times a second while start() waits (app/startup.py)
    waiting: Callable[[float], None] | None = None

    def __init__(self, db_path: Path | None = None, speed: float = 1.0, seed: int | None = None,
                 backfill_hours: float = BACKFILL_HOURS, simulate: bool = True, history: bool | None = None):
        """`history`: play the backfill hours' history before it serves (by default only
        with the simulator; `xiaonao --demo-hours H --no-simulate` asks for it without one:
        the day so far, then a quiet room)."""
        self.db_path = Path(db_path or demo_db_path())
        self.speed, self.seed = speed, seed if seed is not None else int(time.time()) % 100_000
        self.backfill_hours, self.simulate = backfill_hours, simulate
        self.history = simulate if history is None else history
        self.url: str | None = None
        self.tokens: dict[str, str] = {}
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._clock: Callable[[], float] | None = None
        self._span: tuple[float, float] | None = None     # the demo history played: from, to
        self.server: Any = None                            # the XiaonaoServer, once started

    def start(self, timeout: float = 60.0) -> "EmbeddedServer":
        self._thread = threading.Thread(target=self._run, name="xiaonao-embedded-server", daemon=True)
        self._thread.start()
        # `timeout`: how long it may go without progress, not in all: a slow or busy machine
        # plays the demo's history for longer than a minute, and gave up on a demo that was
        # starting (the first start of a laptop; a test under load)
        deadline, last = time.monotonic() + timeout, -1.0
        while not self._ready.wait(0.05):            # the caller may show progress meanwhile
            done = self.progress()
            if EmbeddedServer.waiting is not None:
                EmbeddedServer.waiting(done)
            if done > last:
                deadline, last = time.monotonic() + timeout, done
            if time.monotonic() > deadline or not self._thread.is_alive():
                if self.error:
                    raise RuntimeError(f"the embedded server failed: {self.error}") from self.error
                raise RuntimeError("the embedded server did not start")
        if self.error:
            raise RuntimeError(f"the embedded server failed: {self.error}") from self.error
        return self

    def progress(self) -> float:
        """How much of the demo history has been played (0..1)."""
        if self._ready.is_set():
            return 1.0
        if self._clock is None or self._span is None or self._span[1] <= self._span[0]:
            return 0.0
        lo, hi = self._span
        return max(0.0, min(1.0, (self._clock() - lo) / (hi - lo)))

    @property
    def clock(self):
        """The server's clock (a SimClock: `manual` holds it at a time)."""
        return self._clock

    @property
    def running(self) -> bool:
        """The server thread is alive (started and not stopped)."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self) -> None:
        if self._loop and self._stop:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread:
            self._thread.join(10)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as e:  # noqa: BLE001 - reported to the starting thread
            self.error = e
            self._ready.set()

    async def _main(self) -> None:
        from server.app import XiaonaoServer
        from server.auth import hash_password
        from server.cli import init_db
        from server.simulator import SimClock, Simulator
        from server.store import EventStore
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{self.db_path}"
        store = EventStore(url)
        store.create()
        fresh = store.head() == 0
        last = None if fresh else store.events_after(store.head() - 1)[0]["at"]
        for name, role in ((DEMO_USER, "leader"), (WALL_USER, "wall")):
            if store.get_user(name) is None:      # an unguessable password nobody knows: tokens only
                store.add_user(name, role, hash_password(secrets.token_urlsafe(24)))
        store.dispose()
        if fresh:
            init_db(url, "demo")
        now = time.time()
        from models.timeutil import epoch
        start = now - self.backfill_hours * 3600 if fresh else max(epoch(last), now - self.backfill_hours * 3600)
        if not (self.history and start < now):
            start = now     # no history to play: the clock is now from the start, so the shift the
            # rota has due starts before anyone is served (it started ~1 s after the clock jumped
            # from 6 h back to now, under a cockpit that had just put squads off duty)
        clock = SimClock(start, speed=self.speed)
        clock.manual = start
        self._clock, self._span = clock, (start, now)
        server = XiaonaoServer(url, "127.0.0.1", 0, clock=clock, follow_rota=True)
        self.server = server              # (for the tests: its hub, on this thread's loop)
        await server.start()
        sim = None
        try:
            if self.history and start < now:
                sim = Simulator(server.hub, seed=self.seed, clock=clock, resident=server.resident)
                t0 = time.perf_counter()
                await sim.run_until(now)              # the day so far, so the room is alive at once
                # and the seconds the playing took (24 s on a loaded 2-core machine): the clock went
                # live at `now`, so the room's clock and every time it stamped stayed that far behind
                for _ in range(3):
                    if time.time() - clock() < 0.5:
                        break
                    await sim.run_until(time.time())
                clock.manual = max(clock(), time.time())
                log.info("demo history played in %.1f s (head %d)", time.perf_counter() - t0, server.hub.head)
            else:
                clock.manual = now                    # no history played: the clock is now
            clock.go_live()
            if sim is not None and self.simulate:
                sim.start()
            elif sim is not None:
                await sim.stop()                      # the history only: then only what the user does
                sim = None
            try:                                  # the shift due now, before the first cockpit
                await server.hub.rota_tick()
            except Exception:                     # (the rota's loop tries again)
                log.exception("demo: the shift change before serving failed")
            self.url = server.url
            for name in (DEMO_USER, WALL_USER):
                self.tokens[name] = await server.hub.run_db(server.issue_token, name)
            self._ready.set()
            await self._stop.wait()
        finally:
            if sim:
                await sim.stop()
            await server.stop()
