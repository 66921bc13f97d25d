"""Commands not yet acknowledged (pending while offline) and those the server refused,
with its reason in words, and files attached to cases until they are sent (uploading, waiting,
refused: why; client/evidence.py); nothing the operator did disappears silently. A refused entry can
be opened: a report comes back in the new-case form to be corrected and sent again (the
refused entry goes once the corrected one is sent), any other command can be sent again."""
from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from widgets import outcome
from widgets.evidence import upload_text
from widgets.style import P


class OutboxPanel(QWidget):
    """Signals:
        sig_open_report(str, dict): open this refused report (command id, its args) in the
            new-case form, to correct it and send it again.
    """
    sig_open_report = Signal(str, object)

    def __init__(self, link, parent=None):
        super().__init__(parent)
        self.setObjectName("OutboxPanel")
        self.link = link
        self.rows: dict[str, dict] = {}
        self.uploads: dict[str, dict] = {}       # upload id (its case.attach's command id) -> its row
        self.list = QListWidget()
        self.list.setObjectName("Outbox.list")
        self.summary = QLabel()
        self.open_btn = QPushButton(self.tr("Open / send again"))
        self.open_btn.setObjectName("Outbox.open")
        self.open_btn.setToolTip(self.tr("A refused report opens in the new-case form to be corrected; "
                                         "another command is sent again"))
        self.open_btn.clicked.connect(lambda: self.open_entry(self.list.currentItem()))
        self.dismiss = QPushButton(self.tr("Dismiss refused"))
        self.dismiss.clicked.connect(self._dismiss)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.open_btn)
        top.addWidget(self.dismiss)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.list)
        self.list.itemActivated.connect(self.open_entry)
        self.list.currentItemChanged.connect(lambda *_: self._buttons())
        link.sig_command.connect(self.on_command)
        link.sig_link.connect(self._link_changed)
        if hasattr(link, "sig_upload"):
            link.sig_upload.connect(self.on_upload)
            for row in link.uploads():
                self.uploads[row["id"]] = row
        self.refresh()

    def on_upload(self, row: dict) -> None:
        if row.get("status") in ("sent", "dismissed"):
            self.uploads.pop(row["id"], None)
        else:
            self.uploads[row["id"]] = row
        self.refresh()

    def on_command(self, cid: str, outcome_: str, detail: dict) -> None:
        if outcome_ == "acked":
            self.rows.pop(cid, None)
        else:
            self.rows[cid] = dict(detail, status=outcome_)
        self.refresh()

    def _link_changed(self, _status) -> None:
        self.refresh()           # "sent" or "waiting to be sent" follows the link

    def _uploads_shown(self) -> list[dict]:
        """Uploads not yet a command here (once case.attach is sent, its command row stands for it)."""
        return [u for u in self.uploads.values() if u["id"] not in self.rows]

    def pending(self) -> int:
        return sum(1 for r in self.rows.values() if r["status"] == "pending") + sum(
            1 for u in self._uploads_shown() if u.get("status") != "refused")

    def refused(self) -> int:
        return sum(1 for r in self.rows.values() if r["status"] == "refused") + sum(
            1 for u in self._uploads_shown() if u.get("status") == "refused")

    def refresh(self) -> None:
        current = self.list.currentItem().data(Qt.ItemDataRole.UserRole) if self.list.currentItem() else None
        self.list.clear()
        online = getattr(self.link, "status", None) is None or self.link.status.state == "online"
        for cid, r in self.rows.items():
            when = time.strftime("%H:%M:%S", time.localtime(r.get("created") or time.time()))
            args = r.get("args") or {}
            target = args.get("case_id") or args.get("team_id") or args.get("title") or ""
            refused = r["status"] == "refused"
            text = f"{when}  {target}  {outcome.describe(r['status'], r, online)}"
            item = QListWidgetItem(text)
            item.setForeground(QColor(P["error"] if refused else P["warning"]))
            if refused:
                item.setToolTip(f"{r.get('code')}: {r.get('message')}")
            item.setData(Qt.ItemDataRole.UserRole, cid)
            self.list.addItem(item)
            if cid == current:
                self.list.setCurrentItem(item)
        for u in self._uploads_shown():
            when = time.strftime("%H:%M:%S", time.localtime(u.get("created") or time.time()))
            refused = u.get("status") == "refused"
            item = QListWidgetItem(f"{when}  {u.get('case_id', '')}  {upload_text(u, online)}")
            item.setForeground(QColor(P["error"] if refused else P["warning"]))
            if u.get("message"):
                item.setToolTip(f"{u.get('code')}: {u.get('message')}")
            item.setData(Qt.ItemDataRole.UserRole, u["id"])
            self.list.addItem(item)
        self.summary.setText(self.tr("%1 pending · %2 refused").replace("%1", str(self.pending())).replace(
            "%2", str(self.refused())))
        self._buttons()

    def _buttons(self) -> None:
        item = self.list.currentItem()
        row = self.rows.get(item.data(Qt.ItemDataRole.UserRole)) if item else None
        self.open_btn.setEnabled(row is not None and row["status"] == "refused")
        self.dismiss.setEnabled(self.refused() > 0)

    def open_entry(self, item: QListWidgetItem | None) -> None:
        """A refused report into the form; another refused command sent again."""
        if item is None:
            return
        cid = item.data(Qt.ItemDataRole.UserRole)
        row = self.rows.get(cid)
        if row is None or row["status"] != "refused":
            return
        if row.get("name") == "case.report":
            self.sig_open_report.emit(cid, dict(row.get("args") or {}))
            return
        self.link.submit(row["name"], dict(row.get("args") or {}))
        self.forget(cid)

    def forget(self, cid: str) -> None:
        """Drop a refused entry (the operator saw it, or sent a corrected one)."""
        if self.rows.pop(cid, None) is not None:
            self.link.dismiss(cid)
            self.refresh()

    def _dismiss(self) -> None:
        for cid in [c for c, r in self.rows.items() if r["status"] == "refused"]:
            self.rows.pop(cid)
            self.link.dismiss(cid)
        for u in [u for u in self._uploads_shown() if u.get("status") == "refused"]:
            self.uploads.pop(u["id"], None)
            self.link.dismiss_upload(u["id"])
        self.refresh()
