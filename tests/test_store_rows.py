"""A commit's rows (server/store.py `EventStore.append`): on SQLite they go to the database as
multi-row statements (`sqlite_rows`: MULTI_ROWS rows a statement, the sizes one after the
other). Whatever the batch's size, every event, command id and case row is stored and found,
and a batch that cannot be stored leaves nothing of itself behind."""
from __future__ import annotations

import asyncio
import os
import random
import time

import orjson
import pytest

from bench.archive import server_rows
from server import store as store_mod
from server.store import DuplicateCommand, EventStore, Unstorable

from .conftest import make_db
from .helpers import until

BACKENDS = ("sqlite", "postgres")


def batch(start: int, n: int, rng) -> tuple[list[dict], list[dict], list[dict]]:
    events, commands = [], []
    for seq in range(start + 1, start + n + 1):
        events.append({"seq": seq, "at": "2026-12-03T08:00:00Z", "name": "case.reported", "actor": "intake",
                       "command_id": f"import:feed:{seq}", "data": {"row": seq, "title": f"第{seq}号"}})
        commands.append({"id": f"import:feed:{seq}", "seq": seq, "actor": "intake", "name": "case.report",
                         "peer": "file:feed", "at": "2026-12-03T08:00:00Z", "digest": f"d{seq}"})
    return events, commands, server_rows(100_000, start, n, time.time() - 30 * 86400, rng)


@pytest.fixture
def store(tmp_path, backend):
    s = EventStore(make_db(tmp_path, backend))
    yield s
    s.dispose()


def test_a_batch_of_many_statements_stores_and_finds_every_row(store):
    """A batch of 256 + 256 + 128 + 64 + ... + 1 rows and then one of 3 (every statement size,
    each size's rows in one call): every event is in the log in order, every command id is
    known with its seq, every case is counted and found by the archive's search for its id."""
    rng = random.Random(7)
    head = store.head()
    assert store_mod.MULTI_ROWS == (256, 128, 64, 32, 16, 8, 4, 2, 1)     # (the sizes below)
    sizes = (256 + sum(store_mod.MULTI_ROWS), 3)
    start = head
    for n in sizes:
        events, commands, cases = batch(start, n, rng)
        store.append(events, commands, cases, (start + n, {"team_order": []}, None, {}))
        start += n
    total = sum(sizes)
    assert store.head() == head + total
    log = store.events_after(head)
    assert [e["seq"] for e in log] == list(range(head + 1, head + total + 1))
    assert [e["data"]["row"] for e in log] == list(range(head + 1, head + total + 1))
    keys = [("intake", f"import:feed:{s}") for s in range(head + 1, head + total + 1)]
    known = store.known_commands(keys)
    assert [known[k][0] for k in keys] == list(range(head + 1, head + total + 1))
    assert store.count_cases() >= total
    ends = [256]                                        # the last row of each statement, and the next
    for size in store_mod.MULTI_ROWS:
        ends.append(ends[-1] + size)
    for i in sorted({0, *(e - 1 for e in ends), *(e for e in ends if e < total), total - 1}):
        cid = f"C{head + i + 1:06d}"
        found = [orjson.loads(b)["id"] for b, _seq in store.search_cases([cid.lower()], limit=5)[0]]
        assert found == [cid], i


def test_a_batch_that_cannot_be_stored_leaves_nothing(store):
    """A command id already in the log among the 300 rows of a batch (its 290th: in the third
    statement) refuses the whole batch as a duplicate; a value the database cannot store in
    its last row refuses it as unstorable: neither leaves an event, a command id or a case."""
    rng = random.Random(8)
    head = store.head()
    events, commands, cases = batch(head, 10, rng)
    store.append(events, commands, cases)
    cases_before = store.count_cases()
    events, commands, cases = batch(head + 10, 300, rng)
    commands[289] = dict(commands[289], id=f"import:feed:{head + 1}")
    with pytest.raises(DuplicateCommand):
        store.append(events, commands, cases)
    assert store.head() == head + 10 and store.count_cases() == cases_before
    events, commands, cases = batch(head + 10, 300, rng)
    cases[-1] = dict(cases[-1], words=cases[-1]["words"] + " 坏\ud800")
    with pytest.raises(Unstorable):
        store.append(events, commands, cases)
    assert store.head() == head + 10 and store.count_cases() == cases_before
    assert not store.known_commands([("intake", f"import:feed:{head + 12}")])


def test_json_given_as_utf8_is_stored_and_read_back_as_the_same_text(store):
    """The hub gives a case's JSON as orjson's UTF-8 bytes (projection.case_json) and the store
    sends events' JSON to SQLite as bytes too: what is read back (the archive's case texts, the
    log) is the same text, Chinese included, and SQLite holds it as text, not as a blob (the
    sqlite3 shell, a backup's export and PostgreSQL's migration read it as such)."""
    from sqlalchemy import text

    from server.projection import case_json
    rng = random.Random(9)
    head = store.head()
    events, commands, cases = batch(head, 5, rng)
    bodies = {}
    for r in cases:
        case = orjson.loads(r["body"])
        case["title"] = "占道经营 “夜市” " + case["id"]
        bodies[r["id"]] = case_json(case)
        r["body"] = bodies[r["id"]]
    store.append(events, commands, cases, (head + 5, {"team_order": [], "note": "值班"}, None, {}))
    got = store.get_case_texts(list(bodies))
    assert {cid: orjson.loads(t) for cid, (t, _seq) in got.items()} == \
        {cid: orjson.loads(b) for cid, b in bodies.items()}
    assert [e["data"]["title"] for e in store.events_after(head)] == [e["data"]["title"] for e in events]
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as c:
            kinds = {c.execute(text(q)).scalar() for q in (
                "SELECT group_concat(DISTINCT typeof(body)) FROM cases",
                "SELECT group_concat(DISTINCT typeof(data)) FROM events",
                "SELECT typeof(head) FROM room")}
        assert kinds == {"text"}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_log_is_started_over_while_commits_go_on(store, monkeypatch):
    """SQLite: while a writer commits batch after batch (an import), the checkpoints beside
    its commits (after every few, as the hub's every second) start the log (WAL) over once it
    holds WAL_RESTART_BYTES: the log's file stays a few times that size, not the size of
    everything written (which it was: a PASSIVE checkpoint beside commits never finds every
    frame copied), and nothing is lost."""
    import threading

    monkeypatch.setattr(store_mod, "WAL_RESTART_BYTES", 128 * 1024)
    assert store.checkpoint_in_background()
    wal = store.engine.url.database + "-wal"
    rng = random.Random(9)
    head = store.head()
    batches = [batch(head + 40 * k, 40, rng) for k in range(80)]
    failed: list[BaseException] = []
    committed = threading.Semaphore(0)

    def write() -> None:
        try:
            for events, commands, cases in batches:
                store.append(events, commands, cases)
                committed.release()
        except BaseException as e:  # (reported below)
            failed.append(e)
        finally:
            committed.release()
    writer = threading.Thread(target=write)
    writer.start()
    restarts, largest = 0, 0
    while writer.is_alive():
        for _ in range(3):
            committed.acquire()
        restarts += store.checkpoint()
        largest = max(largest, os.path.getsize(wal))
    writer.join()
    assert not failed, repr(failed)
    assert store.head() == head + 40 * 80
    written = 40 * 80 * 3 * 1024        # (at least ~3 KiB of log a case row: the row, its indexes, the search index)
    assert restarts and largest < written, (restarts, largest, written)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_a_checkpoint_starts_the_log_over_though_a_reader_held_it_back(store, monkeypatch):
    """SQLite: a reader of an older moment keeps the checkpoint from copying the frames
    written after it (what commits beside a checkpoint do too). The checkpoint then takes
    the process's write turn, waits for that reader and starts the log over: the next
    commit writes the log from its beginning (its file does not grow). Before, the log went
    on growing until a checkpoint happened to find every frame copied."""
    import sqlite3
    monkeypatch.setattr(store_mod, "WAL_RESTART_BYTES", 64 * 1024)
    monkeypatch.setattr(store_mod, "WAL_RESTART_WAIT_MS", 60_000)
    assert store.checkpoint_in_background()
    path = store.engine.url.database
    rng = random.Random(10)
    head = store.head()
    store.append(*batch(head, 40, rng))
    reader = sqlite3.connect(path)
    reader.execute("BEGIN")
    assert reader.execute("SELECT count(*) FROM events").fetchone()[0] >= 40     # (a snapshot now)
    for k in range(1, 4):
        store.append(*batch(head + 40 * k, 40, rng))
    size = os.path.getsize(path + "-wal")
    writers = store_mod._WRITERS[store.engine]
    done = asyncio.ensure_future(asyncio.to_thread(store.checkpoint))
    await until(lambda: writers.lock.locked() or done.done(), what="the checkpoint takes the write turn")
    assert not done.done()              # (it waits for the reader, the turn held: no commit in between)
    reader.rollback()
    reader.close()
    assert await done
    store.append(*batch(head + 160, 40, rng))
    assert os.path.getsize(path + "-wal") == size
    assert store.head() == head + 200
