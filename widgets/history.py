"""Longer history for the performance tab: month and year views with the same period a year
before, computed by the server (`query.aggregates`), since the cockpit holds only recent
cases in memory."""
from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from widgets.style import P

QUERY_ROLES = ("operator", "leader", "admin")
REFRESH_MS = 10 * 60 * 1000
# (key, header, format); "yoy" columns compare with last_year
_LY = QT_TRANSLATE_NOOP("HistoryPanel", "Last year")
COLUMNS = [
    ("period", QT_TRANSLATE_NOOP("HistoryPanel", "Period"), "text"),
    ("reported", QT_TRANSLATE_NOOP("HistoryPanel", "Reported"), "int"), ("reported_ly", _LY, "int"),
    ("reported_yoy", QT_TRANSLATE_NOOP("HistoryPanel", "Year on year"), "yoy"),
    ("closed", QT_TRANSLATE_NOOP("HistoryPanel", "Closed"), "int"),
    ("closure_rate", QT_TRANSLATE_NOOP("HistoryPanel", "Closure rate"), "pct"), ("closure_rate_ly", _LY, "pct"),
    ("arrival_8min", QT_TRANSLATE_NOOP("HistoryPanel", "On scene ≤8 min"), "pct"), ("arrival_8min_ly", _LY, "pct"),
    ("satisfaction", QT_TRANSLATE_NOOP("HistoryPanel", "Satisfaction"), "pct"), ("satisfaction_ly", _LY, "pct"),
    ("repeat_call_rate", QT_TRANSLATE_NOOP("HistoryPanel", "Repeat-call rate"), "pct"),
]


def cell_text(row: dict, key: str, fmt: str) -> str:
    if key.endswith("_ly"):
        v = row["last_year"].get(key[:-3])
    elif fmt == "yoy":
        a, b = row["reported"], row["last_year"]["reported"]
        if not b or not a:
            # no cases this period: a month before the log began (or the server down), not a
            # drop of 100% (shown green, as good news, it misled the leader)
            return "–"
        return f"{(a - b) / b * 100:+.1f}%"
    else:
        v = row.get(key)
    if v is None:
        return "–"
    if fmt == "pct":
        return f"{v * 100:.1f}%"
    if fmt == "int":
        return f"{v:,}"
    return str(v)


class HistoryPanel(QWidget):
    """Months (24) or years (5) of the dashboard's figures beside last year's."""

    def __init__(self, link, parent=None):
        super().__init__(parent)
        self.setObjectName("HistoryPanel")
        self.link = link
        self.rows: list[dict] = []
        self.unit = QComboBox()
        self.unit.addItem(self.tr("Months"), ("month", 24))
        self.unit.addItem(self.tr("Years"), ("year", 5))
        self.unit.currentIndexChanged.connect(lambda _: self.refresh())
        self.refresh_btn = QPushButton(self.tr("Refresh"))
        self.refresh_btn.clicked.connect(self.refresh)
        self.status = QLabel("")
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("View")))
        top.addWidget(self.unit)
        top.addWidget(self.refresh_btn)
        top.addWidget(self.status, 1)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([self.tr(h) for _, h, _ in COLUMNS])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.table, 1)
        self._timer = QTimer(self, interval=REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._asked = False
        link.sig_link.connect(self._link_changed)

    def _link_changed(self, status) -> None:
        if status.state == "online" and not self._asked:
            self.refresh()

    def refresh(self) -> None:
        if self.link.role is not None and self.link.role not in QUERY_ROLES:
            self.status.setText(self.tr("Not available to this account."))
            return
        if self.link.status.state != "online":
            self.status.setText(self.tr("Shown when the link is online."))
            return
        unit, count = self.unit.currentData()
        self._asked = True
        self.status.setText(self.tr("Asking the server…"))
        self.link.query("query.aggregates", {"unit": unit, "count": count}, self._answered)

    def _answered(self, data, error) -> None:
        if error is not None:
            self.status.setText(self.tr("Refused: %1").replace("%1", error.message or error.code))
            self._asked = False
            return
        self.rows = data["rows"]
        self.status.setText(self.tr("Computed by the server from its whole log."))
        rows = list(reversed(self.rows))             # newest first
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, (key, _, fmt) in enumerate(COLUMNS):
                item = QTableWidgetItem(cell_text(row, key, fmt))
                if fmt == "yoy" and item.text().startswith(("+", "-")):
                    item.setForeground(QColor(P["ok"] if item.text().startswith("-") else P["warning"]))
                if key.endswith("_ly"):
                    item.setForeground(QColor("#9aa4b2"))
                self.table.setItem(r, c, item)
