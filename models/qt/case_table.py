"""CaseTableModel: the case queue at 100,000 rows, as a Qt model.

A thin adapter over `models.queue` (Qt-free): the order is a `SortedIndex` of (primary,
case id) keys, so a changed case moves with two bisects and a batch of changes costs one
layout change whose persistent indexes (selection, current row) are remapped by id. Rows
whose key did not change get one dataChanged for their span. No QSortFilterProxyModel.

The model says what a cell means — its text, the case's SLA light (`LightRole`), whether
the row is an alert (`AlertRole`: overdue / due_soon), the priority (`PriorityRole`) — and
the delegate (`widgets/case_queue.py`) paints that with the palette's colours.
"""
from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QT_TRANSLATE_NOOP, QAbstractTableModel, QCoreApplication, QModelIndex, Qt, QTimer

from models.domain import OPEN_STATUSES
from models.queue import COLUMNS, LIGHT_RANK, CaseFilter, SortedIndex, closed_key, fmt_duration, sort_keys
from models.queue import accepts as filter_accepts
from models.queue import case_key as _case_key
from models.search import search_text
from models.sla import DUE_SOON, OVERDUE, case_sla
from models.timeutil import epoch

from . import labels
from .room import RoomState

__all__ = ["COLUMNS", "LIGHT_RANK", "CaseFilter", "CaseTableModel", "CaseIdRole", "LightRole", "AlertRole",
           "PriorityRole", "fmt_duration", "sort_keys"]

_HEADERS = {
    "sla": "SLA", "priority": "Pri", "id": "Case", "title": "Title", "category": "Category", "source": "Source",
    "area": "Area / grid", "status": "Status", "squad": "Squad", "age": "Age", "deadline": "Due next",
}
CaseIdRole = Qt.ItemDataRole.UserRole + 1
LightRole = Qt.ItemDataRole.UserRole + 2       # the case's SLA light (overdue, due_soon, on_time, met, ...)
AlertRole = Qt.ItemDataRole.UserRole + 3       # an open case's row in alert: "overdue" | "due_soon" | None
PriorityRole = Qt.ItemDataRole.UserRole + 4    # 1 (highest) to 4
ALERT_LIGHTS = (OVERDUE, DUE_SOON)


_HEADER_STRINGS = [
    QT_TRANSLATE_NOOP("CaseTableModel", "SLA"), QT_TRANSLATE_NOOP("CaseTableModel", "Pri"),
    QT_TRANSLATE_NOOP("CaseTableModel", "Case"), QT_TRANSLATE_NOOP("CaseTableModel", "Title"),
    QT_TRANSLATE_NOOP("CaseTableModel", "Category"), QT_TRANSLATE_NOOP("CaseTableModel", "Source"),
    QT_TRANSLATE_NOOP("CaseTableModel", "Area / grid"), QT_TRANSLATE_NOOP("CaseTableModel", "Status"),
    QT_TRANSLATE_NOOP("CaseTableModel", "Squad"), QT_TRANSLATE_NOOP("CaseTableModel", "Age"),
    QT_TRANSLATE_NOOP("CaseTableModel", "Due next")]


def _headers():
    return {k: QCoreApplication.translate("CaseTableModel", v) for k, v in _HEADERS.items()}


WARM_SLICE = 2000      # cases per idle slice of search-text building (~10 ms)
WARM_AFTER_MS = 3000   # ...which starts this long after a load: the first frame comes first


class CaseTableModel(QAbstractTableModel):
    def __init__(self, room: RoomState, parent=None):
        super().__init__(parent)
        self.room = room
        self.order = SortedIndex()               # the view order (models.queue)
        self._search: dict[str, str] = {}
        self._closed_key: dict[str, tuple] = {}  # default-order keys of closed cases: fixed until they change
        self.sort_column: str | None = None      # None: the room's order (overdue first)
        self.descending = False
        self.filter = CaseFilter()
        self._headers = _headers()
        self._frozen = 0                         # >0: the order holds still (see freeze)
        self._held: tuple[dict, dict] = ({}, {})   # changed, new case ids held while frozen
        self._reset_held = False                 # a new state came while frozen (see _on_reset)
        self._rebuild_held = False               # the room's keys changed while frozen (_on_room)
        self._warm: list[str] = []              # cases whose search text is still to be built
        self._lights: dict[str, tuple] = {}      # painted lights of this second (see _shown_light)
        self._lights_sec = 0
        self._warm_timer = QTimer(self, interval=0)
        self._warm_timer.timeout.connect(self._warm_search)
        self._warm_start = QTimer(self, interval=WARM_AFTER_MS, singleShot=True)
        self._warm_start.timeout.connect(self._warm_timer.start)
        self._index_timer = QTimer(self, interval=0, singleShot=True)
        self._index_timer.timeout.connect(self.order.build_map)
        room.sig_reset.connect(self._on_reset)
        room.sig_cases.connect(self.on_cases)
        room.sig_history.connect(self.on_history)
        room.sig_archived.connect(self.on_archived)
        room.sig_room.connect(self._on_room)
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
        """Where the case goes in the current sort (models.queue.case_key)."""
        return _case_key(case, self.sort_column, self._light, now)

    def search_text(self, case: dict) -> str:
        s = self._search.get(case["id"])
        if s is None:
            s = self._search[case["id"]] = search_text(case)
        return s

    def accepts(self, case: dict, now: float, f: CaseFilter | None = None) -> bool:
        return filter_accepts(case, f or self.filter, now, self._light, self.search_text)

    @property
    def warming(self) -> bool:
        """Search texts are still being built in idle slices after a load."""
        return bool(self._warm)

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
                    v = ck[c["id"]] = closed_key(c)
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
        self.order.reset(keys)           # (its id map is built when first needed, or when idle)
        self._remap(persistent)
        self.layoutChanged.emit()
        self._index_timer.start()

    def _show_in_place(self) -> None:
        """Every row repainted where it is (the rows read their case by id)."""
        if self.order:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.order) - 1, len(COLUMNS) - 1))

    def _on_room(self) -> None:
        """The mode, SLA profile or street changed: the keys may have; held like a new state
        while the rows are frozen (seen: a case jumping from under the operator's pointer)."""
        if self._frozen:
            self._rebuild_held = True
            self._show_in_place()
            return
        self.rebuild()

    def _on_reset(self) -> None:
        if self._frozen:
            # a new state (a resync, the window's pass) while the operator presses a row: the
            # rows hold still and show the new state in place; the order is rebuilt on thaw
            # (the case under the pointer jumped away, and the click landed on another)
            self._reset_held = True
            self._show_in_place()
            return
        self._reset_held = self._rebuild_held = False
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

    def start_warming(self) -> None:
        """Start the idle slices now rather than WARM_AFTER_MS after the load (benchmarks)."""
        self._warm_start.stop()
        self._warm_timer.start()

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
        if self._reset_held:
            self._on_reset()                 # (a whole new state came meanwhile: rebuilt once)
        elif self._rebuild_held:
            self._rebuild_held = False
            self.rebuild()                   # (the changed and new cases are in it)
        elif changed or new:
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
            self._show_in_place()
            return
        now = self.room.now()
        cases = self.room.state["cases"]
        moves: list[tuple[str, tuple | None, tuple | None]] = []
        touched_rows: list[int] = []
        key_of, search, lights, closed_keys = self.order.build_map(), self._search, self._lights, self._closed_key
        key, accepts = self.key, self.accepts
        for cid in changed:
            search.pop(cid, None)
            lights.pop(cid, None)
            closed_keys.pop(cid, None)
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
        self.order.apply(moves)
        self._remap(persistent)
        self.layoutChanged.emit()

    def on_tick(self) -> None:
        """SLA lights change with time alone: re-key the open cases when the order depends on them."""
        if self._frozen or (self.sort_column not in (None, "sla", "deadline") and not self.filter.lights):
            return
        now = self.room.now()
        cases = self.room.state["cases"]
        key_of = self.order.build_map()
        moves = []
        for cid in self.room.open_ids:
            case = cases.get(cid)
            if case is None or case["status"] not in OPEN_STATUSES:
                continue
            old = key_of.get(cid)
            k = self.key(case, now) if self.accepts(case, now) else None
            if k != old:
                moves.append((cid, old, k))
        if moves:
            self._apply_moves(moves)

    # ---- lookup -----------------------------------------------------------------
    def row_of(self, cid: str | None) -> int:
        return self.order.row_of(cid, self.descending)

    def case_id(self, row: int) -> str | None:
        return self.order.case_id(row, self.descending)

    def ids(self) -> list[str]:
        return self.order.ids(self.descending)

    # ---- Qt model --------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.order)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._headers[COLUMNS[section]]
        return None

    @staticmethod
    def data_sla_text(light: str) -> str:
        """The SLA column's text for a light (short for 'not applicable': the column stays narrow)."""
        if light == "skipped":
            return "● " + QCoreApplication.translate("CaseTableModel", "n/a")
        return "● " + labels.sla(light)

    def retranslate(self) -> None:
        self._headers = _headers()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        R = Qt.ItemDataRole
        if role not in (R.DisplayRole, CaseIdRole, LightRole, AlertRole, PriorityRole, R.ToolTipRole,
                        R.TextAlignmentRole):
            return None
        cid = self.case_id(index.row())
        case = self.room.state["cases"].get(cid) if cid else None
        if case is None:
            return None
        if role == CaseIdRole:
            return cid
        if role == PriorityRole:
            return case["priority"]
        col = COLUMNS[index.column()]
        is_open = case["status"] in OPEN_STATUSES
        if role in (LightRole, AlertRole) or (role == R.DisplayRole and col in ("sla", "deadline")):
            light, nxt = self._shown_light(case)
        if role == LightRole:
            return light
        if role == AlertRole:
            return light if (is_open and light in ALERT_LIGHTS) else None
        if role == R.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignCenter) if col in ("sla", "priority", "age", "deadline") else None
        if role == R.ToolTipRole:
            tip = f"{case['id']} {case['title']}\n{case['location'].get('address', '')}"
            if col not in ("id", "title"):         # the cell's own text in full first (a long department)
                shown = labels.sla(self._shown_light(case)[0]) if col == "sla" else self.data(index)
                tip = f"{shown}\n{tip}" if shown else tip
            return tip
        # DisplayRole
        if col == "sla":
            return self.data_sla_text(light)
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
