"""Every squad on a case: the lead and the supporting squads (case.reinforce), each with its
own sent / signed / on-scene stamps; release one supporting squad, or add squads."""
from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from models.commands import MAX_REINFORCE, active_support, squads_on
from models.dispatch import recommend_squads
from models.qt import labels
from models.timeutil import epoch
from widgets import outcome
from widgets.style import TEAM_COLOURS, P, set_kind

ACTIVE = ("dispatched", "signed", "contacted", "on_scene")


def hms(iso_time: str | None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(epoch(iso_time))) if iso_time else ""


def hm(iso_time: str | None) -> str:
    return time.strftime("%H:%M", time.localtime(epoch(iso_time))) if iso_time else ""


class CaseSquadsBox(QGroupBox):
    def __init__(self, room, link, parent=None):
        super().__init__(parent)
        self.setObjectName("CaseSquadsBox")
        self.setTitle(self.tr("Squads on this case"))
        self.room, self.link = room, link
        self.case_id = ""
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("CaseSquadsBox.table")
        self.table.setHorizontalHeaderLabels([self.tr("Squad"), self.tr("Role"), self.tr("Sent"), self.tr("Signed"),
                                              self.tr("On scene")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.itemSelectionChanged.connect(self._selected)
        self.table.setMaximumHeight(150)
        self.reinforce = QPushButton(self.tr("Reinforce…"))
        self.reinforce.setObjectName("CaseSquadsBox.reinforce")
        self.reinforce.setToolTip(self.tr("Send more squads to this case; the lead squad stays in charge"))
        self.reinforce.clicked.connect(self.open_reinforce)
        self.release_btn = QPushButton(self.tr("Release"))
        self.release_btn.setObjectName("CaseSquadsBox.release")
        self.release_btn.setToolTip(self.tr("The selected supporting squad leaves the case; the case stays open "
                                            "with the others"))
        self.release_btn.clicked.connect(lambda: self.release(self.selected_squad()))
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.releasable: set[str] = set()       # supporting squads still on the case
        self._row_squads: list[str] = []
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        row = QHBoxLayout()
        row.addWidget(self.result, 1)
        row.addWidget(self.release_btn)
        row.addWidget(self.reinforce)
        lay.addLayout(row)
        self._sent: set[str] = set()
        self._dialog: ReinforceDialog | None = None
        self.request: dict | None = None        # the lead squad's pending request for reinforcement
        link.sig_command.connect(self._command_result)

    def show_case(self, case: dict | None) -> None:
        if case is None or (case["id"] != self.case_id):
            self.result.clear()
        self.case_id = case["id"] if case else ""
        rows = []
        if case and case.get("team_id"):
            rows.append((case["team_id"], True, self._lead_times(case)))
        for s in (case or {}).get("support") or ():
            rows.append((s["team_id"], False, s))
        self.setVisible(bool(rows) or bool(case and case["status"] in ACTIVE))
        keep = self.selected_squad()
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        self.releasable = set()
        self._row_squads = [tid for tid, _lead, _st in rows]
        active = case is not None and case["status"] in ACTIVE
        for r, (tid, lead, stamps) in enumerate(rows):
            team = self.room.state["teams"].get(tid) or {}
            released = stamps.get("released")
            role = self.tr("Lead") if lead else (self.tr("Support (released)") if released else self.tr("Support"))
            cells = [f"{team.get('call_sign', tid)} ({tid})", role, hm(stamps.get("at")), hm(stamps.get("signed")),
                     hm(stamps.get("arrived"))]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 0 and team:
                    item.setForeground(QColor(TEAM_COLOURS.get(team.get("status") or "", P["text"])))
                if released:
                    item.setForeground(QColor(P["muted"]))
                    item.setToolTip(self.tr("Released at %1").replace("%1", hms(released)))
                self.table.setItem(r, col, item)
            if not lead and not released and active:
                self.releasable.add(tid)
        if keep in self._row_squads:
            self.table.selectRow(self._row_squads.index(keep))
        self.table.blockSignals(False)
        self.release_btn.setVisible(bool(self.releasable) and self.room.may("case.release"))
        self._selected()
        self.reinforce.setVisible(active and self.room.may("case.reinforce") and bool((case or {}).get("team_id")))
        lead_team: dict = self.room.state["teams"].get((case or {}).get("team_id") or "") or {}
        req = lead_team.get("reinforcement")
        self.request = req if req and req.get("case_id") in (None, (case or {}).get("id")) and active else None
        if self.request is not None:
            self.result.setText(self.tr("%1 asks for %2 more squads: %3").replace("%1", lead_team.get("call_sign", ""))
                                .replace("%2", str(self.request.get("count", 1))).replace("%3", self.request.get("note") or "—"))
            set_kind(self.result, "warning")

    def selected_squad(self) -> str:
        r = self.table.currentRow()
        return self._row_squads[r] if 0 <= r < len(self._row_squads) else ""

    def select_squad(self, tid: str) -> None:
        if tid in self._row_squads:
            self.table.selectRow(self._row_squads.index(tid))

    def _selected(self) -> None:
        self.release_btn.setEnabled(self.selected_squad() in self.releasable)

    @staticmethod
    def _lead_times(case: dict) -> dict:
        t = case["times"]
        return {"at": t.get("dispatched"), "signed": t.get("signed"), "arrived": t.get("on_scene")}

    def release(self, tid: str) -> None:
        if tid not in self.releasable:
            return
        self._sent.add(self.link.submit("case.release", {"case_id": self.case_id, "team_id": tid}))

    def open_reinforce(self) -> ReinforceDialog | None:
        case = self.room.state["cases"].get(self.case_id)
        if case is None:
            return None
        self._dialog = ReinforceDialog(self.room, self.link, case["id"], self.window(),
                                       tick=(self.request or {}).get("count", 0))
        self._dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialog.sig_sent.connect(self._sent.add)
        self._dialog.open()
        return self._dialog

    def _command_result(self, cid: str, outcome_: str, detail: dict) -> None:
        if cid not in self._sent or outcome_ == "pending":
            return
        self._sent.discard(cid)
        self.result.setText(outcome.describe(outcome_, detail))
        set_kind(self.result, outcome.kind(outcome_))
        self.result.setToolTip(f"{detail.get('code')}: {detail.get('message')}" if outcome_ == "refused" else "")


class ReinforceDialog(QDialog):
    """The on-duty squads not on the case, recommended first; tick one or several (Space),
    Enter sends them all in one case.reinforce."""
    sig_sent = Signal(str)

    def __init__(self, room, link, case_id: str, parent=None, tick: int = 0):
        """tick: how many of the recommended squads to tick (the field asked for so many)."""
        super().__init__(parent)
        self.setObjectName("ReinforceDialog")
        self.room, self.link, self.case_id = room, link, case_id
        case = room.state["cases"][case_id]
        self.setWindowTitle(self.tr("Reinforce %1").replace("%1", case_id))
        self.setMinimumWidth(520)
        on = set(squads_on(case))
        lead = room.state["teams"].get(case.get("team_id") or "") or {}
        head = QLabel(f"<b>{case['id']} · {case['title']}</b><br>" + self.tr("Lead: %1 · supporting: %2").replace(
            "%1", lead.get("call_sign", "—")).replace("%2", str(len(active_support(case)))))
        self.list = QListWidget()
        self.list.setObjectName("ReinforceDialog.squads")
        for rec in recommend_squads(room.state, case, limit=len(room.state["teams"])):
            t = rec["team"]
            if t["id"] in on:
                continue
            dist = f"{rec['distance_m'] / 1000:.1f} km" if rec["distance_m"] is not None else "?"
            busy = self.tr(" · on %1").replace("%1", t["case_id"]) if t.get("case_id") else ""
            item = QListWidgetItem(f"{t['call_sign']} ({t['id']})  ·  {labels.team_status(t['status'])}  ·  {dist}{busy}")
            item.setData(Qt.ItemDataRole.UserRole, t["id"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if self.list.count() < tick else Qt.CheckState.Unchecked)
            item.setForeground(QColor(TEAM_COLOURS.get(t["status"], P["text"])))
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        hint = QLabel(self.tr("Space ticks a squad; Enter sends the ticked ones (or the highlighted one)."))
        hint.setProperty("kind", "muted")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Reinforce"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.list.itemActivated.connect(lambda _i: self.accept())
        lay = QVBoxLayout(self)
        lay.addWidget(head)
        lay.addWidget(self.list)
        lay.addWidget(hint)
        lay.addWidget(self.buttons)
        self.list.setFocus()

    def chosen(self) -> list[str]:
        ticked = [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                  if self.list.item(i).checkState() == Qt.CheckState.Checked]
        if not ticked and self.list.currentItem() is not None:
            ticked = [self.list.currentItem().data(Qt.ItemDataRole.UserRole)]
        return ticked[:MAX_REINFORCE]

    def accept(self) -> None:
        ids = self.chosen()
        if ids:
            self.sig_sent.emit(self.link.submit("case.reinforce", {"case_id": self.case_id, "team_ids": ids}))
        super().accept()
