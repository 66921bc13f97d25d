"""The archive's search over the protocol with its index (server/searchindex.py: FTS5
trigrams on SQLite, pg_trgm on PostgreSQL): what an operator types finds what it should,
a word nothing has finds nothing, pages are newest first and complete, and the index
follows a case whose words change."""
from __future__ import annotations

import pytest

from models import protocol

from .conftest import RawClient, ws_url

BACKENDS = ("sqlite", "postgres")          # the index is the database's own


def report(title: str, address: str) -> dict:
    return {"title": title, "category": "dispute", "source": "12345", "priority": 2,
            "location": {"address": address}, "description": "", "reporter": {"name": "王女士", "phone": "13800000000"}}


async def ask(c: RawClient, frame: str) -> dict:
    await c.ws.send(frame)
    while True:
        m = await c.recv()
        if m.get("type") in ("archive.result", "error"):
            return m


async def ids_of(c: RawClient, text: str, limit: int = 50) -> list[str]:
    r = await ask(c, protocol.archive_search("s", text, limit=limit))
    assert r["type"] == "archive.result", r
    return [x["id"] for x in r["cases"]]


async def test_search_through_the_index(server):
    from server import searchindex
    with server.store.engine.connect() as conn:
        assert searchindex.indexed(conn)
    c = await RawClient.connect(ws_url(server), "op")
    await c.recv()
    made = {}
    for title, address in (("夜宵摊噪音扰民", "九堡大道12号"), ("银行门口占道经营", "杭海路300号"),
                           ("井盖缺失", "九环路7号"), ('引号"测试%_', "顺福路1号")):
        ack, _ = await c.command("case.report", report(title, address))
        assert ack["type"] == "ack"
        made[title] = (await ids_of(c, title))[0]
    for i in range(25):                                     # 25 alike, for the pages
        ack, _ = await c.command("case.report", report(f"楼道堆放杂物第{i}次", "三卫路5号"))
        assert ack["type"] == "ack"

    assert await ids_of(c, "噪音扰民") == [made["夜宵摊噪音扰民"]]           # in the middle of a title
    assert await ids_of(c, "九堡大道12") == [made["夜宵摊噪音扰民"]]         # of an address
    assert await ids_of(c, "yhmk") == [made["银行门口占道经营"]]             # pinyin initials
    assert await ids_of(c, "占道 杭海") == [made["银行门口占道经营"]]         # a short word with a long one
    assert await ids_of(c, made["井盖缺失"].lower()) == [made["井盖缺失"]]    # an id
    assert await ids_of(c, "没有这种案件") == []                              # nothing has it
    assert await ids_of(c, "噪音扰民 杭海路") == []                           # every word, not any
    assert await ids_of(c, '"测试%_') == [made['引号"测试%_']]               # quotes and LIKE signs are text
    assert await ids_of(c, "%_%") == []

    # pages of 10: newest first, every case once
    seen, before = [], None
    while True:
        r = await ask(c, protocol.archive_search("p", "楼道堆放", limit=10, before=before))
        seen += [(x["times"]["reported"], x["id"]) for x in r["cases"]]
        if not r["more"]:
            break
        before = r["next"]
    assert len(seen) == 25 == len(set(seen)) and seen == sorted(seen, reverse=True)

    # the index follows a case whose words change: dispatched to squad W03, found by it
    cid = made["井盖缺失"]
    assert cid not in await ids_of(c, "w03")
    for name, args in (("case.accept", {"case_id": cid}), ("case.dispatch", {"case_id": cid, "team_id": "W03"})):
        ack, _ = await c.command(name, args)
        assert ack["type"] == "ack", ack
    assert cid in await ids_of(c, "w03 九环路")
    await c.close()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_more_candidates_than_the_index_hands_over_are_still_found(tmp_path, backend, monkeypatch):
    """A common word (more candidates than CANDIDATES) is answered by the newest-first scan:
    the same pages."""
    from server import searchindex
    from server.projection import case_row
    from server.store import EventStore
    from tests.conftest import make_db
    url = make_db(tmp_path, backend)
    store = EventStore(url)
    try:
        rows = []
        for i in range(30):
            case = {"id": f"C{i:06d}", "no": i, "title": f"噪音扰民{i}", "status": "closed", "category": "dispute",
                    "location": {"address": "九堡大道1号"}, "times": {"reported": f"2025-01-01T00:{i:02d}:00Z",
                                                                    "closed": f"2025-01-01T01:{i:02d}:00Z"},
                    "timeline": []}
            rows.append(case_row(case, 1, "1310"))
        store.write_projection(rows, 1, {"team_order": []}, None, {})
        indexed = store.search_cases(["噪音扰民"], limit=10)
        monkeypatch.setattr(searchindex, "CANDIDATES", 5)
        scanned = store.search_cases(["噪音扰民"], limit=10)
        assert indexed == scanned and len(indexed[0]) == 10 and indexed[1] is True
    finally:
        store.dispose()


def test_cases_written_by_every_writer_are_found(tmp_path):
    """New cases get into the index from the statement that wrote them (server/searchindex.py
    `index_new`, no insert trigger): the projection's bulk writer (catch-up, the bench
    generators), a restore from an export (plain inserts, then a rebuild), and a database
    migrated from before 0012 (its insert trigger goes, new cases are still found once)."""
    import json
    import random
    import time

    from sqlalchemy import text

    from bench.archive import server_rows
    from server import schema, searchindex
    from server.backup import backup, restore
    from server.store import EventStore

    from .conftest import make_db

    def found(store, word):
        return [json.loads(t)["id"] for t, _seq in store.search_cases([word])[0]]

    def entries(store, word):            # the index's own entries for it (twice if indexed twice)
        with store.engine.connect() as c:
            return c.execute(text(f"SELECT count(*) FROM {searchindex.FTS} WHERE {searchindex.FTS} MATCH :m"),
                             {"m": searchindex.fts_query([word])}).scalar()

    url = make_db(tmp_path)
    rows = server_rows(3, 0, 3, time.time() - 40 * 86400, random.Random(1))
    rows[1]["words"] += " 独一无二的词"
    store = EventStore(url)
    try:
        with store.engine.connect() as c:
            assert c.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'cases_fts_ai'")).first() is None
        store.write_projection(rows, 1, {"team_order": []}, None, {})
        assert found(store, "独一无二") == [rows[1]["id"]]
        store.write_projection(rows, 1, {"team_order": []}, None, {})      # written again: still once
        assert found(store, "独一无二") == [rows[1]["id"]] and entries(store, "独一无二") == 1
    finally:
        store.dispose()

    out = tmp_path / "room.export"
    backup(url, out, "export")
    target = f"sqlite:///{tmp_path}/restored.db"
    restore(target, out)
    again = EventStore(target)
    try:
        assert found(again, "独一无二") == [rows[1]["id"]]

        # from before 0012: the insert trigger is back as 0005 made it; the migration takes it away
        with again.engine.begin() as c:
            c.execute(text(f"CREATE TRIGGER {searchindex.FTS}_ai AFTER INSERT ON cases BEGIN "
                           f"INSERT INTO {searchindex.FTS}(rowid, words) VALUES (new.rowid, new.words); END"))
            from alembic import command
            command.stamp(schema.alembic_config(connection=c), "0011", purge=True)
        assert again.upgrade()[1] == schema.head_revision()
        with again.engine.connect() as c:
            assert c.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'cases_fts_ai'")).first() is None
        more = server_rows(6, 3, 3, time.time() - 40 * 86400, random.Random(2))
        more[0]["words"] += " 另一个少见的词"
        again.write_projection(more, 1, {"team_order": []}, None, {})
        assert found(again, "另一个少见") == [more[0]["id"]] and entries(again, "另一个少见") == 1
        assert found(again, "独一无二") == [rows[1]["id"]]
    finally:
        again.dispose()
