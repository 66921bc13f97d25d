"""New case from a phone call: required fields checked, the address resolved to grid and
area as it is typed, and similar open cases nearby offered for merging (a repeat call)."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from models.domain import CATEGORIES, OPEN_STATUSES, SOURCES
from models.qt import labels
from models.street import distance_m, resolve_address
from models.timeutil import epoch
from widgets.style import set_kind

NEARBY_M = 300
RECENT_S = 6 * 3600


def similar_cases(state: dict, category: str, loc: dict | None, address: str, now: float) -> list[dict]:
    """Open cases of the same category within 300 m, or at the same address, in the last 6 hours."""
    out = []
    for c in state["cases"].values():
        if c["status"] not in OPEN_STATUSES or now - epoch(c["times"]["reported"]) > RECENT_S:
            continue
        cl = c["location"]
        same_addr = address and cl.get("address", "").startswith(address[:6]) and len(address) >= 4
        near = (loc and loc.get("lat") is not None and cl.get("lat") is not None
                and distance_m((loc["lat"], loc["lon"]), (cl["lat"], cl["lon"])) <= NEARBY_M)
        if same_addr or (near and c["category"] == category):
            out.append(c)
    out.sort(key=lambda c: c["times"]["reported"], reverse=True)
    return out[:10]


class NewCaseDialog(QDialog):
    def __init__(self, room, link, parent=None):
        super().__init__(parent)
        self.room, self.link = room, link
        self.setWindowTitle(self.tr("New case"))
        self.setMinimumWidth(560)
        self.title = QLineEdit()
        self.category = QComboBox()
        for k in CATEGORIES:
            self.category.addItem(labels.category(k), k)
        self.source = QComboBox()
        for k in SOURCES:
            self.source.addItem(labels.source(k), k)
        self.source.setCurrentIndex(self.source.findData("110"))
        self.priority = QSpinBox(minimum=1, maximum=4, value=3)
        self.address = QLineEdit(placeholderText=self.tr("e.g. 九堡大道88号 or a landmark"))
        self.resolved = QLabel()
        self.resolved.setProperty("kind", "muted")
        self.description = QPlainTextEdit()
        self.description.setMaximumHeight(70)
        self.description.setTabChangesFocus(True)      # Tab moves on to the next field
        self.reporter = QLineEdit()
        self.phone = QLineEdit()
        self.similar = QListWidget()
        self.similar.setMaximumHeight(110)
        self.merge = QPushButton(self.tr("Merge into the selected case (repeat call)"))
        self.merge.setEnabled(False)
        self.error = QLabel()
        set_kind(self.error, "error")
        form = QFormLayout()
        form.addRow(self.tr("Title *"), self.title)
        form.addRow(self.tr("Category *"), self.category)
        form.addRow(self.tr("Source *"), self.source)
        form.addRow(self.tr("Priority (1 most urgent)"), self.priority)
        form.addRow(self.tr("Address *"), self.address)
        form.addRow("", self.resolved)
        form.addRow(self.tr("Description"), self.description)
        form.addRow(self.tr("Caller"), self.reporter)
        form.addRow(self.tr("Caller's phone"), self.phone)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Report case"))
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lab = QLabel(self.tr("Similar open cases nearby in the last hours"))
        lab.setProperty("kind", "muted")
        lay.addWidget(lab)
        lay.addWidget(self.similar)
        lay.addWidget(self.merge)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        chain = [self.title, self.category, self.source, self.priority, self.address, self.description,
                 self.reporter, self.phone]
        for a, b in zip(chain, chain[1:]):          # the form's order, top to bottom
            self.setTabOrder(a, b)
        self._resolve_timer = QTimer(self, singleShot=True, interval=200)
        self._resolve_timer.timeout.connect(self.refresh)
        self.address.textChanged.connect(self._resolve_timer.start)
        self.category.currentIndexChanged.connect(self._resolve_timer.start)
        self.similar.currentItemChanged.connect(lambda cur, _p: self.merge.setEnabled(cur is not None))
        self.merge.clicked.connect(lambda: self.submit(merge=True))
        self._loc = None

    def refresh(self) -> None:
        addr = self.address.text().strip()
        self._loc = resolve_address(self.room.street, addr) if addr else None
        if self._loc and self._loc.get("grid"):
            self.resolved.setText(self.tr("Grid %1 · %2").replace("%1", self._loc["grid"]).replace(
                "%2", labels.area(self.room.street, self._loc.get("area"))))
        elif addr:
            self.resolved.setText(self.tr("Address not found on the street's map; the case keeps the text."))
        else:
            self.resolved.clear()
        self.similar.clear()
        for c in similar_cases(self.room.state, self.category.currentData(), self._loc, addr, self.room.now()):
            item = QListWidgetItem(f"{c['id']} · {c['title']} · {c['location'].get('address', '')} · "
                                   f"{labels.status(c['status'])}")
            item.setData(Qt.ItemDataRole.UserRole, c["id"])
            self.similar.addItem(item)

    def args(self) -> dict | None:
        title, addr = self.title.text().strip(), self.address.text().strip()
        missing = [n for n, v in ((self.tr("title"), title), (self.tr("address"), addr)) if not v]
        if missing:
            self.error.setText(self.tr("Required: %1").replace("%1", ", ".join(missing)))
            return None
        args = {"title": title, "category": self.category.currentData(), "source": self.source.currentData(),
                "priority": self.priority.value(), "location": {"address": addr},
                "description": self.description.toPlainText().strip()}
        if self.reporter.text().strip() or self.phone.text().strip():
            args["reporter"] = {"name": self.reporter.text().strip(), "phone": self.phone.text().strip()}
        return args

    def is_filled(self) -> bool:
        return any(w.text().strip() for w in (self.title, self.address, self.reporter, self.phone)) or bool(
            self.description.toPlainText().strip())

    def reject(self) -> None:
        """Esc or Cancel: a form with something typed in asks before it is thrown away."""
        if not self.is_filled() or getattr(self, "_discard_ok", False):
            super().reject()
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Discard this report?"),
                          self.tr("What was typed in this form will be lost."),
                          QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel, self)
        discard = box.button(QMessageBox.StandardButton.Discard)
        discard.setText(self.tr("Discard"))
        box.button(QMessageBox.StandardButton.Cancel).setText(self.tr("Keep editing"))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda b: self._discard() if b is discard else None)
        box.open()
        self._discard_box = box

    def _discard(self) -> None:
        self._discard_ok = True
        self.reject()

    def submit(self, merge: bool = False) -> None:
        args = self.args()
        if args is None:
            return
        if merge and self.similar.currentItem():
            args["merge_into"] = self.similar.currentItem().data(Qt.ItemDataRole.UserRole)
        self.link.submit("case.report", args)
        self.accept()
