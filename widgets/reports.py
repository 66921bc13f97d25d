"""The cockpit's Reports: pick a report and its period, preview it, save it (PDF, Excel),
print it through the system's print dialog; and the A4 case sheet of one case.

The server computes the report (`query.report`: from its log, masked by role, audited); the
cockpit renders the PDF or workbook on a worker thread (reporting/, the same writers as the
server's CLI) and previews the PDF with QtPdf. Nothing here blocks the event loop: queries
are awaited on the link's loop, files are written on a worker thread, dialogs are opened
with open(), never exec()."""
from __future__ import annotations

import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QCoreApplication,
    QDate,
    QObject,
    QPointF,
    QRectF,
    QSize,
    QSizeF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.reports import KINDS, PRIVILEGED_ROLES, Report
from widgets.style import P

# both dialogs' strings share one context (a subclass's tr() would not find its base's)
translate = QCoreApplication.translate


PRINT_DPI = 300
_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xiaonao-render")
_tmp = tempfile.TemporaryDirectory(prefix="xiaonao-reports-")


class Worker(QObject):
    """Runs a function on the render thread; the outcome comes back on the Qt thread.

    Signals:
        sig_done(object, object, object): the job's tag, its result, and the exception or None.
    """
    sig_done = Signal(object, object, object)

    def run(self, tag, fn, *args) -> None:
        fut = _pool.submit(fn, *args)
        fut.add_done_callback(lambda f: self.sig_done.emit(tag, None if f.exception() else f.result(), f.exception()))


class PdfPreview(QWidget):
    """A PDF's pages, fitted to the width; prints them on a QPrinter page by page."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.doc = QPdfDocument(self)
        self.view = QPdfView(self)
        self.view.setDocument(self.doc)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        # around the pages (and before there are any) the theme's dark ground, not Qt's light grey
        pal = self.view.palette()
        pal.setColor(QPalette.ColorRole.Dark, QColor(P["field"]))
        self.view.setPalette(pal)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view)

    def load(self, path: str | Path) -> int:
        self.doc.close()
        self.doc.load(str(path))
        return self.doc.pageCount()

    def print_to(self, printer: QPrinter) -> int:
        """Each page drawn at the printer's resolution, fitted to its page; returns the pages printed."""
        painter = QPainter()
        if not painter.begin(printer):
            return 0
        try:
            n = self.doc.pageCount()
            for i in range(n):
                if i:
                    printer.newPage()
                target = painter.viewport()
                pts = self.doc.pagePointSize(i)
                scale = min(target.width() / pts.width(), target.height() / pts.height())
                # rendered at 300 dpi at most (a 1200 dpi A4 page would be half a gigabyte), drawn
                # to the page's size at the printer's resolution
                px = min(scale, PRINT_DPI / 72.0)
                img = self.doc.render(i, QSize(int(pts.width() * px), int(pts.height() * px)))
                painter.drawImage(QRectF(QPointF(0, 0), QSizeF(pts.width() * scale, pts.height() * scale)), img)
            return n
        finally:
            painter.end()


class _PreviewDialog(QDialog):
    """What both dialogs share: a preview, Save PDF, Save Excel (when there is one), Print, a status line."""

    def __init__(self, parent=None, excel: bool = True):
        super().__init__(parent)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.resize(900, 1000)
        self.worker = Worker(self)
        self.worker.sig_done.connect(self._job_done)
        self.preview = PdfPreview(self)
        self.status = QLabel("")
        self.status.setObjectName("ReportStatus")
        self.status.setWordWrap(True)
        self.pdf_path: Path | None = None
        self.save_pdf = QPushButton(translate("Reports", "Save PDF…"))
        self.save_xlsx = QPushButton(translate("Reports", "Save Excel…"))
        self.print_btn = QPushButton(translate("Reports", "Print…"))
        for b in (self.save_pdf, self.save_xlsx, self.print_btn):
            b.setEnabled(False)
        self.save_xlsx.setVisible(excel)
        self.save_pdf.clicked.connect(lambda: self._ask_path("pdf"))
        self.save_xlsx.clicked.connect(lambda: self._ask_path("xlsx"))
        self.print_btn.clicked.connect(self.print_report)
        self.actions_row = QHBoxLayout()
        for b in (self.save_pdf, self.save_xlsx, self.print_btn):
            self.actions_row.addWidget(b)
        self.actions_row.addStretch(1)
        self._file_dialog: QFileDialog | None = None
        self._print_dialog: QPrintDialog | None = None

    # subclasses: the file name stem, and how to write a format to a path
    def stem(self) -> str:
        raise NotImplementedError

    def writer(self, fmt: str):
        raise NotImplementedError

    def render_preview(self, quiet: bool = False) -> None:
        """Render the preview; `quiet`: a redraw of its own (the case sheet's thumbnails came
        in), which leaves the status line to what the user did (a save's "Saved to …")."""
        self.pdf_path = Path(_tmp.name) / f"{self.stem()}.pdf"
        if not quiet:
            self.status.setText(translate("Reports", "Rendering…"))
        self.worker.run(("redraw" if quiet else "preview", self.pdf_path), self.writer("pdf"), self.pdf_path)

    def _ask_path(self, fmt: str) -> None:
        dlg = QFileDialog(self, translate("Reports", "Save PDF") if fmt == "pdf" else translate("Reports", "Save Excel workbook"))
        dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dlg.setDefaultSuffix(fmt)
        dlg.setNameFilter(translate("Reports", "PDF (*.pdf)") if fmt == "pdf" else translate("Reports", "Excel workbook (*.xlsx)"))
        dlg.selectFile(f"{self.stem()}.{fmt}")
        dlg.fileSelected.connect(lambda path: self.save_to(fmt, path))
        self._file_dialog = dlg
        dlg.open()

    def save_to(self, fmt: str, path: str) -> None:
        self.status.setText(translate("Reports", "Saving…"))
        self.worker.run(("saved", path), self.writer(fmt), Path(path))

    def print_report(self) -> None:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setDocName(self.stem())
        dlg = QPrintDialog(printer, self)
        dlg.accepted.connect(lambda: self.print_on(printer))
        self._print_dialog = dlg
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.show()

    def print_on(self, printer: QPrinter) -> int:
        n = self.preview.print_to(printer)
        self.status.setText(translate("Reports", "%1 page(s) sent to the printer.").replace("%1", str(n)))
        return n

    def _job_done(self, tag, result, error) -> None:
        kind, path = tag
        if error is not None:
            self.status.setText(translate("Reports", "Could not write %1: %2").replace("%1", str(path)).replace("%2", str(error)))
            return
        if kind in ("preview", "redraw"):
            n = self.preview.load(result)
            for b in (self.save_pdf, self.save_xlsx, self.print_btn):
                b.setEnabled(True)
            # a redraw's "Ready" does not replace a save's outcome (it did, sometimes before it
            # was seen: the redraw of the thumbnails finished just after the save)
            if kind == "preview" or self.status.text() in ("", translate("Reports", "Rendering…")):
                self.status.setText(translate("Reports", "Ready: %1 page(s).").replace("%1", str(n)))
        else:
            self.status.setText(translate("Reports", "Saved to %1").replace("%1", str(result)))


class ReportDialog(_PreviewDialog):
    """Reports menu: daily, weekly, monthly report or bulletin, for a period the user picks."""
    KIND_LABELS = {"daily": QT_TRANSLATE_NOOP("Reports", "Daily report"),
                   "weekly": QT_TRANSLATE_NOOP("Reports", "Weekly report"),
                   "monthly": QT_TRANSLATE_NOOP("Reports", "Monthly report"),
                   "bulletin": QT_TRANSLATE_NOOP("Reports", "Bulletin")}

    def __init__(self, link, lang: str = "zh_CN", today: date | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle(translate("Reports", "Reports"))
        self.link = link
        self.report: Report | None = None
        self.kind = QComboBox()
        for k in KINDS:
            self.kind.addItem(translate("Reports", str(self.KIND_LABELS[k])), k)
        self.day = QDateEdit()
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        d = today or date.today()
        self.day.setDate(QDate(d.year, d.month, d.day).addDays(-1))
        self.lang = QComboBox()
        self.lang.addItem("中文", "zh_CN")
        self.lang.addItem("English", "en")
        self.lang.setCurrentIndex(0 if lang == "zh_CN" else 1)
        self.personal = QCheckBox(translate("Reports", "Show names and phones (recorded in the audit log)"))
        self.personal.setEnabled(link.role in PRIVILEGED_ROLES)
        if not self.personal.isEnabled():
            self.personal.setToolTip(translate("Reports", "Only a shift leader or an administrator may export personal data."))
        self.build = QPushButton(translate("Reports", "Preview"))
        self.build.setDefault(True)
        self.build.clicked.connect(self.ask)
        top = QHBoxLayout()
        for label, w in ((translate("Reports", "Report"), self.kind), (translate("Reports", "A day in the period"), self.day),
                         (translate("Reports", "Language"), self.lang)):
            top.addWidget(QLabel(label))
            top.addWidget(w)
        top.addWidget(self.build)
        top.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.personal)
        lay.addLayout(self.actions_row)
        lay.addWidget(self.status)
        lay.addWidget(self.preview, 1)
        self.status.setText(translate("Reports", "Choose a report and a day in its period, then Preview."))

    def args(self) -> dict:
        return {"kind": self.kind.currentData(), "date": self.day.date().toString("yyyy-MM-dd"),
                "lang": self.lang.currentData(), "personal": self.personal.isChecked()}

    def ask(self) -> None:
        """Ask the server for the report; the answer renders on the worker thread."""
        self.build.setEnabled(False)
        for b in (self.save_pdf, self.save_xlsx, self.print_btn):
            b.setEnabled(False)
        self.status.setText(translate("Reports", "Asking the server…"))
        self.link.query("query.report", self.args(), self._answered)

    def _answered(self, data, error) -> None:
        self.build.setEnabled(True)
        if error is not None:
            self.status.setText(translate("Reports", "Refused: %1").replace("%1", error.message or error.code))
            return
        self.report = Report.from_dict(data)
        self.render_preview()

    def stem(self) -> str:
        return self.report.file_stem() if self.report else "xiaonao-report"

    def writer(self, fmt: str):
        report = self.report
        assert report is not None
        if fmt == "pdf":
            from reporting.pdf import write_pdf
            return lambda path: write_pdf(report, path)
        from reporting.xlsx import write_xlsx
        return lambda path: write_xlsx(report, path)


class CaseSheetDialog(_PreviewDialog):
    """One case on A4, from the case on screen (the cockpit holds it): preview, save, print."""

    def __init__(self, case: dict, state: dict, role: str | None, lang: str = "zh_CN", parent=None,
                 link=None):
        super().__init__(parent, excel=False)
        self.evidence: dict[str, bytes] = {}      # attachment id -> thumbnail, as they arrive
        self._link = link
        self.setWindowTitle(translate("Reports", "Case sheet %1").replace("%1", case["id"]))
        import copy
        self.case = copy.deepcopy(case)
        self.state = {"street": state.get("street"), "teams": state.get("teams", {}),
                      "sla_profile": state.get("sla_profile")}
        self.lang_code = lang
        self.personal = QCheckBox(translate("Reports", "Show names and phones"))
        self.personal.setEnabled(role in PRIVILEGED_ROLES)
        self.personal.toggled.connect(lambda _: self.render_preview())
        lay = QVBoxLayout(self)
        lay.addWidget(self.personal)
        lay.addLayout(self.actions_row)
        lay.addWidget(self.status)
        lay.addWidget(self.preview, 1)
        self.render_preview()
        self.load_evidence()

    def stem(self) -> str:
        return f"xiaonao-case-{self.case['id']}"

    def writer(self, fmt: str):
        from reporting.casesheet import write_case_sheet
        case, state, lang, masked = self.case, self.state, self.lang_code, not self.personal.isChecked()
        evidence = dict(self.evidence)
        return lambda path: write_case_sheet(case, state, path, lang, masked, evidence=evidence)

    def load_evidence(self) -> None:
        """The thumbnails of the case's evidence: what the cockpit's cache holds at once, the rest
        from the server; the preview is drawn again once they are in (one redraw, not one each)."""
        from reporting.casesheet import sheet_attachments
        atts = sheet_attachments(self.case)
        if self._link is None or not atts or not hasattr(self._link, "cached_thumbnails"):
            return
        self._redraw = QTimer(self, singleShot=True, interval=300)
        self._redraw.timeout.connect(lambda: self.render_preview(quiet=True))

        def cached(got: dict) -> None:
            self._add_thumbs(got)
            for a in atts:
                if a["id"] not in got:
                    self._link.fetch_thumbnail(a, self.case["id"],
                                               lambda body, _err, i=a["id"]: self._add_thumbs({i: body} if body else {}))
        self._link.cached_thumbnails([a["id"] for a in atts], cached)

    def _add_thumbs(self, got: dict) -> None:
        if got:
            self.evidence.update(got)
            self._redraw.start()
