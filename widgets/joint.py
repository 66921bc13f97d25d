"""Joint handling (一件事) in the cockpit: a case's parts (each department's sub-task, its
deadline and feedback, "2/3 parts done", an overdue part in red), the cases linked under a
lead, and the dialogs that add parts, link cases, and turn an early warning into a joint case
or acknowledge it. The server decides (models/joint.py); outcomes are shown where the
operator acted."""
from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models import early_warning, joint
from models.commands import TEXT_LIMIT
from models.domain import OPEN_STATUSES
from models.qt import labels
from models.timeutil import epoch
from widgets import outcome
from widgets.style import P, set_kind

PART_ROWS = 4           # rows the parts form offers at first (more with "Another department")


def hm(iso_time: str | None) -> str:
    return time.strftime("%m-%d %H:%M", time.localtime(epoch(iso_time))) if iso_time else ""


def progress_text(case: dict) -> str:
    done, total = joint.progress(case)
    return QCoreApplication.translate("Joint", "%1/%2 parts done").replace("%1", str(done)).replace("%2", str(total))


class _Outcomes:
    """The fate of the commands a widget sent, in its result label."""

    def _init_outcomes(self, link, result: QLabel) -> None:
        self._sent: dict[str, str] = {}
        self._result = result
        link.sig_command.connect(self._command_result)

    def _track(self, command_id: str, name: str) -> None:
        self._sent[command_id] = name
        self._result.setText(outcome.describe("pending", {"name": name}))
        set_kind(self._result, None)

    def _command_result(self, cid: str, outcome_: str, detail: dict) -> None:
        if cid not in self._sent or outcome_ == "pending":
            return
        name = self._sent.pop(cid)
        text = outcome.describe(outcome_, {"name": name, **detail})
        if outcome_ == "refused" and detail.get("message"):
            text += " (" + str(detail["message"]) + ")"     # which part, which case: the server's own words
        self._result.setText(text)
        set_kind(self._result, outcome.kind(outcome_))
        self._done(outcome_)

    def _done(self, outcome_: str) -> None:
        pass


class JointBox(QGroupBox, _Outcomes):
    """The case's parts and links, in the case detail.

    Signals:
        sig_drill(str, list): the lead and its linked cases, to be shown together in the queue.
    """
    sig_drill = Signal(str, object)

    def __init__(self, room, link, selection=None, parent=None):
        super().__init__(parent)
        self.setObjectName("JointBox")
        self.setTitle(self.tr("Joint handling (一件事)"))
        self.room, self.link, self.selection = room, link, selection
        self.case_id = ""
        self.progress = QLabel()
        self.progress.setObjectName("JointBox.progress")
        self.progress.setWordWrap(True)
        self.table = QTableWidget(0, 2)
        self.table.setObjectName("JointBox.parts")
        self.table.setHorizontalHeaderLabels([self.tr("Department and task"), self.tr("Due · state")])
        self.table.setWordWrap(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setMaximumHeight(200)
        self.table.itemSelectionChanged.connect(self._enable)
        self.note = QLineEdit(placeholderText=self.tr("The department's feedback, or why the part is cancelled…"))
        self.note.setObjectName("JointBox.note")
        self.note.setMaxLength(TEXT_LIMIT)
        self.add_btn = QPushButton(self.tr("Departments' parts…"))
        self.add_btn.setObjectName("JointBox.add")
        self.add_btn.setToolTip(self.tr("Make this a joint case: each department its part, with a deadline"))
        self.add_btn.clicked.connect(self.open_parts)
        self.done_btn = QPushButton(self.tr("Part done"))
        self.done_btn.setObjectName("JointBox.done")
        self.done_btn.setToolTip(self.tr("The selected part is done: its department's feedback, entered by the room"))
        self.done_btn.clicked.connect(self.part_done)
        self.cancel_btn = QPushButton(self.tr("Cancel part"))
        self.cancel_btn.setObjectName("JointBox.cancel")
        self.cancel_btn.clicked.connect(self.part_cancel)
        self.links = QLabel()
        self.links.setObjectName("JointBox.links")
        self.links.setWordWrap(True)
        self.links.setTextFormat(Qt.TextFormat.RichText)
        self.links.linkActivated.connect(self._open_case)
        self.link_btn = QPushButton(self.tr("Link cases…"))
        self.link_btn.setObjectName("JointBox.link")
        self.link_btn.setToolTip(self.tr("Handle other cases (same address, same business) as one with this case"))
        self.link_btn.clicked.connect(self.open_link)
        self.unlink_btn = QPushButton(self.tr("Unlink"))
        self.unlink_btn.setObjectName("JointBox.unlink")
        self.unlink_btn.setToolTip(self.tr("This case is handled on its own again"))
        self.unlink_btn.clicked.connect(self.unlink)
        self.together_btn = QPushButton(self.tr("Show them together"))
        self.together_btn.setObjectName("JointBox.together")
        self.together_btn.setToolTip(self.tr("The lead and its linked cases, alone in the queue"))
        self.together_btn.clicked.connect(self.show_together)
        self.result = QLabel()
        self.result.setObjectName("JointBox.result")
        self.result.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.progress)
        lay.addWidget(self.table)
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(self.done_btn)
        row.addWidget(self.cancel_btn)
        lay.addLayout(row)
        self.feedback = QLabel()                      # the selected part's feedback, in full
        self.feedback.setObjectName("JointBox.feedback")
        self.feedback.setWordWrap(True)
        lay.addWidget(self.feedback)
        lay.addWidget(self.links)
        row2 = QHBoxLayout()
        row2.addStretch(1)
        row2.addWidget(self.together_btn)
        row2.addWidget(self.unlink_btn)
        row2.addWidget(self.link_btn)
        row2.addWidget(self.add_btn)
        lay.addLayout(row2)
        lay.addWidget(self.result)
        self._rows: list[str] = []
        self._dialog: QDialog | None = None
        self._init_outcomes(link, self.result)

    @property
    def dialog(self) -> QDialog | None:
        return self._dialog

    def case(self) -> dict | None:
        return self.room.state["cases"].get(self.case_id)

    def show_case(self, case: dict | None) -> None:
        if case is None or case["id"] != self.case_id:
            self.result.clear()
            self.note.clear()
        self.case_id = case["id"] if case else ""
        if case is None:
            self.setVisible(False)
            return
        ps = [p for p in case.get("parts") or () if not p.get("cancelled")]
        room_may = self.room.may("case.part_add")
        is_open = case["status"] in OPEN_STATUSES
        self.setVisible(bool(ps) or bool(case.get("links")) or bool(case.get("linked_to")) or (room_may and is_open))
        now = self.room.now()
        street = self.room.street
        late = {p["id"] for p in joint.overdue_parts(case, now)}
        if ps:
            left = len(joint.open_parts(case))
            text = "<b>" + progress_text(case) + "</b>"
            if left and is_open:
                text += " · " + self.tr("the case closes when every part is done")
            if late:
                text += " · <span style='color:%s'><b>%s</b></span>" % (
                    P["alarm"], self.tr("%1 overdue").replace("%1", str(len(late))))
            self.progress.setText(text)
        else:
            self.progress.setText(self.tr("No departments' parts: one squad or department handles it."))
        self.table.setVisible(bool(ps))
        keep = self.selected_part()
        self.table.blockSignals(True)
        self.table.setRowCount(len(ps))
        self._rows = [p["id"] for p in ps]
        for r, p in enumerate(ps):
            done = p.get("done")
            if done:
                state = self.tr("done %1").replace("%1", hm(done["at"]))
            elif p["id"] in late:
                state = self.tr("overdue")
            else:
                state = self.tr("open")
            cells = [f"{p['id']} · {labels.department(street, p['department'])}\n{p.get('task') or ''}",
                     f"{hm(p.get('due'))}\n{state}"]
            feedback = (done or {}).get("note") or ""
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(feedback or p.get("task") or "")     # the department's feedback in its words
                if p["id"] in late:
                    item.setForeground(QColor(P["alarm"]))
                elif done:
                    item.setForeground(QColor(P["ok"]))
                self.table.setItem(r, col, item)
        if keep in self._rows:
            self.table.selectRow(self._rows.index(keep))
        elif self._rows:
            first_open = next((i for i, p in enumerate(ps) if not p.get("done")), 0)
            self.table.selectRow(first_open)
        self.table.blockSignals(False)
        # linked cases: the lead's list, or the lead this one follows
        if case.get("linked_to"):
            lead = case["linked_to"]
            self.links.setText(self.tr("Linked to lead %1: closed with it").replace(
                "%1", f"<a href='{lead}'>{lead}</a>"))
        elif case.get("links"):
            cases = self.room.state["cases"]
            shown = []
            for cid in case["links"]:
                c = cases.get(cid)
                mark = "" if c is None or c["status"] in OPEN_STATUSES else " ✓"
                shown.append(f"<a href='{cid}'>{cid}</a>{mark}")
            self.links.setText(self.tr("Linked cases (%1), closed with this one: %2").replace(
                "%1", str(len(case["links"]))).replace("%2", ", ".join(shown)))
        else:
            self.links.setText("")
        self.add_btn.setVisible(room_may and is_open and not case.get("linked_to") and not case.get("merged_into"))
        self.link_btn.setVisible(self.room.may("case.link") and is_open and not case.get("linked_to")
                                 and not case.get("merged_into"))
        self.unlink_btn.setVisible(self.room.may("case.unlink") and bool(case.get("linked_to")))
        self.together_btn.setVisible(bool(case.get("links") or case.get("linked_to")))
        self._enable()

    def selected_part(self) -> str:
        r = self.table.currentRow()
        return self._rows[r] if 0 <= r < len(self._rows) else ""

    def _part(self) -> dict | None:
        case = self.case()
        pid = self.selected_part()
        return next((p for p in (case or {}).get("parts") or () if p["id"] == pid), None)

    def _enable(self) -> None:
        p = self._part()
        open_ = p is not None and not p.get("done")
        case = self.case() or {}
        active = case.get("status") in OPEN_STATUSES
        self.done_btn.setVisible(bool(self._rows) and self.room.may("case.part_feedback"))
        self.cancel_btn.setVisible(bool(self._rows) and self.room.may("case.part_cancel"))
        self.note.setVisible(bool(self._rows) and self.room.may("case.part_feedback"))
        self.done_btn.setEnabled(open_ and active)
        self.cancel_btn.setEnabled(open_ and active)
        done = (p or {}).get("done") or {}
        self.feedback.setText(self.tr("%1's feedback (%2): %3").replace("%1", (p or {}).get("id", "")).replace(
            "%2", done.get("by") or "").replace("%3", done.get("note") or "—") if done else "")
        self.feedback.setVisible(bool(done))

    def select_part(self, pid: str) -> None:
        if pid in self._rows:
            self.table.selectRow(self._rows.index(pid))

    def part_done(self) -> None:
        self._part_command("case.part_feedback", "note")

    def part_cancel(self) -> None:
        self._part_command("case.part_cancel", "reason")

    def _part_command(self, name: str, key: str) -> None:
        p = self._part()
        if p is None:
            return
        text = self.note.text().strip()
        if not text:
            self.result.setText(self.tr("Type the department's feedback (or the reason) first."))
            set_kind(self.result, "error")
            self.note.setFocus()
            return
        self._track(self.link.submit(name, {"case_id": self.case_id, "part_id": p["id"], key: text}), name)

    def _done(self, outcome_: str) -> None:
        if outcome_ == "acked":
            self.note.clear()

    def unlink(self) -> None:
        if self.case_id:
            self._track(self.link.submit("case.unlink", {"case_id": self.case_id}), "case.unlink")

    def show_together(self) -> None:
        case = self.case()
        if case is None:
            return
        lead = self.room.state["cases"].get(case.get("linked_to") or "") or case
        self.sig_drill.emit(self.tr("Joint case %1").replace("%1", lead["id"]), [lead["id"], *(lead.get("links") or ())])

    def _open_case(self, cid: str) -> None:
        if self.selection is not None:
            self.selection.set_case(cid)

    def open_parts(self) -> PartsDialog | None:
        case = self.case()
        if case is None:
            return None
        dlg = PartsDialog(self.room, case, self.window())
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.sig_parts.connect(lambda parts: self._track(
            self.link.submit("case.part_add", {"case_id": case["id"], "parts": parts}), "case.part_add"))
        dlg.open()
        self._dialog = dlg
        return dlg

    def open_link(self) -> LinkDialog | None:
        case = self.case()
        if case is None:
            return None
        dlg = LinkDialog(self.room, case, self.window())
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.sig_link.connect(lambda ids: self._track(
            self.link.submit("case.link", {"case_id": case["id"], "case_ids": ids}), "case.link"))
        dlg.open()
        self._dialog = dlg
        return dlg


class PartsForm(QWidget):
    """Rows of department / task / deadline (hours); an empty task is a row not used."""

    def __init__(self, room, case: dict | None, parent=None):
        super().__init__(parent)
        self.room = room
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        for col, text in enumerate([self.tr("Department"), self.tr("Task"), self.tr("Hours to do it")]):
            self.grid.addWidget(QLabel("<b>" + text + "</b>"), 0, col)
        taken = {p["department"] for p in joint.open_parts(case)} if case else set()
        self.depts = [d["id"] for d in room.street.get("departments", []) if d["id"] not in taken]
        self.rows: list[tuple[QComboBox, QLineEdit, QDoubleSpinBox]] = []
        for _ in range(min(PART_ROWS, len(self.depts))):
            self.add_row()

    def add_row(self) -> None:
        i = len(self.rows)
        dept = QComboBox()
        for d in self.depts:
            dept.addItem(labels.department(self.room.street, d), d)
        dept.setCurrentIndex(min(i, dept.count() - 1))
        task = QLineEdit(placeholderText=self.tr("What this department does (empty: not involved)"))
        task.setMaxLength(joint.TASK_LIMIT)
        hours = QDoubleSpinBox()
        hours.setRange(0.5, joint.PART_HOURS_MAX)
        hours.setDecimals(1)
        hours.setValue(joint.DEFAULT_PART_HOURS)
        hours.setSuffix(" h")
        for col, w in enumerate((dept, task, hours)):
            self.grid.addWidget(w, i + 1, col)
        self.rows.append((dept, task, hours))

    def parts(self) -> list[dict]:
        return [{"department": d.currentData(), "task": t.text().strip(), "hours": h.value()}
                for d, t, h in self.rows if t.text().strip()]

    def problem(self) -> str:
        ps = self.parts()
        depts = [p["department"] for p in ps]
        if len(set(depts)) != len(depts):
            return self.tr("Each department once: give a department one part with all it is to do.")
        return ""


class PartsDialog(QDialog):
    """The departments' parts of a case: department, task, deadline; Enter sends them all."""
    sig_parts = Signal(list)

    def __init__(self, room, case: dict, parent=None):
        super().__init__(parent)
        self.setObjectName("PartsDialog")
        self.setWindowTitle(self.tr("Joint handling: %1").replace("%1", case["id"]))
        self.setMinimumWidth(640)
        head = QLabel(f"<b>{case['id']} · {case['title']}</b><br>" + self.tr(
            "Each department its part and deadline; the case closes when every part is done."))
        head.setWordWrap(True)
        self.form = PartsForm(room, case, self)
        more = QPushButton(self.tr("Another department"))
        more.clicked.connect(self.form.add_row)
        more.setEnabled(len(self.form.depts) > len(self.form.rows))
        self.problem = QLabel()
        set_kind(self.problem, "error")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Add the parts"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(head)
        lay.addWidget(self.form)
        lay.addWidget(more, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(self.problem)
        lay.addWidget(self.buttons)

    def accept(self) -> None:
        parts = self.form.parts()
        why = self.form.problem() or ("" if parts else self.tr("Say what at least one department is to do."))
        if why:
            self.problem.setText(why)
            return
        self.sig_parts.emit(parts)
        super().accept()


class LinkDialog(QDialog):
    """Cases to link under this lead: those of the same place or business offered first
    (ticked), or ids typed."""
    sig_link = Signal(list)

    def __init__(self, room, lead: dict, parent=None):
        super().__init__(parent)
        self.setObjectName("LinkDialog")
        self.setWindowTitle(self.tr("Link cases to %1").replace("%1", lead["id"]))
        self.setMinimumWidth(560)
        street = room.street
        group = early_warning.group_of(street, lead)
        same = [c for c in room.state["cases"].values()
                if c["id"] != lead["id"] and not c.get("linked_to") and not c.get("links") and not c.get("merged_into")
                and early_warning.group_of(street, c) == group]
        same.sort(key=lambda c: c["times"]["reported"], reverse=True)
        head = QLabel(f"<b>{lead['id']} · {lead['title']}</b><br>" + self.tr(
            "Cases at the same place or of the same business (%1), handled as one: closing %2 closes them.")
            .replace("%1", group[1] or "—").replace("%2", lead["id"]))
        head.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("LinkDialog.cases")
        for c in same[:100]:
            item = QListWidgetItem(f"{c['id']}  ·  {labels.status(c['status'])}  ·  {c['title']}  ·  "
                                   f"{c['location'].get('address', '')}")
            item.setData(Qt.ItemDataRole.UserRole, c["id"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if c["status"] in OPEN_STATUSES else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.ids = QLineEdit(placeholderText=self.tr("Other case ids, e.g. C000123 C000456"))
        self.ids.setObjectName("LinkDialog.ids")
        self.problem = QLabel()
        set_kind(self.problem, "error")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Link"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(head)
        lay.addWidget(self.list)
        lay.addWidget(self.ids)
        lay.addWidget(self.problem)
        lay.addWidget(self.buttons)

    def chosen(self) -> list[str]:
        ticked = [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
                  if self.list.item(i).checkState() == Qt.CheckState.Checked]
        typed = [t.strip().upper() for t in self.ids.text().replace(",", " ").replace("，", " ").split() if t.strip()]
        return list(dict.fromkeys(ticked + typed))[:joint.MAX_LINKS]

    def accept(self) -> None:
        ids = self.chosen()
        if not ids:
            self.problem.setText(self.tr("Tick or type at least one case."))
            return
        self.sig_link.emit(ids)
        super().accept()


class WarningJointDialog(QDialog):
    """An early warning made one joint case in one action: a lead (the oldest open case by
    default), the others linked under it, and the departments' parts (optional)."""
    sig_link = Signal(dict)

    def __init__(self, room, warning: dict, parent=None):
        super().__init__(parent)
        self.setObjectName("WarningJointDialog")
        self.warning = warning
        self.setWindowTitle(self.tr("Joint case from a warning"))
        self.setMinimumWidth(680)
        cases = room.state["cases"]
        head = QLabel("<b>" + warning_text(warning, room.street) + "</b><br>" + self.tr(
            "One joint case: the lead is handled, the other cases are linked to it and closed with it."))
        head.setWordWrap(True)
        self.lead = QComboBox()
        self.lead.setObjectName("WarningJointDialog.lead")
        for cid in warning["case_ids"]:
            c = cases.get(cid)
            if c is not None and c["status"] in OPEN_STATUSES and not c.get("linked_to"):
                self.lead.addItem(f"{cid} · {labels.status(c['status'])} · {c['title']}", cid)
        default = early_warning.lead_for(room.state, warning["case_ids"])
        if default is not None:
            self.lead.setCurrentIndex(max(0, self.lead.findData(default)))
        self.form = PartsForm(room, cases.get(default) if default else None, self)
        self.problem = QLabel()
        set_kind(self.problem, "error")
        if not self.lead.count():
            self.problem.setText(self.tr("Every case of this warning is closed: acknowledge it instead."))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(self.tr("Make the joint case"))
        ok.setEnabled(bool(self.lead.count()))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(head)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Lead case:")))
        row.addWidget(self.lead, 1)
        lay.addLayout(row)
        lay.addWidget(QLabel(self.tr("Departments' parts (optional; also later in the case detail):")))
        lay.addWidget(self.form)
        lay.addWidget(self.problem)
        lay.addWidget(self.buttons)

    def args(self) -> dict:
        lead = self.lead.currentData()
        args = {"case_id": lead, "case_ids": [c for c in self.warning["case_ids"] if c != lead],
                "warning": self.warning["id"]}
        parts = self.form.parts()
        if parts:
            args["parts"] = parts
        return args

    def accept(self) -> None:
        why = self.form.problem()
        if why or not self.lead.count():
            self.problem.setText(why or self.problem.text())
            return
        self.sig_link.emit(self.args())
        super().accept()


class WarningAckDialog(QDialog):
    """Acknowledge a warning with a note: not raised again until a new case comes in."""
    sig_ack = Signal(dict)

    def __init__(self, room, warning: dict, parent=None):
        super().__init__(parent)
        self.setObjectName("WarningAckDialog")
        self.warning = warning
        self.setWindowTitle(self.tr("Acknowledge the warning"))
        self.setMinimumWidth(520)
        head = QLabel("<b>" + warning_text(warning, room.street) + "</b><br>" + self.tr(
            "Say what the room does about it. It is not raised again until a new case comes in."))
        head.setWordWrap(True)
        self.note = QLineEdit(placeholderText=self.tr("e.g. 市场监管所已约谈，持续关注"))
        self.note.setObjectName("WarningAckDialog.note")
        self.note.setMaxLength(TEXT_LIMIT)
        self.problem = QLabel()
        set_kind(self.problem, "error")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Acknowledge"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(head)
        lay.addWidget(self.note)
        lay.addWidget(self.problem)
        lay.addWidget(self.buttons)
        self.note.setFocus()

    def accept(self) -> None:
        note = self.note.text().strip()
        if not note:
            self.problem.setText(self.tr("A note is needed: what the room does about it."))
            return
        self.sig_ack.emit({"warning": self.warning["id"], "case_ids": self.warning["case_ids"], "note": note})
        super().accept()


def warning_text(w: dict, street: dict | None = None) -> str:
    """'⚠ 4 complaints about 九堡中心小学 (Dispute) within 7 days'."""
    days = early_warning.RULES.days
    return QCoreApplication.translate("Dashboard", "⚠ %1 complaints about %2 (%3) within %4 days").replace(
        "%1", str(w["count"])).replace("%2", w["key"]).replace("%3", labels.category(w["category"])).replace(
        "%4", str(days))


def handled_text(w: dict) -> str:
    """How the room handled a warning: acknowledged with its note, or made a joint case."""
    h = w.get("handled") or {}
    who = h.get("by") or "?"
    at = time.strftime("%H:%M", time.localtime(epoch(h["at"]))) if h.get("at") else ""
    if h.get("lead"):
        text = QCoreApplication.translate("Dashboard", "joint case %1 (%2 %3)").replace("%1", h["lead"]).replace(
            "%2", who).replace("%3", at)
    else:
        text = QCoreApplication.translate("Dashboard", "acknowledged by %1 %2").replace("%1", who).replace("%2", at)
        if h.get("note"):
            text += ": " + h["note"]
    if w.get("new"):
        text += " · " + QCoreApplication.translate("Dashboard", "%1 new since").replace("%1", str(w["new"]))
    return text
