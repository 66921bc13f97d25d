"""The dispatcher's command line: 'd 123 W01' dispatches case 123 to squad W01."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from models.cmdline import ParseError, parse
from widgets import outcome
from widgets.style import set_kind


class CommandLine(QWidget):
    def __init__(self, room, link, selection, parent=None):
        super().__init__(parent)
        self.room, self.link, self.selection = room, link, selection
        self.edit = QLineEdit(placeholderText=self.tr(
            "Command (Ctrl+L): d 123 W01 dispatch · a 123 accept · c 123 text close · s 123 supervise · "
            "t 123 police transfer · m 123 456 merge · ack W01 · war / peace"))
        self.edit.setObjectName("CommandLine")
        self.result = QLabel()
        self.result.setObjectName("CommandResult")
        self.result.setMinimumWidth(260)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        prompt = QLabel("›")
        set_kind(prompt, "prompt")
        lay.addWidget(prompt)
        lay.addWidget(self.edit, 1)
        lay.addWidget(self.result)
        self.history: list[str] = []
        self._pos = 0
        self.edit.returnPressed.connect(self.run)
        self._sent: dict[str, str] = {}      # command id -> the line typed, until answered
        self._last = ""
        link.sig_command.connect(self._command)
        self.edit.installEventFilter(self)

    def eventFilter(self, obj, e):
        if obj is self.edit and e.type() == e.Type.KeyPress and self.history:
            if e.key() == Qt.Key.Key_Up:
                self._pos = max(0, self._pos - 1)
                self.edit.setText(self.history[self._pos])
                return True
            if e.key() == Qt.Key.Key_Down:
                self._pos = min(len(self.history), self._pos + 1)
                self.edit.setText(self.history[self._pos] if self._pos < len(self.history) else "")
                return True
        return super().eventFilter(obj, e)

    def run(self) -> None:
        line = self.edit.text().strip()
        if not line:
            return
        try:
            name, args = parse(line, self.room.state)
        except ParseError as e:
            set_kind(self.result, "error")
            self.result.setText(str(e))
            return
        if not self.room.may(name):
            # the server would refuse it: say so here, in words, and send nothing
            set_kind(self.result, "error")
            self.result.setText(f"{line} — " + outcome.describe("refused", {"name": name, "code": "forbidden"}))
            return
        cid = self.link.submit(name, args)
        self._sent[cid] = line
        self._last = cid
        if args.get("case_id"):
            self.selection.set_case(args["case_id"])
        self.history.append(line)
        self._pos = len(self.history)
        self._show(cid, "pending", {"name": name})
        self.edit.clear()

    def _show(self, cid: str, outcome_: str, detail: dict) -> None:
        line = self._sent.get(cid, "")
        online = self.link.status.state == "online" if hasattr(self.link, "status") else True
        set_kind(self.result, outcome.kind(outcome_, online))
        self.result.setText(f"{line} — {outcome.describe(outcome_, detail, online)}")
        self.result.setToolTip(f"{detail.get('code')}: {detail.get('message')}" if outcome_ == "refused" else "")

    def _command(self, cid: str, outcome_: str, detail: dict) -> None:
        """The server's answer to a command typed here, where it was typed."""
        if cid not in self._sent or outcome_ == "pending":
            return
        if cid == self._last:
            self._show(cid, outcome_, detail)
        del self._sent[cid]
