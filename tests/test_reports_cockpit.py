"""The cockpit's Reports (offscreen, against the real server in its own process): a report asked
of the server, previewed, saved as Excel and printed; the case sheet; the month and year views."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtPrintSupport import QPrinter

from client.qtlink import LinkService

from .helpers import ServerProcess
from .qtasync import QtLoop
from .test_reports import DAY

SHOTS = Path(os.environ.get("XIAONAO_SHOTS", "")) if os.environ.get("XIAONAO_SHOTS") else None


@pytest.fixture
def loop(qapp):
    lp = QtLoop(qapp)
    yield lp
    lp.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One server process over the played history for the module's tests: they only read it
    (each logs in with its own cache; what they add, the audit's lines, none counts)."""
    from .conftest import template_db
    from .test_reports import play_history
    srv = ServerProcess(template_db(tmp_path_factory.mktemp("served"), "reports-history", play_history)).start()
    yield srv
    srv.stop()


def online(loop, served, tmp_path, user):
    link = LinkService(served.url, user, f"{user}-password", cache_path=tmp_path / f"{user}-cache.db")
    link.start()
    loop.wait(lambda: link.status.state == "online", what="online")
    return link


def test_a_leader_previews_saves_and_prints_a_daily_report(served, qtbot, loop, tmp_path):
    from app import i18n
    from widgets.reports import ReportDialog
    i18n.install("zh_CN")
    link = online(loop, served, tmp_path, "lead")
    try:
        dlg = ReportDialog(link, "zh_CN", today=DAY.replace(day=24))
        qtbot.addWidget(dlg)
        dlg.show()
        assert dlg.day.date().toString("yyyy-MM-dd") == "2026-11-23"      # yesterday by default
        assert dlg.personal.isEnabled()
        dlg.build.click()
        loop.wait(lambda: dlg.preview.doc.pageCount() > 0, what="the preview", timeout=60)
        assert dlg.report.title == "日报" and dlg.report.masked
        assert dlg.print_btn.isEnabled() and "3" in dlg.status.text()
        if SHOTS:
            dlg.resize(900, 1000)
            loop.pump(0.3)
            dlg.grab().save(str(SHOTS / "reports_dialog_zh_CN.png"))
        xlsx = tmp_path / "daily.xlsx"
        dlg.save_to("xlsx", str(xlsx))
        loop.wait(lambda: xlsx.exists() and "daily.xlsx" in dlg.status.text(), what="saved")
        import openpyxl
        ws = openpyxl.load_workbook(xlsx)["主要指标"]
        rows = {r[0]: r[1] for r in ws.iter_rows(min_row=2, values_only=True)}
        assert rows["受理数"] == 4 and rows["期末超期事件"] == 2
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / "printed.pdf"))
        assert dlg.print_on(printer) == dlg.preview.doc.pageCount()
        assert (tmp_path / "printed.pdf").stat().st_size > 10_000
        # the period the user picks: a weekly report in English
        dlg.kind.setCurrentIndex(1)
        dlg.lang.setCurrentIndex(1)
        dlg.build.click()
        loop.wait(lambda: dlg.report is not None and dlg.report.kind == "weekly" and dlg.print_btn.isEnabled(),
                  what=f"the weekly report ({dlg.status.text()})", timeout=60)
        assert dlg.report.title == "Weekly report"
        if SHOTS:
            loop.pump(0.3)
            dlg.grab().save(str(SHOTS / "reports_dialog_en.png"))
        dlg.close()
    finally:
        loop.run(link.shutdown())


def test_an_operator_cannot_ask_for_personal_data(served, qtbot, loop, tmp_path):
    from app import i18n
    from widgets.reports import ReportDialog
    i18n.install("en")
    link = online(loop, served, tmp_path, "op")
    try:
        dlg = ReportDialog(link, "en", today=DAY.replace(day=24))
        qtbot.addWidget(dlg)
        assert not dlg.personal.isEnabled()
        dlg.personal.setEnabled(True)          # even if the box were ticked, the server refuses
        dlg.personal.setChecked(True)
        dlg.build.click()
        loop.wait(lambda: "Refused" in dlg.status.text(), what="refused")
        assert "leader or admin" in dlg.status.text() and not dlg.print_btn.isEnabled()
    finally:
        loop.run(link.shutdown())


def test_the_case_sheet_of_the_case_on_screen(served, qtbot, loop, tmp_path):
    from app import i18n
    from widgets.reports import CaseSheetDialog
    i18n.install("zh_CN")
    link = online(loop, served, tmp_path, "op")
    try:
        case = link.state["cases"]["C000004"]
        dlg = CaseSheetDialog(case, link.state, link.role, "zh_CN")
        qtbot.addWidget(dlg)
        dlg.show()
        loop.wait(lambda: dlg.preview.doc.pageCount() > 0, what="the case sheet", timeout=60)
        assert not dlg.personal.isEnabled() and not dlg.save_xlsx.isVisible()
        if SHOTS:
            loop.pump(0.3)
            dlg.grab().save(str(SHOTS / "case_sheet_zh_CN.png"))
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / "case.pdf"))
        assert dlg.print_on(printer) >= 1
    finally:
        loop.run(link.shutdown())


def test_month_and_year_views_come_from_the_server(served, qtbot, loop, tmp_path):
    from app import i18n
    from widgets.history import HistoryPanel
    i18n.install("en")
    link = online(loop, served, tmp_path, "op")
    try:
        panel = HistoryPanel(link)
        qtbot.addWidget(panel)
        panel.resize(1200, 500)
        panel.show()
        panel.refresh()
        loop.wait(lambda: panel.table.rowCount() == 24, what="24 months")
        nov = next(r for r in range(24) if panel.table.item(r, 0).text() == "2026-11")
        assert panel.table.item(nov, 1).text() == "5" and panel.table.item(nov, 2).text() == "0"
        assert panel.table.item(nov, 5).text() == "80.0%"
        if SHOTS:
            loop.pump(0.3)
            panel.grab().save(str(SHOTS / "history_en.png"))
        panel.unit.setCurrentIndex(1)
        loop.wait(lambda: panel.table.rowCount() == 5, what="5 years")
        assert panel.table.item(0, 0).text() == "2026" and panel.table.item(0, 1).text() == "5"
    finally:
        loop.run(link.shutdown())


def test_the_case_detail_panel_opens_the_case_sheet(served, qtbot, loop, tmp_path):
    from app import i18n
    from models.qt.room import RoomState, Selection
    from widgets.case_detail import CaseDetailPanel
    from widgets.reports import CaseSheetDialog
    i18n.install("en")
    link = LinkService(served.url, "lead", "lead-password", cache_path=tmp_path / "lead-cache.db")
    room, sel = RoomState(), Selection()
    room.attach(link)
    link.start()
    loop.wait(lambda: link.status.state == "online" and "C000004" in room.state["cases"], what="online")
    try:
        panel = CaseDetailPanel(room, sel, link)
        qtbot.addWidget(panel)
        assert not panel.print_sheet.isEnabled()            # no case on screen
        sel.set_case("C000004")
        assert panel.print_sheet.isEnabled() and panel.print_sheet.text() == "Case sheet…"
        panel.print_sheet.click()
        dlg = panel.findChild(CaseSheetDialog)
        assert dlg is not None and dlg.personal.isEnabled()  # a leader may show names
        loop.wait(lambda: dlg.preview.doc.pageCount() > 0, what="the case sheet", timeout=60)
        import subprocess
        text = subprocess.run(["pdftotext", str(dlg.pdf_path), "-"], capture_output=True, text=True).stdout
        assert "C 预付卡退费" in text and "Case sheet" in text
        dlg.close()
    finally:
        loop.run(link.shutdown())


def test_a_period_with_no_cases_shows_no_year_on_year_change():
    """Not "-100%" in green (good news) for a month before the log began."""
    from widgets.history import cell_text
    assert cell_text({"reported": 0, "last_year": {"reported": 40}}, "reported_yoy", "yoy") == "–"
    assert cell_text({"reported": 30, "last_year": {"reported": 40}}, "reported_yoy", "yoy") == "-25.0%"
    assert cell_text({"reported": 30, "last_year": {"reported": 0}}, "reported_yoy", "yoy") == "–"
