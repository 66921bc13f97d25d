"""The command pipeline decides the next batch while the last one commits (issue 13 item 14:
an import's batches no longer wait for each other's commit), without giving up "durable
before visible": nothing of a batch is seen before its commit, a batch decided on top of one
whose commit fails is put back and decided again, never committed on a state that never was,
and every command ends in the log exactly once. Real server, real SQLite (PostgreSQL where
what the database refuses matters); no timings (bench/importer.py measures)."""
from __future__ import annotations

import asyncio
import gc
import json
import threading

import pytest
from sqlalchemy.exc import OperationalError

from models.commands import Actor, CommandError
from models.state import apply, empty_state
from server import hub as hub_mod

from .conftest import BOTH_BACKENDS, RawClient, ws_url
from .helpers import until

REPORT = {"title": "井盖缺失", "category": "city_management", "source": "12345", "priority": 3,
          "location": {"address": "九堡大道12号"}, "description": "人行道井盖缺失，夜间有安全隐患。"}
IMPORTER = Actor("intake", "intake")


def log_state(store) -> dict:
    """The state rebuilt from the log alone (which has no gap)."""
    events = store.events_after(0)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1)), "a gap in the log"
    state = empty_state()
    for ev in events:
        apply(state, ev)
    return json.loads(json.dumps(state))


def memory_state(hub) -> dict:
    return json.loads(json.dumps(hub.state, default=dict))


# a first bulk batch (an import's first has BULK_MIN commands), and a second one decided beside it
TWO_BATCHES = hub_mod.BULK_MIN + hub_mod.BULK_MIN // 2
FIRST = hub_mod.BULK_MIN // 2            # where in the first batch a command that fails its commit is put


@pytest.fixture(autouse=True)
def patient_commits(monkeypatch):
    monkeypatch.setattr(hub_mod, "COMMIT_TIMEOUT", 60.0)    # a commit the test holds is not timed out


class CommitGate:
    """Holds the database thread in the next commit(s) until the test opens the gate; the
    first commit it holds may be made to fail."""

    def __init__(self, hub, fail: Exception | None = None):
        self.hub, self.fail = hub, fail
        self.fn = hub._project_and_append
        self.entered, self.open = threading.Event(), threading.Event()
        self.calls = 0
        hub._project_and_append = self

    def __call__(self, *args):
        self.calls += 1
        if self.calls == 1:
            self.entered.set()
            assert self.open.wait(60), "the test never opened the gate"
            if self.fail is not None:
                raise self.fail
        return self.fn(*args)


def flood(hub, n: int, prefix: str = "imp", title: str = "导入") -> list[asyncio.Future]:
    return [hub.submit(IMPORTER, "case.report", dict(REPORT, title=f"{title}{i}"), f"{prefix}-{i}", "file:feed")
            for i in range(n)]


async def test_the_next_batch_is_decided_while_one_commits_and_seen_only_after_its_own_commit(server):
    hub = server.hub
    wall = await RawClient.connect(ws_url(server), "wall")
    await wall.recv()                                      # its snapshot
    head = hub.head
    gate = CommitGate(hub)
    futures = flood(hub, TWO_BATCHES)
    await asyncio.get_running_loop().run_in_executor(None, gate.entered.wait, 30)
    # the first batch is held in its commit: the rest is taken and decided meanwhile ...
    await until(lambda: hub._queue.empty(), what="the next batch taken while the first commits")
    # ... and nothing of either is visible: no case, no event, no answer
    assert hub.head == head and len(hub.state["cases"]) == 0
    assert not any(f.done() for f in futures)
    gate.open.set()
    seqs = await asyncio.gather(*futures)
    assert seqs == list(range(head + 1, head + TWO_BATCHES + 1))      # in order, each once
    assert gate.calls >= 2                                 # (more than one batch)
    seen = []
    while len(seen) < TWO_BATCHES:
        m = await wall.recv()
        if m.get("name") == "case.reported":
            seen.append(m["seq"])
    assert seen == seqs                                    # the wall saw them live, in order
    assert log_state(hub.store) == memory_state(hub)
    await wall.close()


async def test_a_consoles_command_goes_before_an_imports_batch_waiting_decided_for_a_commit(server):
    """An import's next batch is decided and waits for the commit before it when an
    operator's report comes in: that batch is decided again with the report in it (and a
    few of the import's), so the report commits next, not after a whole import batch."""
    hub = server.hub
    decides: list[bool] = []                 # each batch decided beside a commit: bulk or not
    decide = hub._decide

    async def watched(batch, *args, **kw):
        d = await decide(batch, *args, **kw)
        if kw.get("after") is not None:
            decides.append(d.bulk)
        return d
    hub._decide = watched
    head = hub.head
    gate = CommitGate(hub)
    futures = flood(hub, 3 * hub_mod.BULK_MIN)
    await asyncio.get_running_loop().run_in_executor(None, gate.entered.wait, 30)
    await until(lambda: decides == [True], what="the import's next batch decided, waiting for the held commit")
    console = hub.submit(Actor("op", "operator"), "case.report", dict(REPORT, title="值班员的新案件"), "console-1",
                         "10.0.0.2:5000")
    await until(lambda: decides == [True, False], what="a small batch with the console's report decided instead")
    gate.open.set()
    seq = await console
    seqs = await asyncio.gather(*futures)
    assert head + hub_mod.BULK_MIN < seq <= head + hub_mod.BULK_MIN + hub_mod.LIGHT_SHARE + 1
    assert sorted(seqs + [seq]) == list(range(head + 1, head + 3 * hub_mod.BULK_MIN + 2))   # nothing lost or twice
    assert seqs == sorted(seqs)                            # the import kept its order
    assert log_state(hub.store) == memory_state(hub)


async def test_a_batch_decided_beside_a_commit_that_fails_is_not_committed_on_a_state_that_never_was(server):
    """The first batch's commit fails (the database went away): it is refused
    `unavailable`; the batch decided on top of it goes back to the queue and is refused
    too while the hub recovers. Nothing of either is in memory or the log, and the same
    commands sent again are each committed once."""
    hub = server.hub
    head = hub.head
    gate = CommitGate(hub, fail=OperationalError("INSERT", {}, Exception("disk I/O error")))
    futures = flood(hub, TWO_BATCHES)
    await asyncio.get_running_loop().run_in_executor(None, gate.entered.wait, 30)
    await until(lambda: hub._queue.empty(), what="the next batch taken while the first commits")
    gate.open.set()
    results = await asyncio.gather(*futures, return_exceptions=True)
    assert all(isinstance(r, CommandError) and r.code == "unavailable" for r in results), \
        {type(r).__name__ for r in results}
    await until(lambda: hub.healthy, what="the hub back from its recovery")
    assert hub.head == head and len(hub.state["cases"]) == 0
    assert log_state(hub.store) == memory_state(hub)
    seqs = await asyncio.gather(*flood(hub, TWO_BATCHES))         # sent again, same ids
    assert seqs == list(range(head + 1, head + TWO_BATCHES + 1))
    assert sorted(c["title"] for c in hub.state["cases"].values()) == sorted(f"导入{i}" for i in range(TWO_BATCHES))
    assert log_state(hub.store) == memory_state(hub)


@pytest.mark.parametrize("backend", BOTH_BACKENDS)
async def test_a_command_the_database_refuses_in_a_batch_with_one_decided_beside_it(db_url, monkeypatch):
    """A command that slips past the edge check and that the database will not store is in
    the first batch, while the next is decided on top of it: the first is split until that
    one command is refused; the next is decided again after it. Every other command is in
    the log once, in order, without a gap."""
    from server.app import XiaonaoServer
    monkeypatch.setattr(hub_mod, "clean_args", lambda args: args)
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)
    await srv.start()
    try:
        hub = srv.hub
        head = hub.head
        futures = flood(hub, FIRST, "a", "甲")
        futures.append(hub.submit(IMPORTER, "case.report", dict(REPORT, title="坏\ud800", description="a\x00b"),
                                  "bad-1", "file:feed"))
        futures += flood(hub, 2 * hub_mod.BULK_MIN, "b", "乙")
        n = len(futures) - 1
        results = await asyncio.gather(*futures, return_exceptions=True)
        bad = results.pop(FIRST)
        assert isinstance(bad, CommandError) and bad.code == "invalid"
        assert results == list(range(head + 1, head + n + 1))
        assert log_state(hub.store) == memory_state(hub)
        titles = [c["title"] for c in hub.state["cases"].values()]
        assert len(titles) == len(set(titles)) == n
    finally:
        await srv.stop()


async def test_an_old_command_id_in_a_batch_with_one_decided_beside_it_is_answered_once(db_url, monkeypatch):
    """A resend of a command older than the ids memory holds fails the commit of its batch
    on the log's key while the next batch is decided on top of it: the batch is redone with
    a lookup (the resend answered with its first seq), the next one decided again after it."""
    from server.app import XiaonaoServer
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)
    await srv.start()
    try:
        hub = srv.hub
        first = await hub.submit(IMPORTER, "case.report", dict(REPORT, title="第一"), "old-1", "file:feed")
        monkeypatch.setattr(hub_mod, "IDEMPOTENCY_CACHE", 1)
        await hub.submit(IMPORTER, "case.report", dict(REPORT, title="第二"), "old-2", "file:feed")
        assert hub.known_seq("intake", "old-1") is None      # only the log knows it now
        head = hub.head
        futures = flood(hub, FIRST, "a")
        futures.append(hub.submit(IMPORTER, "case.report", dict(REPORT, title="第一"), "old-1", "file:feed"))
        futures += flood(hub, 2 * hub_mod.BULK_MIN, "b")
        n = len(futures) - 1
        results = await asyncio.gather(*futures)
        assert results.pop(FIRST) == first
        assert results == list(range(head + 1, head + n + 1))
        assert log_state(hub.store) == memory_state(hub)
        assert sum(c["title"] == "第一" for c in hub.state["cases"].values()) == 1
    finally:
        await srv.stop()


async def test_batches_decided_on_top_of_each_other_do_not_hold_on_to_the_ones_before(server):
    """Each batch's working copy reads through the batch committing before it; once that one
    is committed, it reads the committed state: a long import does not leave a chain of
    working copies (each with every case it made) behind it."""
    from server.hub import _Overlay
    await asyncio.gather(*flood(server.hub, 3000))
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, _Overlay)]
    assert len(alive) <= 4, f"{len(alive)} working copies alive after the import"


def test_an_imports_batches_are_sized_on_their_commit_within_bounds():
    """A source alone with a backlog (an import) is a bulk source; its batches are sized to
    commit in BULK_TARGET, never below BULK_MIN (a commit's fixed part, the flush and the
    wait for a core on a loaded machine, would shrink them to a few dozen rows) nor above
    BULK_MAX (what a console's command may wait for)."""
    from server.hub import FairQueue, Hub, Pending

    async def queue_states():
        loop = asyncio.get_running_loop()
        q = FairQueue()
        for i in range(100):
            q.put_nowait(Pending(IMPORTER, f"imp-{i}", "case.report", {}, "file:x", loop.create_future()))
        alone = q.bulk()
        q.put_nowait(Pending(Actor("op", "operator"), "c-1", "case.report", {}, "10.0.0.2:1", loop.create_future()))
        return alone, q.bulk()
    alone, beside_a_console = asyncio.run(queue_states())
    assert alone and not beside_a_console

    hub = Hub.__new__(Hub)
    hub._bulk_cost = 0.0
    assert hub._bulk_limit() == hub_mod.BULK_MIN            # nothing measured yet
    for _ in range(20):
        hub._measured_bulk(80, 0.09)                           # a loaded machine: 90 ms a commit of 80
    assert hub._bulk_limit() == hub_mod.BULK_MIN
    for _ in range(20):
        hub._measured_bulk(1000, 0.03)                         # a quiet one: 30 us a row
    assert hub._bulk_limit() == hub_mod.BULK_MAX
    for _ in range(20):
        hub._measured_bulk(1000, 0.1)                          # in between: what commits in BULK_TARGET
    assert hub_mod.BULK_MIN < hub._bulk_limit() < hub_mod.BULK_MAX


def test_an_imports_batches_are_capped_while_a_console_waits_beside_it():
    """While a console waits beside an import's backlog, and for INTERACTIVE_WINDOW after its
    last command, the import's next batch is sized to BATCH_TARGET and at most
    BULK_INTERACTIVE_MAX (a console's next command waits behind a short commit); an import
    alone keeps its big batches (BULK_MIN..BULK_MAX). Structure only, no timings."""
    from server.hub import FairQueue, Hub, Pending

    def hub_with_cost():
        hub = Hub.__new__(Hub)
        hub._bulk_cost = 0.0
        return hub

    async def scenario():
        loop = asyncio.get_running_loop()
        alone, beside = FairQueue(), FairQueue()
        for q in (alone, beside):
            for i in range(3 * hub_mod.BULK_MAX):
                q.put_nowait(Pending(IMPORTER, f"imp-{i}", "case.report", {}, "file:x", loop.create_future()))
        assert not alone.interactive() and not beside.interactive()     # (the import's own first ones do not count)
        beside.put_nowait(Pending(Actor("op", "operator"), "c-1", "case.report", {}, "10.0.0.2:1",
                                  loop.create_future()))
        assert beside.interactive()
        first = beside.take_batch(hub_mod.MIN_BATCH, hub_mod.SOURCE_SHARE)     # the console's batch
        return alone, beside, first
    alone, beside, first = asyncio.run(scenario())
    assert any(p.command_id == "c-1" for p in first) and len(first) <= hub_mod.LIGHT_SHARE + 1
    assert beside.bulk() and beside.interactive()          # the import alone again, a console just sent one

    quiet, capped = hub_with_cost(), hub_with_cost()
    assert quiet._bulk_limit(alone) == hub_mod.BULK_MIN              # nothing measured: unchanged
    assert capped._bulk_limit(beside) <= hub_mod.BULK_INTERACTIVE_MAX
    for hub in (quiet, capped):
        for _ in range(20):
            hub._measured_bulk(1000, 0.03)                      # a quiet machine: 30 us a row
    assert quiet._bulk_limit(alone) == hub_mod.BULK_MAX              # an import alone: big batches, as before
    assert hub_mod.MIN_BATCH <= capped._bulk_limit(beside) <= hub_mod.BULK_INTERACTIVE_MAX
    nxt = beside.take_batch(capped._bulk_limit(beside), hub_mod.SOURCE_SHARE)
    assert 0 < len(nxt) <= hub_mod.BULK_INTERACTIVE_MAX         # the next bulk batch is no bigger than the cap
    for hub in (quiet, capped):
        for _ in range(20):
            hub._measured_bulk(80, 0.09)                        # a loaded machine: 90 ms a commit of 80
    assert quiet._bulk_limit(alone) == hub_mod.BULK_MIN
    assert hub_mod.MIN_BATCH <= capped._bulk_limit(beside) <= hub_mod.BULK_INTERACTIVE_MAX

    for key in beside.light_at:
        beside.light_at[key] -= 2 * hub_mod.INTERACTIVE_WINDOW     # the console gone quiet for a while
    assert not beside.interactive() and capped._bulk_limit(beside) == hub_mod.BULK_MIN


def test_an_imports_first_batch_is_capped_when_a_console_was_at_work_before_it():
    """A console that sends a command every now and then (its last one answered, nothing of
    it waiting) when an import's backlog begins: the import's batches are capped from the
    first, so the console's next command does not wait behind a BULK_TARGET commit that began
    before it came. A console quiet for longer than INTERACTIVE_WINDOW does not hold the
    import back. Structure only, no timings."""
    from server.hub import FairQueue, Hub, Pending
    hub = Hub.__new__(Hub)
    hub._bulk_cost = 0.0
    for _ in range(20):
        hub._measured_bulk(1000, 0.03)                          # a quiet machine: 30 us a row

    async def scenario():
        loop = asyncio.get_running_loop()
        q = FairQueue()
        q.put_nowait(Pending(Actor("op", "operator"), "c-1", "case.report", {}, "10.0.0.2:1", loop.create_future()))
        assert q.take_batch(hub_mod.MIN_BATCH, hub_mod.SOURCE_SHARE)[0].command_id == "c-1"   # answered; none waits
        assert q.empty()
        for i in range(3 * hub_mod.BULK_MAX):                   # then the import's backlog
            q.put_nowait(Pending(IMPORTER, f"imp-{i}", "case.report", {}, "file:x", loop.create_future()))
        return q
    q = asyncio.run(scenario())
    assert q.bulk() and q.interactive()
    first = q.take_batch(hub._bulk_limit(q), hub_mod.SOURCE_SHARE)
    assert 0 < len(first) <= hub_mod.BULK_INTERACTIVE_MAX
    for key in q.light_at:
        q.light_at[key] -= 2 * hub_mod.INTERACTIVE_WINDOW        # the console quiet for a while
    assert not q.interactive() and hub._bulk_limit(q) == hub_mod.BULK_MAX
