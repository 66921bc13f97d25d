"""The rota panel: the week of shifts (24小时三班运转) for the shift leader, who works which
shift with the leader's changes marked, edited through `rota.override`; and the roads, each
stretch with its responsible squad and member (以道路为最小作战单元), edited through
`road.assign`. Both follow the room (sig_room/sig_teams) and show each command's outcome where
the leader acted."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from PySide6.QtCore import QDate, QLocale, Qt, QTimer
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from models import rota
from models.qt import labels
from widgets import outcome
from widgets.handover import when
from widgets.style import P, set_kind

REFRESH_MS = 500          # changes to the room are coalesced: at most one redraw this often


class RotaPanel(QWidget):
    """Signals: none of its own; commands go out through `link.submit`, their outcomes come
    back on `link.sig_command`."""

    def __init__(self, room, link, parent=None):
        super().__init__(parent)
        self.setObjectName("RotaPanel")
        self.room, self.link = room, link
        self.tabs = QTabWidget()
        self.week = WeekView(room, link)
        self.roads = RoadsView(room, link)
        self.tabs.addTab(self.week, self.tr("Week rota"))
        self.tabs.addTab(self.roads, self.tr("Roads"))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.tabs)


def _role_note(room, widget: QLabel, command: str, what: str) -> bool:
    may = room.may(command)
    widget.setVisible(not may)
    widget.setText("" if may else what)
    return may


class _SaysOutcome:
    """A view that sends commands and says beside its form what became of them (sent,
    acknowledged, refused and why); an acknowledged change clears its reason. Needs `link`,
    `room`, `outcome` (a label), `reason` (a line edit) and `_sent`."""

    link: Any
    room: Any
    outcome: Any
    reason: Any
    _sent: set[str]
    _timer: Any

    def _later(self, *_args) -> None:
        """Redraw soon (the room changed): one refresh for a burst of changes (`_timer`)."""
        self._timer.start()

    def _submit(self, name: str, args: dict) -> None:
        self._sent.add(self.link.submit(name, args))
        set_kind(self.outcome, None)
        self.outcome.setText(outcome.describe("pending", {"name": name}, self.room.live))

    def _result(self, cid, outcome_, detail) -> None:
        if cid not in self._sent:
            return
        if outcome_ != "pending":
            self._sent.discard(cid)
        set_kind(self.outcome, outcome.kind(outcome_, self.room.live))
        self.outcome.setText(outcome.describe(outcome_, detail, self.room.live))
        self.outcome.setToolTip(detail.get("message") or "")
        if outcome_ == "acked":
            self.reason.clear()


class WeekView(_SaysOutcome, QWidget):
    def __init__(self, room, link, parent=None):
        super().__init__(parent)
        self.setObjectName("RotaPanel.week")
        self.room, self.link = room, link
        self.monday: date | None = None          # the week shown (None: the one of the shift in force)
        self._cur_seq: int | None = None         # the shift in force when last drawn
        self.current = QLabel()
        self.current.setObjectName("RotaPanel.current")
        self.current.setProperty("kind", "heading")
        self.current.setWordWrap(True)
        prev, nxt, this = QPushButton("◀"), QPushButton("▶"), QPushButton(self.tr("This week"))
        prev.setToolTip(self.tr("The week before"))
        nxt.setToolTip(self.tr("The week after"))
        prev.clicked.connect(lambda: self._move(-7))
        nxt.clicked.connect(lambda: self._move(7))
        this.clicked.connect(lambda: self._move(0))
        self.week_label = QLabel()
        self.table = QTableWidget(0, 7)
        self.table.setObjectName("RotaPanel.table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setWordWrap(True)
        self.table.currentCellChanged.connect(lambda *_a: self._show_detail())
        self.detail = QPlainTextEdit()
        self.detail.setObjectName("RotaPanel.detail")
        self.detail.setReadOnly(True)
        # the leader's change to the selected shift: a member on or off it, or its leader, and why
        box = QGroupBox(self.tr("Change the selected shift"))
        g = QGridLayout(box)
        self.member = QComboBox()
        self.member.setObjectName("RotaPanel.member")
        self.on_off = QComboBox()
        self.on_off.addItem(self.tr("works this shift"), True)
        self.on_off.addItem(self.tr("does not work this shift"), False)
        self.reason = QLineEdit(placeholderText=self.tr("Reason (required): sick leave, swap, overtime…"))
        self.reason.setObjectName("RotaPanel.reason")
        self.reason.setMaxLength(rota.REASON_LIMIT)
        self.apply = QPushButton(self.tr("Apply to this shift"))
        self.apply.setObjectName("RotaPanel.apply")
        self.apply.clicked.connect(self._override)
        self.leader = QLineEdit(placeholderText=self.tr("Shift leader's name"))
        self.leader.setMaxLength(60)
        self.set_leader = QPushButton(self.tr("Set the shift's leader"))
        self.set_leader.clicked.connect(self._leader)
        g.addWidget(self.member, 0, 0, 1, 2)
        g.addWidget(self.on_off, 1, 0)
        g.addWidget(self.apply, 1, 1)
        g.addWidget(self.reason, 2, 0, 1, 2)
        g.addWidget(self.leader, 3, 0)
        g.addWidget(self.set_leader, 3, 1)
        self.role_note = QLabel()
        self.role_note.setProperty("kind", "muted")
        self.role_note.setWordWrap(True)
        self.outcome = QLabel()
        self.outcome.setObjectName("RotaPanel.outcome")
        self.outcome.setWordWrap(True)
        nav = QHBoxLayout()
        nav.addWidget(prev)
        nav.addWidget(this)
        nav.addWidget(nxt)
        nav.addWidget(self.week_label, 1)
        self.table.setMinimumHeight(3 * 46 + 34)        # the three shifts of the day, whole
        side = QVBoxLayout()
        side.addWidget(self.role_note)
        side.addWidget(box)
        side.addWidget(self.outcome)
        side.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.detail, 3)
        bottom.addLayout(side, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.current)
        lay.addLayout(nav)
        lay.addWidget(self.table, 3)
        lay.addLayout(bottom, 2)
        self._timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        # bound methods only: the connections end with the panel
        room.sig_reset.connect(self.refresh)
        room.sig_room.connect(self._later)
        room.sig_teams.connect(self._later)
        room.sig_role.connect(self._later)
        link.sig_command.connect(self._result)
        self._sent: set[str] = set()
        self.refresh()


    # ---- what is shown ---------------------------------------------------------
    def _rota(self) -> dict | None:
        return (self.room.state.get("street") or {}).get("rota")

    def _today(self) -> date:
        cur = rota.current(self.room.state)
        return date.fromisoformat(cur["date"]) if cur else date.fromisoformat(rota.today(self.room.now()))

    def _move(self, days: int) -> None:
        base = self.monday or (self._today() - timedelta(days=self._today().weekday()))
        self.monday = None if days == 0 else base + timedelta(days=days)
        self.refresh()

    def shown_week(self) -> list[str]:
        monday = self.monday or (self._today() - timedelta(days=self._today().weekday()))
        return [(monday + timedelta(days=i)).isoformat() for i in range(7)]

    def refresh(self) -> None:
        r = self._rota()
        self.setEnabled(r is not None)
        if r is None:
            self.current.setText(self.tr("This street has no rota."))
            self.table.setRowCount(0)
            return
        st = self.room.state
        cur = rota.current(st)
        if cur:
            on = sum(1 for t in st["teams"].values() for m in t["members"] if m.get("on_duty", True))
            self.current.setText(self.tr("Now: %1 (%2–%3) %4 · %5 · leader %6 · members on duty: %7").replace(
                "%1", labels.named(rota.shift_def(r, cur["shift"]))).replace("%2", rota.shift_def(r, cur["shift"])["start"])
                .replace("%3", rota.shift_end(r, cur["shift"])).replace("%4", cur["date"])
                .replace("%5", labels.named(self._crew(cur.get("crew")))).replace("%6", cur.get("leader") or "—")
                .replace("%7", str(on)))
        else:
            self.current.setText(self.tr("No shift started by the rota yet."))
        days = self.shown_week()
        loc = QLocale()
        self.week_label.setText(f"{days[0]} – {days[-1]}")
        keep = (self.table.currentRow(), self.table.currentColumn())
        self.table.blockSignals(True)
        self.table.setRowCount(len(r["shifts"]))
        self.table.setVerticalHeaderLabels([f"{labels.named(s)}\n{s['start']}–{rota.shift_end(r, s['id'])}"
                                            for s in r["shifts"]])
        self.table.setHorizontalHeaderLabels([
            loc.toString(QDate.fromString(d, "yyyy-MM-dd"), "ddd MM-dd") for d in days])
        cur_key = (cur["date"], cur["shift"]) if cur else None
        for col, day in enumerate(days):
            for row, s in enumerate(r["shifts"]):
                plan = rota.planned(st, day, s["id"])
                n = sum(len(v) for v in plan["members"].values())
                ov = plan["overrides"]
                changes = len(ov.get("members") or {}) + (1 if ov.get("leader") else 0)
                now = (day, s["id"]) == cur_key
                text = ("● " if now else "") + f"{labels.named(self._crew(plan['crew']))} · {plan['leader']}\n" + \
                    self.tr("%1 members").replace("%1", str(n)) + (f"  ✎{changes}" if changes else "")
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, (day, s["id"]))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                past = cur_key is not None and rota.order(r, day, s["id"]) < rota.order(r, *cur_key)
                if now:                      # the shift in force: ● and bold, in the "ok" colour
                    item.setForeground(QColor(P["ok"]))
                    f = QFont(item.font())
                    f.setBold(True)
                    item.setFont(f)
                elif past:
                    item.setForeground(QColor(P["muted"]))
                elif changes:
                    item.setForeground(QColor(P["warning"]))
                if changes:
                    item.setToolTip(self.tr("Changed by the leader: %1").replace("%1", str(changes)))
                self.table.setItem(row, col, item)
        self.table.blockSignals(False)
        started = cur.get("seq") if cur else None
        if started != self._cur_seq and cur_key and cur_key[0] in days:
            # a new shift started (or the first look): it is the one selected
            self.table.setCurrentCell(rota.shift_index(r, cur_key[1]), days.index(cur_key[0]))
        elif keep[0] >= 0 and keep[1] >= 0:
            self.table.setCurrentCell(*keep)
        self._cur_seq = started
        self._fill_members()
        self._apply_role()
        self._show_detail()

    def _crew(self, cid) -> dict:
        r = self._rota() or {}
        return next((c for c in r.get("crews", []) if c["id"] == cid), {})

    def selected_shift(self) -> tuple[str, str] | None:
        item = self.table.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def select(self, day: str, shift: str) -> None:
        r = self._rota()
        if r is None:
            return
        days = self.shown_week()
        if day not in days:
            d = date.fromisoformat(day)
            self.monday = d - timedelta(days=d.weekday())
            self.refresh()
            days = self.shown_week()
        self.table.setCurrentCell(rota.shift_index(r, shift), days.index(day))

    def _show_detail(self) -> None:
        sel = self.selected_shift()
        r = self._rota()
        if not sel or r is None:
            self.detail.clear()
            return
        day, shift = sel
        st = self.room.state
        plan = rota.planned(st, day, shift)
        s = rota.shift_def(r, shift)
        lines = [self.tr("%1 %2 (%3–%4) · %5 · leader %6").replace("%1", day).replace("%2", labels.named(s))
                 .replace("%3", s["start"]).replace("%4", rota.shift_end(r, shift))
                 .replace("%5", labels.named(self._crew(plan["crew"]))).replace("%6", plan["leader"])]
        ov = plan["overrides"]
        if ov:
            lines.append(self.tr("Changes by the leader (who, when, why):"))
            if ov.get("leader"):
                o = ov["leader"]
                lines.append("  ✎ " + self.tr("leader: %1 · by %2 at %3 · %4").replace("%1", o["name"])
                             .replace("%2", o.get("by") or "").replace("%3", when(o.get("at"))).replace("%4", o.get("reason", "")))
            for key, o in sorted((ov.get("members") or {}).items()):
                tid, mid = key.split("/", 1)
                what = self.tr("works this shift") if o["on_duty"] else self.tr("does not work this shift")
                lines.append("  ✎ " + self.tr("%1 (%2) %3 · by %4 at %5 · %6").replace(
                    "%1", rota.member_name(st, tid, mid)).replace("%2", self._call_sign(tid)).replace("%3", what)
                    .replace("%4", o.get("by") or "").replace("%5", when(o.get("at"))).replace("%6", o.get("reason", "")))
        lines.append(self.tr("Who works it, by squad:"))
        changed = {k for k in (ov.get("members") or {})}
        for tid in st["teams"]:                       # in the street's order (west first)
            mids = plan["members"].get(tid) or []
            names = [rota.member_name(st, tid, m) + (" ✎" if f"{tid}/{m}" in changed else "") for m in mids]
            lines.append(f"  {self._call_sign(tid)} ({tid}): " + (", ".join(names) if names else self.tr("nobody: off duty")))
        self.detail.setPlainText("\n".join(lines))

    def _call_sign(self, tid: str) -> str:
        return (self.room.state["teams"].get(tid) or {}).get("call_sign", tid)

    def _fill_members(self) -> None:
        keep = self.member.currentData()
        self.member.blockSignals(True)
        self.member.clear()
        for t in self.room.state["teams"].values():
            for m in t["members"]:
                self.member.addItem(f"{m['name']} · {t['call_sign']} ({t['id']})", f"{t['id']}/{m['id']}")
        if keep is not None:
            i = self.member.findData(keep)
            if i >= 0:
                self.member.setCurrentIndex(i)
        self.member.blockSignals(False)

    def _apply_role(self) -> None:
        may = _role_note(self.room, self.role_note, "rota.override",
                         self.tr("Shift leader or administrator only: your role may see the rota, not change it."))
        for w in (self.member, self.on_off, self.reason, self.apply, self.leader, self.set_leader):
            w.setEnabled(may)

    # ---- commands --------------------------------------------------------------
    def _override(self) -> None:
        sel = self.selected_shift()
        data = self.member.currentData()
        if not sel or not data:
            return
        reason = self.reason.text().strip()
        if not reason:
            set_kind(self.outcome, "error")
            self.outcome.setText(self.tr("Say why (the reason is kept with the change)."))
            self.reason.setFocus()
            return
        tid, mid = data.split("/", 1)
        self._send({"date": sel[0], "shift": sel[1], "team_id": tid, "member_id": mid,
                    "on_duty": bool(self.on_off.currentData()), "reason": reason})

    def _leader(self) -> None:
        sel = self.selected_shift()
        name, reason = self.leader.text().strip(), self.reason.text().strip()
        if not sel or not name:
            return
        if not reason:
            set_kind(self.outcome, "error")
            self.outcome.setText(self.tr("Say why (the reason is kept with the change)."))
            self.reason.setFocus()
            return
        self._send({"date": sel[0], "shift": sel[1], "leader": name, "reason": reason})

    def _send(self, args: dict) -> None:
        self._submit("rota.override", args)



class RoadsView(_SaysOutcome, QWidget):
    """Every road's stretch in a patrol area, its responsible squad and member; the leader
    reassigns the selected one."""

    COLUMNS = 6

    def __init__(self, room, link, parent=None):
        super().__init__(parent)
        self.setObjectName("RotaPanel.roads")
        self.room, self.link = room, link
        self.table = QTableWidget(0, self.COLUMNS)
        self.table.setObjectName("RotaPanel.road_table")
        self.table.setHorizontalHeaderLabels([self.tr("Road"), self.tr("Area"), self.tr("Responsible squad"),
                                              self.tr("Member in charge"), self.tr("Open cases on it"),
                                              self.tr("Changed")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.currentCellChanged.connect(lambda *_a: self._selected())
        box = QGroupBox(self.tr("Assign the selected road"))
        g = QHBoxLayout(box)
        self.squad = QComboBox()
        self.squad.setObjectName("RotaPanel.road_squad")
        self.squad.currentIndexChanged.connect(lambda _i: self._fill_members())
        self.member = QComboBox()
        self.member.setObjectName("RotaPanel.road_member")
        for combo, chars in ((self.squad, 14), (self.member, 8)):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(chars)
        self.reason = QLineEdit(placeholderText=self.tr("Reason (optional)"))
        self.reason.setMaxLength(rota.REASON_LIMIT)
        self.assign = QPushButton(self.tr("Assign"))
        self.assign.setObjectName("RotaPanel.assign")
        self.assign.clicked.connect(self._assign)
        g.addWidget(self.squad)
        g.addWidget(self.member)
        g.addWidget(self.reason, 1)
        g.addWidget(self.assign)
        self.role_note = QLabel()
        self.role_note.setProperty("kind", "muted")
        self.role_note.setWordWrap(True)
        self.outcome = QLabel()
        self.outcome.setObjectName("RotaPanel.road_outcome")
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.role_note)
        lay.addWidget(box)
        lay.addWidget(self.outcome)
        self._timer = QTimer(self, singleShot=True, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        room.sig_reset.connect(self.refresh)
        room.sig_room.connect(self._later)
        room.sig_cases.connect(self._later)
        room.sig_role.connect(self._later)
        link.sig_command.connect(self._result)
        self._sent: set[str] = set()
        self.refresh()


    def rows(self) -> list[dict]:
        return rota.sections(self.room.state)

    def refresh(self) -> None:
        st = self.room.state
        street = st.get("street") or {}
        rows = self.rows()
        open_on: dict[tuple[str, str], int] = {}
        for c in st["cases"].values():
            if c["status"] in ("new", "accepted", "returned", "dispatched", "signed", "contacted", "on_scene"):
                hit = rota.responsible(st, c.get("location"))
                if hit:
                    open_on[(hit["road"], hit["area"])] = open_on.get((hit["road"], hit["area"]), 0) + 1
        keep = self.table.currentRow()
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for i, s in enumerate(rows):
            team = st["teams"].get(s["team_id"]) or {}
            changed = (self.tr("%1 at %2").replace("%1", s["by"]).replace("%2", when(s.get("at")))
                       + (f" · {s['reason']}" if s.get("reason") else "")) if s.get("by") else ""
            cells = [s["road"], labels.area(street, s["area"]), f"{team.get('call_sign', s['team_id'])} ({s['team_id']})",
                     rota.member_name(st, s["team_id"], s.get("member_id")) if s.get("member_id") else "—",
                     str(open_on.get((s["road"], s["area"]), 0)), changed]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, (s["road"], s["area"]))
                if s.get("by"):
                    item.setForeground(QColor(P["warning"]))
                self.table.setItem(i, col, item)
        self.table.blockSignals(False)
        if 0 <= keep < len(rows):
            self.table.selectRow(keep)
        may = _role_note(self.room, self.role_note, "road.assign",
                         self.tr("Shift leader or administrator only: your role may see the roads, not assign them."))
        for w in (self.squad, self.member, self.reason, self.assign):
            w.setEnabled(may)
        self._selected()

    def selected_road(self) -> tuple[str, str] | None:
        item = self.table.item(self.table.currentRow(), 0) if self.table.currentRow() >= 0 else None
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def select(self, road: str, area: str) -> None:
        for i in range(self.table.rowCount()):
            if self.table.item(i, 0).data(Qt.ItemDataRole.UserRole) == (road, area):
                self.table.selectRow(i)
                return

    def _selected(self) -> None:
        sel = self.selected_road()
        self.squad.blockSignals(True)
        self.squad.clear()
        if sel:
            road, area = sel
            cur = rota.assignments(self.room.state).get(rota.road_key(road, area)) or {}
            for t in sorted(self.room.state["teams"].values(), key=lambda t: t["id"]):
                if t["area"] == area:
                    self.squad.addItem(f"{t['call_sign']} ({t['id']})", t["id"])
            i = self.squad.findData(cur.get("team_id"))
            self.squad.setCurrentIndex(max(i, 0))
        self.squad.blockSignals(False)
        self._fill_members()

    def _fill_members(self) -> None:
        self.member.clear()
        team = self.room.state["teams"].get(self.squad.currentData() or "")
        self.member.addItem(self.tr("(no member)"), None)
        sel = self.selected_road()
        cur = rota.assignments(self.room.state).get(rota.road_key(*sel)) if sel else None
        for m in (team or {}).get("members") or ():
            self.member.addItem(m["name"], m["id"])
        if cur and team and cur.get("team_id") == team["id"]:
            i = self.member.findData(cur.get("member_id"))
            self.member.setCurrentIndex(max(i, 0))

    def _assign(self) -> None:
        sel = self.selected_road()
        tid = self.squad.currentData()
        if not sel or not tid:
            return
        args = {"road": sel[0], "area": sel[1], "team_id": tid}
        if self.member.currentData():
            args["member_id"] = self.member.currentData()
        if self.reason.text().strip():
            args["reason"] = self.reason.text().strip()
        self._submit("road.assign", args)

