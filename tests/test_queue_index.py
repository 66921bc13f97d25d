"""The queue's Qt-free order (models/queue.py) against `sorted()`: whatever cases come, change
and go, in small batches or big ones, the view order is exactly the sorted keys."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.queue import CaseFilter, SortedIndex, accepts, case_key, sort_keys

ids = st.integers(0, 400).map(lambda i: f"C{i:06d}")
primaries = st.one_of(st.floats(-1e12, 1e12, allow_nan=False), st.sampled_from([0.0, 1.0, 2.5e11]))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(ids, primaries, max_size=3000))
def test_sort_keys_is_sorted(keyed):
    keys = [(p, cid) for cid, p in keyed.items()]
    assert sort_keys(list(keys)) == sorted(keys)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(ids, st.text("abc", max_size=3), max_size=300))
def test_sort_keys_of_text_primaries_is_sorted(keyed):
    keys = [(p, cid) for cid, p in keyed.items()]
    assert sort_keys(list(keys)) == sorted(keys)


batches = st.lists(st.dictionaries(ids, st.one_of(st.none(), primaries), max_size=150), max_size=8)


@settings(max_examples=80, deadline=None)
@given(st.dictionaries(ids, primaries, max_size=300), batches, st.booleans())
def test_moves_keep_the_index_equal_to_sorted(start, batches, descending):
    index = SortedIndex()
    index.reset([(p, cid) for cid, p in start.items()])
    shown = dict(start)                       # what should be shown: id -> primary
    for batch in batches:                     # (one of more than 64 moves is spliced in one pass)
        moves = []
        for cid, p in batch.items():
            old = (shown[cid], cid) if cid in shown else None
            new = (p, cid) if p is not None else None
            if old != new:
                moves.append((cid, old, new))
            if p is None:
                shown.pop(cid, None)
            else:
                shown[cid] = p
        index.apply(moves)
        want = sorted((p, cid) for cid, p in shown.items())
        assert index.keys == want
        order = [cid for _p, cid in (reversed(want) if descending else want)]
        assert index.ids(descending) == order
        for row, cid in enumerate(order):
            assert index.row_of(cid, descending) == row and index.case_id(row, descending) == cid
        assert index.row_of("C999999", descending) == -1 and index.case_id(len(order), descending) is None


CASES = st.builds(
    lambda i, status, pri, cat, src, area, day: {
        "id": f"C{i:06d}", "no": i, "status": status, "priority": pri, "category": cat, "source": src,
        "title": f"案件{i}", "location": {"area": area, "grid": "g1"},
        "times": {"reported": f"2026-11-{day:02d}T08:00:00+00:00"}},
    st.integers(0, 999), st.sampled_from(["new", "dispatched", "closed"]), st.integers(1, 4),
    st.sampled_from(["fire", "traffic"]), st.sampled_from(["12345", "grid"]), st.sampled_from(["east", "west"]),
    st.integers(1, 28))


def light_of(case, now):
    return ("overdue" if case["priority"] == 1 else "on_time"), 1000.0 + case["priority"]


@settings(max_examples=60, deadline=None)
@given(st.lists(CASES, max_size=60, unique_by=lambda c: c["id"]),
       st.sampled_from([None, "priority", "id", "age", "deadline", "area", "squad", "category", "title"]),
       st.builds(CaseFilter, categories=st.sets(st.sampled_from(["fire", "traffic"])).map(frozenset),
                 open_only=st.booleans(), lights=st.sets(st.sampled_from(["overdue", "on_time"])).map(frozenset),
                 text=st.sampled_from(["", "案件1", "案件 1"])))
def test_a_filtered_sorted_queue_is_sorted_of_the_accepted(cases, column, f):
    search = lambda c: c["title"].lower()  # noqa: E731
    index = SortedIndex()
    index.reset([case_key(c, column, light_of, 0.0) for c in cases if accepts(c, f, 0.0, light_of, search)])
    shown = [c for c in cases if accepts(c, f, 0.0, light_of, search)]
    assert index.ids() == [k[1] for k in sorted(case_key(c, column, light_of, 0.0) for c in shown)]
    if column is None:                            # the room's order: every open case before any closed one
        statuses = [next(c for c in cases if c["id"] == cid)["status"] for cid in index.ids()]
        assert statuses == sorted(statuses, key=lambda s: s == "closed")
    if f.open_only:
        assert all(c["status"] != "closed" for c in shown)


@pytest.mark.parametrize("seed", range(6))
def test_sort_keys_past_the_numpy_threshold_is_sorted(seed):
    rng = random.Random(seed)
    n = rng.randrange(2000, 6000)
    # many equal primaries (whole seconds), so runs of ties are put in id order
    keys = [(float(rng.randrange(50)), f"C{i:06d}") for i in rng.sample(range(10 * n), n)]
    assert sort_keys(list(keys)) == sorted(keys)
