"""Citizen callback (回访): the closed cases awaiting a call, oldest closure first, with the
reporter's number, and the outcome recorded in two keystrokes.

In the list: 1–5 = reached, rated so; N = not reached (it comes back after the retry
interval, `resources/callback.toml`). A dissatisfied rating asks for the reason (the
comment) and R (reopen) or S (supervise): the server records both atomically."""
from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models.callback import RULES, callback_state, due_from, queue_entry
from models.commands import TEXT_LIMIT
from models.domain import mask_phone
from models.timeutil import epoch
from widgets import outcome
from widgets.style import set_kind

FULL_PHONE_ROLES = frozenset({"operator", "leader", "admin"})
RECOUNT_EVERY_TICKS = 30          # a retry comes due with time alone
SHOWN_AT_MOST = 200               # rows listed (the oldest); the summary counts them all


def hm(iso_time: str | None) -> str:
    return time.strftime("%m-%d %H:%M", time.localtime(epoch(iso_time))) if iso_time else ""


class CallbackPanel(QWidget):
    """Signals: sig_done(str case_id, str outcome): a callback the server acknowledged."""
    sig_done = Signal(str, str)

    def __init__(self, room, link, selection=None, parent=None):
        super().__init__(parent)
        self.setObjectName("CallbackPanel")
        self.room, self.link, self.selection = room, link, selection
        self.rules = RULES
        self.summary = QLabel()
        self.summary.setObjectName("CallbackPanel.summary")
        self.summary.setProperty("kind", "heading")
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("CallbackPanel.table")
        self.table.setHorizontalHeaderLabels([self.tr("Case"), self.tr("Closed"), self.tr("Reporter"),
                                              self.tr("Phone"), self.tr("Title"), self.tr("Tries")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.installEventFilter(self)
        self.table.itemSelectionChanged.connect(self._selected)
        self.keys_hint = QLabel(self.tr("Keys in the list: 1–5 reached and rated 1–5 · N not reached · "
                                        "after a dissatisfied rating, R reopen or S supervise"))
        self.keys_hint.setProperty("kind", "muted")
        self.keys_hint.setWordWrap(True)
        self.comment = QLineEdit(placeholderText=self.tr("Comment (the reason, when dissatisfied)…"))
        self.comment.setObjectName("CallbackPanel.comment")
        self.comment.setMaxLength(TEXT_LIMIT)
        self.comment.returnPressed.connect(self.table.setFocus)
        self.rate_buttons: list[QPushButton] = []
        row = QHBoxLayout()
        for r in range(1, 6):
            b = QPushButton(self.tr("%1 ★").replace("%1", str(r)))
            b.setToolTip(self.tr("Reached: rated %1 (key %1)").replace("%1", str(r)))
            b.clicked.connect(lambda _=False, r=r: self.record(r))
            self.rate_buttons.append(b)
            row.addWidget(b)
        self.not_reached = QPushButton(self.tr("Not reached (N)"))
        self.not_reached.clicked.connect(lambda: self.record(None))
        row.addWidget(self.not_reached)
        self.follow = QWidget()
        fl = QHBoxLayout(self.follow)
        fl.setContentsMargins(0, 0, 0, 0)
        self.follow_label = QLabel()
        self.follow_label.setWordWrap(True)
        set_kind(self.follow_label, "warning")
        self.reopen = QPushButton(self.tr("Reopen (R)"))
        self.reopen.setProperty("role", "danger")
        self.reopen.clicked.connect(lambda: self.follow_up("reopen"))
        self.supervise = QPushButton(self.tr("Supervise (S)"))
        self.supervise.clicked.connect(lambda: self.follow_up("supervise"))
        cancel = QPushButton(self.tr("Cancel"))
        cancel.clicked.connect(self._cancel_follow)
        fl.addWidget(self.follow_label, 1)
        fl.addWidget(self.reopen)
        fl.addWidget(self.supervise)
        fl.addWidget(cancel)
        self.follow.setVisible(False)
        self.result = QLabel()
        self.result.setObjectName("CallbackPanel.outcome")
        self.result.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.keys_hint)
        lay.addWidget(self.comment)
        lay.addLayout(row)
        lay.addWidget(self.follow)
        lay.addWidget(self.result)
        self._entries: dict[str, tuple[float, float]] = {}
        self._due_count = self._later = 0
        self._pending_rating: tuple[str, int] | None = None     # (case, rating) awaiting R or S
        self._sent: dict[str, tuple[str, str]] = {}              # command id -> (case, comment)
        self._ticks = 0
        room.sig_reset.connect(self._reset)
        room.sig_cases.connect(self._cases_changed)
        room.sig_tick.connect(self._tick)
        room.sig_role.connect(self._apply_role)
        link.sig_command.connect(self._command_result)
        self._reset()

    # ---- the queue ---------------------------------------------------------------
    def _reset(self) -> None:
        # (closed, due) per case awaiting a call, kept as cases change: listing parses no time
        self._entries = {cid: e for cid, c in self.room.state["cases"].items()
                         if (e := queue_entry(c, self.rules)) is not None}
        self._apply_role()
        self.refresh()

    def _cases_changed(self, changed, new) -> None:
        cases = self.room.state["cases"]
        touched = False
        for cid in list(changed) + list(new or ()):
            c = cases.get(cid)
            e = queue_entry(c, self.rules) if c is not None else None
            if e is not None:
                touched = touched or self._entries.get(cid) != e
                self._entries[cid] = e
            elif self._entries.pop(cid, None) is not None:
                touched = True
        if touched:
            self.refresh()

    def _tick(self) -> None:
        self._ticks += 1
        if self._ticks >= RECOUNT_EVERY_TICKS:
            self._ticks = 0
            self.refresh()

    def _apply_role(self, *_args) -> None:
        may = self.room.may("case.callback")
        for w in (*self.rate_buttons, self.not_reached, self.comment, self.reopen, self.supervise):
            w.setEnabled(may)

    def queue(self, limit: int | None = SHOWN_AT_MOST) -> list[dict]:
        """The cases due for a call now, oldest closure first (the first `limit`)."""
        cases = self.room.state["cases"]
        ids, self._due_count, self._later = due_from(self._entries, self.room.now(), self.rules, limit)
        return [cases[c] for c in ids if c in cases]

    def refresh(self) -> None:
        keep = self.current_case_id()
        due = self.queue()
        self.summary.setText(self.tr("Callbacks due: %1 · waiting for a retry: %2")
                             .replace("%1", str(self._due_count)).replace("%2", str(self._later)))
        self.table.blockSignals(True)
        self.table.setRowCount(len(due))
        full = self.room.role in FULL_PHONE_ROLES or self.room.role is None
        for r, c in enumerate(due):
            rep = c.get("reporter") or {}
            phone = rep.get("phone") or ""
            cb = callback_state(c)
            cells = [c["id"], hm(c["times"].get("closed")), rep.get("name") or "",
                     phone if full else mask_phone(phone), c["title"],
                     f"{cb['attempts']}/{self.rules.max_attempts}"]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, c["id"])
                self.table.setItem(r, col, item)
        row = next((r for r, c in enumerate(due) if c["id"] == keep), 0 if due else -1)
        if row >= 0:
            self.table.selectRow(row)
        self.table.blockSignals(False)
        if self._pending_rating and self._pending_rating[0] not in {c["id"] for c in due}:
            self._cancel_follow()

    def current_case_id(self) -> str:
        item = self.table.item(self.table.currentRow(), 0) if self.table.currentRow() >= 0 else None
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else ""

    def select_case(self, cid: str) -> bool:
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == cid:
                self.table.selectRow(r)
                return True
        return False

    def _selected(self) -> None:
        cid = self.current_case_id()
        if self._pending_rating and self._pending_rating[0] != cid:
            self._cancel_follow()
        if cid and self.selection is not None:
            self.selection.set_case(cid)

    # ---- keys ------------------------------------------------------------------
    def eventFilter(self, obj: QObject, e: QEvent) -> bool:
        if (obj is self.table and isinstance(e, QKeyEvent)
                and e.type() == QEvent.Type.KeyPress and not e.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            key = e.key()
            if Qt.Key.Key_1 <= key <= Qt.Key.Key_5:
                self.record(key - Qt.Key.Key_0)
                return True
            if key == Qt.Key.Key_N:
                self.record(None)
                return True
            if key == Qt.Key.Key_R and self._pending_rating:
                self.follow_up("reopen")
                return True
            if key == Qt.Key.Key_S and self._pending_rating:
                self.follow_up("supervise")
                return True
        return super().eventFilter(obj, e)

    # ---- recording ---------------------------------------------------------------
    def record(self, rating: int | None) -> None:
        """Reached and rated `rating`, or (None) not reached, for the selected case."""
        cid = self.current_case_id()
        if not cid or not self.room.may("case.callback"):
            return
        if rating is not None and self.rules.dissatisfied(rating):
            self._pending_rating = (cid, rating)
            self.follow_label.setText(self.tr("%1 rated %2 ★: dissatisfied. Type the reason in the comment and "
                                              "press Enter, then reopen the case (R) or supervise it (S).")
                                      .replace("%1", cid).replace("%2", str(rating)))
            self.follow.setVisible(True)
            if not self.comment.text().strip():
                self.comment.setFocus()
            return
        args: dict = {"case_id": cid, "outcome": "reached" if rating is not None else "not_reached"}
        if rating is not None:
            args["rating"] = rating
        self._send(args)

    def follow_up(self, how: str) -> None:
        if not self._pending_rating:
            return
        cid, rating = self._pending_rating
        if not self.comment.text().strip():
            set_kind(self.result, "error")
            self.result.setText(self.tr("Type the reason first: the room reads it when the case comes back."))
            self.comment.setFocus()
            return
        self._send({"case_id": cid, "outcome": "reached", "rating": rating, "follow_up": how})
        self._cancel_follow()

    def _cancel_follow(self) -> None:
        self._pending_rating = None
        self.follow.setVisible(False)

    def _send(self, args: dict) -> None:
        text = self.comment.text().strip()
        if text:
            args["note"] = text[:TEXT_LIMIT]
        sent = self.link.submit("case.callback", args)
        self._sent[sent] = (args["case_id"], text)
        self._show("pending", {"name": "case.callback"})
        self.table.setFocus()

    def _show(self, outcome_: str, detail: dict) -> None:
        online = self.link.status.state == "online" if hasattr(self.link, "status") else True
        self.result.setText(outcome.describe(outcome_, detail, online))
        set_kind(self.result, outcome.kind(outcome_, online))
        self.result.setToolTip(f"{detail.get('code')}: {detail.get('message')}" if outcome_ == "refused" else "")

    def _command_result(self, cid: str, outcome_: str, detail: dict) -> None:
        mine = self._sent.get(cid)
        if mine is None or outcome_ == "pending":
            return
        del self._sent[cid]
        case_id, text = mine
        if outcome_ == "acked":
            if text and self.comment.text().strip() == text:
                self.comment.clear()           # kept until acknowledged: a refusal loses nothing typed
            self.sig_done.emit(case_id, "acked")
        self._show(outcome_, detail)
