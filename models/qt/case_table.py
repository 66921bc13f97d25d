"""CaseTableModel: the case queue at 100,000 rows.

No QSortFilterProxyModel: the model keeps its own view order as two parallel lists, the
rows' sort keys (sorted) and their case ids, so a changed case moves with two bisects and a
batch of changes costs one layout change whose persistent indexes (selection, current row)
are remapped by id. Rows whose key did not change get one dataChanged for their span.
"""
from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass, replace
from operator import itemgetter

import numpy as np
from PySide6.QtCore import QT_TRANSLATE_NOOP, QAbstractTableModel, QCoreApplication, QModelIndex, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFont

from models.domain import OPEN_STATUSES
from models.search import search_text
from models.sla import DUE_SOON, OVERDUE, case_sla
from models.timeutil import epoch

from . import labels
from .room import RoomState

COLUMNS = ["sla", "priority", "id", "title", "category", "source", "area", "status", "squad", "age", "deadline"]
_HEADERS = {
    "sla": "SLA", "priority": "Pri", "id": "Case", "title": "Title", "category": "Category", "source": "Source",
    "area": "Area / grid", "status": "Status", "squad": "Squad", "age": "Age", "deadline": "Next deadline",
}
LIGHT_RANK = {OVERDUE: 0, DUE_SOON: 1, "late": 2, "on_time": 2}     # an open case that missed a stage is still pending
# The queue's colours, each text colour at least 4.5:1 against the ground it is drawn on
# (WCAG AA; tests/test_console_readability.py checks every pair). The SLA light's text on an
# ordinary row (base / alternate base), and the coloured rows with their own text.
LIGHT_COLOURS = {"overdue": "#ff3b30", "due_soon": "#ffb020", "on_time": "#34c759", "met": "#6fae82",
                 "late": "#c97a7a", "skipped": "#8a8f96"}
ROW_COLOURS = {   # light -> (ground, ground while blinking, text on it)
    "overdue": ("#7a1010", "#a3281c", "#ffffff"),
    "due_soon": ("#5c4300", "#5c4300", "#ffe08a"),
}
P1_TEXT = "#ff6b6b"
CaseIdRole = Qt.ItemDataRole.UserRole + 1
LightRole = Qt.ItemDataRole.UserRole + 2


_HEADER_STRINGS = [
    QT_TRANSLATE_NOOP("CaseTableModel", "SLA"), QT_TRANSLATE_NOOP("CaseTableModel", "Pri"),
    QT_TRANSLATE_NOOP("CaseTableModel", "Case"), QT_TRANSLATE_NOOP("CaseTableModel", "Title"),
    QT_TRANSLATE_NOOP("CaseTableModel", "Category"), QT_TRANSLATE_NOOP("CaseTableModel", "Source"),
    QT_TRANSLATE_NOOP("CaseTableModel", "Area / grid"), QT_TRANSLATE_NOOP("CaseTableModel", "Status"),
    QT_TRANSLATE_NOOP("CaseTableModel", "Squad"), QT_TRANSLATE_NOOP("CaseTableModel", "Age"),
    QT_TRANSLATE_NOOP("CaseTableModel", "Next deadline")]


def sort_keys(keys: list[tuple]) -> list[tuple]:
    """Sort (primary, case id) keys. Float primaries go through NumPy's argsort (100k in a
    few ms instead of a tuple sort's 100+), then runs of equal primaries are put in id order,
    so the result is exactly `sorted(keys)`."""
    n = len(keys)
    if n < 2000 or not isinstance(keys[0][0], float):
        keys.sort()
        return keys
    prim = np.fromiter(map(itemgetter(0), keys), dtype=np.float64, count=n)
    order = np.argsort(prim, kind="stable")
    out = [keys[i] for i in order.tolist()]
    sp = prim[order]
    ties = np.flatnonzero(sp[1:] == sp[:-1])
    if len(ties):
        i = 0
        while i < len(ties):                 # each run of equal primaries: sort by id
            start = j = ties[i]
            while i + 1 < len(ties) and ties[i + 1] == j + 1:
                i += 1
                j = ties[i]
            out[start:j + 2] = sorted(out[start:j + 2])
            i += 1
    return out


def _event_order(e: tuple) -> tuple:
    """Splice events in list order; at one position, new keys (0) before the drop (1) of
    the old key there, and new keys among themselves in key order."""
    return (e[0], e[1], e[2] or ())


def _headers():
    return {k: QCoreApplication.translate("CaseTableModel", v) for k, v in _HEADERS.items()}


WARM_SLICE = 2000      # cases per idle slice of search-text building (~10 ms)
WARM_AFTER_MS = 3000   # ...which starts this long after a load: the first frame comes first


@dataclass
class CaseFilter:
    statuses: frozenset[str] = frozenset()      # empty = all
    categories: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    areas: frozenset[str] = frozenset()
    lights: frozenset[str] = frozenset()
    text: str = ""
    open_only: bool = False
    ids: frozenset[str] | None = None           # a drill-down: just these cases (None = any)

    def is_empty(self) -> bool:
        return not (self.statuses or self.categories or self.sources or self.areas or self.lights
                    or self.text or self.open_only or self.ids is not None)


def fmt_duration(seconds: float) -> str:
    s = int(abs(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    body = f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"
    return ("-" if seconds < 0 else "") + body


class CaseTableModel(QAbstractTableModel):
    def __init__(self, room: RoomState, parent=None):
        super().__init__(parent)
        self.room = room
        self._keys: list[tuple] = []        # sorted (primary, case id): the view order
        self._key_of_d: dict[str, tuple] | None = {}   # case id -> its key in the view (see _key_of)
        self._search: dict[str, str] = {}
        self._closed_key: dict[str, tuple] = {}  # default-order keys of closed cases: fixed until they change
        self.sort_column: str | None = None      # None: the room's order (overdue first)
        self.descending = False
        self.filter = CaseFilter()
        self.blink = False
        self._headers = _headers()
        self._bold = QFont()
        self._bold.setBold(True)
        self._brushes = {k: QBrush(QColor(v)) for k, v in LIGHT_COLOURS.items()}
        self._row_bg = {k: (QBrush(QColor(a)), QBrush(QColor(b))) for k, (a, b, _t) in ROW_COLOURS.items()}
        self._row_fg = {k: QBrush(QColor(t)) for k, (_a, _b, t) in ROW_COLOURS.items()}
        self._p1 = QBrush(QColor(P1_TEXT))
        self._frozen = 0                         # >0: the order holds still (see freeze)
        self._held: tuple[dict, dict] = ({}, {})   # changed, new case ids held while frozen
        self._warm: list[str] = []              # cases whose search text is still to be built
        self._lights: dict[str, tuple] = {}      # painted lights of this second (see _shown_light)
        self._lights_sec = 0
        self._warm_timer = QTimer(self, interval=0)
        self._warm_timer.timeout.connect(self._warm_search)
        self._warm_start = QTimer(self, interval=WARM_AFTER_MS, singleShot=True)
        self._warm_start.timeout.connect(self._warm_timer.start)
        self._index_timer = QTimer(self, interval=0, singleShot=True)
        self._index_timer.timeout.connect(self._build_index)
        room.sig_reset.connect(self._on_reset)
        room.sig_cases.connect(self.on_cases)
        room.sig_history.connect(self.on_history)
        room.sig_archived.connect(self.on_archived)
        room.sig_room.connect(self.rebuild)
        room.sig_tick.connect(self.on_tick)

    # ---- keys, filter ------------------------------------------------------------
    def _light(self, case: dict, now: float) -> tuple[str, float | None]:
        return case_sla(case, self.room.profile, now)

    def _shown_light(self, case: dict) -> tuple[str, float | None]:
        """The light as painted: worked out once per case per second, not once per cell and
        role (a repaint asks for it a dozen times a row)."""
        now = self.room.now()
        sec = int(now)
        if sec != self._lights_sec:
            self._lights.clear()
            self._lights_sec = sec
        v = self._lights.get(case["id"])
        if v is None:
            v = self._lights[case["id"]] = self._light(case, now)
        return v

    def key(self, case: dict, now: float) -> tuple:
        """(primary, case id): one distinguishing float or string first, so that sorting
        100k keys compares mostly floats; the id makes every key unique."""
        col = self.sort_column
        cid = case["id"]
        if col is None or col == "sla":
            if case["status"] in OPEN_STATUSES:
                light, nxt = self._light(case, now)
                return (LIGHT_RANK.get(light, 3) * 1e11 + case["priority"] * 1e10 + (nxt or 0.0), cid)
            return (4e11 + 4e9 - epoch(case["times"]["reported"]), cid)
        if col == "priority":
            return (float(case["priority"]), cid)
        if col == "id":
            return (float(case.get("no") or 0), cid)
        if col == "age":
            return (-epoch(case["times"]["reported"]), cid)
        if col == "deadline":
            if case["status"] in OPEN_STATUSES:
                return ((self._light(case, now)[1] or 9e12), cid)
            return (1e13, cid)
        if col == "area":
            loc = case["location"]
            return (f"{loc.get('area') or ''}/{loc.get('grid') or ''}", cid)
        if col == "squad":
            return (case.get("team_id") or case.get("department") or "~", cid)
        if col in ("category", "source", "status"):
            return (case[col], cid)
        return (str(case.get(col, "")), cid)

    def search_text(self, case: dict) -> str:
        s = self._search.get(case["id"])
        if s is None:
            s = self._search[case["id"]] = search_text(case)
        return s

    def accepts(self, case: dict, now: float, f: CaseFilter | None = None) -> bool:
        f = f or self.filter
        if f.is_empty():
            return True
        if f.ids is not None and case["id"] not in f.ids:
            return False
        if f.open_only and case["status"] not in OPEN_STATUSES:
            return False
        if f.statuses and case["status"] not in f.statuses:
            return False
        if f.categories and case["category"] not in f.categories:
            return False
        if f.sources and case["source"] not in f.sources:
            return False
        if f.areas and case["location"].get("area") not in f.areas:
            return False
        if f.lights and self._light(case, now)[0] not in f.lights:
            return False
        if f.text:
            hay = self.search_text(case)
            return all(w in hay for w in f.text.lower().split())
        return True

    # ---- rebuilding ------------------------------------------------------------
    def rebuild(self) -> None:
        """Recompute the whole view order (sort or filter changed, or a new state)."""
        now = self.room.now()
        cases = self.room.state["cases"]
        self.layoutAboutToBeChanged.emit()
        persistent = self._persistent_ids()
        key = self.key
        words = self.filter.text.lower().split()
        if words and len(self._search) < len(cases):
            for c in cases.values():          # search texts not yet built in idle time
                self.search_text(c)
        if words:
            # the text first, against the built search texts: a plain substring scan
            search = self._search
            hits = [cid for cid, hay in search.items() if words[0] in hay]
            for w in words[1:]:
                hits = [cid for cid in hits if w in search[cid]]
            pairs = [(cid, cases[cid]) for cid in hits if cid in cases]
            rest = replace(self.filter, text="")
            if not rest.is_empty():                  # then the other criteria, on the hits only
                pairs = [(cid, c) for cid, c in pairs if self.accepts(c, now, rest)]
        else:
            pairs = None
        if self.sort_column in (None, "sla"):
            # closed cases (nearly all of them): newest first after every open one, keyed once
            ck = self._closed_key

            def key(c, now, k=self.key):
                if c["status"] == "closed":
                    v = ck[c["id"]] = (4e11 + 4e9 - epoch(c["times"]["reported"]), c["id"])
                    return v
                return k(c, now)
            if pairs is not None:
                keys = [ck[cid] if cid in ck else key(c, now) for cid, c in pairs]
            elif self.filter.is_empty():
                keys = [ck[cid] if cid in ck else key(c, now) for cid, c in cases.items()]
            else:
                acc = self.accepts
                keys = [ck[cid] if cid in ck else key(c, now) for cid, c in cases.items() if acc(c, now)]
        elif pairs is not None:
            keys = [key(c, now) for _cid, c in pairs]
        elif self.filter.is_empty():
            keys = [key(c, now) for c in cases.values()]
        else:
            acc = self.accepts
            keys = [key(c, now) for c in cases.values() if acc(c, now)]
        self._keys = sort_keys(keys)
        self._key_of_d = None            # built when first needed, or in the next idle moment
        self._remap(persistent)
        self.layoutChanged.emit()
        self._index_timer.start()

    def _build_index(self) -> dict[str, tuple]:
        """case id -> its key in the view. A re-sort drops it; it is rebuilt when first
        needed or in the first idle moment after, whichever comes first."""
        if self._key_of_d is None:
            self._key_of_d = dict(zip(map(itemgetter(1), self._keys), self._keys))
        return self._key_of_d

    @property
    def _key_of(self) -> dict[str, tuple]:
        return self._build_index()

    def _on_reset(self) -> None:
        self._search.clear()
        self._lights.clear()
        self._closed_key.clear()
        self.rebuild()
        self._warm = list(self.room.state["cases"])
        self._warm_timer.stop()
        self._warm_start.start()

    def _warm_search(self) -> None:
        """Build the search text (with pinyin initials) of every case in idle slices after a
        load, so that the operator's first search is as quick as the next."""
        cases = self.room.state["cases"]
        batch, self._warm = self._warm[:WARM_SLICE], self._warm[WARM_SLICE:]
        for cid in batch:
            c = cases.get(cid)
            if c is not None:
                self.search_text(c)
        if not self._warm:
            self._warm_timer.stop()

    def set_sort(self, column: str | None, descending: bool = False) -> None:
        self.sort_column, self.descending = column, descending
        self.rebuild()

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        self.set_sort(COLUMNS[column] if column >= 0 else None, order == Qt.SortOrder.DescendingOrder)

    def set_filter(self, f: CaseFilter) -> None:
        self.filter = f
        self.rebuild()

    def _persistent_ids(self) -> list[tuple[QModelIndex, str | None, int]]:
        out = []
        for idx in self.persistentIndexList():
            out.append((idx, self.case_id(idx.row()) if idx.isValid() else None, idx.column()))
        return out

    def _remap(self, persistent) -> None:
        olds, news = [], []
        for idx, cid, col in persistent:
            row = self.row_of(cid) if cid else -1
            olds.append(idx)
            news.append(self.index(row, col) if row >= 0 else QModelIndex())
        if olds:
            self.changePersistentIndexList(olds, news)

    # ---- holding the order still -----------------------------------------------------
    def freeze(self) -> None:
        """Hold the rows where they are (the operator is pressing, clicking or acting on one):
        changes are shown in place and the rows move when `thaw` is called as often."""
        self._frozen += 1

    def thaw(self) -> None:
        self._frozen = max(0, self._frozen - 1)
        if self._frozen:
            return
        changed, new = (list(d) for d in self._held)
        self._held = ({}, {})
        if changed or new:
            self.on_cases(changed, new)
        self.on_tick()

    @property
    def frozen(self) -> bool:
        return self._frozen > 0

    # ---- incremental updates ------------------------------------------------------
    def on_cases(self, changed: list[str], new: list[str]) -> None:
        if self._frozen:
            self._held[0].update(dict.fromkeys(changed))
            self._held[1].update(dict.fromkeys(new))
            if self._keys:          # shown in place: the rows read the case by id
                self.dataChanged.emit(self.index(0, 0), self.index(len(self._keys) - 1, len(COLUMNS) - 1))
            return
        now = self.room.now()
        cases = self.room.state["cases"]
        moves: list[tuple[str, tuple | None, tuple | None]] = []
        touched_rows: list[int] = []
        key_of, search, lights, closed_key = self._key_of, self._search, self._lights, self._closed_key
        key, accepts = self.key, self.accepts
        for cid in changed:
            search.pop(cid, None)
            lights.pop(cid, None)
            closed_key.pop(cid, None)
            case = cases.get(cid)
            old = key_of.get(cid)
            new_key = key(case, now) if case is not None and accepts(case, now) else None
            if old == new_key:
                if old is not None:
                    touched_rows.append(self.row_of(cid))
            else:
                moves.append((cid, old, new_key))
        for cid in new:
            case = cases.get(cid)
            if case is not None and cid not in key_of and accepts(case, now):
                moves.append((cid, None, key(case, now)))
        if moves:
            self._apply_moves(moves)
        if touched_rows:
            self.dataChanged.emit(self.index(min(touched_rows), 0),
                                  self.index(max(touched_rows), len(COLUMNS) - 1))

    def on_history(self, ids: list[str]) -> None:
        self.on_cases([], ids)
        self._warm.extend(ids)
        if not self._warm_start.isActive():
            self._warm_timer.start()

    def on_archived(self, ids: list[str]) -> None:
        """Cases that left memory for the archive leave the queue (a changed case that is
        no longer in the state has no row)."""
        self.on_cases(ids, [])

    def _apply_moves(self, moves) -> None:
        self.layoutAboutToBeChanged.emit()
        persistent = self._persistent_ids()
        keys = self._keys
        if len(moves) > 64:
            # many at once: one pass over the list. Each old key is found by bisect (it is
            # skipped), each new key goes before the first old key not below it; the list
            # between those points is copied as slices (memcpy speed), no re-sort
            events = []
            for _c, old, _n in moves:
                if old is not None:
                    i = bisect_left(keys, old)
                    if i < len(keys) and keys[i] == old:
                        events.append((i, 1, None))          # drop keys[i]
            for _c, _o, new_key in moves:
                if new_key is not None:
                    events.append((bisect_left(keys, new_key), 0, new_key))   # insert before keys[i]
            events.sort(key=_event_order)
            out: list[tuple] = []
            prev = 0
            for i, drop, new_key in events:
                if i > prev:
                    out.extend(keys[prev:i])
                    prev = i
                if drop:
                    prev = i + 1
                else:
                    out.append(new_key)
            out.extend(keys[prev:])
            self._keys = keys = out
            key_of = self._key_of
            for cid, _old, new_key in moves:
                if new_key is None:
                    key_of.pop(cid, None)
                else:
                    key_of[cid] = new_key
        else:
            for cid, old, new_key in moves:
                if old is not None:
                    i = bisect_left(keys, old)
                    if i < len(keys) and keys[i] == old:
                        del keys[i]
                    self._key_of.pop(cid, None)
                if new_key is not None:
                    insort(keys, new_key)
                    self._key_of[cid] = new_key
        self._remap(persistent)
        self.layoutChanged.emit()

    def on_tick(self) -> None:
        """SLA lights change with time alone: re-key the open cases when the order depends on them."""
        if self._frozen or (self.sort_column not in (None, "sla", "deadline") and not self.filter.lights):
            return
        now = self.room.now()
        cases = self.room.state["cases"]
        moves = []
        for cid in self.room.open_ids:
            case = cases.get(cid)
            if case is None or case["status"] not in OPEN_STATUSES:
                continue
            old = self._key_of.get(cid)
            k = self.key(case, now) if self.accepts(case, now) else None
            if k != old:
                moves.append((cid, old, k))
        if moves:
            self._apply_moves(moves)

    # ---- lookup -----------------------------------------------------------------
    def row_of(self, cid: str) -> int:
        k = self._key_of.get(cid)
        if k is None:
            return -1
        i = bisect_left(self._keys, k)
        if i >= len(self._keys) or self._keys[i][1] != cid:
            return -1
        return len(self._keys) - 1 - i if self.descending else i

    def case_id(self, row: int) -> str | None:
        n = len(self._keys)
        if not 0 <= row < n:
            return None
        return self._keys[n - 1 - row if self.descending else row][1]

    def ids(self) -> list[str]:
        order = reversed(self._keys) if self.descending else self._keys
        return [k[1] for k in order]

    # ---- Qt model --------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._keys)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[COLUMNS[section]]
        return None

    def retranslate(self) -> None:
        self._headers = _headers()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        R = Qt.ItemDataRole
        if role not in (R.DisplayRole, R.BackgroundRole, R.ForegroundRole, R.FontRole, CaseIdRole,
                        LightRole, R.ToolTipRole, R.TextAlignmentRole):
            return None
        cid = self.case_id(index.row())
        case = self.room.state["cases"].get(cid) if cid else None
        if case is None:
            return None
        if role == CaseIdRole:
            return cid
        col = COLUMNS[index.column()]
        is_open = case["status"] in OPEN_STATUSES
        if role in (R.BackgroundRole, LightRole, R.ForegroundRole) or col in ("sla", "deadline"):
            light, nxt = self._shown_light(case)
        if role == LightRole:
            return light
        if role == R.BackgroundRole:
            pair = self._row_bg.get(light) if is_open else None
            if pair is None:
                return None
            return pair[1] if (self.blink and light == OVERDUE) else pair[0]
        if role == R.ForegroundRole:
            row_fg = self._row_fg.get(light) if is_open else None
            if row_fg is not None:          # a coloured row: its own legible text, every column
                return row_fg
            if col == "sla":
                return self._brushes.get(light)
            if col == "priority" and case["priority"] == 1:
                return self._p1
            return None
        if role == R.FontRole:
            return self._bold if (case["priority"] == 1 or col in ("sla", "deadline")) else None
        if role == R.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter) if col in ("sla", "priority", "age", "deadline") else None
        if role == R.ToolTipRole:
            return f"{case['id']} {case['title']}\n{case['location'].get('address', '')}"
        # DisplayRole
        if col == "sla":
            return "● " + labels.sla(light)
        if col == "priority":
            return f"P{case['priority']}"
        if col == "id":
            return cid
        if col == "title":
            return case["title"] + (f"  ×{case['repeat_calls'] + 1}" if case.get("repeat_calls") else "")
        if col == "category":
            return labels.category(case["category"])
        if col == "source":
            return labels.source(case["source"])
        if col == "area":
            loc = case["location"]
            return f"{labels.area(self.room.street, loc.get('area'))} {loc.get('grid') or ''}".strip()
        if col == "status":
            if case.get("pending"):           # reported here, not yet acknowledged by the server
                return QCoreApplication.translate("CaseTableModel", "waiting to be sent")
            return labels.status(case["status"])
        if col == "squad":
            if case.get("team_id"):
                t = self.room.state["teams"].get(case["team_id"])
                return t["call_sign"] if t else case["team_id"]
            return labels.department(self.room.street, case.get("department"))
        if col == "age":
            return fmt_duration(self.room.now() - epoch(case["times"]["reported"])) if is_open else ""
        if col == "deadline":
            return fmt_duration(nxt - self.room.now()) if (is_open and nxt) else ""
        return None
