"""Dispatch: squads recommended by status, area and distance; the best is preselected, so
dispatching is two keystrokes (D, then Enter)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout

from models.dispatch import recommend_squads
from models.qt import labels
from widgets.style import TEAM_COLOURS, P


class DispatchDialog(QDialog):
    """Non-blocking: opened with open(); the caller connects `accepted`."""

    def __init__(self, room, link, case_id: str, parent=None, team_id: str | None = None):
        """team_id: the squad to preselect (a double-click on its tile); else the best one."""
        super().__init__(parent)
        self.room, self.link, self.case_id = room, link, case_id
        self.setObjectName("DispatchDialog")
        case = room.state["cases"][case_id]
        self.setWindowTitle(self.tr("Dispatch %1").replace("%1", case_id))
        self.setMinimumWidth(520)
        head = QLabel(f"<b>{case['id']} · {case['title']}</b><br>{case['location'].get('address', '')} · "
                      f"{labels.area(room.street, case['location'].get('area'))} {case['location'].get('grid') or ''}")
        self.list = QListWidget()
        for rec in recommend_squads(room.state, case, limit=18):
            t = rec["team"]
            dist = f"{rec['distance_m'] / 1000:.1f} km" if rec["distance_m"] is not None else "?"
            busy = self.tr(" · on %1").replace("%1", t["case_id"]) if t.get("case_id") else ""
            kind, detail = rec["reason"]
            # why it is recommended: responsible for the case's road (以道路为最小作战单元), own area, nearest
            why = (self.tr(" · responsible for %1").replace("%1", detail) if kind == "road" else
                   self.tr(" · own area") if kind == "area" else self.tr(" · nearest") if kind == "nearest" else "")
            item = QListWidgetItem(f"{t['call_sign']} ({t['id']})  ·  {labels.team_status(t['status'])}"
                                   f"  ·  {dist}{why}{busy}")
            if kind == "road":
                f = item.font()
                f.setBold(True)
                item.setFont(f)
            item.setData(Qt.ItemDataRole.UserRole, t["id"])
            item.setForeground(QColor(TEAM_COLOURS.get(t["status"], P["text"])))
            self.list.addItem(item)
        rows = [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]
        self.list.setCurrentRow(rows.index(team_id) if team_id in rows else 0)
        self.list.setObjectName("DispatchDialog.squads")
        hint = QLabel(self.tr("Enter dispatches the highlighted squad; arrows choose another."))
        hint.setProperty("kind", "muted")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Dispatch"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemActivated.connect(lambda _i: self.accept())
        lay = QVBoxLayout(self)
        lay.addWidget(head)
        lay.addWidget(self.list)
        lay.addWidget(hint)
        lay.addWidget(buttons)
        self.list.setFocus()

    def chosen_team(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def accept(self) -> None:
        tid = self.chosen_team()
        if tid:
            self.link.submit("case.dispatch", {"case_id": self.case_id, "team_id": tid})
        super().accept()
