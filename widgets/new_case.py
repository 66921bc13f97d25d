"""New case from a phone call: required fields checked, the address resolved to grid and
area as it is typed, and similar open cases nearby offered for merging (a repeat call)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
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
    QWidget,
)

from models.commands import FIELD_LIMITS, CommandError, check_report
from models.domain import CATEGORIES, OPEN_STATUSES, SOURCES
from models.qt import labels
from models.street import distance_m, resolve_address
from models.timeutil import epoch, iso
from widgets.style import P, set_kind

NEARBY_M = 300
INVALID_STYLE = f"border: 2px solid {P['error']};"
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
    """Signals:
        sig_submitted(str): the report went to the outbox under this command id.
    """
    sig_submitted = Signal(str)

    def __init__(self, room, link, parent=None, args: dict | None = None):
        """args: a report to start from (a refused one, from the Outbox, to correct and send again)."""
        super().__init__(parent)
        self.room, self.link = room, link
        self.called_at: str = iso(room.now())     # the call came in when the form opened: its SLA clocks start here
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
        self._loc: dict | None = None
        self.setObjectName("NewCaseDialog")
        for name in ("title", "category", "source", "priority", "address", "description", "reporter", "phone",
                     "error"):
            getattr(self, name).setObjectName(f"NewCase.{name}")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setObjectName("NewCase.report")
        # the field each checked argument comes from, and its name in the operator's words
        self._fields: dict[str, tuple[Any, str]] = {"title": (self.title, self.tr("Title")), "address": (self.address, self.tr("Address")),
                        "description": (self.description, self.tr("Description")),
                        "reporter.name": (self.reporter, self.tr("Caller")),
                        "reporter.phone": (self.phone, self.tr("Caller's phone"))}
        for w, _label in self._fields.values():
            w.textChanged.connect(lambda *_a, w=w: self._mark(w, False))
        if args:
            self.fill(args)

    def fill(self, args: dict) -> None:
        """Put a report's fields back in the form."""
        self.title.setText(args.get("title", ""))
        i = self.category.findData(args.get("category"))
        self.category.setCurrentIndex(max(0, i))
        i = self.source.findData(args.get("source"))
        if i >= 0:
            self.source.setCurrentIndex(i)
        if args.get("priority") in (1, 2, 3, 4):
            self.priority.setValue(args["priority"])
        self.address.setText((args.get("location") or {}).get("address", ""))
        self.description.setPlainText(args.get("description", ""))
        rep = args.get("reporter") or {}
        self.reporter.setText(rep.get("name", ""))
        self.phone.setText(rep.get("phone", ""))
        if args.get("called_at"):
            self.called_at = args["called_at"]

    @staticmethod
    def _text(w) -> str:
        return (w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text()).strip()

    def _mark(self, w, bad: bool) -> None:
        if bool(w.property("invalid")) != bad:
            w.setProperty("invalid", bad)
            w.setStyleSheet(INVALID_STYLE if bad else "")

    def problems(self) -> list[tuple[QWidget, str]]:
        """What keeps the report from being sent, field by field, in the operator's words:
        the domain's limits (models/commands.py FIELD_LIMITS), the same the server applies."""
        out = []
        for key, (w, label) in self._fields.items():
            n, limit = len(self._text(w)), FIELD_LIMITS[key]
            if n > limit:
                out.append((w, self.tr("%1: at most %2 characters (now %3)").replace("%1", label).replace(
                    "%2", str(limit)).replace("%3", str(n))))
        for key in ("title", "address"):
            w, label = self._fields[key]
            if not self._text(w):
                out.append((w, self.tr("%1 is required").replace("%1", label)))
        return out
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
        """The report to send, or None with the fields at fault marked and said why (the
        dialog stays open: nothing typed is lost)."""
        problems = self.problems()
        for w, _label in self._fields.values():
            self._mark(w, any(p[0] is w for p in problems))
        if problems:
            self.error.setText("\n".join(p[1] for p in problems))
            problems[0][0].setFocus()
            return None
        title, addr = self.title.text().strip(), self.address.text().strip()
        args = {"title": title, "category": self.category.currentData(), "source": self.source.currentData(),
                "priority": self.priority.value(), "location": {"address": addr},
                "description": self.description.toPlainText().strip(), "called_at": self.called_at}
        if self.reporter.text().strip() or self.phone.text().strip():
            args["reporter"] = {"name": self.reporter.text().strip(), "phone": self.phone.text().strip()}
        try:
            check_report(self.room.state, args)     # anything else the server would refuse
        except CommandError as e:
            w = self._fields.get(e.field or "", (None, ""))[0]
            if w is not None:
                self._mark(w, True)
                w.setFocus()
            self.error.setText(self.tr("The server would refuse this report: %1").replace("%1", e.message))
            return None
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
        box.buttonClicked.connect(lambda b: self.discard() if b is discard else None)
        box.open()
        self._discard_box = box

    @property
    def discard_box(self):
        """The 'Discard this report?' question, once asked."""
        return getattr(self, "_discard_box", None)

    def discard(self) -> None:
        """Close the form, losing what was typed (the answer to the question)."""
        self._discard_ok = True
        self.reject()

    def submit(self, merge: bool = False) -> None:
        args = self.args()
        if args is None:
            return
        if merge and self.similar.currentItem():
            args["merge_into"] = self.similar.currentItem().data(Qt.ItemDataRole.UserRole)
        cid = self.link.submit("case.report", args)
        self.sig_submitted.emit(cid or "")
        self.accept()
