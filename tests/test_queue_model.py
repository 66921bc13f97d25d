"""The case queue at 5,000 cases (past the sizes where its fast paths start: idle slices of
search text, batched row moves): order, live updates without resets, filters, search.
100,000 cases are bench/queue.py's, which prints the figures."""
from __future__ import annotations

import random

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QTableView

from bench.synth import synth_state
from models.qt.case_table import COLUMNS, CaseFilter, CaseTableModel, LightRole
from models.qt.room import RoomState
from models.timeutil import iso

N = 5_000


@pytest.fixture(scope="module")
def big_state():
    return synth_state(N, seed=7)


@pytest.fixture
def queue(qtbot, big_state):
    import copy
    st = copy.deepcopy(big_state)
    room = RoomState()
    model = CaseTableModel(room)
    view = QTableView()
    view.setModel(model)
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    room.reset(st)
    return room, model, view


def test_overdue_first_then_due_soon_then_the_rest(queue):
    room, model, _view = queue
    assert model.rowCount() == N
    lights = [model.index(r, 0).data(LightRole) for r in range(200)]
    order = {"overdue": 0, "due_soon": 1, "on_time": 2}
    ranks = [order.get(x, 3) for x in lights]
    assert ranks == sorted(ranks) and ranks[0] == 0
    first_closed = next(r for r in range(model.rowCount())
                        if room.state["cases"][model.case_id(r)]["status"] == "closed")
    assert all(room.state["cases"][model.case_id(r)]["status"] != "closed" for r in range(first_closed))


def test_live_inserts_and_updates_keep_selection_and_never_reset(queue, qtbot):
    room, model, view = queue
    target = model.case_id(500)
    view.selectionModel().setCurrentIndex(model.index(500, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                                          | QItemSelectionModel.SelectionFlag.Rows)
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    # 1,000 changed cases and 50 new ones arrive in one frame
    rng = random.Random(3)
    changed = rng.sample(list(room.state["cases"]), 1000)
    for cid in changed:
        room.state["cases"][cid]["priority"] = rng.randint(1, 4)
    now = room.now()
    new = []
    for i in range(50):
        cid = f"N{i:05d}"
        base = dict(room.state["cases"][changed[0]])
        room.state["cases"][cid] = base | {"id": cid, "status": "new", "priority": 1, "team_id": None,
                                           "times": {"reported": iso(now - 120)}, "title": "新上报"}
        new.append(cid)
    room.feed([{"seq": 1, "at": iso(now), "name": "case.noted", "data": {"case_id": c}} for c in changed] +
              [{"seq": 2, "at": iso(now), "name": "case.reported", "data": {"case_id": c}} for c in new])
    qtbot.waitUntil(lambda: model.rowCount() == N + 50, timeout=5000)
    assert not resets
    assert model.case_id(view.currentIndex().row()) == target      # the operator's selection follows its case
    first_not_overdue = next(r for r in range(model.rowCount()) if model.index(r, 0).data(LightRole) != "overdue")
    assert all(0 <= model.row_of(c) < first_not_overdue for c in new)   # new overdue cases sit with the overdue


def test_filters_and_search(queue):
    room, model, _view = queue
    model.set_filter(CaseFilter(categories=frozenset({"fire"}), areas=frozenset({"east"})))
    assert 0 < model.rowCount() < N
    assert all(room.state["cases"][model.case_id(r)]["category"] == "fire" and
               room.state["cases"][model.case_id(r)]["location"]["area"] == "east" for r in range(model.rowCount()))
    cases = room.state["cases"]
    model.set_filter(CaseFilter(text="zdjy"))                # pinyin initials of 占道经营
    assert model.rowCount() == sum(1 for c in cases.values() if c["title"] == "占道经营")
    assert all(cases[model.case_id(r)]["title"] == "占道经营" for r in range(0, model.rowCount(), 97))
    # words and other criteria together: every word somewhere, and the category too
    model.set_filter(CaseFilter(text="九堡 zdjy", categories=frozenset({"market"})))
    want = {cid for cid, c in cases.items() if c["category"] == "market" and c["title"] == "占道经营"
            and c["location"]["address"].startswith("九堡")}
    assert {model.case_id(r) for r in range(model.rowCount())} == want and want
    model.set_filter(CaseFilter(open_only=True))
    assert model.rowCount() == sum(1 for c in room.state["cases"].values() if c["status"] != "closed")
    model.set_filter(CaseFilter())
    assert model.rowCount() == N


def test_sorting_by_a_column(queue):
    room, model, view = queue
    view.setSortingEnabled(True)
    view.sortByColumn(COLUMNS.index("priority"), Qt.SortOrder.AscendingOrder)
    pr = [room.state["cases"][model.case_id(r)]["priority"] for r in range(0, N, 50)]
    assert pr == sorted(pr)
    view.sortByColumn(COLUMNS.index("id"), Qt.SortOrder.DescendingOrder)
    assert model.case_id(0) == f"C{N:06d}" and model.case_id(N - 1) == "C000001"


def test_sorted_order_is_exact_with_ties_and_stays_so_under_live_updates(queue):
    """Sorting by priority puts a quarter of the cases on each value: within a value, case id order;
    and the rows changed live land exactly where a full sort would put them."""
    room, model, _view = queue
    cases = room.state["cases"]
    model.set_sort("priority")

    def order():
        return [model.case_id(r) for r in range(model.rowCount())]
    assert order() == sorted(cases, key=lambda c: (cases[c]["priority"], c))
    changed = random.Random(3).sample(sorted(cases), 300)
    for cid in changed:
        cases[cid]["priority"] = 1 + cases[cid]["priority"] % 4
    model.on_cases(changed, [])
    assert order() == sorted(cases, key=lambda c: (cases[c]["priority"], c))
