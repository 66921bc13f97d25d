"""The case queue: every case, overdue first, filtered and searched as the operator types."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from models.domain import CATEGORIES, SOURCES, STATUSES
from models.qt import labels
from models.qt.case_table import COLUMNS, AlertRole, CaseFilter, CaseIdRole, CaseTableModel, LightRole, PriorityRole
from models.qt.room import RoomState, Selection
from models.search import warm_up_pinyin
from widgets.style import QUEUE_LIGHT_TEXT, QUEUE_P1_TEXT, QUEUE_ROWS, P

SLA_FILTERS = ["overdue", "due_soon", "on_time"]
# a P1 row's bold columns: its id, title and clocks (the labels beside them keep their width)
P1_BOLD = ("priority", "id", "title", "age")


class CaseRowDelegate(QStyledItemDelegate):
    """Paints what the queue model says a cell means, in the palette's colours: an alert row
    (overdue red, blinking; due-soon amber) on its own ground with its own legible text in
    every column, else the SLA light's colour in the SLA column and P1 in red; bold for the
    clock columns and a P1 row's id, title and age (P1_BOLD). A selected alert row keeps its colours, outlined in the accent
    colour, instead of the plain selection blue."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.blink = False                     # the overdue rows' blink phase
        self._pen = QPen(QColor(P["accent"]), 2)
        self._rows = {k: (QBrush(QColor(a)), QBrush(QColor(b)), QColor(t)) for k, (a, b, t) in QUEUE_ROWS.items()}
        self._lights = {k: QColor(v) for k, v in QUEUE_LIGHT_TEXT.items()}
        self._p1 = QColor(QUEUE_P1_TEXT)

    def colours(self, index) -> tuple[QBrush | None, QColor | None]:
        """(the cell's ground, its text colour); None: the view's own."""
        alert = index.data(AlertRole)
        if alert in self._rows:
            ground, blinking, text = self._rows[alert]
            return (blinking if self.blink and alert == "overdue" else ground), text
        col = COLUMNS[index.column()]
        if col == "sla":
            return None, self._lights.get(index.data(LightRole))
        if col == "priority" and index.data(PriorityRole) == 1:
            return None, self._p1
        return None, None

    def initStyleOption(self, opt, index):
        super().initStyleOption(opt, index)
        ground, text = self.colours(index)
        if ground is not None:
            opt.backgroundBrush = ground
        if text is not None:
            opt.palette.setColor(QPalette.ColorRole.Text, text)
        col = COLUMNS[index.column()]
        if col in ("sla", "deadline") or (col in P1_BOLD and index.data(PriorityRole) == 1):
            font = QFont(opt.font)
            font.setBold(True)
            opt.font = font
            opt.fontMetrics = QFontMetrics(font)

    def paint(self, painter, option, index):
        if not option.state & QStyle.StateFlag.State_Selected or index.data(AlertRole) not in self._rows:
            super().paint(painter, option, index)
            return
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.state &= ~QStyle.StateFlag.State_Selected
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        painter.save()
        painter.setPen(self._pen)
        r = opt.rect
        painter.drawLine(r.topLeft(), r.topRight())
        painter.drawLine(r.bottomLeft(), r.bottomRight())
        painter.restore()


class CaseQueuePanel(QWidget):
    """Signals:
        sig_row_menu(str, QPoint): the operator asked for a case's menu (right click) at a
            global position; the order holds still until `menu_closed` is called.
    """
    sig_row_menu = Signal(str, QPoint)

    def __init__(self, room: RoomState, selection: Selection, parent=None):
        super().__init__(parent)
        self.setObjectName("CaseQueuePanel")
        self.room = room
        self.selection = selection
        self.model = CaseTableModel(room, self)
        warm_up_pinyin()
        self.search = QLineEdit(placeholderText=self.tr("Search id, title, address, pinyin initials… (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.setObjectName("QueueSearch")
        # never squeezed to 'S…' by the filters beside it (the replay window's narrower queue)
        self.search.setMinimumWidth(self.search.fontMetrics().horizontalAdvance("M" * 9))
        self.status = self._combo(self.tr("All statuses"), [("__open__", self.tr("Open cases"))] +
                                  [(k, labels.status(k)) for k in STATUSES])
        self.category = self._combo(self.tr("All categories"), [(k, labels.category(k)) for k in CATEGORIES])
        self.source = self._combo(self.tr("All sources"), [(k, labels.source(k)) for k in SOURCES])
        self.area = self._combo(self.tr("All areas"), [])
        self.light = self._combo(self.tr("Any SLA state"), [(k, labels.sla(k)) for k in SLA_FILTERS])
        self.count = QLabel()
        self.count.setObjectName("QueueCount")
        self.count.setProperty("kind", "muted")
        # closed cases older than the window are not in the queue: searched on request
        self.archive_btn = QPushButton(self.tr("Search older cases"))
        self.archive_btn.setEnabled(False)
        self.archive_btn.clicked.connect(self.search_archive)
        self.archive_note = QLabel()
        self.archive_note.setProperty("kind", "muted")
        self.archive_note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        # a drill-down (a KPI tile, an early warning, a squad's cases): shown, and cleared here
        self.drill_ids: frozenset[str] | None = None
        self.drill_chip = QPushButton()
        self.drill_chip.setObjectName("DrillChip")
        self.drill_chip.setToolTip(self.tr("Showing only these cases: click to show all again"))
        self.drill_chip.clicked.connect(self.clear_drill)
        self.drill_chip.setVisible(False)
        bar = QHBoxLayout()
        bar.addWidget(self.drill_chip)
        bar.addWidget(self.search, 2)      # the filters get room enough to read ("Any SLA state")
        bar.addWidget(self.archive_btn)
        for w in (self.status, self.category, self.source, self.area, self.light):
            bar.addWidget(w, 1)
        bar.addWidget(self.count)
        bar.addWidget(self.archive_note)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setObjectName("CaseQueue")
        self.delegate = CaseRowDelegate(self.view)
        self.view.setItemDelegate(self.delegate)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)     # overdue first (Qt's default is descending)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(26)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)   # uniform rows
        self.view.setWordWrap(False)
        hh = self.view.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(False)
        # every column but the title as wide as its widest value in the language in use (fit_columns):
        # the whole row fits the queue of the default layout at 1920x1080 (no horizontal scroll)
        self._fitted: tuple | None = None
        self.fit_columns()
        # the title takes what the other columns leave, never less than TITLE_MIN (the table
        # scrolls instead): a Stretch section would shrink to one character
        self.view.installEventFilter(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addWidget(self.view)
        self._filter_timer = QTimer(self, singleShot=True, interval=150)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._filter_timer.start)
        self.search.textChanged.connect(self._update_archive)
        self.search.returnPressed.connect(self._search_if_nothing_shown)
        room.sig_archive_found.connect(self._archive_found)
        for c in (self.status, self.category, self.source, self.area, self.light):
            c.currentIndexChanged.connect(self.apply_filter)
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)
        self.view.doubleClicked.connect(lambda idx: selection.sig_dispatch_requested.emit(
            self.model.data(idx, CaseIdRole) or ""))
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._row_menu)
        self.search.installEventFilter(self)         # Down: into the queue
        self.view.viewport().installEventFilter(self)  # the order holds still under the pointer
        self._thaw_timer = QTimer(self, singleShot=True)
        self._thaw_timer.timeout.connect(self._thaw)
        self._held_by_mouse = False
        self.model.layoutChanged.connect(self._update_count)
        self.model.modelReset.connect(self._update_count)
        selection.sig_case.connect(self.select_case)
        room.sig_reset.connect(self._fill_areas)
        room.sig_reset.connect(self.fit_columns)      # the street's areas and squads, once known
        room.sig_reset.connect(self._update_archive)
        room.sig_tick.connect(self.view.viewport().update)      # ages and countdowns
        self._blink = QTimer(self, interval=500)
        self._blink.timeout.connect(self._toggle_blink)
        self._blink.start()
        self._fill_areas()
        self._update_archive()

    TITLE_MIN = 150       # a Chinese title of ten characters and more

    def column_texts(self) -> dict[str, tuple[bool, list[str]]]:
        """What each column but the title can show: (painted bold, the texts). The domain's
        labels in the language in use, the street's areas with their grids, the squads'
        call signs (a department named in the squad column may be cut: its tooltip says it)."""
        street = self.room.street
        grids: dict[str, list[str]] = {}
        for g in street.get("grids", []):
            grids.setdefault(g.get("area", ""), []).append(g["id"])
        areas = [f"{labels.area(street, a['id'])} {max(grids.get(a['id'], ['']), key=len)}".strip()
                 for a in street.get("areas", [])]
        cases = self.room.state.get("cases", {})
        id_len = max(7, max(map(len, cases), default=0))
        return {
            "sla": (True, [self.model.data_sla_text(k) for k in labels.SLA_LABELS]),
            "priority": (True, [f"P{p}" for p in range(1, 5)]),
            "id": (True, ["C" + "0" * (id_len - 1)]),
            "category": (False, [labels.category(k) for k in CATEGORIES]),
            "source": (False, [labels.source(k) for k in SOURCES]),
            "area": (False, areas),
            "status": (False, [labels.status(k) for k in STATUSES]),
            "squad": (False, [t["call_sign"] for t in self.room.state.get("teams", {}).values()]),
            "age": (True, ["00:00:00"]),
            "deadline": (True, ["-00:00:00"]),
        }

    def fit_columns(self) -> None:
        """Size every column but the title to its widest text (and its header), then give the
        title the rest. Done again only when what the columns can show changes (a new street,
        squads, another language): a column the operator widened by hand stays so."""
        texts = self.column_texts()
        sig = tuple((k, tuple(v[1])) for k, v in texts.items())
        if sig == self._fitted:
            return
        self._fitted = sig
        v = self.view
        v.ensurePolished()
        plain = v.fontMetrics()
        bold_font = QFont(v.font())
        bold_font.setBold(True)
        bold = QFontMetrics(bold_font)
        # the delegate's margins around the text (Qt: the focus frame's margin + 1 each side) and the grid line
        pad = 2 * (v.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, v) + 1) + 1
        # the header's text too (bold, the theme's 4 px padding each side; not the sort arrow's room,
        # which Qt's own size hint adds to every column and which only the sorted one shows)
        heading_bold = QFont(v.horizontalHeader().font())
        heading_bold.setBold(True)
        heading = QFontMetrics(heading_bold)
        for col, (is_bold, values) in texts.items():
            i = COLUMNS.index(col)
            fm = bold if is_bold else plain
            header = heading.horizontalAdvance(str(self.model.headerData(i, Qt.Orientation.Horizontal))) + 12
            v.setColumnWidth(i, max([fm.horizontalAdvance(t) + pad for t in values] + [header]))
        self.fit_title()

    def fit_title(self) -> None:
        hh = self.view.horizontalHeader()
        ti = COLUMNS.index("title")
        others = sum(hh.sectionSize(i) for i in range(len(COLUMNS)) if i != ti)
        want = max(self.TITLE_MIN, self.view.viewport().width() - others)
        if hh.sectionSize(ti) != want:
            hh.resizeSection(ti, want)

    def eventFilter(self, obj, ev):
        t = ev.type()
        if obj in (self.view, self.view.viewport()) and t == QEvent.Type.Resize:
            QTimer.singleShot(0, self.fit_title)      # the view, or its scroll bar came or went
        if obj is self.search and t == QEvent.Type.KeyPress and ev.key() == Qt.Key.Key_Down:
            self.focus_queue()
            return True
        if obj is self.view.viewport():
            if t in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonDblClick):
                self._thaw_timer.stop()
                if not self._held_by_mouse:
                    self._held_by_mouse = True
                    self.model.freeze()
            elif t == QEvent.Type.MouseButtonRelease and self._held_by_mouse:
                # a second click of a double-click must land on the same row
                self._thaw_timer.start(QApplication.doubleClickInterval() + 50)
        return super().eventFilter(obj, ev)

    def _row_menu(self, pos) -> None:
        idx = self.view.indexAt(pos)
        cid = self.model.data(idx, CaseIdRole) if idx.isValid() else None
        if not cid:
            return
        self.selection.set_case(cid)
        self.model.freeze()                 # the row acted on stays where it is
        self.sig_row_menu.emit(cid, self.view.viewport().mapToGlobal(pos))

    def menu_closed(self) -> None:
        self.model.thaw()

    def _thaw(self) -> None:
        if self._held_by_mouse:
            self._held_by_mouse = False
            self.model.thaw()

    def focus_queue(self) -> None:
        """Focus the queue on its current row (the first when none)."""
        self.view.setFocus()
        if not self.view.currentIndex().isValid() and self.model.rowCount():
            self.view.selectionModel().setCurrentIndex(
                self.model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    def _combo(self, all_text: str, items: list[tuple[str, str]]) -> QComboBox:
        c = QComboBox()
        # as narrow as the bar needs: a long choice never widens the queue into the docks
        c.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        c.setMinimumContentsLength(6)
        c.setToolTip(all_text)
        c.addItem(all_text, None)
        for key, text in items:
            c.addItem(text, key)
        return c

    def _fill_areas(self) -> None:
        current = self.area.currentData()
        self.area.blockSignals(True)
        while self.area.count() > 1:
            self.area.removeItem(1)
        for a in self.room.street.get("areas", []):
            self.area.addItem(labels.area(self.room.street, a["id"]), a["id"])
        idx = self.area.findData(current)
        self.area.setCurrentIndex(max(0, idx))
        self.area.blockSignals(False)
        self._update_count()

    def _toggle_blink(self) -> None:
        self.delegate.blink = not self.delegate.blink
        self.view.viewport().update()

    def set_blinking(self, on: bool) -> None:
        """Overdue rows blink (the default) or hold still on their plain red ground."""
        if on:
            self._blink.start()
        else:
            self._blink.stop()
            self.delegate.blink = False
            self.view.viewport().update()

    def apply_filter(self) -> None:
        one = lambda c: frozenset({c.currentData()}) if c.currentData() else frozenset()  # noqa: E731
        st = self.status.currentData()
        f = CaseFilter(statuses=frozenset({st}) if st and st != "__open__" else frozenset(),
                       open_only=st == "__open__", categories=one(self.category), sources=one(self.source),
                       areas=one(self.area), lights=one(self.light), text=self.search.text().strip(),
                       ids=self.drill_ids)
        self.model.set_filter(f)
        self.select_case(self.selection.case_id)

    def show_only(self, title: str, ids) -> None:
        """Show just these cases (the other filters cleared), with a chip that says which."""
        self.drill_ids = frozenset(ids)
        for c in (self.status, self.category, self.source, self.area, self.light):
            c.blockSignals(True)
            c.setCurrentIndex(0)
            c.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.drill_chip.setText("✕ " + self.tr("%1: %2 cases").replace("%1", title).replace("%2", f"{len(ids):,}"))
        self.drill_chip.setVisible(True)
        self.apply_filter()
        if self.model.rowCount() and self.model.row_of(self.selection.case_id) < 0:
            self.selection.set_case(self.model.case_id(0))

    def clear_drill(self) -> None:
        self.drill_ids = None
        self.drill_chip.setVisible(False)
        self.apply_filter()

    def _update_archive(self) -> None:
        days = self.room.archive_days
        ready = days is not None and bool(self.search.text().strip())
        self.archive_btn.setEnabled(ready)
        self.archive_btn.setVisible(ready)        # shown while searching: the search box keeps its width
        self.archive_btn.setToolTip(self.tr(
            "Cases closed more than %1 days ago are kept in this computer's archive, not in the "
            "queue: search them for the words typed (id, title, address, grid, squad)").replace(
            "%1", f"{days:g}") if days is not None else self.tr("No archive: every case is in the queue"))
        self.archive_note.clear()

    def search_archive(self) -> None:
        text = self.search.text().strip()
        if not text or self.room.archive_days is None:
            return
        self.archive_btn.setEnabled(False)
        self.archive_note.setText(self.tr("Searching older cases…"))
        self.room.search_archive(text)

    def _search_if_nothing_shown(self) -> None:
        """Enter in the search box with nothing in the queue looks in the archive."""
        self._filter_timer.stop()
        self.apply_filter()
        if self.model.rowCount() == 0:
            self.search_archive()

    def _archive_found(self, text: str, ids: list, more: bool) -> None:
        if text != self.search.text().strip():
            return                                  # the operator typed on meanwhile
        self.archive_btn.setEnabled(True)
        if not ids:
            self.archive_note.setText(self.tr("No older case matches"))
            return
        note = self.tr("Older cases found: %1").replace("%1", f"{len(ids):,}")
        if more:
            note += self.tr(" (the newest; narrow the search for the rest)")
        self.archive_note.setText(note)
        self.selection.set_case(ids[0])

    def select_first_if_none(self) -> None:
        if not self.selection.case_id and self.model.rowCount():
            self.selection.set_case(self.model.case_id(0))

    def _update_count(self) -> None:
        n = self.model.rowCount()
        self.count.setText(self.tr("1 case") if n == 1 else self.tr("%1 cases").replace("%1", f"{n:,}"))

    def _row_changed(self, current, _previous) -> None:
        cid = self.model.case_id(current.row()) if current.isValid() else None
        if cid:
            self.selection.set_case(cid)

    def show_case(self, cid: str) -> None:
        """Select this case and give the queue the keyboard; if the filter or the search would
        hide it, clear them first."""
        if cid and self.model.row_of(cid) < 0 and cid in self.room.state["cases"]:
            self.search.blockSignals(True)
            self.search.clear()
            self.search.blockSignals(False)
            for c in (self.status, self.category, self.source, self.area, self.light):
                c.blockSignals(True)
                c.setCurrentIndex(0)
                c.blockSignals(False)
            self._filter_timer.stop()
            self.apply_filter()
            self._update_archive()
        self.selection.set_case(cid)
        self.select_case(cid)
        self.view.setFocus()

    def select_case(self, cid: str) -> None:
        row = self.model.row_of(cid) if cid else -1
        if row < 0:
            return
        idx = self.model.index(row, 0)
        if self.view.currentIndex().row() != row:
            self.view.selectionModel().setCurrentIndex(
                idx, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            self.view.scrollTo(idx)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()
