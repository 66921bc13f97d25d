"""A search on SQLite looks for its page among the newest cases before asking the FTS5
index (server/store.py _newest_page): the pages are the same as the index's way gives
(every page, newest reported first, the cursor followed to the end), and a word common
enough to fill a page there never reaches the index."""
from __future__ import annotations

import random
import time

import orjson
from sqlalchemy import event

from bench.archive import server_rows
from server.store import EventStore

from .conftest import make_db


def all_pages(store: EventStore, words: list[str]) -> list[str]:
    out: list[str] = []
    before = None
    while True:
        rows, more = store.search_cases(words, before, limit=20)
        ids = [orjson.loads(b)["id"] for b, _seq in rows]
        out += ids
        if not more:
            return out
        last = orjson.loads(rows[-1][0])
        before = (last["times"]["reported"], last["id"])


def query_words(text: str) -> list[str]:
    return text.lower().split()       # (as the protocol's archive.search parses them)


def test_the_newest_cases_first_give_the_indexs_pages(tmp_path, monkeypatch):
    store = EventStore(make_db(tmp_path))
    try:
        rows = server_rows(3000, 0, 3000, time.time(), random.Random(29))
        store.write_projection(rows, 1, {"team_order": []}, None, {})
        asked: list[str] = []
        event.listen(store.engine, "before_cursor_execute",
                     lambda _c, _cur, statement, *_a: asked.append(statement))
        texts = ["占道经营", "九堡大道", "阿强烧烤", "zdjy", "zdjy jbdd", "号", "扰民", "九堡大道12号", "没有这种案件"]
        for probe in (0, 150, 20_000):       # (0: the index's way alone)
            monkeypatch.setattr(EventStore, "PROBE", probe)
            got = {t: all_pages(store, query_words(t)) for t in texts}
            if probe == 0:
                want = got
                assert want["占道经营"] and want["zdjy jbdd"] and not want["没有这种案件"]
            assert got == want, probe
        # a common word's first page comes from the newest cases, the index is not asked
        asked.clear()
        rows_, more = store.search_cases(query_words("占道经营"), limit=20)
        assert len(rows_) == 20 and more and not any("MATCH" in s for s in asked)
    finally:
        store.dispose()
