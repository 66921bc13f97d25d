"""The hub: the server's state, its single ordered command pipeline, and fan-out.

Commands from every connection (and the in-process simulator) go through one queue. The
writer takes them in batches: checks idempotency, `decide`s each against the current state,
stamps seq and time, commits the batch in one transaction (group commit) on the database
thread, applies the events with the shared reducer and only then hands them to subscribers
and acknowledges the commands.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import orjson
from websockets.asyncio.server import broadcast

from models.commands import Actor, CommandError, decide
from models.state import apply, empty_state, from_wire
from models.timeutil import iso

from .store import DuplicateCommand, EventStore

log = logging.getLogger("xiaonao.server")

SNAPSHOT_EVERY = 5000
MAX_BATCH = 500
IDEMPOTENCY_CACHE = 200_000


def dumps(obj) -> str:
    """JSON text for the wire and the log: orjson (5x the standard library here; a 100k-case
    snapshot took 1.8 s on the loop with json), json for what orjson refuses (an integer
    beyond 64 bits in a free-form field)."""
    try:
        return orjson.dumps(obj).decode()
    except TypeError:
        return json.dumps(obj, ensure_ascii=False)


@dataclass
class Pending:
    actor: Actor
    command_id: str | None
    name: str
    args: dict
    peer: str
    future: asyncio.Future = field(repr=False)
    received: float = field(default_factory=time.perf_counter)


MAX_WRITE_BUFFER = 2 * 1024 * 1024   # bytes waiting for one live client before it is dropped


class Subscriber:
    """One connection's outgoing path, bounded so that a client that stops reading is
    dropped, never allowed to stall the others or grow memory without bound.

    While the client catches up (snapshot or missed events), live frames wait in a bounded
    queue. Once caught up it is `live`: frames go straight into its transport, encoded once
    for everyone (`websockets.broadcast`), and the bound is its transport's write buffer.
    """

    def __init__(self, maxsize: int, ws=None):
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize)
        self.overflowed = asyncio.Event()
        self.ws = ws
        self.live = False

    def writable(self) -> bool:
        """Live and not backed up; marks it overflowed when its buffer is over the bound."""
        try:
            if self.ws.transport.get_write_buffer_size() > MAX_WRITE_BUFFER:
                self.overflowed.set()
                return False
        except AttributeError:       # transport gone: the connection is closing
            return False
        return True

    def put(self, frame: str) -> None:
        if self.overflowed.is_set():
            return
        if self.live:
            if self.writable():
                broadcast([self.ws], frame)
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.overflowed.set()


class Hub:
    def __init__(self, store: EventStore, clock: Callable[[], float] = time.time,
                 subscriber_queue: int = 20_000):
        self.store = store
        self.clock = clock
        self.state = empty_state()
        self.subscribers: set[Subscriber] = set()
        self.subscriber_queue = subscriber_queue
        self.db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xiaonao-db")
        self._queue: asyncio.Queue[Pending] | None = None
        self._writer: asyncio.Task | None = None
        self._known: OrderedDict[str, int] = OrderedDict()
        self._snapshot_cache: tuple[int, str, list[str]] | None = None
        # case id -> (its JSON, its size in bytes), until an event changes it
        self._case_text: dict[str, tuple[str, int]] = {}
        self._last_snapshot_seq = 0
        self.healthy = True
        self.listeners: list[Callable[[list[dict]], None]] = []
        # XIAONAO_TRACE=path: one line per batch with the time each step of the pipeline took
        trace = os.environ.get("XIAONAO_TRACE")
        self._trace = open(trace, "a", buffering=1) if trace else None

    # ---- life ----------------------------------------------------------------
    async def start(self) -> None:
        await self.run_db(self.store.check_initialised)
        await self.run_db(self._load)
        self._queue = asyncio.Queue()
        self._writer = asyncio.create_task(self._write_loop(), name="xiaonao-writer")
        log.info("state loaded at seq %d: %d cases, %d squads", self.state["seq"],
                 len(self.state["cases"]), len(self.state["teams"]))

    def _load(self) -> None:
        snap = self.store.latest_snapshot()
        state = from_wire(snap[1]) if snap else empty_state()
        self._last_snapshot_seq = state["seq"]
        # the newest command ids, so that a resend after a restart is answered from memory;
        # an older one is caught by the log's primary key (see _process)
        self._known = OrderedDict(self.store.recent_commands(IDEMPOTENCY_CACHE))
        self._case_text = {}
        while True:
            batch = self.store.events_after(state["seq"], limit=20_000)
            if not batch:
                break
            for ev in batch:
                apply(state, ev)
        self.state = state

    async def stop(self) -> None:
        if self._writer:
            self._writer.cancel()
            try:
                await self._writer
            except asyncio.CancelledError:
                pass
        self.db.shutdown(wait=True)

    async def run_db(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self.db, fn, *args)

    @property
    def head(self) -> int:
        return self.state["seq"]

    # ---- commands ------------------------------------------------------------
    async def execute(self, actor: Actor, name: str, args: dict, command_id: str | None = None,
                      peer: str = "local") -> int:
        """Run one command; returns the last seq it appended (or, for a repeated id, the seq
        it was acknowledged with before). Raises CommandError."""
        return await self.submit(actor, name, args, command_id, peer)

    def submit(self, actor: Actor, name: str, args: dict, command_id: str | None, peer: str) -> asyncio.Future:
        """Queue a command now (arrival order is kept) and return the future of its seq."""
        fut = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(Pending(actor, command_id, name, args, peer, fut))
        return fut

    async def _write_loop(self) -> None:
        while True:
            first = await self._queue.get()
            batch = [first]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._process(batch)
            except Exception:  # the database failed: nothing of this batch was acknowledged
                log.exception("could not commit a batch of %d commands; reloading state", len(batch))
                for p in batch:
                    if not p.future.done():
                        p.future.set_exception(CommandError("unavailable", "the database is unavailable; retry"))
                self.healthy = False
                try:
                    await self.run_db(self._load)
                    self.healthy = True
                except Exception:
                    log.exception("reload failed")

    async def _process(self, batch: list[Pending], lookup: bool = False) -> None:
        """Decide, commit and publish one batch. Command ids are checked against the ones
        remembered in memory (the newest IDEMPOTENCY_CACHE); an older resend fails the
        commit on the log's primary key, and the batch is redone with a lookup: no database
        round trip per batch for the common case of a new id."""
        t_pick = time.perf_counter()
        if lookup:
            unknown = [p.command_id for p in batch if p.command_id and p.command_id not in self._known]
            for cid, seq in (await self.run_db(self.store.known_commands, unknown)).items():
                self._remember(cid, seq)
        events: list[dict] = []
        commands: list[dict] = []
        results: list[tuple[Pending, object]] = []
        in_batch: dict[str, int] = {}
        for p in batch:
            if p.command_id and (p.command_id in self._known or p.command_id in in_batch):
                results.append((p, self._known.get(p.command_id) or in_batch[p.command_id]))
                continue
            try:
                decided = decide(self.state, p.actor, p.name, p.args, now=self.clock())
            except CommandError as e:
                results.append((p, e))
                continue
            except Exception as e:  # a bug must not take the server down
                log.exception("decide failed for %s", p.name)
                results.append((p, CommandError("invalid", f"could not process command: {e}")))
                continue
            at = iso(self.clock())
            for ev_name, data in decided:
                ev = {"type": "event", "seq": self.state["seq"] + 1, "at": at, "name": ev_name,
                      "actor": p.actor.name, "command_id": p.command_id, "data": data}
                apply(self.state, ev)   # the next command in the batch decides on this state
                events.append(ev)
                self._case_text.pop(data.get("case_id"), None)     # the cases an event can change
                self._case_text.pop(data.get("into"), None)
            seq = self.state["seq"]
            if p.command_id:
                in_batch[p.command_id] = seq
                commands.append({"id": p.command_id, "seq": seq, "actor": p.actor.name, "name": p.name,
                                 "peer": p.peer, "at": at})
            results.append((p, seq))
        t_decided = time.perf_counter()
        if events:
            try:
                await self.run_db(self.store.append, events, commands)   # durable before anyone sees it
            except DuplicateCommand:
                log.info("a batch of %d held an old command id; redoing it with a lookup", len(batch))
                await self.run_db(self._load)                  # drop what this batch applied
                await self._process(batch, lookup=True)
                return
            t_durable = time.perf_counter()
            for cid, seq in in_batch.items():
                self._remember(cid, seq)
            self._publish(events)
            if self._trace:
                t = time.perf_counter()
                self._trace.write(f"{len(batch)} {batch[0].command_id} {batch[0].received:.6f} {t_pick:.6f} "
                                  f"{t_decided:.6f} {t_durable:.6f} {t:.6f}\n")
        for p, res in results:
            if isinstance(res, CommandError):
                log.info("%s (%s) from %s: %s refused: %s %s", p.actor.name, p.actor.role, p.peer, p.name,
                         res.code, res.message)
                p.future.set_exception(res)
            else:
                log.info("%s (%s) from %s: %s %s -> seq %s", p.actor.name, p.actor.role, p.peer, p.name,
                         p.args.get("case_id") or p.args.get("team_id") or "", res)
                p.future.set_result(res)
        if self.state["seq"] - self._last_snapshot_seq >= SNAPSHOT_EVERY:
            self._last_snapshot_seq = self.state["seq"]
            # on the loop: the cases' JSON (cached, only changed cases serialised again);
            # the joining and the write on the database thread
            head, cases = self._state_texts()
            await self.run_db(self._save_snapshot, self.state["seq"], head, cases)

    def _state_texts(self) -> tuple[str, list[tuple[str, int]]]:
        """The state as JSON: the head (everything but the cases) and each case's text with
        its size in bytes."""
        head = {k: (list(v.values()) if k == "teams" else v) for k, v in self.state.items() if k != "cases"}
        texts, cache = [], self._case_text
        for cid, case in self.state["cases"].items():
            t = cache.get(cid)
            if t is None:
                try:
                    b = orjson.dumps(case)
                    t = (b.decode(), len(b))
                except TypeError:
                    text = json.dumps(case, ensure_ascii=False)
                    t = (text, len(text.encode()))
                cache[cid] = t
            texts.append(t)
        return dumps(head), texts

    def _save_snapshot(self, seq: int, head: str, cases: list[tuple[str, int]]) -> None:
        self.store.save_snapshot(seq, head[:-1] + ',"cases":[' + ",".join(t for t, _n in cases) + "]}")

    def _remember(self, cid: str, seq: int) -> None:
        self._known[cid] = seq
        if len(self._known) > IDEMPOTENCY_CACHE:
            self._known.popitem(last=False)

    def _publish(self, events: list[dict]) -> None:
        for ev in events:
            frame = dumps(ev)
            live = []
            for sub in self.subscribers:
                if sub.overflowed.is_set():
                    continue
                if sub.live:
                    if sub.writable():
                        live.append(sub.ws)
                else:
                    sub.put(frame)
            if live:
                broadcast(live, frame)
        for fn in self.listeners:
            try:
                fn(events)
            except Exception:
                log.exception("event listener failed")

    # ---- subscriptions -------------------------------------------------------
    def subscribe(self, ws=None) -> tuple[Subscriber, int]:
        """Register a subscriber; returns it and the head at the moment it was registered.
        Every event after that head will be put in its queue."""
        sub = Subscriber(self.subscriber_queue, ws)
        self.subscribers.add(sub)
        return sub, self.head

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)

    def snapshot_frames(self, max_frame: int) -> list[str]:
        """The current state as a `snapshot` frame followed by `snapshot.page` frames, each
        under max_frame bytes. Cached per seq, so a reconnect storm serialises once."""
        seq = self.head
        if self._snapshot_cache and self._snapshot_cache[0] == seq and self._snapshot_cache[1] == max_frame:
            return self._snapshot_cache[2]
        head_json, cases = self._state_texts()
        budget = max_frame - 200
        pages: list[list[str]] = [[]]
        size = len(head_json.encode())            # the first page also carries the rest
        for c, n in cases:
            n += 1
            if pages[-1] and size + n > budget:
                pages.append([])
                size = 0
            pages[-1].append(c)
            size += n
        state_json = head_json[:-1] + ', "cases": [' + ",".join(pages[0]) + "]}"
        frames = [f'{{"type": "snapshot", "seq": {seq}, "pages": {len(pages) - 1}, "state": {state_json}}}']
        for i, page in enumerate(pages[1:], start=1):
            frames.append(f'{{"type": "snapshot.page", "seq": {seq}, "page": {i}, "cases": [' + ",".join(page) + "]}")
        self._snapshot_cache = (seq, max_frame, frames)
        return frames
