"""The server's window and archive: the cases projection, restart from it, events on cases
outside the window, the schema's migrations (Alembic) from the first release's database."""
from __future__ import annotations

import asyncio
import json
import time

import pytest

from .conftest import RawClient, drop_pg, fresh_pg_url, pg_available, ws_url
from .history import History, write_first_release

DAY = 86400.0
BACKENDS = ("sqlite", "postgres")          # the server's database matters here


@pytest.fixture
def empty_url(tmp_path, backend):
    if backend == "postgres":
        reason = pg_available()
        if reason:
            pytest.skip(reason)
        url = fresh_pg_url()
        yield url
        drop_pg(url)
    else:
        yield f"sqlite:///{tmp_path}/server.db"


def two_years() -> History:
    """About 150 closed cases over the last two years, then two open ones today."""
    now = time.time()
    h = History(now - 730 * DAY)
    h.old = h.case(title="两年前的井盖破损", address="九堡大道1号")     # the oldest case, two years old
    h.spread(150, now - 2 * DAY)
    h.now = now - 3600
    h.open = [h.case(close=False), h.case(close=False)]
    h.recent = h.case()
    return h


async def test_a_first_release_database_upgrades_and_serves_its_data(empty_url, capsys):
    """A database written the way the first release wrote it (no alembic_version, snapshot
    blobs, two years of cases) is refused by `serve` naming the upgrade command; `upgrade`
    builds the cases projection; the server then serves the same state, its window only in
    memory, and the old cases from the archive."""
    from models.state import apply, empty_state
    from server.app import XiaonaoServer
    from server.cli import main
    from server.store import EventStore, StoreError
    h = two_years()
    write_first_release(empty_url, h)
    store = EventStore(empty_url)
    with pytest.raises(StoreError, match="xiaonao-server upgrade --db"):
        store.check_initialised()
    store.dispose()
    assert main(["upgrade", "--db", empty_url]) == 0
    from server.schema import head_revision
    assert f"0001 -> {head_revision()}" in capsys.readouterr().out
    assert main(["upgrade", "--db", empty_url]) == 0
    assert "up to date" in capsys.readouterr().out
    full = empty_state()
    for ev in h.events:
        apply(full, json.loads(json.dumps(ev)))
    full = json.loads(json.dumps(full))
    srv = XiaonaoServer(empty_url, "127.0.0.1", 0)
    await srv.start()
    try:
        st = json.loads(json.dumps(srv.hub.state, default=dict))
        assert st["seq"] == full["seq"] and st["teams"] == full["teams"] and st["street"] == full["street"]
        for cid in h.open + [h.recent]:
            assert st["cases"][cid] == full["cases"][cid]
        assert h.old not in st["cases"]                       # two years old: in the archive only
        assert len(st["cases"]) < len(full["cases"]) / 4
        # the window plus the archive is the whole state
        archive = await srv.hub.run_db(srv.store.get_case_texts, list(full["cases"]))
        assert {cid: json.loads(t) for cid, (t, _s) in archive.items()} == full["cases"]
        c = await RawClient.connect(ws_url(srv), "op")
        snap = await c.recv()
        assert snap["seq"] == full["seq"] and h.old not in {x["id"] for x in snap["state"]["cases"]}
        # a command id of the first release is still answered with its seq
        first = h.commands[0]
        ack, _ = await c.command("case.report", {}, cid=first["id"])
        assert ack == {"type": "ack", "id": first["id"], "seq": first["seq"]}
        await c.close()
    finally:
        await srv.stop()


def test_migrations_build_the_schema_the_models_describe(empty_url):
    """Run from nothing, the migrations make exactly the tables and indexes of server/store.py
    (so a schema change without its migration fails here)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from server import schema, searchindex
    from server.store import Base, make_engine
    engine = make_engine(empty_url)
    try:
        schema.upgrade(engine, empty_url)
        with engine.connect() as conn:
            assert schema.current_revision(conn) == schema.head_revision()
            ctx = MigrationContext.configure(conn, opts={"include_name": searchindex.include_name})
            assert compare_metadata(ctx, Base.metadata) == []
            assert searchindex.indexed(conn)                   # the search index beside the models'
    finally:
        engine.dispose()


def test_serve_refuses_a_database_ahead_of_it(db_url):
    from sqlalchemy import text

    from server.store import EventStore, StoreError
    store = EventStore(db_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError, match="newer xiaonao-server"):
        store.check_initialised()
    store.dispose()


async def test_events_on_cases_outside_the_window(db_url):
    """A case closed long ago is not in the server's memory nor in a new cockpit's snapshot;
    a rating, a note and a reopen on it work: the server reads it back first, and every
    client is sent the case as it was just before the event (then the event)."""
    from server.app import XiaonaoServer
    from server.store import EventStore
    now = time.time()
    srv = XiaonaoServer(db_url, "127.0.0.1", 0, clock=lambda: now - 400 * DAY)
    await srv.start()
    c = await RawClient.connect(ws_url(srv), "op")
    await c.recv()
    ack, seen = await c.command("case.report", {"title": "路灯不亮", "category": "city_management",
                                                "source": "12345", "priority": 3,
                                                "location": {"address": "九环路3号"}})
    old = next(e for e in seen + [ack] if e.get("name") == "case.reported")["data"]["case_id"]
    for name, args in [("case.accept", {}), ("case.dispatch", {"team_id": "W01"}), ("case.sign", {}),
                       ("case.arrive", {}), ("case.feedback", {"note": "已修复"}),
                       ("case.close", {"resolution": "已修复"})]:
        ack, _ = await c.command(name, {"case_id": old, **args})
        assert ack["type"] == "ack", ack
    await c.close()
    await srv.stop()
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)               # a year later
    await srv.start()
    try:
        assert old not in srv.hub.state["cases"]
        watcher = await RawClient.connect(ws_url(srv), "wall")
        snap = await watcher.recv()
        assert old not in {x["id"] for x in snap["state"]["cases"]}
        op = await RawClient.connect(ws_url(srv), "op")
        await op.recv()
        ack, seen = await op.command("case.rate", {"case_id": old, "rating": 4})
        assert ack["type"] == "ack", ack
        first = await watcher.recv()
        assert first["type"] == "archive.case" and first["case"]["id"] == old and first["case"]["rating"] is None
        rated = await watcher.recv()
        assert rated["name"] == "case.rated" and rated["seq"] == ack["seq"]
        assert srv.hub.state["cases"][old]["rating"] == 4
        ack, _ = await op.command("case.note", {"case_id": old, "note": "回访满意"})
        assert ack["type"] == "ack"
        assert (await watcher.recv())["name"] == "case.noted"      # in memory now: no second copy
        srv.hub.prune()                                             # read back lately: stays
        assert old in srv.hub.state["cases"]
        ack, _ = await op.command("case.reopen", {"case_id": old, "reason": "又坏了"})
        assert ack["type"] == "ack"
        assert srv.hub.state["cases"][old]["status"] == "accepted"
        for x in (op, watcher):
            await x.close()
    finally:
        await srv.stop()
    # restarted, the reopened case is open: in the window
    store = EventStore(db_url)
    assert json.loads(store.get_case_texts([old])[old][0])["status"] == "accepted"
    store.dispose()
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)
    await srv.start()
    try:
        assert srv.hub.state["cases"][old]["reopen_count"] == 1
        assert [n["text"] for n in srv.hub.state["cases"][old]["notes"]][-1] == "回访满意"
    finally:
        await srv.stop()


async def test_the_archive_answers_get_search_and_aggregates(empty_url):
    """Over the protocol: a two-year-old case is found by its words and its pinyin initials
    (paged, newest first) and fetched by id; the aggregates of a year are the ones the full
    history gives; a field terminal may not search."""
    from collections import Counter

    from models import protocol
    from models.state import apply, empty_state
    from server.app import XiaonaoServer
    from server.cli import add_user, main
    h = two_years()
    write_first_release(empty_url, h)
    assert main(["upgrade", "--db", empty_url]) == 0
    add_user(empty_url, "w01", "field", "w01-password", "W01")
    full = empty_state()
    for ev in h.events:
        apply(full, json.loads(json.dumps(ev)))
    srv = XiaonaoServer(empty_url, "127.0.0.1", 0)
    await srv.start()
    try:
        c = await RawClient.connect(ws_url(srv), "op")
        await c.recv()

        async def ask(frame):
            await c.ws.send(frame)
            return await c.recv()
        for text in ("两年前的井盖", "jg 九堡大道1号", h.old.lower()):
            r = await ask(protocol.archive_search("q1", text))
            assert r["type"] == "archive.result" and r["id"] == "q1"
            assert h.old in [x["id"] for x in r["cases"]], text
        got = await ask(protocol.archive_get("q2", h.old))
        assert got["type"] == "archive.case" and got["case"] == json.loads(json.dumps(full["cases"][h.old]))
        assert got["seq"] <= srv.hub.head
        assert (await ask(protocol.archive_get("q3", "C999999")))["case"] is None
        # paged, newest first, every case exactly once
        seen, before, pages = [], None, 0
        while True:
            r = await ask(protocol.archive_search("p", "号", limit=40, before=before))
            seen += [x["times"]["reported"] for x in r["cases"]]
            pages += 1
            if not r["more"]:
                break
            before = r["next"]
        assert pages > 2 and seen == sorted(seen, reverse=True)
        assert len(seen) == sum(1 for x in full["cases"].values() if "号" in x["location"]["address"])
        # a year's aggregates by category
        since, until = full["cases"][h.open[0]]["times"]["reported"][:4] + "-01-01", "2100-01-01"
        r = await ask(protocol.archive_stats("s", since, until, by="category"))
        want = Counter(x["category"] for x in full["cases"].values() if x["times"]["reported"] >= since)
        assert {row["key"]: row["reported"] for row in r["rows"]} == dict(want)
        closed = sum(row["closed"] for row in r["rows"])
        assert closed == sum(1 for x in full["cases"].values() if x["times"]["reported"] >= since
                             and x["status"] == "closed")
        assert all(row["sla_judged"] >= row["sla_met"] and row["rated"] >= row["satisfied"] for row in r["rows"])
        days = await ask(protocol.archive_stats("d", since, until, by="day"))
        assert sum(row["reported"] for row in days["rows"]) == sum(want.values())
        bad = await ask(protocol.archive_stats("b", since, until, by="moon"))
        assert bad["type"] == "error" and bad["code"] == "bad_request" and bad["id"] == "b"
        await c.close()
        field = await RawClient.connect(ws_url(srv), "w01")
        await field.recv()
        await field.ws.send(protocol.archive_search("f", "九堡"))
        r = await field.recv()
        while r.get("type") != "error":
            r = await field.recv()
        assert r["code"] == "forbidden" and r["id"] == "f"
        await field.close()
    finally:
        await srv.stop()


async def test_a_cockpit_finds_a_two_year_old_case_through_the_server_and_events_on_it_arrive(empty_url, tmp_path):
    """The cockpit's link, connected fresh with an empty cache: its snapshot is the server's
    window; 'Search older cases' asks the server and finds a two-year-old case (by pinyin
    initials too, which the local cache cannot); a rating on another archived case reaches
    the link with the case first (archive.case), and after a resync it still holds it."""
    from client.cache import Cache
    from client.session import ServerLink
    from server.app import XiaonaoServer
    from server.cli import main

    from .helpers import until
    h = two_years()
    other = next(c["id"] for c in h.state["cases"].values() if c["rating"] is None and c["id"] != h.old
                 and c["status"] == "closed" and c["times"]["reported"] < h.state["cases"][h.open[0]]["created"][:4])
    write_first_release(empty_url, h)
    assert main(["upgrade", "--db", empty_url]) == 0
    srv = XiaonaoServer(empty_url, "127.0.0.1", 0)
    await srv.start()
    link = ServerLink(ws_url(srv), "op", "op-password", cache=Cache(tmp_path / "c.db"), retain_days=30)
    task = asyncio.ensure_future(link.run())
    try:
        await until(lambda: link.status.state == "online" and link.state["seq"] == srv.hub.head, what="online")
        assert h.old not in link.state["cases"] and other not in link.state["cases"]
        assert len(link.state["cases"]) == len(srv.hub.state["cases"])
        ids, more = await link.search_archive("jgps")            # 井盖破损: pinyin initials
        assert ids == [h.old] and not more
        assert link.state["cases"][h.old]["title"] == "两年前的井盖破损"
        op = await RawClient.connect(ws_url(srv), "op")
        await op.recv()
        ack, _ = await op.command("case.rate", {"case_id": other, "rating": 2})
        assert ack["type"] == "ack", ack
        await until(lambda: link.state["seq"] == ack["seq"], what="the rating")
        assert link.state["cases"][other] == srv.hub.state["cases"][other]
        assert link.state["cases"][other]["rating"] == 2
        # a resync (a fresh snapshot): the case just rated is in the server's window
        link.resync()
        await until(lambda: link.status.state == "online" and link.state["seq"] == srv.hub.head
                    and other in link.state["cases"], what="resynced")
        ack, _ = await op.command("case.note", {"case_id": other, "note": "回访：不满意，已再次处理"})
        assert ack["type"] == "ack"
        await until(lambda: link.state["seq"] == ack["seq"], what="the note")
        assert link.state["cases"][other] == srv.hub.state["cases"][other]
        await op.close()
    finally:
        await link.stop()
        task.cancel()
        await srv.stop()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_any_command_sequence_window_plus_archive_is_the_whole_state(tmp_path_factory, backend):
    """The property test's server side: any command sequence through the real hub, with the
    window pruned part-way (closed cases older than keep_days leave memory) and the server
    restarted part-way (it starts from the projection's window, replaying nothing), ends with
    the hub's window plus the database's archive equal to the state the whole log replays to;
    commands on cases outside the window work as on cases in it."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from models.commands import CASE_TRANSITIONS, Actor, CommandError
    from models.state import apply, empty_state
    from server.app import XiaonaoServer
    from server.store import EventStore

    from .conftest import make_db
    op, lead = Actor("op", "operator"), Actor("lead", "leader")
    cmds = sorted(CASE_TRANSITIONS)
    extra = {"case.dispatch": {"team_id": "W01"}, "case.feedback": {"note": "ok"}, "case.close": {"resolution": "done"},
             "case.transfer": {"to": "police"}, "case.return": {"reason": "wrong"}, "case.rate": {"rating": 4},
             "case.note": {"note": "n"}}

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                    HealthCheck.function_scoped_fixture])
    @given(st.data())
    def prop(data):
        url = make_db(tmp_path_factory.mktemp("p"), backend)
        now = [time.time() - 100 * DAY]

        async def run():
            srv = XiaonaoServer(url, "127.0.0.1", 0, clock=lambda: now[0], keep_days=10)
            await srv.start()
            ids: list[str] = []
            try:
                for i in range(data.draw(st.integers(5, 40))):
                    now[0] += data.draw(st.sampled_from([60.0, 3600.0, 5 * DAY]))
                    kind = data.draw(st.sampled_from(["report", "case", "case", "case", "prune", "restart"]))
                    try:
                        if kind == "report" or not ids:
                            await srv.hub.execute(op, "case.report", {
                                "title": "纠纷", "category": "dispute", "source": "110", "priority": 2,
                                "location": {"address": "九和路1号"}})
                            ids.append(f"C{len(ids) + 1:06d}")
                        elif kind == "case":
                            name = data.draw(st.sampled_from(cmds))
                            args = {"case_id": data.draw(st.sampled_from(ids)), **extra.get(name, {})}
                            if name == "case.merge":
                                args["into"] = data.draw(st.sampled_from(ids))
                            await srv.hub.execute(lead, name, args)
                        elif kind == "prune":
                            srv.hub.prune(grace=0.0)           # (as if the grace hour had passed)
                        else:
                            await srv.stop()
                            srv = XiaonaoServer(url, "127.0.0.1", 0, clock=lambda: now[0], keep_days=10)
                            await srv.start()
                    except CommandError as e:
                        assert e.code in {"invalid", "conflict", "not_found", "forbidden"}
                window = json.loads(json.dumps(srv.hub.state, default=dict))
            finally:
                await srv.stop()
            return window
        window = asyncio.run(run())
        store = EventStore(url)
        full = empty_state()
        for ev in store.events_after(0):
            apply(full, ev)
        full = json.loads(json.dumps(full))
        archive = {cid: json.loads(t) for cid, (t, _s) in store.get_case_texts(list(full["cases"])).items()}
        store.dispose()
        assert {k: v for k, v in window.items() if k != "cases"} == {k: v for k, v in full.items() if k != "cases"}
        assert archive == full["cases"]                               # the projection holds every case
        assert {**archive, **window["cases"]} == full["cases"]        # window + archive = the state
        for cid, c in full["cases"].items():                          # the window holds what it must
            if c["status"] != "closed":
                assert cid in window["cases"]
    prop()


async def test_a_burst_with_window_passes_and_a_cockpit_connecting_mid_burst(db_url, monkeypatch):
    """Structure only (the delays are measured in bench/window.py): during a burst past
    SNAPSHOT_EVERY several times no whole-state snapshot is written (the projection rows go
    with each batch), a watching client gets every event in order, and a cockpit connecting
    mid-burst gets a snapshot built off the loop and then every event after it."""
    from server import hub as hub_mod
    from server.app import XiaonaoServer
    monkeypatch.setattr(hub_mod, "SNAPSHOT_EVERY", 20)
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)
    await srv.start()
    try:
        assert callable(srv.hub.snapshot_source(512 * 1024))        # joined and paged off the loop
        watcher = await RawClient.connect(ws_url(srv), "op")
        start = (await watcher.recv())["seq"]
        intake = await RawClient.connect(ws_url(srv), "intake")
        await intake.recv()
        report = {"title": "占道经营", "category": "city_management", "source": "grid", "priority": 3,
                  "location": {"address": "九堡大道9号"}}
        for i in range(150):
            await intake.ws.send(json.dumps({"type": "command", "id": f"b{i}", "name": "case.report", "args": report}))
            if i == 75:
                late = await RawClient.connect(ws_url(srv), "op")
        snap = await late.recv()
        pages = [await late.recv() for _ in range(snap["pages"])]
        assert all(p["type"] == "snapshot.page" for p in pages)
        seqs, late_seqs = [], []
        while len(seqs) < 150:
            m = await watcher.recv(10)
            if m["type"] == "event":
                seqs.append(m["seq"])
        while not late_seqs or late_seqs[-1] < seqs[-1]:
            m = await late.recv(10)
            if m["type"] == "event":
                late_seqs.append(m["seq"])
        assert seqs == list(range(start + 1, start + 151))
        assert late_seqs == list(range(snap["seq"] + 1, seqs[-1] + 1))
        assert await srv.hub.run_db(srv.store.latest_snapshot) is None
        room = await srv.hub.run_db(srv.store.load_room)
        assert room[0] == srv.hub.head
        for x in (watcher, intake, late):
            await x.close()
    finally:
        await srv.stop()


async def test_the_login_backoff_columns_go_and_the_accounts_keep_their_sessions(db_url, capsys):
    """Migration 0011 drops `users.failed_logins` and `users.locked_until` (the back-off lives in
    server/auth.py): a database from before it is refused by `serve` naming `upgrade`; after
    the upgrade (run twice: safe) the columns are gone, and what the accounts had is still
    theirs: a phone's session token, a one-time login code not yet used, the passwords."""
    from alembic import command
    from sqlalchemy import inspect, text

    from server import schema
    from server.app import XiaonaoServer
    from server.cli import login_code, main
    from server.store import EventStore, StoreError
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)
    await srv.start()
    try:
        phone = await RawClient.connect(ws_url(srv), "w01")
        token = phone.welcome["token"]
        await phone.close()
    finally:
        await srv.stop()
    code, _, _ = login_code(db_url, "e01", 600)
    store = EventStore(db_url)
    with store.engine.begin() as conn:           # the users table as revision 0010 had it
        conn.execute(text("ALTER TABLE users ADD COLUMN failed_logins INTEGER DEFAULT 0 NOT NULL"))
        conn.execute(text("ALTER TABLE users ADD COLUMN locked_until FLOAT DEFAULT 0 NOT NULL"))
        command.stamp(schema.alembic_config(connection=conn), "0010", purge=True)
    with pytest.raises(StoreError, match="xiaonao-server upgrade --db"):
        store.check_initialised()
    store.dispose()
    assert main(["upgrade", "--db", db_url]) == 0
    assert "0010 -> " in capsys.readouterr().out
    with store.engine.begin() as conn:           # run again from 0010 on the new schema: nothing to do
        command.stamp(schema.alembic_config(connection=conn), "0010", purge=True)
    assert main(["upgrade", "--db", db_url]) == 0
    with store.engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("users")}
    store.dispose()
    assert not columns & {"failed_logins", "locked_until"} and {"name", "password_hash", "disabled"} <= columns
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)
    await srv.start()
    try:
        again = await RawClient.connect(ws_url(srv), None, token=token)
        assert again.welcome["type"] == "welcome" and again.welcome["user"] == "w01"
        import websockets
        async with websockets.connect(ws_url(srv)) as ws:
            await ws.send(json.dumps({"type": "hello", "code": code}))
            by_code = json.loads(await ws.recv())
        assert by_code["type"] == "welcome" and by_code["user"] == "e01", by_code
        op = await RawClient.connect(ws_url(srv), "op")
        assert op.welcome["type"] == "welcome"
        for c in (again, op):
            await c.close()
    finally:
        await srv.stop()
