"""Correcting a case after intake: title, category, priority and address (`case.amend`).
Only what was changed is sent; the server keeps the old and new values in the timeline and
leaves the case's SLA clocks as they were."""
from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
)

from models.commands import FIELD_LIMITS
from models.domain import CATEGORIES
from models.qt import labels
from widgets.style import set_kind


class AmendDialog(QDialog):
    def __init__(self, room, link, case_id: str, parent=None):
        super().__init__(parent)
        self.room, self.link, self.case_id = room, link, case_id
        case = room.state["cases"][case_id]
        self.setWindowTitle(self.tr("Amend case %1").replace("%1", case_id))
        self.setMinimumWidth(480)
        self.title = QLineEdit(case["title"])
        self.title.setMaxLength(FIELD_LIMITS["title"])
        self.category = QComboBox()
        for k in CATEGORIES:
            self.category.addItem(labels.category(k), k)
        self.category.setCurrentIndex(self.category.findData(case["category"]))
        self.priority = QSpinBox(minimum=1, maximum=4, value=case["priority"])
        self.address = QLineEdit(case["location"].get("address", ""))
        self.address.setMaxLength(FIELD_LIMITS["address"])
        note = QLabel(self.tr("The deadlines stay as they are: an amendment does not restart the SLA clock."))
        note.setWordWrap(True)
        set_kind(note, "muted")
        self.error = QLabel()
        set_kind(self.error, "error")
        form = QFormLayout()
        form.addRow(self.tr("Title *"), self.title)
        form.addRow(self.tr("Category *"), self.category)
        form.addRow(self.tr("Priority (1 most urgent)"), self.priority)
        form.addRow(self.tr("Address *"), self.address)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Amend"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(self.error)
        lay.addWidget(buttons)

    def changes(self) -> dict:
        case = self.room.state["cases"][self.case_id]
        out: dict = {}
        title, addr = self.title.text().strip(), self.address.text().strip()
        if title != case["title"]:
            out["title"] = title
        if self.category.currentData() != case["category"]:
            out["category"] = self.category.currentData()
        if self.priority.value() != case["priority"]:
            out["priority"] = self.priority.value()
        if addr != case["location"].get("address", ""):
            out["location"] = {"address": addr}
        return out

    def submit(self) -> None:
        if not self.title.text().strip() or not self.address.text().strip():
            self.error.setText(self.tr("Title and address cannot be empty."))
            return
        changes = self.changes()
        if not changes:
            self.error.setText(self.tr("Nothing was changed."))
            return
        self.link.submit("case.amend", {"case_id": self.case_id, **changes})
        self.accept()
