"""Commands not yet acknowledged (pending while offline) and those the server refused,
with its reason; nothing the operator did disappears silently."""
from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from widgets.style import P


class OutboxPanel(QWidget):
    def __init__(self, link, parent=None):
        super().__init__(parent)
        self.setObjectName("OutboxPanel")
        self.link = link
        self.rows: dict[str, dict] = {}
        self.list = QListWidget()
        self.summary = QLabel()
        self.dismiss = QPushButton(self.tr("Dismiss refused"))
        self.dismiss.clicked.connect(self._dismiss)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.dismiss)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.list)
        link.sig_command.connect(self.on_command)
        self.refresh()

    def on_command(self, cid: str, outcome: str, detail: dict) -> None:
        if outcome == "acked":
            self.rows.pop(cid, None)
        else:
            self.rows[cid] = dict(detail, status=outcome)
        self.refresh()

    def pending(self) -> int:
        return sum(1 for r in self.rows.values() if r["status"] == "pending")

    def refused(self) -> int:
        return sum(1 for r in self.rows.values() if r["status"] == "refused")

    def refresh(self) -> None:
        self.list.clear()
        for cid, r in self.rows.items():
            when = time.strftime("%H:%M:%S", time.localtime(r.get("created") or time.time()))
            target = r.get("args", {}).get("case_id") or r.get("args", {}).get("team_id") or ""
            if r["status"] == "refused":
                text = self.tr("%1 %2 %3 refused: %4").replace("%1", when).replace("%2", r.get("name", "")).replace(
                    "%3", target).replace("%4", f"{r.get('code')}: {r.get('message')}")
                colour = P["error"]
            else:
                text = self.tr("%1 %2 %3 waiting to be sent").replace("%1", when).replace(
                    "%2", r.get("name", "")).replace("%3", target)
                colour = P["warning"]
            item = QListWidgetItem(text)
            item.setForeground(QColor(colour))
            item.setData(Qt.ItemDataRole.UserRole, cid)
            self.list.addItem(item)
        self.summary.setText(self.tr("%1 pending · %2 refused").replace("%1", str(self.pending())).replace(
            "%2", str(self.refused())))

    def _dismiss(self) -> None:
        for cid in [c for c, r in self.rows.items() if r["status"] == "refused"]:
            self.rows.pop(cid)
            self.link.dismiss(cid)
        self.refresh()
