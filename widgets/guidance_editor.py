"""The handling guides' editor (执法手册, admin role only; Account → Handling guides…): a
category's guide in Chinese and English and its checklist (each item's words, whether it is
required before feedback, its order). Saving sends `guidance.set` through the link; the server
checks it, and the edit is an event every cockpit and field terminal applies at once. What
became of it (sent, saved, refused: why) is said under the buttons. Opened with show()."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from models.domain import CATEGORIES
from models.guidance import GUIDE_LIMIT, GUIDES, ITEM_LIMIT, MAX_ITEMS, guide_for
from models.qt import labels
from widgets import outcome
from widgets.style import set_kind


class GuidanceEditor(QDialog):
    def __init__(self, room, link, parent=None):
        super().__init__(parent)
        self.setObjectName("GuidanceEditor")
        self.room, self.link = room, link
        self.setWindowTitle(self.tr("Handling guides"))
        self.resize(760, 640)
        self.category = QComboBox()
        for c in CATEGORIES:
            self.category.addItem(labels.category(c), c)
        self.category.currentIndexChanged.connect(lambda _i: self.load())
        self.origin = QLabel()
        self.guide = QPlainTextEdit()
        self.guide.setPlaceholderText(self.tr("The guide in Chinese (required)"))
        self.guide_en = QPlainTextEdit()
        self.guide_en.setPlaceholderText(self.tr("The guide in English (optional)"))
        for w in (self.guide, self.guide_en):
            w.setMaximumHeight(90)
        self.items = QTableWidget(0, 3)
        self.items.setObjectName("GuidanceEditor.items")
        self.items.setHorizontalHeaderLabels([self.tr("Item (Chinese)"), self.tr("Item (English)"),
                                              self.tr("Required before feedback")])
        self.items.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.items.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.items.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.items.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.items.verticalHeader().hide()
        self.add_button = QPushButton(self.tr("Add item"))
        self.remove_button = QPushButton(self.tr("Remove item"))
        self.up_button = QPushButton(self.tr("Move up"))
        self.down_button = QPushButton(self.tr("Move down"))
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setProperty("role", "primary")
        self.reset_button = QPushButton(self.tr("Back to the shipped guide"))
        self.message = QLabel()
        self.message.setObjectName("GuidanceEditor.message")
        self.message.setWordWrap(True)
        self.add_button.clicked.connect(lambda: self.add_item("", "", False))
        self.remove_button.clicked.connect(self.remove_item)
        self.up_button.clicked.connect(lambda: self.move_item(-1))
        self.down_button.clicked.connect(lambda: self.move_item(+1))
        self.save_button.clicked.connect(self.save)
        self.reset_button.clicked.connect(self.reset)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Category:")))
        top.addWidget(self.category, 1)
        top.addWidget(self.origin, 2)
        rows = QHBoxLayout()
        for b in (self.add_button, self.remove_button, self.up_button, self.down_button):
            rows.addWidget(b)
        rows.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.reset_button)
        bottom.addStretch(1)
        bottom.addWidget(self.save_button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(QLabel(self.tr("Guide")))
        lay.addWidget(self.guide)
        lay.addWidget(self.guide_en)
        lay.addWidget(QLabel(self.tr("Checklist (a ticked item is recorded on the case; a required one must be "
                                     "ticked before the squad's feedback)")))
        lay.addWidget(self.items, 1)
        lay.addLayout(rows)
        lay.addWidget(self.message)
        lay.addLayout(bottom)
        self._sent: dict[str, str] = {}        # command id -> category
        self._loaded: dict | None = None       # the guide as loaded into the form
        link.sig_command.connect(self._command_result)
        room.sig_room.connect(self._room_changed)
        self.load()

    def current(self) -> str:
        return self.category.currentData()

    def select(self, category: str) -> None:
        self.category.setCurrentIndex(max(0, self.category.findData(category)))

    def load(self) -> None:
        """The category's guide as it is now (the admin's edit, or the shipped one)."""
        cat = self.current()
        g = guide_for(cat, self.room.state)
        edited = cat in (self.room.state.get("guidance") or {})
        self.origin.setText(self.tr("edited on this server") if edited else self.tr("as shipped"))
        self.reset_button.setEnabled(edited)
        self.guide.setPlainText(g.guide if g else "")
        self.guide_en.setPlainText(g.guide_en if g else "")
        self.items.setRowCount(0)
        for it in (g.items if g else ()):
            self.add_item(it.zh, it.en, it.required, it.id)
        self._loaded = g.to_dict() if g else None

    def add_item(self, zh: str, en: str, required: bool, item_id: str | None = None) -> int:
        r = self.items.rowCount()
        self.items.insertRow(r)
        a, b = QTableWidgetItem(zh), QTableWidgetItem(en)
        a.setData(Qt.ItemDataRole.UserRole, item_id)      # kept: a case's ticks name it
        c = QTableWidgetItem()
        c.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        c.setCheckState(Qt.CheckState.Checked if required else Qt.CheckState.Unchecked)
        for col, item in enumerate((a, b, c)):
            self.items.setItem(r, col, item)
        self.items.setCurrentCell(r, 0)
        return r

    def remove_item(self) -> None:
        r = self.items.currentRow()
        if r >= 0:
            self.items.removeRow(r)

    def move_item(self, step: int) -> None:
        r = self.items.currentRow()
        to = r + step
        if r < 0 or not 0 <= to < self.items.rowCount():
            return
        row = [self.items.takeItem(r, c) for c in range(3)]
        other = [self.items.takeItem(to, c) for c in range(3)]
        for c in range(3):
            self.items.setItem(to, c, row[c])
            self.items.setItem(r, c, other[c])
        self.items.setCurrentCell(to, 0)

    def guide_args(self) -> dict:
        """The guide as the form holds it (what `guidance.set` sends)."""
        items = []
        for r in range(self.items.rowCount()):
            zh, en, req = (self.items.item(r, c) for c in range(3))
            it = {"zh": (zh.text() if zh else "").strip(), "en": (en.text() if en else "").strip(),
                  "required": req is not None and req.checkState() == Qt.CheckState.Checked}
            if zh is not None and zh.data(Qt.ItemDataRole.UserRole):
                it["id"] = zh.data(Qt.ItemDataRole.UserRole)
            items.append(it)
        return {"guide": self.guide.toPlainText().strip(), "guide_en": self.guide_en.toPlainText().strip(),
                "items": items}

    def check(self, guide: dict) -> str:
        """What is wrong with the form, in words, before it is sent ('' when nothing): the
        server checks the same and has the last word."""
        if not guide["guide"]:
            return self.tr("Write the guide in Chinese.")
        if len(guide["guide"]) > GUIDE_LIMIT or len(guide["guide_en"]) > GUIDE_LIMIT:
            return self.tr("A guide may be at most %1 characters.").replace("%1", str(GUIDE_LIMIT))
        if not 1 <= len(guide["items"]) <= MAX_ITEMS:
            return self.tr("A checklist has 1 to %1 items.").replace("%1", str(MAX_ITEMS))
        for n, it in enumerate(guide["items"], 1):
            if not it["zh"]:
                return self.tr("Item %1 has no Chinese words.").replace("%1", str(n))
            if len(it["zh"]) > ITEM_LIMIT or len(it["en"]) > ITEM_LIMIT:
                return self.tr("Item %1 is longer than %2 characters.").replace("%1", str(n)).replace(
                    "%2", str(ITEM_LIMIT))
        if sum(1 for it in guide["items"] if it["en"]) not in (0, len(guide["items"])):
            return self.tr("Give every item its English words, or none.")
        return ""

    def _say(self, text: str, kind: str | None) -> None:
        self.message.setText(text)
        set_kind(self.message, kind)

    def save(self) -> str | None:
        guide = self.guide_args()
        problem = self.check(guide)
        if problem:
            self._say(problem, "error")
            return None
        cid = self.link.submit("guidance.set", {"category": self.current(), "guide": guide})
        self._sent[cid] = self.current()
        self._say(outcome.describe("pending", {"name": "guidance.set"}, True), None)
        return cid

    def reset(self) -> str | None:
        if self.current() not in (self.room.state.get("guidance") or {}) or self.current() not in GUIDES:
            return None
        cid = self.link.submit("guidance.set", {"category": self.current(), "reset": True})
        self._sent[cid] = self.current()
        self._say(outcome.describe("pending", {"name": "guidance.set"}, True), None)
        return cid

    def _command_result(self, cid: str, outcome_: str, detail: dict) -> None:
        if cid not in self._sent or outcome_ == "pending":
            return
        cat = self._sent.pop(cid)
        if outcome_ == "acked":
            self._say(self.tr("Saved: every cockpit and field terminal shows the %1 guide now.")
                      .replace("%1", labels.category(cat)), "ok")
            if cat == self.current():
                self.load()
        else:
            online = self.link.status.state == "online" if hasattr(self.link, "status") else True
            said = outcome.describe(outcome_, detail, online)
            if outcome_ == "refused" and detail.get("message"):
                said += " — " + str(detail["message"])       # the server's words: what exactly is wrong
            self._say(said, outcome.kind(outcome_, online))

    def _room_changed(self) -> None:
        # the category on screen was edited (by another admin, or reset): shown as it now is
        g = guide_for(self.current(), self.room.state)
        if not self._sent and (g.to_dict() if g else None) != self._loaded:
            self.load()
