"""The link's archive (client/archive.py, `link.archive`) against the real server and a real
local cache: the server's archive answers while online (a case by id, aggregates, a refusal
in the server's words), the local cache when the server is away; what either finds is in
the state the cockpit shows and stays findable offline."""
from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from client.cache import Cache
from client.session import ServerLink
from models.timeutil import iso

from .conftest import RawClient, make_db
from .helpers import Clock, until
from .test_link import DAY, Archive, closed_case


async def test_the_archive_answers_from_the_server_online_and_from_the_cache_offline(tmp_path):
    from server.app import XiaonaoServer
    clock = Clock()
    url = make_db(tmp_path)
    srv = XiaonaoServer(url, "127.0.0.1", 0, clock=clock)
    await srv.start()
    c = await RawClient.connect(srv.url, "op")
    await c.recv()
    old = await closed_case(c, "预付卡退费纠纷")
    older = await closed_case(c, "共享单车乱停")
    clock.advance(31 * DAY)                        # both are older than the 30-day window now
    await c.close()
    rec = Archive()
    link = ServerLink(srv.url, "op", "op-password", cache=Cache(tmp_path / "c.db"), listener=rec, clock=clock)
    task = asyncio.create_task(link.run())
    try:
        await until(lambda: link.status.state == "online" and link.settled(), what="online, the cache written")
        assert old not in link.state["cases"] and await link.archive.count() == 2
        # a case by id from the server's archive: into the state (as history) and the cache
        case = await link.archive.fetch(old)
        assert case is not None and case == srv.hub.state["cases"][old] == link.state["cases"][old]
        assert rec.history == [old]
        assert await link.archive.fetch("C999999") is None
        # aggregates over the whole history; a question the server refuses, in its words
        since, until_ = iso(clock() - 40 * DAY)[:10], "2100-01-01"
        rows = await link.archive.stats(since, until_, by="category")
        assert Counter({r["key"]: r["reported"] for r in rows}) == Counter(
            x["category"] for x in srv.hub.state["cases"].values())
        with pytest.raises(RuntimeError, match="by"):
            await link.archive.stats(since, until_, by="moon")
        assert link.status.state == "online"               # a refused question leaves the link as it was
        # the server goes away: the local cache answers, and has the case fetched online
        await until(link.settled, what="the fetched case in the cache")
        await srv.stop()
        await until(lambda: link.status.state != "online", what="offline")
        assert await link.archive.fetch(older) is None     # nothing to ask offline
        ids, more = await link.archive.search("退费")
        assert ids == [old] and not more
        ids, _ = await link.archive.search("单车")
        assert ids == [older] and link.state["cases"][older]["title"] == "共享单车乱停"
    finally:
        await link.stop()
        task.cancel()
        await srv.stop()
