"""The handling guide (执法手册) of the case's category, in the detail panel: the short
guide and the checklist (resources/guidance.toml)."""
from __future__ import annotations

import html

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout

from models.guidance import guide_for
from models.qt import labels


class GuideBox(QGroupBox):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("GuideBox")
        self.guide = QLabel()
        self.guide.setObjectName("GuideBox.guide")
        self.guide.setWordWrap(True)
        self.checklist = QLabel()
        self.checklist.setObjectName("GuideBox.checklist")
        self.checklist.setWordWrap(True)
        self.checklist.setTextFormat(Qt.TextFormat.RichText)
        lay = QVBoxLayout(self)
        lay.addWidget(self.guide)
        lay.addWidget(self.checklist)
        self.setVisible(False)

    def show_case(self, case: dict | None) -> None:
        g = guide_for((case or {}).get("category"))
        self.setVisible(g is not None)
        if g is None:
            return
        zh = QCoreApplication.translate("Domain", "Dispute") != "Dispute"
        text, items = g.text(zh)
        self.setTitle(self.tr("Handling guide: %1").replace("%1", labels.category(g.category)))
        self.guide.setText(text)
        self.checklist.setText("<br>".join(f"☐ {html.escape(i)}" for i in items))
