"""The handover that is read: the last recorded handover (shift.handover), shown to the next
shift's leader when they log in or when it arrives, with the open items and their owners,
and acknowledged (shift.ack)."""
from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from models import rota
from models.commands import TEXT_LIMIT
from models.qt import labels
from models.timeutil import epoch
from widgets import outcome
from widgets.style import set_kind


def when(iso_time: str | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch(iso_time))) if iso_time else ""


def owner_label(room, owner: str) -> str:
    """A squad list ("W01,W02": lead first) or a department, for people."""
    if not owner:
        return "—"
    teams = room.state["teams"]
    parts = owner.split(",")
    if all(p in teams for p in parts):
        return ", ".join(teams[p]["call_sign"] for p in parts)
    return labels.department(room.street, owner)


def pending_for(room) -> dict | None:
    """The handover this account should read: recorded by someone else, not acknowledged."""
    h = room.state.get("handover")
    if not h or h.get("acked") or not room.may("shift.ack") or h.get("by") == room.user:
        return None
    return h


def incoming_shift(state: dict) -> str:
    """The shift in force by the rota, as the handover's reader takes it over ('' without a rota)."""
    cur = rota.current(state) if rota.has_rota(state) else None
    if cur is None:
        return ""
    r = state["street"]["rota"]
    crew = next((c for c in r["crews"] if c["id"] == cur.get("crew")), None)
    return QCoreApplication.translate("HandoverDialog", "Shift taken over: %1 %2 (%3–%4) · %5 · leader %6").replace(
        "%1", cur["date"]).replace("%2", labels.named(rota.shift_def(r, cur["shift"]))).replace(
        "%3", rota.shift_def(r, cur["shift"])["start"]).replace("%4", rota.shift_end(r, cur["shift"])).replace(
        "%5", labels.named(crew)).replace("%6", cur.get("leader") or "—")


class HandoverDialog(QDialog):
    def __init__(self, room, link, parent=None):
        super().__init__(parent)
        self.setObjectName("HandoverDialog")
        self.room, self.link = room, link
        h = room.state.get("handover") or {}
        self.seq = h.get("seq")
        self.setWindowTitle(self.tr("Shift handover to read"))
        self.setMinimumSize(720, 520)
        head = QLabel(self.tr("Handover by %1 at %2 · for %3 · open cases: %4").replace("%1", h.get("by") or "")
                      .replace("%2", when(h.get("at"))).replace("%3", h.get("to") or "—")
                      .replace("%4", str(h.get("open_count", 0))))
        head.setProperty("kind", "heading")
        head.setWordWrap(True)
        # the shift the rota started (the incoming one at a shift change): who takes over
        self.shift = QLabel(incoming_shift(room.state))
        self.shift.setObjectName("HandoverDialog.shift")
        self.shift.setWordWrap(True)
        self.shift.setVisible(bool(self.shift.text()))
        self.note = QPlainTextEdit(h.get("note") or "")
        self.note.setObjectName("HandoverDialog.note")
        self.note.setReadOnly(True)
        self.items = QTableWidget(0, 5)
        self.items.setObjectName("HandoverDialog.items")
        self.items.setHorizontalHeaderLabels([self.tr("Case"), self.tr("Priority"), self.tr("Status"),
                                              self.tr("Owner"), self.tr("Title")])
        self.items.verticalHeader().setVisible(False)
        self.items.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.items.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.items.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        rows = h.get("items") or []
        self.items.setRowCount(len(rows))
        cases = room.state["cases"]
        for r, it in enumerate(rows):
            case = cases.get(it["case_id"]) or {}
            status_now = case.get("status") or it.get("status") or ""
            cells = [it["case_id"], f"P{it.get('priority', case.get('priority', ''))}", labels.status(status_now),
                     owner_label(room, it.get("owner", "")), case.get("title", "")]
            for c, text in enumerate(cells):
                self.items.setItem(r, c, QTableWidgetItem(text))
        self.ack_note = QLineEdit(placeholderText=self.tr("Your note on taking over (optional)"))
        self.ack_note.setMaxLength(TEXT_LIMIT)
        self.outcome_label = QLabel()
        self.outcome_label.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.ack = self.buttons.addButton(self.tr("Acknowledge: I have read it"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ack.setProperty("role", "primary")
        self.later = self.buttons.addButton(self.tr("Later"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.acknowledge)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(head)
        lay.addWidget(self.shift)
        lay.addWidget(self.note, 1)
        lay.addWidget(QLabel(self.tr("Open items carried over, with their owners:")))
        lay.addWidget(self.items, 2)
        lay.addWidget(self.ack_note)
        lay.addWidget(self.outcome_label)
        lay.addWidget(self.buttons)
        self._sent = ""
        link.sig_command.connect(self._command_result)
        self.ack.setFocus()

    def acknowledge(self) -> None:
        args = {"note": self.ack_note.text().strip()} if self.ack_note.text().strip() else {}
        self._sent = self.link.submit("shift.ack", args)
        self.ack.setEnabled(False)
        self.outcome_label.setText(outcome.describe("pending", {"name": "shift.ack"}))

    def _command_result(self, cid: str, outcome_: str, detail: dict) -> None:
        if cid != self._sent or outcome_ == "pending":
            return
        if outcome_ == "acked":
            self.accept()
            return
        self.ack.setEnabled(True)
        self.outcome_label.setText(outcome.describe(outcome_, detail))
        set_kind(self.outcome_label, outcome.kind(outcome_))
        self.outcome_label.setToolTip(f"{detail.get('code')}: {detail.get('message')}")

    def done(self, r: int) -> None:
        try:
            self.link.sig_command.disconnect(self._command_result)
        except (RuntimeError, TypeError):
            pass
        super().done(r)
