"""Login when the server refuses the session (token expired, or none yet). Opened with
open(), never exec(); the password goes straight to the link and is never stored."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit


class LoginDialog(QDialog):
    def __init__(self, user: str | None, message: str = "", parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Log in to the command centre"))
        self.user_field = QLineEdit(user or "")
        self.password_field = QLineEdit()
        self.password_field.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout(self)
        self.error = QLabel(self.tr("User name or password not accepted. Try again.")
                            if message else self.tr("Enter your password to connect to the command centre."))
        self.error.setToolTip(message)         # the server's own words, for whoever looks into it
        self.error.setWordWrap(True)
        self.error.setProperty("kind", "error" if message else "muted")
        form.addRow(self.error)
        form.addRow(self.tr("User"), self.user_field)
        form.addRow(self.tr("Password"), self.password_field)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.password_field.setFocus()

    def user(self) -> str:
        return self.user_field.text().strip()

    def password(self) -> str:
        return self.password_field.text()
