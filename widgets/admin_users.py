"""Users (admin role only): list the server's users, disable or enable one, change a role or
squad, reset a password. Every change goes to the server as an `admin` frame (never through
the outbox: a password is not kept anywhere), and the server ends or refreshes the user's
live sessions at once. Opened with show(), never exec(); nothing here blocks."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

ROLES = ("operator", "leader", "wall", "field", "intake", "admin", "department", "community")
PRIVILEGED = ("leader", "admin")             # (server/auth.py's password policy: 12 characters, else 8)


class UsersDialog(QDialog):
    def __init__(self, link, room, parent=None):
        super().__init__(parent)
        self.link, self.room = link, room
        self.setWindowTitle(self.tr("Users"))
        self.resize(720, 520)
        self.users: list[dict] = []
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([self.tr("User"), self.tr("Role"), self.tr("Bound to"),
                                              self.tr("State"), self.tr("Active logins")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._selected)

        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.toggle_button = QPushButton(self.tr("Disable"))
        self.role = QComboBox()
        for r in ROLES:
            self.role.addItem(self.role_name(r), r)
        self.team = QComboBox()
        self.department = QComboBox()          # a department account's department
        for d in (self.room.state.get("street") or {}).get("departments", []):
            self.department.addItem(d.get("name") or d["id"], d["id"])
        self.grids = QLineEdit()               # a community account's grids
        self.grids.setPlaceholderText(self.tr("grids, e.g. G01,G02"))
        self.role_button = QPushButton(self.tr("Change role"))
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("new password (12+ characters for leader/admin, 8+ others)"))
        self.password_button = QPushButton(self.tr("Reset password"))
        self.message = QLabel()
        self.message.setWordWrap(True)

        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.toggle_button)
        row.addStretch(1)
        row.addWidget(self.refresh_button)
        form.addRow(self.tr("Account"), row)
        rrow = QHBoxLayout()
        rrow.addWidget(self.role)
        rrow.addWidget(self.team)
        rrow.addWidget(self.department)
        rrow.addWidget(self.grids)
        rrow.addWidget(self.role_button)
        form.addRow(self.tr("Role"), rrow)
        prow = QHBoxLayout()
        prow.addWidget(self.password, 1)
        prow.addWidget(self.password_button)
        form.addRow(self.tr("Password"), prow)
        lay.addLayout(form)
        lay.addWidget(self.message)

        self.refresh_button.clicked.connect(self.refresh)
        self.toggle_button.clicked.connect(self._toggle)
        self.role_button.clicked.connect(self._change_role)
        self.password_button.clicked.connect(self._reset_password)
        self.role.currentIndexChanged.connect(self._role_picked)
        self._fill_teams()
        self._selected()
        self.refresh()

    def policy_text(self, details: dict | None, message: str = "") -> str:
        """The server's password, name or binding refusal in the user's language, from the
        `reason` its details carry (docs/protocol.md); its own words (English) for any other."""
        d = details or {}
        reason = d.get("reason")

        def listed(key: str) -> str:
            v = d.get(key)
            if not isinstance(v, list):
                return str(v or "")
            return f"{v[0]}…{v[-1]}" if len(v) > 8 else ", ".join(str(x) for x in v)
        if reason == "password_short":
            return self.tr("the password of a %1 must have at least %2 characters").replace(
                "%1", self.role_name(str(d.get("role", "")))).replace("%2", str(d.get("minimum", "")))
        words = {
            "password_common": self.tr("this password is too common; choose another"),
            "password_is_name": self.tr("the password must not be the user name"),
            "password_blank": self.tr("the password must not be blank"),
            "password_long": self.tr("the password must have at most %1 characters"),
            "name_blank": self.tr("the user name must not be blank"),
            "name_characters": self.tr("the user name must not contain spaces or control characters"),
            "name_long": self.tr("the user name must have at most %1 characters"),
            "team_needed": self.tr("a field squad account needs its squad"),
            "team_unknown": self.tr("no squad %1 in this street (squads: %2)"),
            "department_needed": self.tr("a department account needs its department"),
            "department_unknown": self.tr("no department %1 in this street (departments: %2)"),
            "grids_needed": self.tr("a community account needs its grids, e.g. G01,G02"),
            "grids_unknown": self.tr("no grid %1 in this street (grids: %2)"),
        }
        text = words.get(reason or "")
        if text is None:
            return message
        first = {"password_long": "limit", "name_long": "limit", "team_unknown": "team",
                 "department_unknown": "department", "grids_unknown": "grids"}.get(reason or "")
        if first:
            text = text.replace("%1", listed(first)).replace("%2", listed("known"))
        return text

    def role_name(self, role: str) -> str:
        return {"operator": self.tr("operator"), "leader": self.tr("shift leader"), "wall": self.tr("video wall"),
                "field": self.tr("field squad"), "intake": self.tr("intake system"),
                "admin": self.tr("administrator"), "department": self.tr("department liaison"),
                "community": self.tr("community / grid worker")}.get(role, role)

    def _fill_teams(self) -> None:
        self.team.clear()
        for tid in sorted(self.room.state.get("teams", {})):
            self.team.addItem(tid, tid)

    # ---- what is selected ---------------------------------------------------------
    def selected(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows()
        return self.users[rows[0].row()] if rows and rows[0].row() < len(self.users) else None

    def select(self, name: str) -> None:
        for i, u in enumerate(self.users):
            if u["name"] == name:
                self.table.selectRow(i)
                return

    def _selected(self) -> None:
        u = self.selected()
        for w in (self.toggle_button, self.role_button, self.password_button, self.role, self.password):
            w.setEnabled(u is not None)
        if u is not None:
            self.toggle_button.setText(self.tr("Enable") if u["disabled"] else self.tr("Disable"))
            self.role.setCurrentIndex(max(0, self.role.findData(u["role"])))
            if u.get("team_id"):
                self.team.setCurrentIndex(max(0, self.team.findData(u["team_id"])))
            if u.get("department"):
                self.department.setCurrentIndex(max(0, self.department.findData(u["department"])))
            self.grids.setText(",".join(u.get("grids") or []))
        self._role_picked()

    def _role_picked(self, *_):
        role = self.role.currentData()
        self.team.setVisible(role == "field")
        self.department.setVisible(role == "department")
        self.grids.setVisible(role == "community")

    # ---- talking to the server ----------------------------------------------------------
    def _ask(self, name: str, args: dict, said: str) -> None:
        self._busy(True)

        def done(result, code, message, details=None):
            self._busy(False)
            if result is None:
                self.show_message(self.tr("Refused: %1").replace("%1", self.policy_text(details, message) or code),
                                  error=True)
                return
            if name == "user.list":
                self._show_users(result.get("users", []))
                return
            n = int(result.get("sessions_ended", 0))
            self.show_message(said + (" " + self.tr("%1 live session(s) ended.").replace("%1", str(n)) if n else ""))
            self.refresh(keep=args.get("user"))
        self.link.admin(name, args, done)

    def _busy(self, on: bool) -> None:
        self.refresh_button.setEnabled(not on)
        if on:
            for w in (self.toggle_button, self.role_button, self.password_button):
                w.setEnabled(False)
        else:
            self._selected()

    def show_message(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet("color: #ff6b6b" if error else "color: #34c759")

    def refresh(self, *_, keep: str | None = None) -> None:
        self._keep = keep or (self.selected() or {}).get("name")
        self._ask("user.list", {}, "")

    def _show_users(self, users: list[dict]) -> None:
        self.users = users
        self.table.setRowCount(len(users))
        for i, u in enumerate(users):
            bound = u.get("team_id") or u.get("department") or ",".join(u.get("grids") or []) or "—"
            cells = [u["name"], self.role_name(u["role"]), bound,
                     self.tr("disabled") if u["disabled"] else self.tr("active"), str(u.get("tokens", 0))]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if u["disabled"]:
                    item.setForeground(Qt.GlobalColor.gray)
                self.table.setItem(i, j, item)
        if self._keep:
            self.select(self._keep)
        self._selected()

    def _toggle(self) -> None:
        u = self.selected()
        if u is None:
            return
        if u["disabled"]:
            self._ask("user.enable", {"user": u["name"]}, self.tr("%1 enabled.").replace("%1", u["name"]))
        else:
            self._ask("user.disable", {"user": u["name"]}, self.tr("%1 disabled.").replace("%1", u["name"]))

    def _change_role(self) -> None:
        u = self.selected()
        if u is None:
            return
        role = self.role.currentData()
        args = {"user": u["name"], "role": role}
        if role == "field":
            args["team_id"] = self.team.currentData()
        elif role == "department":
            args["department"] = self.department.currentData()
        elif role == "community":
            args["grids"] = self.grids.text().strip()
        self._ask("user.role", args, self.tr("%1 is now %2.").replace("%1", u["name"]).replace(
            "%2", self.role_name(role)))

    def _reset_password(self) -> None:
        u = self.selected()
        pw = self.password.text()
        self.password.clear()                  # never kept in the widget once sent
        if u is None or not pw:
            return
        need = 12 if u.get("role") in PRIVILEGED else 8
        if len(pw) < need:                     # said before it is sent (the server checks it again)
            self.show_message(self.tr("Not sent: %1").replace("%1", self.tr(
                "the password of a %1 must have at least %2 characters").replace(
                "%1", self.role_name(u.get("role", ""))).replace("%2", str(need))), error=True)
            return
        self._ask("user.passwd", {"user": u["name"], "password": pw},
                  self.tr("Password of %1 changed.").replace("%1", u["name"]))
