"""Dispatch: squads recommended by status, area and distance; the best is preselected, so
dispatching is two keystrokes (D, then Enter).

A case may change while the dialog is open (another operator, a squad's terminal, the demo's
simulator): Enter then does not send blindly. If the case is already with the chosen squad,
nothing is sent and the dialog says so; if it was dispatched or closed since the dialog
opened, the dialog says what happened and a second Enter confirms (a re-dispatch sends the
chosen squad instead)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout

from models.commands import CASE_TRANSITIONS, WITH_SQUAD
from models.dispatch import recommend_squads
from models.qt import labels
from widgets.style import TEAM_COLOURS, P

DISPATCHABLE = CASE_TRANSITIONS["case.dispatch"][0]      # the statuses a case may be dispatched from


class DispatchDialog(QDialog):
    """Non-blocking: opened with open(); the caller connects `accepted`."""

    def __init__(self, room, link, case_id: str, parent=None, team_id: str | None = None):
        """team_id: the squad to preselect (a double-click on its tile); else the best one."""
        super().__init__(parent)
        self.room, self.link, self.case_id = room, link, case_id
        self.setObjectName("DispatchDialog")
        case = room.state["cases"][case_id]
        self._seen = self._situation(case)      # what the operator saw when the dialog opened
        self.setWindowTitle(self.tr("Dispatch %1").replace("%1", case_id))
        self.setMinimumWidth(520)
        head = QLabel(f"<b>{case['id']} · {case['title']}</b><br>{case['location'].get('address', '')} · "
                      f"{labels.area(room.street, case['location'].get('area'))} {case['location'].get('grid') or ''}")
        self.list = QListWidget()
        for rec in recommend_squads(room.state, case, limit=18):
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, rec["team"]["id"])
            self._fill(item, rec)
            self.list.addItem(item)
        rows = [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]
        holder = case.get("team_id") if case["status"] in WITH_SQUAD else None
        first = next((i for i, r in enumerate(rows) if r != holder), 0)     # not the squad it is already with
        self.list.setCurrentRow(rows.index(team_id) if team_id in rows else first)
        self.list.setObjectName("DispatchDialog.squads")
        hint = QLabel(self.tr("Enter dispatches the highlighted squad; arrows choose another."))
        hint.setProperty("kind", "muted")
        self.warning = QLabel()                  # the case is already with a squad / changed meanwhile
        self.warning.setObjectName("DispatchDialog.warning")
        self.warning.setWordWrap(True)
        self.warning.setProperty("kind", "warning")
        self._say_situation(case)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Dispatch"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        # Enter reaches the dialog's default button (Dispatch); activating the row as well accepted twice
        self.list.itemDoubleClicked.connect(lambda _i: self.accept())
        lay = QVBoxLayout(self)
        lay.addWidget(head)
        lay.addWidget(self.warning)
        lay.addWidget(self.list)
        lay.addWidget(hint)
        lay.addWidget(buttons)
        self.list.setFocus()
        room.sig_teams.connect(self._teams_changed)
        room.sig_cases.connect(self._cases_changed)

    def _fill(self, item: QListWidgetItem, rec: dict | None) -> None:
        """A squad's row: call sign, status, distance, why it is recommended, its case; a squad
        that went off duty while the dialog is open (rec None) says so, greyed."""
        tid = item.data(Qt.ItemDataRole.UserRole)
        if rec is None:
            t = self.room.state["teams"].get(tid) or {"call_sign": tid}
            item.setText(f"{t['call_sign']} ({tid})  ·  " + self.tr("off duty"))
            item.setForeground(QColor(P["muted"]))
            return
        t = rec["team"]
        dist = f"{rec['distance_m'] / 1000:.1f} km" if rec["distance_m"] is not None else "?"
        busy = self.tr(" · on %1").replace("%1", t["case_id"]) if t.get("case_id") else ""
        kind, detail = rec["reason"]
        # why it is recommended: responsible for the case's road (以道路为最小作战单元), own area, nearest
        why = (self.tr(" · responsible for %1").replace("%1", detail) if kind == "road" else
               self.tr(" · own area") if kind == "area" else self.tr(" · nearest") if kind == "nearest" else "")
        item.setText(f"{t['call_sign']} ({t['id']})  ·  {labels.team_status(t['status'])}  ·  {dist}{why}{busy}")
        f = item.font()
        f.setBold(kind == "road")
        item.setFont(f)
        item.setForeground(QColor(TEAM_COLOURS.get(t["status"], P["text"])))

    def _teams_changed(self, teams) -> None:
        """Squads change while the operator chooses (status, position, duty, their cases): the rows
        say it now, in place (the order and the highlight stay where the operator put them)."""
        case = self.room.state["cases"].get(self.case_id)
        if case is None or not self.isVisible():
            return
        recs = {r["team"]["id"]: r for r in recommend_squads(self.room.state, case, limit=len(self.room.state["teams"]))}
        for i in range(self.list.count()):
            item = self.list.item(i)
            self._fill(item, recs.get(item.data(Qt.ItemDataRole.UserRole)))

    def _cases_changed(self, changed, _new) -> None:
        """The case changed under the operator: said at once (Enter still asks once more)."""
        case = self.room.state["cases"].get(self.case_id)
        if case is not None and self.case_id in changed and self.isVisible() and self._situation(case) != self._seen:
            self._say_situation(case, changed=True)

    def chosen_team(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    @staticmethod
    def _situation(case: dict) -> tuple:
        return case["status"], case.get("team_id")

    def _say_situation(self, case: dict, changed: bool = False) -> None:
        status, holder = self._situation(case)
        text = ""
        if status in WITH_SQUAD and holder:
            call = (self.room.state["teams"].get(holder) or {}).get("call_sign", holder)
            text = (self.tr("The case was dispatched meanwhile: it is now with %1 (%2). Dispatch again to send "
                            "the chosen squad instead.") if changed else
                    self.tr("The case is already with %1 (%2): dispatching sends the chosen squad instead."))
            text = text.replace("%1", f"{call} ({holder})").replace("%2", labels.status(status))
        elif status not in DISPATCHABLE:
            text = self.tr("The case is now %1: it cannot be dispatched.").replace("%1", labels.status(status))
        elif changed:
            text = self.tr("The case changed meanwhile: it is now %1.").replace("%1", labels.status(status))
        self.warning.setText(text)
        self.warning.setVisible(bool(text))

    def accept(self) -> None:
        case = self.room.state["cases"].get(self.case_id)
        tid = self.chosen_team()
        if case is None or not tid:
            super().reject()
            return
        now = self._situation(case)
        if now[0] not in DISPATCHABLE:
            self._say_situation(case)
            return
        if now[0] in WITH_SQUAD and now[1] == tid:
            call = (self.room.state["teams"].get(tid) or {}).get("call_sign", tid)
            self.warning.setText(self.tr("The case is already with %1: nothing was sent. Choose another squad or "
                                         "close.").replace("%1", f"{call} ({tid})"))
            self.warning.setVisible(True)
            self._seen = now
            return
        if now != self._seen:                    # it changed under the operator: say so, the next Enter sends
            self._seen = now
            self._say_situation(case, changed=True)
            return
        self.link.submit("case.dispatch", {"case_id": self.case_id, "team_id": tid})
        super().accept()
