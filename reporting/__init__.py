"""Renderers of `models.reports.Report` (Qt-free, so the server writes them too): Excel
(openpyxl) and PDF (ReportLab), and the A4 case sheet. See docs/reports.md."""
