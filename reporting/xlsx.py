"""A report as an Excel workbook (openpyxl): an overview sheet, then one sheet per table with
its header frozen, real numbers (rates as numbers formatted 0.0%), real dates, and a chart
beside the tables that have one (bar, line or pie)."""
from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, PieChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from models.reports import Report, Table

from .cells import label_column, local_datetime, unpack

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HIGHLIGHT_FILL = PatternFill("solid", fgColor="FCE4D6")
NUMBER_FORMATS = {"int": "#,##0", "id": "0", "pct": "0.0%", "float": "0.0", "minutes": "0.0", "datetime": "yyyy-mm-dd hh:mm",
                  "signed_int": "+#,##0;-#,##0;0", "signed_pct": "+0.0%;-0.0%;0.0%", "signed_float": "+0.0;-0.0;0.0"}
_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(title: str, used: set[str]) -> str:
    base = _BAD_SHEET.sub(" ", title)[:31].strip() or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def _value(cell, column_format: str):
    v, f = unpack(cell, column_format)
    if f == "datetime" and isinstance(v, str) and v:
        try:
            return local_datetime(v), f
        except ValueError:
            return v, "text"
    return v, f


def _chart(table: Table, ws, n_rows: int):
    if not table.chart or not table.rows or not table.chart_columns:
        return None
    cats = Reference(ws, min_col=label_column(table) + 1, min_row=2, max_row=n_rows + 1)
    if table.chart == "pie":
        chart = PieChart()
    elif table.chart == "line":
        chart = LineChart()
    else:
        chart = BarChart()
        chart.type = "col"
    for col in table.chart_columns:
        data = Reference(ws, min_col=col + 1, min_row=1, max_row=n_rows + 1)
        chart.add_data(data, titles_from_data=True)
        if table.chart == "pie":
            break
    chart.set_categories(cats)
    chart.title = table.title
    chart.height, chart.width = 8, 16
    return chart


def write_xlsx(report: Report, path: str | Path) -> Path:
    path = Path(path)
    wb = Workbook()
    ov = wb.active
    used: set[str] = set()
    ov.title = _sheet_title(report.labels.get("overview", "Overview"), used)
    ov["A1"] = report.title
    ov["A1"].font = Font(bold=True, size=16)
    ov.append([])
    ov.append([report.labels.get("street", "Street"), report.street])
    ov.append([report.labels.get("period", "Period"), report.period_label])
    ov.append([report.labels.get("generated", "Generated"), local_datetime(report.generated)])
    ov.cell(row=ov.max_row, column=2).number_format = NUMBER_FORMATS["datetime"]
    ov.append([report.labels.get("masked", "")])
    ov.append([])
    for t in report.tables:
        ov.append([t.title, len(t.rows)])
    ov.column_dimensions["A"].width = 36
    ov.column_dimensions["B"].width = 40

    for table in report.tables:
        ws = wb.create_sheet(_sheet_title(table.title, used))
        ws.append([c.label for c in table.columns])
        for cell in ws[1]:
            cell.fill, cell.font = HEADER_FILL, HEADER_FONT
            cell.alignment = Alignment(vertical="center", wrap_text=True)
        widths = [max(8, min(40, len(c.label) * 2 + 2)) for c in table.columns]
        for r_i, row in enumerate(table.rows, start=2):
            for c_i, (cell, col) in enumerate(zip(row, table.columns), start=1):
                v, f = _value(cell, col.format)
                xc = ws.cell(row=r_i, column=c_i, value=v)
                if f in NUMBER_FORMATS:
                    xc.number_format = NUMBER_FORMATS[f]
                if isinstance(v, str):
                    widths[c_i - 1] = max(widths[c_i - 1], min(50, len(v) * 2 + 2))
                if r_i - 2 in table.highlight:
                    xc.fill = HIGHLIGHT_FILL
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        ws.freeze_panes = "B2" if len(table.columns) > 4 else "A2"
        if table.rows:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
        if table.note:
            ws.cell(row=len(table.rows) + 3, column=1, value=table.note).font = Font(italic=True)
        chart = _chart(table, ws, len(table.rows))
        if chart is not None:
            ws.add_chart(chart, f"{get_column_letter(len(table.columns) + 2)}2")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
