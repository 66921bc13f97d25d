"""The hub: the server's state, its single ordered command pipeline, and fan-out.

Commands from every connection (and the in-process simulator) go through one queue. The
writer takes them in batches: checks idempotency, `decide`s each against the current state,
stamps seq and time, commits the batch in one transaction (group commit) on the database
thread, applies the events with the shared reducer and only then hands them to subscribers
and acknowledges the commands.
"""
from __future__ import annotations

import asyncio
import copy
import gc
import hashlib
import heapq
import json
import logging
import os
import re
import socket
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Generator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial

import orjson
from sqlalchemy.exc import DatabaseError
from websockets.asyncio.server import broadcast
from websockets.protocol import State as _WsState

from models import protocol
from models import rota as rota_mod
from models.commands import Actor, CommandError, decide
from models.compact import compact_text, tight
from models.domain import OPEN_STATUSES
from models.evidence import is_attachment_id
from models.state import SeqGap, apply, empty_state
from models.text import SUSPICIOUS_JSON, TextError, check_id, clean_args
from models.timeutil import iso

from . import memory, projection
from . import retention as retention_mod
from .casemap import CaseMap
from .deflate import deflated_pages
from .files import get_files
from .projection import CASE_KEYS, case_json, case_row, last_update, room_head, state_from_room, team_texts
from .stalls import runqueue_wait as _runqueue_wait
from .store import CommandKey, DuplicateCommand, EventStore, Known, StoreError, Unstorable, is_full
from .views import FULL, HIDDEN, View, case_texts, window_items

log = logging.getLogger("xiaonao.server")

_CASE_ID = re.compile(r"c\d{6,}")

SNAPSHOT_EVERY = 5000      # events between two looks at the window (cases that aged out leave memory)
HOT_LIMIT = 2000           # cases changed since the last look (dicts) that make it look sooner
PRUNE_SLICE = 0.002        # s the writer's look at the window runs before the loop gets a turn
SNAPSHOT_KEEP = 20.0       # s a built snapshot is kept for the next connection at the same seq
CHECKPOINT_EVERY = 1.0     # s between two SQLite checkpoints (off the commit path) after commits
MAX_BATCH = 500
WARM_SLICE = 0.004         # s the window's compact form is made for before its thread rests ...
WARM_REST = 0.002          # ... this long (the loop's thread takes the GIL meanwhile)
DECIDE_SLICE = 0.004       # s of deciding between two turns of the loop (a batch's commands are decided on it)
BATCH_BUDGET = 0.02        # s: a batch decided for this long is cut there (the rest goes into the next)
SOURCE_SHARE = 50          # commands one source (a connection, the simulator) may put in a batch
LIGHT = 5                  # a source with at most this many commands waiting is a console, not a backlog
LIGHT_SHARE = 5            # ... and then each source puts at most this many in the batch
MIN_BATCH = 20
BULK_MIN = 250             # commands in a batch of one source alone with a backlog (an import): at least,
BULK_MAX = 1500            # ... at most,
BULK_TARGET = 0.1          # ... and sized to commit in about this long between the two (see _bulk_limit)
BATCH_TARGET = 0.05        # s from taking a batch to its commit: batches are sized to it (see _batch_limit)
INTERACTIVE_WINDOW = 1.0   # s after a console (another source) last sent a command: a backlog's batches are
BULK_INTERACTIVE_MAX = MIN_BATCH * 4   # ... sized to BATCH_TARGET and at most this many (see _bulk_limit; 80: at
#   40 a 1M import beside a console took 223 s, at 80 179-209 s; the burst's p99 53 vs 72 ms, quiet)
LOG_EACH_UP_TO = 20         # a batch of more commands is logged one line per sender and command name
IDEMPOTENCY_CACHE = 20_000    # command ids remembered (an older resend is caught by the log's key)
KEEP_DAYS = 30.0           # closed cases last updated within this many days stay in memory (the window)
TOUCH_GRACE = 3600.0       # a case read back from the projection stays in memory at least this long
GC_THRESHOLD = (20_000, 20, 20)   # gc.set_threshold once the server has started (see start)
PRUNE_EVERY = 600.0        # seconds between looks at the window
RETAIN_FIRST = 120.0       # s after start before the first retention pruning (serve --retain-days ...)
RETAIN_EVERY = 6 * 3600.0  # s between two
ROTA_EVERY = 1.0           # s between two looks at the clock for the next shift (follow_rota)
COMMIT_TIMEOUT = 5.0        # s: a batch not committed by then is answered `unavailable`
HEALTH_TIMEOUT = 3.0        # s: /healthz says 503 when the database does not answer by then
RECOVER_MAX_DELAY = 2.0     # s: the longest wait between two tries to reach the database again
UNAVAILABLE_MESSAGE = "the database is unavailable; nothing was applied; retry with the same id"


class Unavailable(Exception):
    """The database could not commit (down, hung past COMMIT_TIMEOUT, disk full ...)."""


def _consume(fut: asyncio.Future) -> None:
    """Retrieve a finished future's exception nobody waits for any more."""
    if not fut.cancelled():
        fut.exception()


def _wake(fut: asyncio.Future | None) -> None:
    """Wake whoever awaits `fut` (a bare future the writer waits on; see Hub._commit_batch)."""
    if fut is not None and not fut.done():
        fut.set_result(None)


def _woken(fut: asyncio.Future, _done: asyncio.Future) -> None:
    """A done callback waking `fut` (see _wake)."""
    _wake(fut)


def _logged(what: str) -> Callable[[asyncio.Future], None]:
    """A done callback logging the exception a background task ended with."""
    def done(fut: asyncio.Future) -> None:
        if not fut.cancelled() and fut.exception() is not None:
            log.error("%s failed", what, exc_info=fut.exception())
    return done


def _db_message(e: BaseException) -> str:
    """A database error in one line, without SQLAlchemy's statement dump."""
    orig = getattr(e, "orig", None)
    text = str(orig if orig is not None else e).strip().splitlines()
    return (text[0] if text else e.__class__.__name__)[:200]


def _copy(obj):
    try:
        return orjson.loads(orjson.dumps(obj))
    except TypeError:
        return copy.deepcopy(obj)


class _Overlay(dict):
    """A batch's working view of `state["cases"]` or `state["teams"]`: reading an entry
    copies it into the overlay (the reducer mutates what it reads), new entries land in the
    overlay; the committed dict underneath is untouched until `merge_into`.

    Iterating (`values()`, `items()`) yields committed entries where the overlay has none;
    the reducer and `decide` only read what they iterate."""

    def __init__(self, base: dict):
        super().__init__()
        self.base = base

    def __getitem__(self, key):
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        value = _fresh(self.base, key)
        dict.__setitem__(self, key, value)
        return value

    def get(self, key, default=None):
        if dict.__contains__(self, key) or key in self.base:
            return self[key]
        return default

    def __contains__(self, key):
        return dict.__contains__(self, key) or key in self.base

    def __iter__(self):
        yield from self.base
        for k in dict.keys(self):
            if k not in self.base:
                yield k

    def __len__(self):
        return len(self.base) + sum(1 for k in dict.keys(self) if k not in self.base)

    def keys(self):
        return list(iter(self))

    def values(self):
        return [dict.get(self, k) if dict.__contains__(self, k) else _peek(self.base, k) for k in self]

    def items(self):
        return [(k, dict.get(self, k) if dict.__contains__(self, k) else _peek(self.base, k)) for k in self]

    def pop(self, key, *default):
        raise TypeError("the reducer does not remove entries")

    @property
    def changed(self) -> list:
        """The keys of the entries this batch read or wrote (its own copies)."""
        return list(dict.keys(self))

    def merge_into(self, base: dict) -> None:
        """Write the batch's entries into the committed `base`, then become a window on it
        alone: the batch decided on top of this one reads them there from now on, and the
        overlays do not chain up batch after batch (each holding every case before it)."""
        for k in dict.keys(self):
            base[k] = dict.__getitem__(self, k)
        dict.clear(self)
        self.base = base


def _fresh(under, key):
    """A copy of `key`'s entry that a batch may change, read through the overlays of the
    batches decided before it and not committed yet (which it leaves as they are)."""
    while isinstance(under, _Overlay):
        if dict.__contains__(under, key):
            return _copy(dict.__getitem__(under, key))
        under = under.base
    return under.fresh(key) if isinstance(under, CaseMap) else _copy(under[key])


def _peek(under, key):
    """`key`'s entry as the batches before see it, for reading only."""
    while isinstance(under, _Overlay):
        if dict.__contains__(under, key):
            return dict.__getitem__(under, key)
        under = under.base
    return under[key]


# what the reducer changes in place in the state besides cases and squads: a batch's working
# state has its own copy (models/state.py: the room log, the guides, the handover's ack)
_SHARED_PARTS = ("room_log", "guidance", "handover")


@dataclass
class _Decided:
    """A batch decided against a working state, not committed yet."""
    batch: list["Pending"]
    work: dict
    events: list[dict]
    commands: list[dict]
    results: list[tuple["Pending", object]]
    in_batch: dict
    restored: dict[str, str]
    bulk: bool
    t_pick: float
    t_decided: float


def dumps(obj) -> str:
    """JSON text for the wire and the log: orjson (5x the standard library here; a 100k-case
    snapshot took 1.8 s on the loop with json), json for what orjson refuses (an integer
    beyond 64 bits in a free-form field)."""
    try:
        return orjson.dumps(obj).decode()
    except TypeError:
        return json.dumps(obj, ensure_ascii=False)


def checked(name: str, args: dict) -> tuple[dict, str]:
    """A command's arguments as they may be stored (models.text: TextError when they may
    not), and its digest (32 hex digits of the name and arguments: a resend has the same, a
    reuse of its id for another command a different one). The common case costs one
    orjson dump and one search of it."""
    try:
        blob = orjson.dumps([name, args], option=orjson.OPT_SORT_KEYS)
        if SUSPICIOUS_JSON.search(blob) is None:
            return args, hashlib.blake2b(blob, digest_size=16).hexdigest()
    except TypeError:        # a lone surrogate, an integer beyond 64 bits ...
        pass
    args = clean_args(args)
    try:
        blob = orjson.dumps([name, args], option=orjson.OPT_SORT_KEYS)
    except TypeError:
        blob = json.dumps([name, args], sort_keys=True).encode()
    return args, hashlib.blake2b(blob, digest_size=16).hexdigest()


class FairQueue:
    """The command pipeline's queue: one FIFO per source (account and peer).

    A batch takes each waiting source's first command (in the order they arrived), then each
    one's second, and so on, at most SOURCE_SHARE from any one source while another waits: a
    source that floods (an import, a console's offline outbox) does not put its backlog in
    front of another console's next command, which goes first into the next batch. Without
    a backlog this is plain arrival order; each source's own order is always kept."""

    def __init__(self) -> None:
        self._sources: dict[tuple, deque] = {}      # source -> (arrival no, command), oldest first
        self._n = 0
        self._size = 0
        self._ready = asyncio.Event()
        self.arrived = asyncio.Event()      # set when a source that had nothing waiting sends a command
        # ... and this future too, set there and then (the writer waiting beside a commit: see
        # Hub._commit_batch): its task resumes on the loop's next turn, not a few turns later
        self.wake: asyncio.Future | None = None
        # source -> time.monotonic() it last sent a command with at most LIGHT of its own
        # waiting (as a console does; an import's first few too)
        self.light_at: dict[tuple, float] = {}

    def interactive(self, window: float = INTERACTIVE_WINDOW) -> bool:
        """Whether a console is at work beside the backlog: a source other than the ones with
        more than LIGHT commands waiting sent a command within the last `window` s. Its next
        command may come at any moment, so the backlog's batches (the commit it would wait
        for) are kept short from the backlog's first batch on, not only after one of its
        commands has waited behind a long one."""
        now = time.monotonic()
        self._forget(now, window)
        sources = self._sources
        return any(len(sources.get(key, ())) <= LIGHT for key in self.light_at)

    def _forget(self, now: float, window: float = INTERACTIVE_WINDOW) -> None:
        seen = self.light_at
        for key in [k for k, at in seen.items() if now - at > window]:
            del seen[key]

    def qsize(self) -> int:
        return self._size

    def empty(self) -> bool:
        return self._size == 0

    def put_nowait(self, p: "Pending") -> None:
        key = p.source
        q = self._sources.get(key)
        if q is None:
            q = self._sources[key] = deque()
            self.arrived.set()
            _wake(self.wake)
        self._n += 1
        q.append((self._n, p))
        p.order = self._n
        self._size += 1
        self._ready.set()
        if len(q) <= LIGHT:
            now = self.light_at[key] = time.monotonic()
            if len(self.light_at) > 64:     # a source per connection: those gone are let go
                self._forget(now)

    def put_back(self, batch: list) -> None:
        """Commands taken but not decided (a batch cut short) go back before what each one's
        source sent after them, with their places in the arrival order."""
        for p in reversed(batch):
            q = self._sources.get(p.source)
            if q is None:
                q = self._sources[p.source] = deque()
            q.appendleft((p.order, p))
        self._size += len(batch)
        if batch:
            self._ready.set()

    def bulk(self) -> bool:
        """One source alone has commands waiting, more than a console would (an import)."""
        return len(self._sources) == 1 and self._size > LIGHT

    def others_waiting(self, sources) -> bool:
        """Whether a source not in `sources` has a command waiting."""
        return any(key not in sources for key in self._sources)

    def take_batch(self, limit: int, share: int, light_share: int = LIGHT_SHARE) -> list:
        """Up to `limit` commands, round by round: every waiting source's next command (in
        arrival order) before any source's one after it; at most `share` from each source
        while another one is waiting (one source alone fills the batch). When a source with
        at most LIGHT commands waiting (a console) is there beside one with a backlog (an
        import), at most `light_share` from each: the batch the console's command is in
        stays small, so it commits and is answered quickly; the backlog gets the next."""
        sources = self._sources
        if len(sources) == 1:
            share = limit
        elif any(len(q) <= LIGHT for q in sources.values()) and any(len(q) > LIGHT for q in sources.values()):
            share = min(share, light_share)
        heap = [(0, q[0][0], key) for key, q in sources.items()]
        heapq.heapify(heap)
        batch: list = []
        while heap and len(batch) < limit:
            k, _n, key = heapq.heappop(heap)
            q = sources[key]
            batch.append(q.popleft()[1])
            k += 1
            if not q:
                del sources[key]
            elif k < share:
                heapq.heappush(heap, (k, q[0][0], key))
        self._size -= len(batch)
        if not self._size:
            self._ready.clear()
        return batch

    def get_nowait(self) -> "Pending":
        if not self._size:
            raise asyncio.QueueEmpty
        return self.take_batch(1, 1)[0]

    async def wait(self) -> None:
        while not self._size:
            self._ready.clear()
            await self._ready.wait()


@dataclass
class Pending:
    actor: Actor
    command_id: str | None
    name: str
    args: dict
    peer: str
    future: asyncio.Future = field(repr=False)
    received: float = field(default_factory=time.perf_counter)
    digest: str = ""
    order: int = 0            # its place in the arrival order (FairQueue)

    @property
    def source(self) -> tuple:
        return (self.actor.name, self.peer)

    @property
    def key(self) -> CommandKey | None:
        """Command ids are scoped to the account that sent them."""
        return (self.actor.name, self.command_id) if self.command_id else None


_OPEN = _WsState.OPEN
MAX_WRITE_BUFFER = 2 * 1024 * 1024   # bytes waiting for one live client before it is dropped


class Subscriber:
    """One connection's outgoing path, bounded so that a client that stops reading is
    dropped, never allowed to stall the others or grow memory without bound.

    While the client catches up (snapshot or missed events), live frames wait in a bounded
    queue. Once caught up it is `live`: frames go into its transport, and the bound is its
    transport's write buffer. The frames put in one turn of the event loop (a batch's
    events, its commands' acks) are framed one by one and written in one transport write at
    the end of the turn (`flush`): an import's 500 acks a batch cost one socket write, not
    500. Every frame goes through that one path, so the order is kept.
    """

    def __init__(self, maxsize: int, ws=None, view: View = FULL):
        self.queue: asyncio.Queue[str] = asyncio.Queue(maxsize)
        self.overflowed = asyncio.Event()
        self.ws = ws
        self.live = False
        self.view = view          # what its role may see (server/views.py)
        self._out: list[bytes] = []          # live frames of this turn, not yet written
        self._out_bytes = 0

    def writable(self) -> bool:
        """Live and not backed up; marks it overflowed when its buffer is over the bound."""
        try:
            if self.ws.transport.get_write_buffer_size() + self._out_bytes > MAX_WRITE_BUFFER:
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
                self.write(frame.encode())
            return
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.overflowed.set()

    def write(self, data: bytes) -> None:
        """A live frame (UTF-8 JSON), written at the end of this turn of the loop."""
        if not self._out:
            asyncio.get_running_loop().call_soon(self.flush)
        self._out.append(data)
        self._out_bytes += len(data)

    def flush(self) -> None:
        frames, self._out, self._out_bytes = self._out, [], 0
        conn = self.ws
        if not frames or conn is None:
            return
        try:
            proto = conn.protocol
            if proto.state is not _OPEN or conn.send_in_progress is not None:
                for data in frames:            # closing, or a fragmented send: as broadcast does
                    broadcast([conn], data, text=True)
                return
            for data in frames:
                proto.send_text(data)
            out = proto.data_to_send()
            conn.transport.write(b"".join(out))
            if not all(out) and conn.transport.can_write_eof():    # (the protocol ended the stream)
                conn.transport.write_eof()
        except Exception as e:               # the connection broke: its reader ends it
            log.debug("could not write to a subscriber: %s", e)


class Hub:
    def __init__(self, store: EventStore, clock: Callable[[], float] = time.time,
                 subscriber_queue: int = 20_000, keep_days: float = KEEP_DAYS,
                 retention: retention_mod.Retention | None = None, follow_rota: bool = False):
        self.store = store
        # the shifts start by themselves at the rota's times (shift.change as the server): the
        # product's servers do; a test's hub only when it asks
        self.follow_rota = follow_rota
        self._rota_task: asyncio.Task | None = None
        self.keep_days = keep_days
        # what the database keeps (server/retention.py): pruned on a schedule when set
        self.retention = retention.check(keep_days) if retention is not None else None
        self.redacted_through = 0          # a resume from before this seq gets a snapshot (blanked events)
        self._retainer: asyncio.Task | None = None
        # case id -> when (monotonic) it was read back from the projection
        self._touched: dict[str, float] = {}
        self._team_text: dict[str, str] = {}       # each squad's JSON as last written
        self._last_prune = time.monotonic()
        self._pruner: asyncio.Future | None = None    # the writer's look at the window, in slices
        self.clock = clock
        self.state = empty_state()
        self.subscribers: set[Subscriber] = set()
        self.subscriber_queue = subscriber_queue
        self.db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xiaonao-db")
        # the archive's queries (get, search, aggregates) read on their own threads, never
        # in the command pipeline's
        self.reads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="xiaonao-archive")
        self._queue: FairQueue | None = None
        self._loop: asyncio.AbstractEventLoop | None = None   # the loop it was started in (submit)
        # evidence (server/app.py sets them): the checks under way of the files a command
        # names, and why a stored photo is damaged
        self.file_checks: Callable[[list[str]], list[asyncio.Future]] | None = None
        self.file_damage: Callable[[str], str | None] | None = None
        self._held: dict[tuple, asyncio.Future] = {}      # source -> its last command held behind a check
        self._holding: set[asyncio.Future] = set()
        self._writer: asyncio.Task | None = None
        self._known: OrderedDict[CommandKey, Known] = OrderedDict()
        self._snapshot_cache: tuple[int, int, list[bytes]] | None = None
        self._expiry: asyncio.TimerHandle | None = None
        self._cost = 0.0              # seconds a command costs a batch, deciding and committing (averaged)
        self._bulk_cost = 0.0         # seconds a command costs a bulk batch's commit (averaged)
        self._commit_cpu = (0.0, 0.0)  # (XIAONAO_TRACE) the last commit's CPU: its rows, the append
        self._view_snapshots: OrderedDict[tuple, list[bytes]] = OrderedDict()   # (view key, seq, max) -> frames
        self._view_texts: dict[object, dict] = {}      # view key -> case id -> (version, JSON, size)
        self._warming: asyncio.Future | None = None     # the compact form being made (warm_compact)
        # an open (hot) case's JSON, until an event changes it (closed cases are kept as
        # their JSON only: server/casemap.py)
        self._case_text: dict[str, bytes] = {}
        self._last_snapshot_seq = 0
        self.recovering = False
        self.problem = ""
        self.write_problem = ""          # set while commits fail for want of disk space
        self._probe: asyncio.Future | None = None
        self._probe_kind = "ping"
        # the health probe has its own thread (and connection): it answers even while the
        # pipeline's thread is busy, and it really goes to the database
        self._probe_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xiaonao-probe")
        self._checkpoints = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xiaonao-checkpoint")
        self._checkpointer: asyncio.Task | None = None
        self.listeners: list[Callable[[list[dict]], None]] = []
        # XIAONAO_TRACE=path: one line per batch with the time each step of the pipeline took
        trace = os.environ.get("XIAONAO_TRACE")
        self._trace = open(trace, "a", buffering=1) if trace else None
        # (traced) the last commit: wall, CPU, waiting for a core, from COMMIT to its end (the flush)
        self._commit_costs = (0.0, 0.0, 0.0, 0.0)
        self._commit_span = (0.0, 0.0)    # (traced) the last commit's start and end (perf_counter)
        self._commit_wake: asyncio.Future | None = None   # set as the commit in flight settles (_commit)
        self._commit_at = 0.0
        self._commit_hooked = False

    # ---- life ----------------------------------------------------------------
    async def start(self) -> None:
        # the projection's search words need pypinyin's dictionaries (1-2 s to load): loaded
        # on a thread now, not on the loop at the first report
        from models.search import warm_up_pinyin
        warm_up_pinyin()
        await self.run_db(self.store.check_initialised)
        # one server per database (a second would interleave seqs with this one)
        await self.run_db(self.store.acquire_lease,
                          f"pid {os.getpid()} on {socket.gethostname()} since {iso(time.time())}")
        try:
            await self.run_db(self._load)
        except (DatabaseError, SeqGap, orjson.JSONDecodeError) as e:
            raise StoreError(self.store.damaged(_db_message(e))) from None
        self._queue = FairQueue()
        self._loop = asyncio.get_running_loop()
        self._writer = asyncio.create_task(self._write_loop(), name="xiaonao-writer")
        if await self.run_db(self.store.checkpoint_in_background):
            self._checkpointer = asyncio.create_task(self._checkpoint_loop(), name="xiaonao-checkpoint")
        if self.retention is not None:
            self._retainer = asyncio.create_task(self._retention_loop(), name="xiaonao-retention")
        if self.follow_rota:
            # the shift due now starts before anyone is served: a cockpit's first snapshot
            # names the crew and leader on duty, not the ones of the shift the log last knew
            try:
                await self.rota_tick()
            except Exception:
                log.exception("rota: the shift change at start-up failed; the loop tries again")
            self._rota_task = asyncio.create_task(self._rota_loop(), name="xiaonao-rota")
        # the window's compact form (what a cockpit's snapshot carries) made before anyone is
        # served, in one go (nobody to yield to yet): the first cockpits after a start got the
        # plain cases, 26.7-30.4 MiB of JSON for 15,000 cases instead of 16.3 MiB
        t0 = time.perf_counter()
        made = await self._loop.run_in_executor(None, self.warm_compact(rest=0))
        if made:
            log.info("the window's compact form made for %d cases in %.2f s", made, time.perf_counter() - t0)
        # what start-up made (modules, the window, the command ids) is not walked by every
        # later full collection (~0.1-0.3 s of the loop each at start-up's object count)
        gc.collect()
        gc.freeze()
        # a batch's frames, commands, events and rows are tens of thousands of short-lived
        # containers, nearly never in cycles: collected at the default 700 allocations,
        # the young generation's collections were ~10 % of an import's loop (py-spy)
        gc.set_threshold(*GC_THRESHOLD)
        memory.fixed_mmap_threshold()     # snapshot pages given back once let go (server/memory.py)
        log.info("state loaded at seq %d: %d cases, %d squads", self.state["seq"],
                 len(self.state["cases"]), len(self.state["teams"]))

    def window_since(self) -> str:
        """Closed cases last updated before this (ISO) are outside the window."""
        return iso(self.clock() - self.keep_days * 86400.0)

    def _load(self) -> None:
        """The state a restart starts from: the room row and the window of the cases
        projection (open cases, closed ones updated within keep_days), after catching the
        projection up with the log (nothing to do unless something appended events alone).
        Its cost grows with the window, not with the history."""
        replayed = projection.catch_up(self.store)
        if replayed:
            log.info("projection caught up with %d events", replayed)
        room = self.store.load_room()
        state = state_from_room(*room) if room else empty_state()
        self._case_text = {}
        cases = state["cases"] = CaseMap(state["cases"])
        for cid, text, status, updated in self.store.window_rows(self.window_since(), OPEN_STATUSES):
            # kept as its JSON, not parsed (server/casemap.py); open ones without a window date
            cases.freeze(cid, text.encode(), updated if status == "closed" else None)
        self._touched = {}
        self._team_text = team_texts(state)
        self._last_snapshot_seq = state["seq"]
        # the newest command ids, so that a resend after a restart is answered from memory;
        # an older one is caught by the log's primary key (see _process)
        self._known = OrderedDict(self.store.recent_commands(IDEMPOTENCY_CACHE))
        self.redacted_through = retention_mod.redacted_through(self.store)
        self.state = state

    # ---- the window -------------------------------------------------------------
    def _referenced(self, batch) -> list[str]:
        """Cases the batch's commands name that are not in memory."""
        cases = self.state["cases"]
        out = []
        for p in batch:
            args = p.args if isinstance(p.args, dict) else {}
            for k in CASE_KEYS:
                v = args.get(k)
                if isinstance(v, str) and v not in cases and len(v) <= 40:
                    out.append(v)
        return out

    @staticmethod
    def _named_files(name: str, args) -> list[str]:
        """The uploaded files a command names (case.attach, a report's alert frame and attachments)."""
        a = args if isinstance(args, dict) else {}
        if name == "case.report" and "alert_frame" not in a and "attachments" not in a and "images" not in a:
            return []            # (the common report, an import's every row: nothing to look at)
        ids: list = []
        if name == "case.attach":
            ids.append(a.get("attachment"))
        elif name == "case.report":
            af = a.get("alert_frame")
            if isinstance(af, dict):
                ids.append(af.get("attachment"))
            for x in a.get("attachments") or () if isinstance(a.get("attachments"), list) else ():
                if isinstance(x, dict):
                    ids.append(x.get("attachment"))
            if isinstance(a.get("images"), list):
                ids.extend(a["images"])
        return [i for i in ids if is_attachment_id(i)]

    async def _batch_files(self, batch) -> dict[str, dict]:
        """The metadata of the uploaded files the batch's commands name, read on the database
        thread before deciding; a photo whose full decoding failed carries `damaged` (why)."""
        ids = [i for p in batch for i in self._named_files(p.name, p.args)]
        if not ids:
            return {}
        damage = self.file_damage

        def read() -> dict[str, dict]:
            found = get_files(self.store, ids)
            if damage is not None:
                for fid, meta in found.items():
                    if meta.get("kind") == "photo" and (why := damage(fid)):
                        found[fid] = {**meta, "damaged": why}
            return found
        return await self.run_db(read)

    async def _ensure_cases(self, batch) -> dict[str, str]:
        """Read the cases the batch names that are outside the window back from the
        projection (on the database thread, before anything is decided): committed rows,
        so they go straight into the state. Returns the ones read: id -> their JSON."""
        missing = self._referenced(batch)
        if not missing:
            return {}
        found = await self.run_db(self.store.get_case_texts, missing)
        now = time.monotonic()
        back = {}
        for cid, (text, _seq) in found.items():
            if cid not in self.state["cases"]:
                b = text.encode()
                self.state["cases"][cid] = orjson.loads(b)
                self._case_text[cid] = b
                back[cid] = text
            self._touched[cid] = now
        return back

    def prune(self, grace: float = TOUCH_GRACE) -> list[str]:
        """Cases no event changed since the last look are kept as their JSON from now on
        (server/casemap.py); closed cases that aged out of the window leave memory (the
        projection has them); a case read back lately stays `grace` seconds. All at once;
        the writer's look during a burst goes in slices (`_prune_in_slices`)."""
        steps = self._prune_steps(grace)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value

    async def _prune_in_slices(self, grace: float = TOUCH_GRACE) -> list[str]:
        """`prune`, giving the loop a turn every PRUNE_SLICE seconds (6-13 ms at a window of
        15,000 cases and 2,000 changed ones, held in one piece before): a live event to
        another console waits for a slice, not for all of it."""
        steps = self._prune_steps(grace)
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value
            await asyncio.sleep(0)

    def _prune_steps(self, grace: float) -> Generator[None, None, list[str]]:
        """The look at the window (`prune`), yielding where it may be left for a turn of the
        loop: each step leaves the state whole (a case is frozen or dropped at once, from
        what it holds at that moment), so batches decided and merged between two steps are
        seen as they are (a case changed since it was listed is frozen as it is now, one
        read back since then stays)."""
        since = self.window_since()
        now = time.monotonic()
        cases, touched = self.state["cases"], self._touched
        if not isinstance(cases, CaseMap):
            cases = self.state["cases"] = CaseMap(cases)
        texts = self._case_text
        clock = time.perf_counter
        turn = clock() + PRUNE_SLICE
        for i, cid in enumerate(list(cases.hot)):
            if i % 32 == 31 and clock() >= turn:
                yield
                turn = clock() + PRUNE_SLICE
                if self.state["cases"] is not cases:        # (replaced as a whole: street.loaded)
                    return []
            c = cases.hot.get(cid)
            if c is None:
                continue
            # no event changed it since the last look: kept as its JSON from now on (an open
            # case too: thousands wait for their squads, ~10 KB each as dicts, ~2 KB as JSON)
            b = texts.pop(cid, None) or tight(orjson.dumps(c))
            cases.freeze(cid, b, last_update(c) if c["status"] == "closed" else None)
        gone: list[str] = []
        olds = list(cases.cold_at.items())
        for i in range(0, len(olds), 2048):
            if clock() >= turn:
                yield
                turn = clock() + PRUNE_SLICE
                if self.state["cases"] is not cases:
                    return []
            gone.extend(cid for cid, at in olds[i:i + 2048] if at < since)
        left = []
        for cid in gone:
            # still cold and as old (no event since it was listed), not read back lately
            at = cases.cold_at.get(cid)
            if at is None or at >= since or now - touched.get(cid, -1e18) <= grace:
                continue
            del cases[cid]
            self._case_text.pop(cid, None)
            touched.pop(cid, None)
            left.append(cid)
        for cid in [c for c, t in touched.items() if now - t > grace]:
            del touched[cid]
        self._last_prune = now
        if left:
            log.info("%d closed cases left the window (%d in memory)", len(left), len(cases))
        return left

    def _prune_soon(self) -> None:
        if self._pruner is not None and not self._pruner.done():
            return                     # (one look at a time; the next batches ask again)
        self._pruner = asyncio.ensure_future(self._prune_in_slices())
        self._pruner.add_done_callback(_logged("the look at the window"))

    def _projection_rows(self, events: list[dict], work: dict) -> tuple[list[dict], tuple, dict, dict]:
        """For the events' transaction: the projection rows of the cases the events changed
        and the room row, from the batch's working state. Also the cases' JSON (kept for
        snapshots once committed) and the squads' (remembered once committed)."""
        rows = []
        last: dict[str, int] = {}
        street = None
        for ev in events:
            d = ev.get("data") or {}
            for k in ("case_id", "into"):
                v = d.get(k)
                if isinstance(v, str):
                    last[v] = ev["seq"]
            if ev["name"] == "street.loaded":
                street = work["street"]
        profile = work["sla_profile"]
        texts = {}
        cases = work["cases"]
        for cid, seq in last.items():
            case = cases.get(cid)
            if case is None:
                continue
            text = case_json(case)
            texts[cid] = tight(text)         # (kept: an exact copy, see models.compact.tight)
            rows.append(case_row(case, seq, profile, text))
        teams = {tid: t for tid, t in team_texts(work).items() if self._team_text.get(tid) != t}
        return rows, (work["seq"], room_head(work), street, teams), texts, teams

    async def prune_archive(self) -> retention_mod.Pruned:
        """What the retention settings say may go, now (server/retention.py): one small
        transaction at a time on the database thread, so batches of commands commit in
        between. Cases read back into memory lately are left alone."""
        assert self.retention is not None, "no retention configured"
        ret = self.retention
        exclude = frozenset(self._touched)
        steps = await self.run_db(lambda: list(retention_mod.steps(self.store, ret, self.clock(), exclude)))
        total = retention_mod.Pruned()
        for step in steps:
            while True:
                part, more = await self.run_db(step)
                retention_mod.add(total, part)
                if not more:
                    break
                await asyncio.sleep(0)
        self.redacted_through = await self.run_db(retention_mod.redacted_through, self.store)
        for cid in total.case_ids:              # (none should be in memory: older than the window)
            if cid in self.state["cases"]:
                del self.state["cases"][cid]
                self._case_text.pop(cid, None)
        if total.cases or total.positions or total.audit or total.commands or total.snapshots:
            log.info("retention: pruned %s", total)
        return total

    async def _checkpoint_loop(self) -> None:
        """SQLite: the log is copied into the database file every CHECKPOINT_EVERY seconds
        after commits, on a thread of its own (see EventStore.checkpoint_in_background)."""
        loop = asyncio.get_running_loop()
        done = -1
        while True:
            await asyncio.sleep(CHECKPOINT_EVERY)
            if self.head == done:
                continue
            done = self.head
            try:
                await loop.run_in_executor(self._checkpoints, self.store.checkpoint)
            except asyncio.CancelledError:
                raise
            except Exception as e:      # busy or unavailable: the next round tries again
                log.debug("checkpoint failed: %s", _db_message(e))

    async def _retention_loop(self) -> None:
        await asyncio.sleep(RETAIN_FIRST)
        while True:
            try:
                await self.prune_archive()
            except asyncio.CancelledError:
                raise
            except Exception as e:      # the database is down or busy: the next round tries again
                log.warning("retention: pruning failed (%s); trying again in %g s", _db_message(e), RETAIN_EVERY)
            await asyncio.sleep(RETAIN_EVERY)

    def shift_due(self) -> tuple[str, str] | None:
        """The shift the rota says is in force now, when it has not started yet (None: it has,
        or the street has no rota)."""
        st = self.state
        if not rota_mod.has_rota(st):
            return None
        rota = st["street"]["rota"]
        day, shift, _start = rota_mod.shift_at(rota, self.clock())
        cur = rota_mod.current(st)
        if cur and rota_mod.order(rota, cur["date"], cur["shift"]) >= rota_mod.order(rota, day, shift):
            return None             # started (or the clock went back: the log keeps its order)
        return day, shift

    async def rota_tick(self) -> bool:
        """Start the shift that is due (shift.change as the server); True when one started."""
        due = self.shift_due()
        if due is None or self.recovering:
            return False
        try:
            await self.execute(Actor("rota", "system"), "shift.change", {"date": due[0], "shift": due[1]}, peer="rota")
        except CommandError as e:
            log.info("rota: shift %s %s not started: %s", due[0], due[1], e.message)
            return False
        log.info("rota: shift %s %s started", *due)
        return True

    async def _rota_loop(self) -> None:
        while True:
            try:
                await self.rota_tick()
            except asyncio.CancelledError:
                raise
            except Exception:       # never the end of the loop: the next look tries again
                log.exception("rota: the shift change failed")
            await asyncio.sleep(ROTA_EVERY)

    async def stop(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
        for t in list(self._holding):
            t.cancel()
        if self._pruner is not None:
            self._pruner.cancel()           # (a look at the window left half-way leaves the state whole)
            await asyncio.wait({self._pruner})
        for task in (self._checkpointer, self._retainer, self._rota_task):
            if task:
                task.cancel()
                try:
                    await task
                except asyncio.CancelledError:
                    pass
        if self._writer:
            # cancelled again until it ends: on Python 3.11 a cancellation that lands just as a
            # commit's wait_for completes is swallowed (fixed in 3.12), and the writer would wait
            # for the next command for ever (seen when field terminals' presence events were
            # being written as the server stopped)
            while not self._writer.done():
                self._writer.cancel()
                await asyncio.wait({self._writer}, timeout=0.5)
            if not self._writer.cancelled() and self._writer.exception() is not None:
                log.error("the writer had failed: %r", self._writer.exception())
        self._probe_pool.shutdown(wait=False)
        # waited for off the loop, as Accounts.stop does: a database call still on these
        # threads may need this loop to finish (a database behind a proxy on it)
        def join() -> None:
            self.db.shutdown(wait=True)
            self.reads.shutdown(wait=True)
            self._checkpoints.shutdown(wait=True)
        await asyncio.to_thread(join)

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
        """Queue a command now (arrival order is kept) and return the future of its seq.
        Its text is checked first (models.text); while the database is unavailable it is
        refused at once."""
        # (the loop it was started in: asyncio.get_running_loop() is a getpid() system call, ~4 %
        # of the loop's time in an import, one a command)
        loop = self._loop if self._queue is not None else None
        fut = (loop or asyncio.get_running_loop()).create_future()
        if self.recovering:
            fut.set_exception(self._unavailable())
            return fut
        try:                # text is checked here, at the edge, for every way in
            if command_id is not None:
                check_id(command_id)
            args, digest = checked(name, args)
        except TextError as e:
            fut.set_exception(CommandError("invalid", str(e)))
            return fut
        assert self._queue is not None, "started"
        self._enqueue(Pending(actor, command_id, name, args, peer, fut, digest=digest))
        return fut

    def _enqueue(self, p: Pending) -> None:
        """Into the queue; a command naming a photo still being decoded (server/http_files.py)
        waits for that check first, and its source's later commands wait behind it: each
        source's order is kept, other sources are not held."""
        assert self._queue is not None, "started"
        source = (p.actor.name, p.peer)
        waits = self.file_checks(self._named_files(p.name, p.args)) if self.file_checks is not None else []
        before = self._held.get(source)
        if not waits and before is None:
            self._queue.put_nowait(p)
            return
        task = asyncio.ensure_future(self._hold(p, waits, before))
        self._held[source] = task
        self._holding.add(task)

        def done(t: asyncio.Future) -> None:
            self._holding.discard(t)
            if self._held.get(source) is t:
                del self._held[source]
        task.add_done_callback(done)

    async def _hold(self, p: Pending, waits: list, before: asyncio.Future | None) -> None:
        try:
            if before is not None:
                await asyncio.wait([before])
            if waits:
                await asyncio.wait(waits)
        except asyncio.CancelledError:
            if not p.future.done():
                p.future.set_exception(self._unavailable())
            raise
        if self.recovering or self._queue is None or any(w.cancelled() for w in waits):
            if not p.future.done():       # (a check cut short by the server stopping: not decided)
                p.future.set_exception(self._unavailable())
            return
        self._queue.put_nowait(p)

    async def _write_loop(self) -> None:
        """Batches one after another; while one commits on the database thread, the next is
        decided on the loop on top of its working state (`_commit_batch`), so deciding and
        committing overlap."""
        queue = self._queue
        assert queue is not None, "started"
        ahead: _Decided | None = None
        while True:
            if ahead is None:
                await queue.wait()
                bulk = queue.bulk()
                batch = queue.take_batch(self._bulk_limit(queue) if bulk else self._batch_limit(), SOURCE_SHARE)
                try:
                    d = await self._decide(batch, bulk=bulk)
                except Exception as e:
                    await self._failed(batch, e)
                    continue
            else:
                d, ahead = ahead, None
            try:
                ahead = await self._commit_batch(d)
            except Exception as e:
                await self._failed(d.batch, e)

    async def _failed(self, batch: list[Pending], e: Exception) -> None:
        """The database failed: nothing of this batch is visible; it is refused `unavailable`
        and the hub recovers (what is queued is refused meanwhile)."""
        if isinstance(e, Unavailable):
            log.error("could not commit a batch of %d commands: %s", len(batch), e)
        else:
            log.exception("could not commit a batch of %d commands", len(batch), exc_info=e)
        for p in batch:
            if not p.future.done():
                p.future.set_exception(self._unavailable())
        await self._recover(str(e) or e.__class__.__name__)

    def _batch_limit(self) -> int:
        """How many commands the next batch may take: as many as the last batches decided
        and committed in BATCH_TARGET seconds (the cost of a command, mostly its projection
        row and index entries, averaged), within MIN_BATCH..MAX_BATCH. A batch in flight is
        what a console's command arriving meanwhile waits for, so a loaded machine gets
        smaller batches, a quiet one big ones (group commit's throughput)."""
        cost = self._cost
        if cost <= 0:
            return MAX_BATCH
        return max(MIN_BATCH, min(MAX_BATCH, int(BATCH_TARGET / cost)))

    def _bulk_limit(self, queue: FairQueue | None = None) -> int:
        """The next batch of a source alone with a backlog (an import): as many commands as
        the database thread commits in BULK_TARGET seconds (the commit's cost a command
        averaged over the last bulk batches; its deciding overlaps the commit before it, so
        only the commit counts), within BULK_MIN..BULK_MAX. A console's command arriving
        meanwhile cuts into the batch being decided and waits for the one committing.

        Never fewer than BULK_MIN: a commit has a fixed part (the flush, the per-batch
        statements, and on a loaded machine the wait for a core) that sizing on the
        average alone would shrink the batches to (at load 11: ~90 ms a commit whatever
        its size, 80 rows a batch, 700 rows/s).

        Except while a console is at work beside the backlog (`queue`'s FairQueue.interactive:
        another source sent a command within INTERACTIVE_WINDOW): then sized to BATCH_TARGET
        and at most BULK_INTERACTIVE_MAX, so a console's next command waits behind a short
        commit, not a BULK_TARGET one."""
        cost = self._bulk_cost
        if queue is not None and queue.interactive():
            if cost <= 0:
                return BULK_INTERACTIVE_MAX
            return max(MIN_BATCH, min(BULK_INTERACTIVE_MAX, int(BATCH_TARGET / cost)))
        if cost <= 0:
            return BULK_MIN
        return max(BULK_MIN, min(BULK_MAX, int(BULK_TARGET / cost)))

    def _measured(self, n: int, seconds: float) -> None:
        """A committed batch of n commands took `seconds` to decide and commit."""
        if n >= MIN_BATCH // 2:
            c = seconds / n
            self._cost = c if self._cost <= 0 else 0.8 * self._cost + 0.2 * c

    def _measured_bulk(self, n: int, seconds: float) -> None:
        """A committed bulk batch of n commands took `seconds` to commit."""
        if n >= MIN_BATCH // 2:
            c = seconds / n
            self._bulk_cost = c if self._bulk_cost <= 0 else 0.7 * self._bulk_cost + 0.3 * c

    async def _process(self, batch: list[Pending], lookup: bool = False, cut: bool = True) -> None:
        """Decide, commit and publish one batch, nothing decided beside it (a batch redone
        after a failed commit: with a lookup of its command ids, or in halves)."""
        await self._commit_batch(await self._decide(batch, lookup=lookup, cut=cut), pipeline=False)

    async def _decide(self, batch: list[Pending], lookup: bool = False, cut: bool = True,
                      after: "_Decided | None" = None, bulk: bool = False) -> "_Decided":
        """Decide one batch against a working copy of the state: the committed state, or
        (`after`) the working state of the batch being committed now, which this one follows.

        The working copy (`_Overlay`: the cases and squads the batch touches are copied on
        first access, through the batch before it if any) leaves the state everyone sees
        unchanged until the batch is committed, so a failed commit leaves no trace in it; a
        batch decided after one whose commit failed is put back in the queue undecided.

        Command ids are checked against the ones remembered in memory (the newest
        IDEMPOTENCY_CACHE) and those of the batch before; an older resend fails the commit on
        the log's primary key, and the batch is redone with a lookup: no database round trip
        per batch for the common case of a new id.

        Deciding gives the loop back every DECIDE_SLICE seconds (frames go out, commands come
        in meanwhile). The batch is cut there once another source's command is waiting (what
        it has not decided yet goes back to the queue, and the waiting sources' next commands
        are decided in this batch instead: a console's command waits for a slice of an
        import's batch, not for all of it), or, unless it is a bulk batch (whose deciding
        overlaps the commit before it), once it has decided for BATCH_BUDGET seconds (`cut`:
        False for a batch being split, whose halves keep order).

        `batch` is changed in place (what a cut gives back leaves it, what it takes in joins
        it): it is always what this batch holds."""
        t_pick = time.perf_counter()
        restored = await self._ensure_cases(batch)      # cases outside the window, from the projection
        files = await self._batch_files(batch)          # the uploaded files the batch attaches
        if lookup:
            unknown = [p.key for p in batch if p.key and p.key not in self._known]
            for key, known in (await self.run_db(self.store.known_commands, unknown)).items():
                self._remember(key, known)
        base = after.work if after is not None else self.state
        work = dict(base)
        work["cases"] = _Overlay(base["cases"])
        work["teams"] = _Overlay(base["teams"])
        for k in _SHARED_PARTS:          # what the reducer changes in place beside cases and squads
            v = work.get(k)
            if isinstance(v, (dict, list)):
                work[k] = v.copy()
        prior = after.in_batch if after is not None else {}
        events: list[dict] = []
        commands: list[dict] = []
        results: list[tuple[Pending, object]] = []
        in_batch: dict[CommandKey, Known] = {}
        queue = self._queue
        t_begin = time.perf_counter()
        next_yield = t_begin + DECIDE_SLICE
        sources = {p.source for p in batch}
        joined = False               # the waiting sources' commands were taken into it
        i = 0
        while i < len(batch):
            p = batch[i]
            if cut and queue is not None and time.perf_counter() >= next_yield and i:
                if not bulk and time.perf_counter() - t_begin >= BATCH_BUDGET:
                    self._give_back(batch[i:])
                    del batch[i:]
                    break
                await asyncio.sleep(0)          # the loop's turn: frames out, commands come in
                if not joined and queue.others_waiting(sources):
                    # cut here; the waiting sources' next commands (and a few of this
                    # batch's rest, in order) go into this batch, which commits next
                    self._give_back(batch[i:])
                    del batch[i:]
                    more = queue.take_batch(MIN_BATCH, SOURCE_SHARE)
                    batch.extend(more)
                    sources.update(q.source for q in more)
                    joined = True
                    restored.update(await self._ensure_cases(more))
                    files.update(await self._batch_files(more))
                    if i >= len(batch):
                        break
                    p = batch[i]
                next_yield = time.perf_counter() + DECIDE_SLICE
            i += 1
            key = p.key
            if key and (key in self._known or key in in_batch or key in prior):
                seq, digest = self._known.get(key) or in_batch.get(key) or prior[key]
                if digest is not None and digest != p.digest:
                    results.append((p, CommandError("conflict", f"command id {p.command_id!r} was already used by "
                                                                "this account for another command; "
                                                                "send a new id (a UUID)")))
                else:
                    results.append((p, seq))
                continue
            try:
                decided = decide(work, p.actor, p.name, p.args, now=self.clock(), files=files)
            except CommandError as e:
                results.append((p, e))
                continue
            except Exception as e:  # a bug must not take the server down
                log.exception("decide failed for %s", p.name)
                results.append((p, CommandError("invalid", f"could not process command: {e}")))
                continue
            at = iso(self.clock())
            for ev_name, data in decided:
                ev = {"type": "event", "seq": work["seq"] + 1, "at": at, "name": ev_name,
                      "actor": p.actor.name, "command_id": p.command_id, "data": data}
                apply(work, ev)   # the next command in the batch decides on this state
                events.append(ev)
            seq = work["seq"]
            if key:
                in_batch[key] = (seq, p.digest)
                commands.append({"id": p.command_id, "seq": seq, "actor": p.actor.name, "name": p.name,
                                 "peer": p.peer, "at": at, "digest": p.digest})
            results.append((p, seq))
        return _Decided(batch, work, events, commands, results, in_batch, restored, bulk, t_pick,
                        time.perf_counter())

    def _give_back(self, rest: list[Pending]) -> None:
        """What a cut batch did not decide: back to the queue, before what came after it."""
        assert self._queue is not None, "started"
        self._queue.put_back(rest)

    async def _commit_batch(self, d: "_Decided", pipeline: bool = True) -> "_Decided | None":
        """Commit a decided batch, then make it the state everyone sees, publish its events
        and answer its commands. While it commits (`pipeline`), the next batch in the queue
        is decided on top of its working state and returned, to be committed next; if this
        commit fails, that one goes back to the queue undecided."""
        queue = self._queue
        ahead: asyncio.Task | None = None
        if not d.events:
            self._answer(d.results)
            return None
        fut = self._commit(d.events, d.commands, d.work)   # durable before anyone sees it
        t_commit = time.perf_counter()
        if (pipeline and queue is not None and not queue.empty()
                and isinstance(d.work["cases"], _Overlay) and isinstance(d.work["teams"], _Overlay)):
            bulk = queue.bulk()
            nxt = queue.take_batch(self._bulk_limit(queue) if bulk else self._batch_limit(), SOURCE_SHARE)
            ahead = asyncio.ensure_future(self._decide(nxt, after=d, bulk=bulk))
        try:
            while ahead is not None and not fut.done():
                if (ahead.done() and not ahead.cancelled() and ahead.exception() is None and ahead.result().bulk
                        and queue.others_waiting({p.source for p in nxt})):   # type: ignore[union-attr]
                    # a console's command came while an import's batch waits, decided, for this
                    # commit: that one is decided again with the console's command in it (a
                    # small batch, committed next), not after it
                    queue.put_back([p for p in nxt if not p.future.done()])  # type: ignore[union-attr]
                    nxt = queue.take_batch(self._batch_limit(), SOURCE_SHARE)  # type: ignore[union-attr]
                    ahead = asyncio.ensure_future(self._decide(nxt, after=d, bulk=False))
                    continue
                # one bare future that the commit's settling, a new source's command and the
                # next batch's end each set directly: this task resumes on the loop's next turn
                # (through asyncio.wait and tasks around the commit it took five or six turns,
                # each a turn of every busy connection's reading and deciding: 20-45 ms of a
                # burst between the commit's end and its publication)
                wake = asyncio.get_running_loop().create_future()
                queue.wake = self._commit_wake = wake      # type: ignore[union-attr]
                if not ahead.done():
                    ahead.add_done_callback(partial(_woken, wake))
                try:
                    await wake
                finally:
                    queue.wake = self._commit_wake = None    # type: ignore[union-attr]
            # the projection rows are made on the database thread, with the commit
            texts, teams = await fut
        except BaseException as e:
            if ahead is not None:
                # decided on a state that will not be: back to the queue, undecided, before
                # what came after it (the part a cut gave back is there already)
                ahead.cancel()
                await asyncio.wait([ahead])
                if not ahead.cancelled():
                    ahead.exception()
                assert queue is not None
                queue.put_back([p for p in nxt if not p.future.done()])
            if isinstance(e, DuplicateCommand):
                log.info("a batch of %d held an old command id; redoing it with a lookup", len(d.batch))
                await self._process(d.batch, lookup=True)
                return None
            if isinstance(e, Unstorable):
                batch = d.batch
                if len(batch) == 1:
                    log.warning("%s (%s) from %s: %s could not be stored: %s", batch[0].actor.name,
                                batch[0].actor.role, batch[0].peer, batch[0].name, e)
                    batch[0].future.set_exception(CommandError(
                        "invalid", "the database refused to store this command's text; check it for "
                                   "unusual characters"))
                    return None
                half = len(batch) // 2
                log.info("the database refused a batch of %d; retrying it in halves", len(batch))
                await self._process(batch[:half], cut=False)
                await self._process(batch[half:], cut=False)
                return None
            raise
        t_durable = time.perf_counter()
        if d.bulk:
            self._measured_bulk(len(d.batch), t_durable - t_commit)
        else:
            self._measured(len(d.batch), (d.t_decided - d.t_pick) + (t_durable - t_commit))
        self._merge(d.work)
        self._keep_texts(texts)
        self._drop_stale_snapshots()
        self._team_text.update(teams)
        for key, known in d.in_batch.items():
            self._remember(key, known)
        self._publish(d.events, d.restored)
        self._leave_window(texts)
        if self._trace:
            t = time.perf_counter()
            firsts: dict[str, list] = {}      # each source's commands in the batch: count, first received, id
            for p in d.batch:
                f = firsts.setdefault(p.peer, [0, p.received, p.command_id])
                f[0] += 1
            self._trace.write(f"{len(d.batch)} {d.batch[0].command_id} {d.batch[0].received:.6f} {d.t_pick:.6f} "
                              f"{d.t_decided:.6f} {t_durable:.6f} {t:.6f} "
                              + " ".join(f"{peer}:{n}:{r:.6f}:{cid}" for peer, (n, r, cid) in firsts.items())
                              + f" commit:{t_commit:.6f} cpu:{self._commit_cpu[0]:.6f}:{self._commit_cpu[1]:.6f}"
                              + ":commit:{:.1f}:cpu:{:.1f}:core-wait:{:.1f}:flush:{:.1f}".format(
                                  *(x * 1000 for x in self._commit_costs))
                              + " db:{:.6f}:{:.6f}".format(*self._commit_span)
                              + (" bulk" if d.bulk else "") + "\n")
        self._answer(d.results)
        cases = self.state["cases"]
        if (self.state["seq"] - self._last_snapshot_seq >= SNAPSHOT_EVERY
                or time.monotonic() - self._last_prune >= PRUNE_EVERY
                or (isinstance(cases, CaseMap) and len(cases.hot) > HOT_LIMIT)):
            # no whole-state snapshot is written: the projection rows written with each batch
            # are the snapshot; here the cases that aged out of the window leave memory. In a
            # task of its own, in slices: it starts once the next batch's commit is on its way
            # (this task goes on to it without a turn of the loop), not before it
            self._last_snapshot_seq = self.state["seq"]
            self._prune_soon()
        if ahead is None:
            return None
        try:
            return await ahead
        except Exception as e:       # (reading what the next batch names failed: the database)
            await self._failed(nxt, e)
            return None

    def _answer(self, results: list[tuple[Pending, object]]) -> None:
        many: dict[tuple, list] = {}      # a big batch's accepted commands: one log line per sender and name
        for p, res in results:
            if isinstance(res, CommandError):
                log.info("%s (%s) from %s: %s refused: %s %s", p.actor.name, p.actor.role, p.peer, p.name,
                         res.code, res.message)
                if not p.future.done():      # a submitter gone (cancelled at shutdown) is told nothing
                    p.future.set_exception(res)
            else:
                if len(results) > LOG_EACH_UP_TO:
                    many.setdefault((p.actor.name, p.actor.role, p.peer, p.name), []).append(res)
                else:
                    log.info("%s (%s) from %s: %s %s -> seq %s", p.actor.name, p.actor.role, p.peer, p.name,
                             p.args.get("case_id") or p.args.get("team_id") or "", res)
                if not p.future.done():
                    p.future.set_result(res)
        for (name, role, peer, cmd), seqs in many.items():
            log.info("%s (%s) from %s: %d x %s -> seq %s to %s", name, role, peer, len(seqs), cmd, min(seqs), max(seqs))

    def _drop_stale_snapshots(self) -> None:
        """Built snapshots are kept for connections at the same seq (a reconnect storm);
        once the head moves on they are let go (a window's snapshot is tens of MB)."""
        seq = self.head
        if self._snapshot_cache is not None and self._snapshot_cache[0] != seq:
            self._snapshot_cache = None
        for key in [k for k in self._view_snapshots if k[1] != seq]:
            del self._view_snapshots[key]

    def _expire_snapshots(self) -> None:
        """A built snapshot is kept SNAPSHOT_KEEP seconds at most (a quiet room's head does
        not move, and a reconnect storm is over by then), then let go and its memory handed
        back to the system."""
        if self._snapshot_cache is not None or self._view_snapshots:
            self._snapshot_cache = None
            self._view_snapshots.clear()
            asyncio.get_running_loop().run_in_executor(None, memory.trim)

    def _expire_later(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
        self._expiry = asyncio.get_running_loop().call_later(SNAPSHOT_KEEP, self._expire_snapshots)

    def _keep_texts(self, texts: dict[str, bytes]) -> None:
        """After a commit: the changed cases' JSON, for snapshots. A closed case is kept as
        its JSON only (server/casemap.py); an open one stays a dict, its JSON cached."""
        cases = self.state["cases"]
        hot = cases.hot
        for cid, b in texts.items():
            case = hot.get(cid)
            if case is None:
                continue
            if case["status"] == "closed":
                cases.freeze(cid, b, last_update(case))
                self._case_text.pop(cid, None)
            else:
                self._case_text[cid] = b

    def _leave_window(self, texts: dict[str, bytes]) -> None:
        """After a commit (and its publication): the batch's cases that are closed and older
        than the window leave memory at once, as `prune` would have them leave later (an
        import's history: cases closed years ago in a former system; the projection has
        them, the archive answers for them). A case read back lately stays, as in `prune`."""
        cases = self.state["cases"]
        if not texts or not isinstance(cases, CaseMap):
            return
        cold_at, touched = cases.cold_at, self._touched
        since = None
        for cid in texts:
            at = cold_at.get(cid)
            if at is None or cid in touched:
                continue
            if since is None:
                since = self.window_since()
            if at < since:
                del cases[cid]
                self._case_text.pop(cid, None)

    def _merge(self, work: dict) -> None:
        """Make a committed batch's working state the state everyone sees."""
        for key in ("cases", "teams"):
            part = work[key]
            if isinstance(part, _Overlay):
                if key == "cases":
                    for cid in part.changed:
                        self._case_text.pop(cid, None)
                part.merge_into(self.state[key])
            else:                      # replaced as a whole (street.loaded)
                self.state[key] = part
                if key == "cases":
                    self.state[key] = part if isinstance(part, CaseMap) else CaseMap(part)
                    self._case_text = {}
        for k, v in work.items():
            if k not in ("cases", "teams"):
                self.state[k] = v

    def _project_and_append(self, events: list[dict], commands: list[dict], work: dict) -> tuple[dict, dict]:
        """On the database thread: the batch's projection rows (from its working state, which
        nothing changes until it is merged) and its commit. Returns the cases' and squads' JSON."""
        cpu = time.thread_time() if self._trace else 0.0
        try:
            rows, room, texts, teams = self._projection_rows(events, work)
        except (UnicodeError, ValueError) as e:     # text its projection cannot encode
            raise Unstorable(str(e)) from None
        if self._trace is None:
            self.store.append(events, commands, rows, room)
        else:                # the trace: the commit's wall time, the thread's CPU and wait for a core in it
            if not self._commit_hooked:
                from sqlalchemy import event as sa_event
                sa_event.listen(self.store.engine, "commit",
                                lambda _c: setattr(self, "_commit_at", time.perf_counter()))
                self._commit_hooked = True
            w0, c0, q0 = time.perf_counter(), time.thread_time(), _runqueue_wait(threading.get_native_id())
            cpu2 = time.thread_time()
            self.store.append(events, commands, rows, room)
            end = time.perf_counter()
            self._commit_costs = (end - w0, time.thread_time() - c0,
                                  _runqueue_wait(threading.get_native_id()) - q0, end - self._commit_at)
            self._commit_span = (w0, end)
            self._commit_cpu = (cpu2 - cpu, time.thread_time() - cpu2)     # (XIAONAO_TRACE: rows, append)
        return texts, teams

    def _commit(self, events: list[dict], commands: list[dict], work: dict) -> asyncio.Future:
        """The projection rows and store.append on the database thread, within COMMIT_TIMEOUT:
        a future of the cases' and squads' JSON, settled on the loop's first turn after the
        thread is done (and the writer waiting beside it woken in that same turn: see
        `_commit_batch`). On a timeout the store's connections are cut (the database thread
        gets an error at once instead of waiting on a socket that may never answer) and it
        fails with Unavailable; whether the commit happened is then settled by `_recover`,
        which reads the log. DuplicateCommand and Unstorable come as they are, any other
        database error as Unavailable."""
        loop = asyncio.get_running_loop()
        out: asyncio.Future = loop.create_future()

        def settle(result, error: BaseException | None) -> None:       # on the loop
            timer.cancel()
            if out.done():               # timed out (or the writer gone): nobody waits for it
                return
            if error is None:
                self.write_problem = ""
                out.set_result(result)
            elif isinstance(error, (DuplicateCommand, Unstorable)) or not isinstance(error, Exception):
                out.set_exception(error)
            else:
                if is_full(error):
                    self.write_problem = "the database's disk is full; free space on it"
                    failed = Unavailable(self.write_problem)
                else:
                    failed = Unavailable(_db_message(error))
                failed.__cause__ = error
                out.set_exception(failed)
            _wake(self._commit_wake)

        def run() -> None:           # on the database thread
            try:
                result = self._project_and_append(events, commands, work)
            except BaseException as e:
                loop.call_soon_threadsafe(settle, None, e)
            else:
                loop.call_soon_threadsafe(settle, result, None)

        def expired() -> None:
            if not out.done():
                self.store.interrupt()
                out.set_exception(Unavailable(f"the database did not commit within {COMMIT_TIMEOUT:g} s"))
                _wake(self._commit_wake)

        timer = loop.call_later(COMMIT_TIMEOUT, expired)
        try:
            self.db.submit(run)
        except BaseException:
            timer.cancel()
            raise
        return out

    async def _recover(self, reason: str) -> None:
        """After a failed commit: refuse commands with `unavailable` until the database
        answers, then read the log from the committed head on (a commit whose answer was
        lost may be there) so that memory is again exactly the log. Retries forever."""
        self.problem = f"database unavailable: {reason}"
        self.recovering = True
        delay = 0.1
        try:
            while True:
                self._refuse_queued()
                fut = asyncio.get_running_loop().run_in_executor(self.db, self._read_after, self.head)
                try:
                    found = await asyncio.wait_for(asyncio.shield(fut), COMMIT_TIMEOUT)
                    break
                except asyncio.TimeoutError:
                    fut.add_done_callback(_consume)
                    self.store.interrupt()
                    why = "no answer"
                except Exception as e:
                    why = _db_message(e)
                log.warning("database still unavailable (%s); retrying in %.1f s", why, delay)
                self.problem = f"database unavailable: {why}"
                await asyncio.sleep(delay)
                delay = min(delay * 2, RECOVER_MAX_DELAY)
            head, events, known = found
            if head < self.head:
                log.error("the log ends at seq %d, before the %d this server holds; reloading it", head, self.head)
                await self.run_db(self._load)
            elif events:
                log.warning("%d events committed although their commit reported a failure; "
                            "reading them in and publishing them", len(events))
                # committed with their projection rows: the state is read again from those
                # (the window; the events may touch cases outside it)
                await self.run_db(self._load)
                for key, k in known:
                    self._remember(key, k)
                self._publish(events)
            log.info("database available again at seq %d", self.head)
        finally:
            self.recovering = False
            self.problem = ""

    def _read_after(self, after: int) -> tuple[int, list[dict], list[tuple[CommandKey, Known]]]:
        self.store.check_lease()         # a cut PostgreSQL session lost its advisory lock: take it again
        head = self.store.head()
        if head <= after:
            return head, [], []
        return head, self.store.events_after(after), self.store.commands_after(after)

    def _unavailable(self) -> CommandError:
        if self.write_problem:
            return CommandError("unavailable", f"{self.write_problem}; nothing was applied; retry with the same id")
        return CommandError("unavailable", UNAVAILABLE_MESSAGE)

    def _refuse_queued(self) -> None:
        queue = self._queue
        assert queue is not None, "started"
        while not queue.empty():
            p = queue.get_nowait()
            if not p.future.done():
                p.future.set_exception(self._unavailable())

    # ---- health --------------------------------------------------------------
    async def health(self) -> tuple[bool, str]:
        """Whether the server can serve: not recovering from a failed commit, and the
        database answers a round trip within HEALTH_TIMEOUT (probes that overlap share one).
        After a commit failed for want of disk space the probe is a write, and only its
        success (or a commit's) says the disk has room again."""
        if self.recovering:
            return False, self.problem
        if self._probe is None or self._probe.done():
            self._probe_kind = "write" if self.write_problem else "ping"
            fn = self.store.write_probe if self.write_problem else self.store.ping
            self._probe = asyncio.get_running_loop().run_in_executor(self._probe_pool, fn)
        kind = self._probe_kind
        try:
            await asyncio.wait_for(asyncio.shield(self._probe), HEALTH_TIMEOUT)
        except asyncio.TimeoutError:
            return False, f"database unavailable: no answer within {HEALTH_TIMEOUT:g} s"
        except Exception as e:
            if self.write_problem and is_full(e):
                return False, f"database unavailable: {self.write_problem}"
            return False, f"database unavailable: {_db_message(e)}"
        if kind == "write":
            self.write_problem = ""
        if self.write_problem:
            return False, f"database unavailable: {self.write_problem}"
        if self.recovering:
            return False, self.problem
        return True, "ok"

    @property
    def healthy(self) -> bool:
        """Not recovering (the last health probe's round trip is in `health()`)."""
        return not self.recovering

    def _state_texts(self, with_cases: bool = True) -> tuple[str, list[bytes]]:
        """The state as JSON: the head (everything but the cases) and each case's JSON."""
        head = {k: (list(v.values()) if k == "teams" else v) for k, v in self.state.items() if k != "cases"}
        if not with_cases:
            return dumps(head), []
        cases = self.state["cases"]
        cache = self._case_text
        texts = list(cases.cold.values()) if isinstance(cases, CaseMap) else []
        hot = cases.hot if isinstance(cases, CaseMap) else cases
        for cid, case in hot.items():
            t = cache.get(cid)
            if t is None:
                try:
                    t = tight(orjson.dumps(case))       # (kept: see models.compact.tight)
                except TypeError:
                    t = json.dumps(case, ensure_ascii=False).encode()
                cache[cid] = t
            texts.append(t)
        return dumps(head), texts

    def known_seq(self, account: str, command_id: str) -> int | None:
        """The seq an account's command id was acknowledged with, if memory holds it."""
        known = self._known.get((account, command_id))
        return known[0] if known else None

    def _remember(self, key: CommandKey, known: Known) -> None:
        self._known[key] = known
        if len(self._known) > IDEMPOTENCY_CACHE:
            self._known.popitem(last=False)

    @staticmethod
    def restored_frame(view: View, text: str) -> str | None:
        """*Addition* (docs/protocol.md, archive): a case an event is about to change, as it
        was before, when the server read it back from its archive, so that a client that no
        longer holds it adds it first. Filtered views get cases in their view.update events."""
        if view.full:
            return f'{{"type": "archive.case", "id": null, "case": {text}}}'
        if view.filtered:
            return None
        case = view.case(orjson.loads(text))
        return None if case is None else dumps({"type": "archive.case", "id": None, "case": case})

    def _publish(self, events: list[dict], restored: dict[str, str] | None = None) -> None:
        # subscribers grouped by what they may see: each event is encoded once per distinct
        # view (server/views.py), not once per subscriber
        groups: dict[object, tuple[View, list[Subscriber]]] = {}
        for sub in self.subscribers:
            if not sub.overflowed.is_set():
                groups.setdefault(sub.view.key, (sub.view, []))[1].append(sub)
        state = self.state
        first = [(cid, text) for cid, text in (restored or {}).items()
                 if cid in projection.touched_cases(events)]
        for ev in [None] * bool(first) + events:
            hidden: tuple[str, bytes] | None = None
            for view, subs in groups.values():
                if ev is None:             # the restored cases, before the events
                    for frame in [f for f in (self.restored_frame(view, t) for _c, t in first) if f]:
                        self._send(subs, frame)
                    continue
                shown = ev if view.full else view.event(ev, state)
                if shown is not ev and shown.get("name") == HIDDEN:
                    # the placeholder is the same for every view that may not see the event
                    # (every squad but the one it concerns): encoded once for all of them
                    if hidden is None:
                        text = dumps(shown)
                        hidden = (text, text.encode())
                    self._send(subs, *hidden)
                else:
                    self._send(subs, dumps(shown))
        # out now, in this turn of the loop, not at the next one (`Subscriber.write` leaves
        # them for the end of the turn): the batch's events are all there, and during a burst
        # a turn is every busy connection's slice of reading and deciding (5-20 ms)
        for _view, subs in groups.values():
            for sub in subs:
                sub.flush()
        for fn in self.listeners:
            try:
                fn(events)
            except Exception:
                log.exception("event listener failed")

    @staticmethod
    def _send(subs: list[Subscriber], frame: str, data: bytes | None = None) -> None:
        """`frame` to each subscriber (`data`: its UTF-8, when the caller has it)."""
        for sub in subs:
            if sub.live:
                if not sub.overflowed.is_set() and sub.writable():
                    if data is None:
                        data = frame.encode()      # encoded once for everyone
                    sub.write(data)
            else:
                sub.put(frame)

    # ---- the archive (docs/protocol.md: Archive) -------------------------------
    async def archive(self, q, view: View = FULL) -> str:
        """Answer an archive query (models.protocol.ArchiveQuery) as the view may see it:
        the answer frame. Raises CommandError (forbidden for views of their own cases only)."""
        if view.filtered:
            raise CommandError("forbidden", "this role sees its own cases only; the archive is not open to it")
        loop = asyncio.get_running_loop()
        p = q.params

        def show(text: str) -> dict | None:
            case = orjson.loads(text)
            return case if view.full else view.case(case)
        if q.kind == "get":
            found = await loop.run_in_executor(self.reads, self.store.get_case_texts, [p["case_id"]])
            text, seq = found.get(p["case_id"], (None, None))
            case = show(text) if text is not None else None
            return dumps({"type": "archive.case", "id": q.id, "case": case, "seq": seq if case else None})
        if q.kind == "search":
            words = p["words"]
            if len(words) == 1 and _CASE_ID.fullmatch(words[0]) and p["before"] is None:
                # a case id: read by its key, not by scanning the words
                found = await loop.run_in_executor(self.reads, self.store.get_case_texts, [words[0].upper()])
                hits, more = list(found.values()), False
                if p.get("closed_before"):
                    hits = [(t, s) for t, s in hits
                            if (c := orjson.loads(t))["status"] == "closed" and last_update(c) < p["closed_before"]]
            else:
                hits, more = await loop.run_in_executor(self.reads, self.store.search_cases, words,
                                                        p["before"], p["limit"], p.get("closed_before"))
            cases = [show(t) for t, _s in hits]
            nxt = None
            if more and hits:
                last = orjson.loads(hits[-1][0])
                nxt = [last["times"]["reported"], last["id"]]
            return dumps({"type": "archive.result", "id": q.id, "cases": [c for c in cases if c is not None],
                          "seqs": [s for (_t, s), c in zip(hits, cases) if c is not None],
                          "more": more, "next": nxt})
        rows = await loop.run_in_executor(self.reads, self.store.case_stats, p["since"], p["until"], p["by"],
                                          p["tz_minutes"])
        return dumps({"type": "archive.stats", "id": q.id, "by": p["by"], "from": p["since"], "to": p["until"],
                      "rows": rows})

    # ---- subscriptions -------------------------------------------------------
    def subscribe(self, ws=None, view: View = FULL) -> tuple[Subscriber, int]:
        """Register a subscriber; returns it and the head at the moment it was registered.
        Every event after that head will be put in its queue, as its view shows it."""
        sub = Subscriber(self.subscriber_queue, ws, view)
        self.subscribers.add(sub)
        return sub, self.head

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)

    def snapshot_frames(self, max_frame: int, view: View = FULL, compact: bool = False) -> list[bytes]:
        """The current state as a `snapshot` frame followed by `snapshot.page` frames, each
        under max_frame bytes. Cached per seq, so a reconnect storm serialises once."""
        frames = self.snapshot_source(max_frame, view, compact)
        return frames if isinstance(frames, list) else frames()

    def snapshot_source(self, max_frame: int, view: View = FULL, compact: bool = False):
        """The snapshot's frames (a list), or a function that builds them from what is taken
        now (the head's JSON, the cases' JSON bytes or dicts): the paging of a window's
        worth of text (tens of MB), and for a role's view the test, parsing and masking of
        each case, then run off the loop while events queue for the subscriber.

        `compact`: the cases in their compact form (models/compact.py, docs/protocol.md), for
        a client whose hello offered it; each case's compact JSON is kept between snapshots
        (made again only when the case changed). Filtered views are small: always plain."""
        seq = self.head
        compact = compact and not view.filtered
        if not view.full or compact:
            vkey = ("compact", view.key) if compact else view.key
            key = (vkey, seq, max_frame)
            frames = self._view_snapshots.get(key)
            if frames is not None:
                return frames
            head_json = self._state_texts(with_cases=False)[0] if view.full else dumps(view.state_head(self.state))
            items = window_items(self.state)
            self._expire_later()
            # the wall's masked cases (and every compact form) are kept encoded between
            # snapshots (a reconnecting wall must not re-mask the window); filtered views are small
            texts = None if view.filtered else self._view_texts.setdefault(vkey, {})
            encode = compact_text if compact else dumps
            loop = asyncio.get_running_loop()

            def build_view() -> list[bytes]:
                misses: list = []
                cases = (self._compact_texts(items, texts, misses) if view.full and texts is not None
                         else case_texts(view, items, encode, texts))
                frames = protocol.snapshot_frames_utf8(seq, head_json, cases, max_frame)
                if not view.filtered:
                    frames = deflated_pages(frames)     # (compressed once here, not on the loop per client)
                if texts is not None and len(texts) > len(items) + 1000:
                    present = {cid for cid, _v in items}
                    for cid in [c for c in list(texts) if c not in present]:
                        texts.pop(cid, None)          # cases that left memory
                self._view_snapshots[key] = frames
                while len(self._view_snapshots) > 4:
                    try:
                        self._view_snapshots.popitem(last=False)
                    except KeyError:
                        break
                if misses:
                    # made compact for the next snapshot, after this one is out. Asked only
                    # now that these frames are kept: a warm that ended before they were
                    # stored could not drop them, and every later snapshot at this seq would
                    # carry the plain cases (seen: a compact snapshot without its compact case)
                    loop.call_soon_threadsafe(self._warm_later, misses)
                return frames
            return build_view
        if self._snapshot_cache and self._snapshot_cache[0] == seq and self._snapshot_cache[1] == max_frame:
            return self._snapshot_cache[2]
        head_json, cases = self._state_texts()       # (strings: safe to join on another thread)
        self._expire_later()

        def build() -> list[bytes]:
            # paged, and each page compressed once for the clients that take compression
            frames = deflated_pages(protocol.snapshot_frames_utf8(seq, head_json, cases, max_frame))
            self._snapshot_cache = (seq, max_frame, frames)
            return frames
        return build

    def warm_compact(self, items: list | None = None, rest: float = WARM_REST) -> Callable[[], int]:
        """A function (to run off the loop) that makes the compact JSON of the window's cases
        (or of `items`, (id, JSON) pairs) that have none yet; returns how many it made. It
        works in slices and sleeps between them, so that the loop's thread gets the GIL
        whenever it wants it (a thread that computes for a second would hold every turn of
        the loop up to the interpreter's switch interval)."""
        texts = self._view_texts.setdefault(("compact", None), {})
        todo = window_items(self.state) if items is None else items

        def warm() -> int:
            made = 0
            t_slice = time.perf_counter()
            for cid, v in todo:
                if not isinstance(v, bytes):
                    continue
                version = ("j", hash(v))
                hit = texts.get(cid)
                if hit is not None and hit[0] == version:
                    continue
                texts[cid] = (version, compact_text(orjson.loads(v)))
                made += 1
                if rest > 0 and time.perf_counter() - t_slice >= WARM_SLICE:
                    time.sleep(rest)
                    t_slice = time.perf_counter()
            return made
        return warm

    def compact_settled(self) -> bool:
        """No compact form is being made (what the last snapshots sent plain is made)."""
        return self._warming is None or self._warming.done()

    def _warm_later(self, items: list | None = None) -> None:
        if self._warming is not None and not self._warming.done():
            return                   # (one at a time: the next snapshot notes what is left)
        self._warming = asyncio.get_running_loop().run_in_executor(None, self.warm_compact(items))
        self._warming.add_done_callback(self._warmed)

    def _warmed(self, fut: asyncio.Future) -> None:
        """The compact forms are made: a compact snapshot built before (with plain cases in
        it) is not served again."""
        if not fut.cancelled() and fut.exception() is not None:
            log.warning("the window's compact form was not made in advance: %r", fut.exception())
        for key in [k for k in self._view_snapshots if isinstance(k[0], tuple) and k[0][:1] == ("compact",)]:
            self._view_snapshots.pop(key, None)

    def _compact_texts(self, items: list, texts: dict, misses: list) -> Iterator[bytes]:
        """The full view's cases for a compact snapshot: each one's compact JSON when it is
        made already (or the case is a dict: made now, there are few), else its plain JSON
        as it is (the two forms mix in a snapshot; docs/protocol.md), noted in `misses` to
        be made compact after the snapshot. So no snapshot waits for the compact form of a
        whole window (~1 s of CPU at 15,000 cases)."""
        for cid, v in items:
            if isinstance(v, bytes):
                hit = texts.get(cid)
                if hit is not None and hit[0] == ("j", hash(v)):
                    yield hit[1]
                else:
                    misses.append((cid, v))
                    yield v
                continue
            version = len(v.get("timeline") or ())
            hit = texts.get(cid)
            if hit is not None and hit[0] == version:
                yield hit[1]
                continue
            t = compact_text(v)
            texts[cid] = (version, t)
            yield t

