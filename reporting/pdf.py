"""A report as an A4 PDF (ReportLab): a header and footer on every page (street, title,
period; page n of m, when it was generated, whether personal data is masked), each table with
its header repeated across pages, and a chart above the tables that have one.

Why ReportLab and not QPdfWriter: the server writes reports (the CLI, the 06:00 schedule) and
the server does not import Qt (tests/test_layers.py); ReportLab is pure Python, paginates
tables itself and draws charts. It embeds (subsets) TrueType fonts only, so the CJK font is a
TrueType one (WenQuanYi Micro Hei from fonts-wqy-microhei, installed by scripts/bootstrap.sh);
Noto CJK, being CFF-flavoured OpenType, cannot be embedded by it.
"""
from __future__ import annotations

import os
import subprocess
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from models.reports import Report, Table

from .cells import is_numeric, label_column, local_datetime, text, unpack

FONT = "XiaonaoCJK"
FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/msyh.ttf",
]
BLUE = colors.HexColor("#1F4E79")
HIGHLIGHT = colors.HexColor("#FCE4D6")
PALETTE = [colors.HexColor(c) for c in ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B",
                                        "#E377C2", "#7F7F7F", "#BCBD22", "#17BECF")]


class FontMissing(RuntimeError):
    """No TrueType font with Chinese glyphs: the PDF would show boxes."""


def _fc_candidates() -> list[str]:
    try:
        out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted(line.split(":")[0].strip() for line in out.splitlines()
                  if line.split(":")[0].strip().lower().endswith((".ttf", ".ttc")))


@lru_cache(maxsize=1)
def register_font() -> str:
    """Register the CJK font once; XIAONAO_REPORT_FONT names a .ttf/.ttc to use instead."""
    tried = []
    for path in [os.environ.get("XIAONAO_REPORT_FONT"), *FONT_CANDIDATES, *_fc_candidates()]:
        if not path or not Path(path).exists():
            continue
        try:
            pdfmetrics.registerFont(TTFont(FONT, path, subfontIndex=0))
            from reportlab.graphics import shapes
            shapes.STATE_DEFAULTS["fontName"] = FONT     # a chart's initial font: ours, embedded
            return path
        except (TTFError, OSError) as e:
            tried.append(f"{path}: {e}")
    raise FontMissing("no TrueType font with Chinese glyphs was found for PDF reports: install "
                      "fonts-wqy-microhei (scripts/bootstrap.sh does) or set XIAONAO_REPORT_FONT to a .ttf/.ttc"
                      + (f" (tried {'; '.join(tried)})" if tried else ""))


def _styles():
    base = ParagraphStyle("body", fontName=FONT, bulletFontName=FONT, fontSize=8, leading=10, wordWrap="CJK")
    return {
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.5, leading=9.5),
        "head": ParagraphStyle("head", parent=base, fontSize=7.5, leading=9.5, textColor=colors.white),
        "h1": ParagraphStyle("h1", parent=base, fontSize=18, leading=24, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4,
                             textColor=BLUE),
        "note": ParagraphStyle("note", parent=base, fontSize=7, leading=9, textColor=colors.grey),
    }


def _numbered_canvas(report: Report):
    """A canvas that knows the page count when it draws each page's header and footer."""
    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *a, **kw):
            kw["initialFontName"] = FONT     # nothing in a font that is not embedded
            super().__init__(*a, **kw)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            n = len(self._pages)
            for page in self._pages:
                self.__dict__.update(page)
                self._decorate(n)
                super().showPage()
            super().save()

        def _decorate(self, n: int):
            w, h = A4
            self.saveState()
            self.setFont(FONT, 8)
            self.setFillColor(colors.grey)
            self.drawString(15 * mm, h - 10 * mm, f"{report.street}  ·  {report.title}  ·  {report.period_label}")
            self.setStrokeColor(BLUE)
            self.line(15 * mm, h - 11.5 * mm, w - 15 * mm, h - 11.5 * mm)
            self.line(15 * mm, 12.5 * mm, w - 15 * mm, 12.5 * mm)
            gen = local_datetime(report.generated).strftime("%Y-%m-%d %H:%M")
            self.drawString(15 * mm, 8 * mm, f"{report.labels.get('generated', 'Generated')} {gen}  ·  "
                                             f"{report.labels.get('masked', '')}")
            page = report.labels.get("page", "Page {page} of {pages}").format(page=self._pageNumber, pages=n)
            self.drawRightString(w - 15 * mm, 8 * mm, page)
            self.restoreState()
    return NumberedCanvas


def _number(cell, fmt):
    v, f = unpack(cell, fmt)
    if v is None or isinstance(v, str):
        return 0.0
    return float(v) * (100.0 if f == "pct" else 1.0)


def chart_drawing(table: Table, width: float, height: float = 55 * mm) -> Drawing | None:
    if not table.chart or not table.rows or not table.chart_columns:
        return None
    rows = table.rows[:62] if table.chart == "line" else table.rows[:20]
    lc = label_column(table)
    labels = [str(r[lc])[:10] for r in rows]
    d = Drawing(width, height)
    if table.chart == "pie":
        col = table.chart_columns[0]
        pie = Pie()
        pie.x, pie.y, pie.width, pie.height = 10, 5, height - 10, height - 10
        pie.data = [_number(r[col], table.columns[col].format) for r in rows] or [1]
        pie.labels = None
        pie.slices.fontName = FONT
        pie.slices.strokeWidth = 0.5
        for i in range(len(pie.data)):
            pie.slices[i].fillColor = PALETTE[i % len(PALETTE)]
        d.add(pie)
        total = sum(pie.data) or 1
        for i, (lab, v) in enumerate(zip(labels, pie.data)):
            y = height - 10 - i * 10
            if y < 0:
                break
            from reportlab.graphics.shapes import Rect
            d.add(Rect(height + 10, y, 6, 6, fillColor=PALETTE[i % len(PALETTE)], strokeWidth=0))
            d.add(String(height + 20, y, f"{lab}  {v:.0f} ({v / total * 100:.0f}%)", fontName=FONT, fontSize=7))
        return d
    series = [[_number(r[c], table.columns[c].format) for r in rows] for c in table.chart_columns]
    if table.chart == "line":
        lp = LinePlot()
        lp.x, lp.y, lp.width, lp.height = 30, 20, width - 120, height - 30
        lp.data = [[(i, v) for i, v in enumerate(s)] for s in series]
        for i in range(len(series)):
            lp.lines[i].strokeColor = PALETTE[i % len(PALETTE)]
            lp.lines[i].strokeWidth = 1.5
        lp.xValueAxis.valueMin, lp.xValueAxis.valueMax = 0, max(1, len(rows) - 1)
        step = max(1, len(rows) // 8)
        lp.xValueAxis.valueSteps = list(range(0, len(rows), step))
        lp.xValueAxis.labelTextFormat = lambda v: labels[int(v)][5:] if 0 <= int(v) < len(labels) else ""
        lp.xValueAxis.labels.fontName = lp.yValueAxis.labels.fontName = FONT
        lp.xValueAxis.labels.fontSize = lp.yValueAxis.labels.fontSize = 7
        lp.yValueAxis.valueMin = 0
        lp.lineLabels.fontName = FONT
        d.add(lp)
    else:
        bc = VerticalBarChart()
        bc.x, bc.y, bc.width, bc.height = 30, 25, width - 120, height - 35
        bc.data = series
        bc.categoryAxis.categoryNames = labels
        bc.categoryAxis.labels.fontName = bc.valueAxis.labels.fontName = FONT
        bc.categoryAxis.labels.fontSize = bc.valueAxis.labels.fontSize = 6.5
        if len(rows) > 6:
            bc.categoryAxis.labels.angle = 30
            bc.categoryAxis.labels.boxAnchor = "ne"
        bc.valueAxis.valueMin = 0
        bc.barLabels.fontName = FONT
        for i in range(len(series)):
            bc.bars[i].fillColor = PALETTE[i % len(PALETTE)]
        d.add(bc)
    for i, c in enumerate(table.chart_columns):       # legend
        from reportlab.graphics.shapes import Rect
        y = height - 12 - i * 10
        d.add(Rect(width - 85, y, 6, 6, fillColor=PALETTE[i % len(PALETTE)], strokeWidth=0))
        d.add(String(width - 76, y, table.columns[c].label[:18], fontName=FONT, fontSize=7))
    return d


def _table_flowable(table: Table, st, width: float, none: str):
    cols = table.columns
    head = [Paragraph(escape(c.label), st["head"]) for c in cols]
    body = []
    for row in table.rows:
        out = []
        for cell, col in zip(row, cols):
            s = text(cell, col.format, none)
            out.append(Paragraph(escape(s), st["cell"]) if not is_numeric(col.format) else s)
        body.append(out)
    # text columns share what the numeric ones leave
    numeric = [is_numeric(c.format) for c in cols]
    num_w = (22 if len(cols) <= 6 else 17) * mm
    text_n = max(1, numeric.count(False))
    text_w = max(22 * mm, (width - num_w * numeric.count(True)) / text_n)
    widths = [num_w if n else text_w for n in numeric]
    scale = min(1.0, width / sum(widths))
    widths = [w * scale for w in widths]
    t = RLTable([head] + body, colWidths=widths, repeatRows=1)
    style = [("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 7.5),
             ("BACKGROUND", (0, 0), (-1, 0), BLUE), ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
             ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#B0B7C3")),
             ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
             ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F3F6FA")])]
    for i, n in enumerate(numeric):
        if n:
            style.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))
    for r in table.highlight:
        style.append(("BACKGROUND", (0, r + 1), (-1, r + 1), HIGHLIGHT))
    t.setStyle(TableStyle(style))
    return t


def write_pdf(report: Report, path: str | Path) -> Path:
    register_font()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    st = _styles()
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=16 * mm,
                            bottomMargin=17 * mm, title=f"{report.title} {report.period_label}",
                            author="Xiaonao", subject=report.street)
    width = A4[0] - 30 * mm
    story = [Paragraph(escape(report.title), st["h1"]),
             Paragraph(escape(f"{report.street}  ·  {report.labels.get('period', 'Period')}: {report.period_label}"),
                       st["body"]), Spacer(1, 4 * mm)]
    for table in report.tables:
        head = [Paragraph(escape(table.title), st["h2"])]
        drawing = chart_drawing(table, width)
        if drawing is not None:
            head.append(drawing)
        if table.rows:
            story.append(KeepTogether(head + [_table_flowable(table, st, width, "–")]) if len(table.rows) < 25
                         else KeepTogether(head))
            if len(table.rows) >= 25:
                story.append(_table_flowable(table, st, width, "–"))
        else:
            story.append(KeepTogether(head + [Paragraph(escape(report.labels.get("empty", "")), st["note"])]))
        if table.note:
            story.append(Paragraph(escape(table.note), st["note"]))
    doc.build(story, canvasmaker=_numbered_canvas(report))
    return path
