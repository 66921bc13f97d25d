"""The resident's rating code (扫码打分) from the case detail: the case's one-time rating
link and its QR code, asked of the server (`query.rating_link`, docs/protocol.md), shown on
screen and printed (a card with the case's number and title, the code and the link).

The dialog never blocks: it asks through the link and fills in when the answer comes; a
refusal or a lost link is said in words where the operator looks."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QImage, QPainter, QPixmap
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QVBoxLayout

from models.timeutil import epoch
from widgets.style import set_kind


def qr_image(text: str, scale: int = 8) -> QImage:
    """The QR code of `text` as an image (segno: pure Python, as the server's)."""
    import io

    import segno
    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=scale, border=4)
    img = QImage()
    img.loadFromData(buf.getvalue(), "PNG")
    return img


class RatingCodeDialog(QDialog):
    """The case's rating code: `link` is the cockpit's QtLink (its `query`)."""

    def __init__(self, case: dict, link, parent=None):
        super().__init__(parent)
        self.setObjectName("RatingCodeDialog")
        self.setWindowTitle(self.tr("Resident rating code"))
        self.case, self.link = case, link
        self.data: dict | None = None
        self.title = QLabel(self.tr("Case %1: %2").replace("%1", case['id'])
                            .replace("%2", case.get("title") or ""))
        self.title.setWordWrap(True)
        self.title.setProperty("kind", "heading")
        self.prompt = QLabel(self.tr("The resident scans this code with their phone and rates the handling "
                                     "(1–5 stars). It works once; no login, nothing personal is shown."))
        self.prompt.setWordWrap(True)
        self.qr = QLabel(self.tr("Asking the server for the code…"))
        self.qr.setObjectName("RatingCodeDialog.qr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setMinimumSize(300, 300)
        self.url = QLabel()
        self.url.setObjectName("RatingCodeDialog.url")
        self.url.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.url.setWordWrap(True)
        self.expires = QLabel()
        self.status = QLabel()
        self.status.setObjectName("RatingCodeDialog.status")
        self.status.setWordWrap(True)
        self.print_btn = QPushButton(self.tr("Print…"))
        self.print_btn.setEnabled(False)
        self.print_btn.clicked.connect(self.print_card)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.print_btn, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        for w in (self.title, self.prompt, self.qr, self.url, self.expires, self.status):
            lay.addWidget(w)
        lay.addWidget(buttons)
        self._print_dialog: QPrintDialog | None = None
        link.query("query.rating_link", {"case_id": case["id"]}, self._answered)

    def _answered(self, data, error) -> None:
        if error is not None:
            self.qr.setText("")
            why = (self.tr("The code needs the connection to the server: try again once it is back.")
                   if error.code in ("offline", "timeout") else
                   self.tr("The server refused the code: %1").replace("%1", error.message or error.code))
            self.status.setText(why)
            set_kind(self.status, "error")
            return
        self.data = data
        self.qr.setPixmap(QPixmap.fromImage(qr_image(data["url"], 6)))
        self.url.setText(data["url"])
        self.expires.setText(self.tr("Works until %1").replace("%1", _local(data["expires"])))
        self.status.setText(self.tr("A new code was made.") if data.get("new") else
                            self.tr("The code made earlier, shown again."))
        set_kind(self.status, "ok")
        self.print_btn.setEnabled(True)

    def print_card(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(f"rating-{self.case['id']}")
        dlg = QPrintDialog(printer, self)
        dlg.accepted.connect(lambda: self.print_on(printer))
        self._print_dialog = dlg
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.show()

    def print_on(self, printer: QPrinter) -> bool:
        """The card on one page: the case's number and title, what to do, the code, the link."""
        if self.data is None:
            return False
        p = QPainter()
        if not p.begin(printer):
            return False
        try:
            page = printer.pageRect(QPrinter.Unit.DevicePixel)
            w = page.width()
            y = 0.0
            font = QFont(p.font())
            font.setPointSize(18)
            font.setBold(True)
            p.setFont(font)
            h = w * 0.08
            p.drawText(QRectF(0, y, w, h), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.title.text())
            y += h
            font.setPointSize(12)
            font.setBold(False)
            p.setFont(font)
            h = w * 0.12
            p.drawText(QRectF(0, y, w, h), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.prompt.text())
            y += h
            side = w * 0.6
            p.drawImage(QRectF((w - side) / 2, y, side, side), qr_image(self.data["url"], 10))
            y += side + w * 0.02
            font.setPointSize(9)
            p.setFont(font)
            p.drawText(QRectF(0, y, w, w * 0.1), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                       self.data["url"] + "\n" + self.expires.text())
        finally:
            p.end()
        self.status.setText(self.tr("Sent to the printer."))
        return True


def _local(iso_time: str) -> str:
    import time
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch(iso_time)))
