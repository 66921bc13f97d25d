"""Case detail: every field, the SLA stages with their deadlines, the full timeline and
notes, and only the actions the state machine allows now."""
from __future__ import annotations

import time

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QLocale, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from models import rota
from models.commands import TEXT_LIMIT, allowed_case_commands, command_spec, squads_on
from models.domain import mask_phone
from models.qt import labels
from models.qt.room import RoomState, Selection
from models.sla import case_clock, case_light, case_profile
from models.timeutil import epoch
from widgets import outcome
from widgets.case_squads import CaseSquadsBox
from widgets.common import fill_with_scroll
from widgets.evidence import EvidenceSection, label_text
from widgets.guidance import GuideBox
from widgets.joint import JointBox
from widgets.ladder import ladder_html
from widgets.style import PRIORITY_COLOURS, SLA_COLOURS, P, set_kind

EVENT_LABELS = {
    "case.reported": QT_TRANSLATE_NOOP("Timeline", "Reported"), "case.accepted": QT_TRANSLATE_NOOP("Timeline", "Accepted"),
    "case.dispatched": QT_TRANSLATE_NOOP("Timeline", "Dispatched"), "case.signed": QT_TRANSLATE_NOOP("Timeline", "Signed for"),
    "case.contacted": QT_TRANSLATE_NOOP("Timeline", "Party contacted"), "case.arrived": QT_TRANSLATE_NOOP("Timeline", "Arrived on scene"),
    "case.feedback": QT_TRANSLATE_NOOP("Timeline", "Feedback"), "case.closed": QT_TRANSLATE_NOOP("Timeline", "Closed"),
    "case.transferred": QT_TRANSLATE_NOOP("Timeline", "Transferred"), "case.escalated": QT_TRANSLATE_NOOP("Timeline", "Escalated"),
    "case.returned": QT_TRANSLATE_NOOP("Timeline", "Returned"), "case.reopened": QT_TRANSLATE_NOOP("Timeline", "Reopened"),
    "case.supervised": QT_TRANSLATE_NOOP("Timeline", "Supervised"), "case.rated": QT_TRANSLATE_NOOP("Timeline", "Rated by citizen"),
    "case.noted": QT_TRANSLATE_NOOP("Timeline", "Note"), "case.merged": QT_TRANSLATE_NOOP("Timeline", "Merged"),
    "case.amended": QT_TRANSLATE_NOOP("Timeline", "Amended"),
    "case.reinforced": QT_TRANSLATE_NOOP("Timeline", "Reinforced"),
    "case.released": QT_TRANSLATE_NOOP("Timeline", "Squad released"),
    "alert.acknowledged": QT_TRANSLATE_NOOP("Timeline", "Alert acknowledged"),
    "case.attached": QT_TRANSLATE_NOOP("Timeline", "Attached"),
    "case.detached": QT_TRANSLATE_NOOP("Timeline", "Attachment removed"),
    "case.called_back": QT_TRANSLATE_NOOP("Timeline", "Citizen called back"),
    "case.progressed": QT_TRANSLATE_NOOP("Timeline", "Progress report"),
    "case.dept_signed": QT_TRANSLATE_NOOP("Timeline", "Signed for by the department"),
    "case.followed_up": QT_TRANSLATE_NOOP("Timeline", "Followed up"),
    "case.confirmed": QT_TRANSLATE_NOOP("Timeline", "Confirmed with the resident"),
    "case.rating_link_issued": QT_TRANSLATE_NOOP("Timeline", "Rating code shown to the resident"),
    "case.checked": QT_TRANSLATE_NOOP("Timeline", "Checklist"),
    "team.reinforcement_requested": QT_TRANSLATE_NOOP("Timeline", "Reinforcement requested"),
    "case.part_added": QT_TRANSLATE_NOOP("Timeline", "Department's part added"),
    "case.part_done": QT_TRANSLATE_NOOP("Timeline", "Department's part done"),
    "case.part_cancelled": QT_TRANSLATE_NOOP("Timeline", "Department's part cancelled"),
    "case.linked": QT_TRANSLATE_NOOP("Timeline", "Cases linked"),
    "case.unlinked": QT_TRANSLATE_NOOP("Timeline", "Unlinked"),
}
# who stamped a step (the event's `by_role`): a terminal's own, or the room on its behalf
STAMP_LABELS = {"field": QT_TRANSLATE_NOOP("Timeline", "field terminal"),
                "department": QT_TRANSLATE_NOOP("Timeline", "department terminal"),
                "community": QT_TRANSLATE_NOOP("Timeline", "community terminal")}
ON_BEHALF = QT_TRANSLATE_NOOP("Timeline", "entered by the room")
CONFIRM_LABELS = {"confirmed": QT_TRANSLATE_NOOP("Timeline", "resident confirms"),
                  "not_resolved": QT_TRANSLATE_NOOP("Timeline", "resident says not resolved")}
# where a rating came from (the case's rating_source, the event's source)
RATING_SOURCES = {"resident": QT_TRANSLATE_NOOP("Timeline", "by the resident's QR code"),
                  "callback": QT_TRANSLATE_NOOP("Timeline", "by callback"),
                  "room": QT_TRANSLATE_NOOP("Timeline", "entered by the room")}
CALLBACK_LABELS = {"reached": QT_TRANSLATE_NOOP("Timeline", "reached"),
                   "not_reached": QT_TRANSLATE_NOOP("Timeline", "not reached"),
                   "unreachable": QT_TRANSLATE_NOOP("Timeline", "not reached, no more tries")}
FIELD_LABELS = {"title": QT_TRANSLATE_NOOP("Timeline", "title"), "category": QT_TRANSLATE_NOOP("Timeline", "category"),
                "priority": QT_TRANSLATE_NOOP("Timeline", "priority"), "location": QT_TRANSLATE_NOOP("Timeline", "address")}
ALERT_LABELS = {"p1": QT_TRANSLATE_NOOP("Timeline", "new P1 case"), "overdue": QT_TRANSLATE_NOOP("Timeline", "deadline missed")}
# who sees a reporter's phone in full (the wall and exports are masked)
FULL_PHONE_ROLES = frozenset({"operator", "leader", "admin"})
# command -> button text (the free text each takes, and whether it must: models.commands.command_spec)
ACTIONS = {
    "case.accept": QT_TRANSLATE_NOOP("Actions", "Accept"),
    "case.dispatch": QT_TRANSLATE_NOOP("Actions", "Dispatch…"),
    "case.sign": QT_TRANSLATE_NOOP("Actions", "Sign for"),
    "case.contact": QT_TRANSLATE_NOOP("Actions", "Party contacted"),
    "case.arrive": QT_TRANSLATE_NOOP("Actions", "On scene"),
    "case.progress": QT_TRANSLATE_NOOP("Actions", "Progress report"),
    "case.feedback": QT_TRANSLATE_NOOP("Actions", "Feedback"),
    "case.dept_sign": QT_TRANSLATE_NOOP("Actions", "Department signed"),
    "case.close": QT_TRANSLATE_NOOP("Actions", "Close"),
    "case.transfer": QT_TRANSLATE_NOOP("Actions", "Transfer"),
    "case.escalate": QT_TRANSLATE_NOOP("Actions", "Escalate"),
    "case.supervise": QT_TRANSLATE_NOOP("Actions", "Supervise"),
    "case.return": QT_TRANSLATE_NOOP("Actions", "Return"),
    "case.reopen": QT_TRANSLATE_NOOP("Actions", "Reopen"),
    "case.note": QT_TRANSLATE_NOOP("Actions", "Add note"),
    "case.amend": QT_TRANSLATE_NOOP("Actions", "Amend…"),
}


def hms(iso_or_epoch) -> str:
    t = epoch(iso_or_epoch) if isinstance(iso_or_epoch, str) else iso_or_epoch
    return time.strftime("%H:%M:%S", time.localtime(t))



def road_text(state: dict, location: dict | None) -> str:
    """The case's road and who answers for it there (the responsible squad and member)."""
    hit = rota.responsible(state, location)
    if hit is None:
        return QCoreApplication.translate("CaseDetailPanel", "— (the address names none of the street's roads)")
    team = state["teams"].get(hit["team_id"]) or {}
    text = QCoreApplication.translate("CaseDetailPanel", "%1 · responsible: %2 (%3)").replace(
        "%1", hit["road"]).replace("%2", team.get("call_sign", hit["team_id"])).replace("%3", hit["team_id"])
    if hit.get("member_id"):
        text += " · " + QCoreApplication.translate("CaseDetailPanel", "member in charge: %1").replace(
            "%1", rota.member_name(state, hit["team_id"], hit["member_id"]))
    return text

class CaseDetailPanel(QWidget):
    """Signals:
        sig_drill(str, list): show just these cases in the queue (a joint case and its linked cases).
    """
    sig_drill = Signal(str, object)

    def __init__(self, room: RoomState, selection: Selection, link, parent=None):
        super().__init__(parent)
        self.setObjectName("CaseDetailPanel")
        self.room, self.selection, self.link = room, selection, link
        self.case_id = ""
        self.header = QLabel()
        self.header.setObjectName("CaseDetail.header")
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setWordWrap(True)
        self.fields = QFormLayout()
        self.fields.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self._field_labels: dict[str, QLabel] = {}
        for key, text in [("category", self.tr("Category")), ("source", self.tr("Source")),
                          ("location", self.tr("Location")), ("road", self.tr("Road")),
                          ("reporter", self.tr("Reporter")),
                          ("squad", self.tr("Squad / department")), ("escalation", self.tr("Escalation")),
                          ("supervision", self.tr("Supervision")), ("rating", self.tr("Citizen rating")),
                          ("description", self.tr("Description"))]:
            lab = QLabel()
            lab.setWordWrap(True)
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if key == "escalation":
                lab.setTextFormat(Qt.TextFormat.RichText)
            self._field_labels[key] = lab
            if key == "reporter":
                row_w = QWidget()
                rl = QHBoxLayout(row_w)
                rl.setContentsMargins(0, 0, 0, 0)
                rl.addWidget(lab, 1)
                self.copy_phone = QToolButton()
                self.copy_phone.setText(self.tr("Copy phone"))
                self.copy_phone.setToolTip(self.tr("Copy the reporter's phone number"))
                self.copy_phone.clicked.connect(self._copy_phone)
                rl.addWidget(self.copy_phone)
                self.fields.addRow(text + ":", row_w)
                continue
            self.fields.addRow(text + ":", lab)
        self.stages = QTableWidget(0, 4)
        self.stages.setHorizontalHeaderLabels([self.tr("Stage"), self.tr("Deadline"), self.tr("State"), self.tr("Reached")])
        self.stages.verticalHeader().setVisible(False)
        self.stages.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.stages.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.stages.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.stages.setMaximumHeight(140)
        self.timeline = QListWidget()
        self.text = QLineEdit(placeholderText=self.tr("Note, resolution or reason for the action…"))
        self.text.setMaxLength(TEXT_LIMIT)
        self.department = QComboBox()
        self.error = QLabel()             # what became of the last action: sent / acknowledged / refused: why
        self.error.setObjectName("CaseDetail.outcome")
        self.error.setWordWrap(True)
        set_kind(self.error, "error")
        self._shown_light = ""
        self._sent: dict[str, tuple[str, str]] = {}      # command id -> (case, text sent with it)
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        self._grid = grid
        for i, (cmd, text) in enumerate(ACTIONS.items()):
            b = QPushButton(QCoreApplication.translate("Actions", text))
            b.setProperty("command", cmd)
            if cmd in ("case.dispatch", "case.accept"):
                b.setProperty("role", "primary")
            b.clicked.connect(lambda _=False, c=cmd: self.act(c))
            grid.addWidget(b, i // 4, i % 4)
            self.buttons[cmd] = b
        self.print_sheet = QToolButton()
        self.print_sheet.setText(self.tr("Case sheet…"))
        self.print_sheet.setToolTip(self.tr("This case on A4: preview, save as PDF, print (Ctrl+P)"))
        self.print_sheet.clicked.connect(self.open_case_sheet)
        self.rating_code = QToolButton()
        self.rating_code.setObjectName("CaseDetail.ratingCode")
        self.rating_code.setText(self.tr("Resident rating code…"))
        self.rating_code.setToolTip(self.tr("A one-time QR code and link for the resident to rate the handling "
                                            "(扫码打分): show it or print it"))
        self.rating_code.clicked.connect(self.open_rating_code)
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.addWidget(self.header)
        tools = QHBoxLayout()
        tools.addStretch(1)
        tools.addWidget(self.rating_code)
        tools.addWidget(self.print_sheet)
        lay.addLayout(tools)
        row = QHBoxLayout()
        row.addWidget(self.text, 3)
        row.addWidget(QLabel(self.tr("Transfer to:")))
        row.addWidget(self.department, 2)
        lay.addLayout(row)
        lay.addLayout(grid)
        # photos, clips and files: thumbnails by group, the viewer, attaching (widgets/evidence.py);
        # what a closing rule still needs is said under the buttons, before the operator tries
        self.evidence = EvidenceSection(room, link, parent=self)
        lay.addWidget(self.evidence.rule)
        lay.addWidget(self.error)
        self.squads = CaseSquadsBox(room, link)      # the lead and supporting squads (case.reinforce)
        lay.addWidget(self.squads)
        self.joint = JointBox(room, link, selection)  # the departments' parts and the linked cases (一件事)
        lay.addWidget(self.joint)
        self.joint.sig_drill.connect(self.sig_drill)
        sla_title = QLabel(self.tr("SLA stages"))
        self._sla_title = sla_title
        sla_title.setProperty("kind", "heading")
        lay.addWidget(sla_title)
        lay.addWidget(self.stages)
        lay.addLayout(self.fields)
        self.guide = GuideBox(room, link)              # the category's handling guide (执法手册), its checklist
        lay.addWidget(self.guide)
        lay.addWidget(self.evidence)
        tl_title = QLabel(self.tr("Timeline"))
        tl_title.setProperty("kind", "heading")
        lay.addWidget(tl_title)
        self.timeline.setMinimumHeight(160)
        lay.addWidget(self.timeline, 1)
        fill_with_scroll(self, inner)
        self.setAcceptDrops(True)              # files dropped anywhere on the detail are attached to its case
        selection.sig_case.connect(self.show_case)
        room.sig_cases.connect(self._cases_changed)
        room.sig_reset.connect(self._reset)
        room.sig_tick.connect(self._refresh_stages)
        link.sig_command.connect(self._command_result)
        self._reset()

    def _pack_buttons(self) -> None:
        """Only the allowed actions, packed in as many columns as the panel's width holds (at most
        4): long English labels ("Department signed") must not push "Close" out of sight."""
        shown = getattr(self, "_shown_buttons", list(self.buttons.values()))
        for b in self.buttons.values():
            self._grid.removeWidget(b)
            b.setVisible(b in shown)
        if not shown:
            return
        room = self.width() - 40             # the scroll area's margins and bar
        widest = max(b.sizeHint().width() for b in shown) + max(self._grid.horizontalSpacing(), 6)
        cols = max(2, min(4, room // max(widest, 1)))
        self._columns = cols
        for i, b in enumerate(shown):
            self._grid.addWidget(b, i // cols, i % cols)

    def button_columns(self) -> int:
        """How many columns the action buttons are packed in now."""
        return getattr(self, "_columns", 4)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        cols = self.button_columns()
        self._pack_buttons()
        if cols != self.button_columns():
            self._grid.invalidate()

    def _reset(self) -> None:
        self.department.clear()
        for d in self.room.street.get("departments", []):
            self.department.addItem(labels.department(self.room.street, d["id"]), d["id"])
        self.show_case(self.selection.case_id)

    def _cases_changed(self, changed, new) -> None:
        if self.case_id and self.case_id in changed:
            self.show_case(self.case_id)

    def field_text(self, key: str) -> str:
        """What the panel shows for a field of the case (category, source, location, reporter,
        squad, escalation, supervision, rating, description)."""
        return self._field_labels[key].text()

    @property
    def dialog(self):
        """The dialog opened last from the panel (amend), None before any."""
        return getattr(self, "_dialog", None)

    def case(self) -> dict | None:
        return self.room.state["cases"].get(self.case_id)

    def open_case_sheet(self):
        """The case sheet dialog (widgets/reports.py) for the case shown here."""
        case = self.case()
        if case is None:
            return None
        from widgets.reports import CaseSheetDialog
        lang = "zh_CN" if QLocale().language() == QLocale.Language.Chinese else "en"
        dlg = CaseSheetDialog(case, self.room.state, self.link.role, lang, parent=self, link=self.link)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.show()
        return dlg

    def open_rating_code(self):
        """The case's one-time rating code for its resident (widgets/rating_code.py)."""
        case = self.case()
        if case is None:
            return None
        from widgets.rating_code import RatingCodeDialog
        dlg = RatingCodeDialog(case, self.link, parent=self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.open()
        self._dialog = dlg
        return dlg

    def show_case(self, cid: str) -> None:
        self.case_id = cid
        case = self.case()
        self.print_sheet.setEnabled(case is not None)
        self.rating_code.setVisible(False)
        self.error.clear()
        if case is None:
            none = self.tr("No case selected")
            self.header.setText(f"<span style='font-size:14pt; color:#8593a3'>{none}</span>")
            for lab in self._field_labels.values():
                lab.clear()
            self.timeline.clear()
            self.stages.setRowCount(0)
            for b in self.buttons.values():
                b.setVisible(False)
            self.squads.show_case(None)
            self.joint.show_case(None)
            self.guide.show_case(None)
            self.evidence.set_case(None)
            return
        street = self.room.street
        light, _ = case_light(case_clock(case, self.room.profile, self.room.now()))
        self._shown_light = light
        pc = PRIORITY_COLOURS.get(case["priority"], P["muted"])
        repeats = self.tr("Repeat calls: %1").replace("%1", str(case.get("repeat_calls", 0)))
        merged = self.tr("Merged into %1").replace("%1", case.get("merged_into") or "")
        lc = SLA_COLOURS.get(light, P["muted"])
        self.header.setText(
            f"<span style='font-size:15pt; font-weight:bold'>{case['id']} · {case['title']}</span><br>"
            f"<span style='color:{pc}; font-weight:bold'>{labels.priority(case['priority'])}</span> · "
            f"<b>{labels.status(case['status'])}</b> · "
            f"<span style='color:{lc}; font-weight:bold'>● {labels.sla(light)}</span>"
            + (f" · <span style='color:#ff9500'>{repeats}</span>" if case.get("repeat_calls") else "")
            + (f" · {merged}" if case.get("merged_into") else ""))
        loc = case["location"]
        f = self._field_labels
        f["category"].setText(labels.category(case["category"]) + (
            "  [" + ", ".join(case.get("subtags") or []) + "]" if case.get("subtags") else ""))
        f["source"].setText(labels.source(case["source"]))
        where = " ".join(x for x in (labels.area(street, loc.get("area")), loc.get("grid") or "") if x)
        f["location"].setText(" · ".join(x for x in (loc.get("address", ""), where) if x))   # no "·" left dangling
        f["road"].setText(road_text(self.room.state, loc))     # 以道路为最小作战单元: who answers for it
        rep = case.get("reporter") or {}
        phone = self.phone_shown
        parties = "; ".join(f"{p.get('name', '')} {phone(p.get('phone'))}" for p in case.get("parties") or [])
        f["reporter"].setText(" ".join(x for x in (rep.get("name", ""), phone(rep.get("phone"))) if x)
                              + (f" · {parties}" if parties else ""))
        self.copy_phone.setVisible(bool(rep.get("phone")) and self.room.role in FULL_PHONE_ROLES
                                   and "*" not in rep.get("phone", ""))
        team = self.room.state["teams"].get(case.get("team_id") or "")
        support = [self.room.state["teams"].get(t, {}).get("call_sign", t) for t in squads_on(case)[1:]]
        f["squad"].setText((team["call_sign"] + f" ({team['id']})" if team else
                            labels.department(street, case.get("department")) or "—")
                           + (" + " + ", ".join(support) if support and team else ""))
        f["escalation"].setText(ladder_html(case, self.room.now()))     # the category's ladder, where it stands
        f["supervision"].setText(str(case["supervision"]) if case["supervision"] else "—")
        cb = case.get("callback") or {}
        src = RATING_SOURCES.get(case.get("rating_source") or "room") if case.get("rating") else None
        f["rating"].setText(("★" * case["rating"] if case.get("rating") else "—")
                            + ("  " + QCoreApplication.translate("Timeline", str(src)) if src else "") + (
            "  · " + self.tr("callback: %1, tries %2").replace("%1", QCoreApplication.translate(
                "Timeline", str(CALLBACK_LABELS.get(cb.get("outcome") or "", "")))).replace("%2", str(cb.get("attempts")))
            if cb.get("outcome") else ""))
        f["description"].setText(case.get("description") or "")
        self.squads.show_case(case)
        self.joint.show_case(case)
        self.guide.show_case(case)
        # the profile the case is judged by: the one in force when it was reported (or reopened)
        self._sla_title.setText(self.tr("SLA stages · profile %1").replace(
            "%1", labels.profile(case_profile(case, self.room.profile).name)))
        self._refresh_stages()
        self.timeline.clear()
        for e in case["timeline"]:
            text = QCoreApplication.translate("Timeline", EVENT_LABELS.get(e["name"], e["name"]))
            extra = []
            if e.get("team_id"):
                t = self.room.state["teams"].get(e["team_id"])
                extra.append(t["call_sign"] if t else e["team_id"])
            for tid in e.get("team_ids") or ():
                t = self.room.state["teams"].get(tid)
                extra.append(t["call_sign"] if t else tid)
            if e.get("to"):
                extra.append(labels.department(street, e["to"]))
            for k in ("note", "resolution", "reason"):
                if e.get(k):
                    extra.append(str(e[k]))
            if e.get("outcome") in CONFIRM_LABELS:
                extra.append(QCoreApplication.translate("Timeline", str(CONFIRM_LABELS[e["outcome"]])))
            if e.get("outcome") in CALLBACK_LABELS:
                extra.append(QCoreApplication.translate("Timeline", str(CALLBACK_LABELS[e["outcome"]]))
                             + f" ({e.get('attempt', 1)})")
            if e.get("rating"):
                extra.append("★" * e["rating"])
            if e.get("item_text"):
                extra.append(("☐ " if e.get("ticked") is False else "☑ ") + e["item_text"])
            if e.get("source") in RATING_SOURCES:
                extra.append(QCoreApplication.translate("Timeline", str(RATING_SOURCES[e["source"]])))
            for field, (old, new) in (e.get("changes") or {}).items():
                extra.append(QCoreApplication.translate("Timeline", str(FIELD_LABELS.get(field, field))) + ": "
                             + self._value(field, old) + " → " + self._value(field, new))
            if e["name"] == "alert.acknowledged" and e.get("kind"):
                extra.append(QCoreApplication.translate("Timeline", str(ALERT_LABELS.get(e["kind"], e["kind"]))))
            if e.get("attachment"):
                att: dict = next((a for a in case.get("attachments") or [] if a.get("id") == e["attachment"]), {})
                if e.get("label"):
                    extra.append(label_text(e["label"]))
                extra.append(att.get("name") or str(e["attachment"])[:12])
            if e.get("from_case") and e["name"] == "case.merged":
                extra.append(self.tr("repeat call %1").replace("%1", e["from_case"]))
            if e.get("part_id"):            # a joint case's part: which, whose, what
                extra.insert(0, f"{e['part_id']} {labels.department(street, e.get('department'))}"
                             + (f" · {e['task']}" if e.get("task") else ""))
            if e["name"] == "case.linked":
                extra.append(self.tr("lead %1").replace("%1", e["lead"]) if e.get("lead") else
                             self.tr("linked: %1").replace("%1", ", ".join(e.get("case_ids") or ())))
                if e.get("warning"):
                    extra.append(self.tr("from the early warning %1").replace("%1", e["warning"].split(":", 1)[-1]))
            if e["name"] == "case.unlinked":
                extra.append(self.tr("from lead %1").replace("%1", e.get("lead") or "")
                             if not e.get("from_case") else self.tr("%1 on its own again").replace("%1", e["from_case"]))
            if e.get("with_lead"):
                extra.append(self.tr("closed with lead %1").replace("%1", e["with_lead"]))
            stamp = e.get("by_role")
            by = e.get("actor") or ""
            if stamp in STAMP_LABELS:       # the terminal's own stamp
                by += " [" + QCoreApplication.translate("Timeline", str(STAMP_LABELS[stamp])) + "]"
            elif stamp:                     # the room entered it on the squad's (department's) behalf
                by += " (" + QCoreApplication.translate("Timeline", str(ON_BEHALF)) + ")"
            item = QListWidgetItem(f"{hms(e['at'])}  {text}  {' · '.join(extra)}   — {by}")
            if stamp in STAMP_LABELS:
                item.setData(Qt.ItemDataRole.UserRole, "terminal")
                item.setForeground(QColor(P["ok"]))
            self.timeline.addItem(item)
        self.timeline.scrollToBottom()
        # nothing to do on a report the server has not acknowledged yet; only what the role may
        allowed = set() if case.get("pending") else set(allowed_case_commands(case, self.room.role or "operator"))
        self._shown_buttons = [b for cmd, b in self.buttons.items() if cmd in allowed]
        self._pack_buttons()
        # the highlighted action is the next step: dispatching a case already sent is a re-dispatch
        waiting = case.get("status") in ("new", "accepted")
        for cmd in ("case.dispatch", "case.accept"):
            b = self.buttons[cmd]
            role = "primary" if waiting else ""
            if (b.property("role") or "") != role:
                b.setProperty("role", role)
                b.style().unpolish(b)
                b.style().polish(b)
        self.department.setEnabled("case.transfer" in allowed)
        self.rating_code.setVisible("case.rating_link" in allowed)
        self.evidence.set_case(case)
        for cmd in ("case.feedback", "case.close"):
            need = self.evidence.missing(case, cmd)
            self.buttons[cmd].setToolTip(self.evidence.rule_text(case) if need else "")

    def dragEnterEvent(self, e):
        self.evidence.dragEnterEvent(e)

    def dragMoveEvent(self, e):
        self.evidence.dragMoveEvent(e)

    def dropEvent(self, e):
        self.evidence.dropEvent(e)

    def phone_shown(self, phone: str | None) -> str:
        """In full for the room's operators and leaders; masked for anyone else."""
        return (phone or "") if self.room.role in FULL_PHONE_ROLES else mask_phone(phone)

    def _copy_phone(self) -> None:
        case = self.case()
        phone = ((case or {}).get("reporter") or {}).get("phone")
        if phone and self.room.role in FULL_PHONE_ROLES:
            QGuiApplication.clipboard().setText(phone)

    @staticmethod
    def _value(field: str, v) -> str:
        if field == "category":
            return labels.category(v)
        if field == "priority":
            return f"P{v}"
        if field == "location":
            return (v or {}).get("address", "")
        return str(v)

    def _refresh_stages(self) -> None:
        case = self.case()
        if case is None:
            return
        clocks = case_clock(case, self.room.profile, self.room.now())
        if case_light(clocks)[0] != self._shown_light:
            self.show_case(self.case_id)     # one SLA state: the header follows its own stage table
            return
        self.stages.setRowCount(len(clocks))
        for r, c in enumerate(clocks):
            remaining = c.deadline - self.room.now()
            state_text = labels.sla(c.state)
            if c.state in ("on_time", "due_soon", "overdue"):
                m, s = divmod(int(abs(remaining)), 60)
                state_text += f"  ({'-' if remaining < 0 else ''}{m:02d}:{s:02d})"
            cells = [labels.stage(c.key), hms(c.deadline), state_text, hms(c.reached_at) if c.reached_at else ""]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 2:
                    item.setForeground(QColor(SLA_COLOURS.get(c.state, P["text"])))
                self.stages.setItem(r, col, item)

    def act(self, cmd: str) -> None:
        case = self.case()
        if case is None:
            return
        if cmd == "case.dispatch":
            self.selection.sig_dispatch_requested.emit(case["id"])
            return
        if cmd == "case.amend":
            self.open_amend()
            return
        args = {"case_id": case["id"]}
        text = self.text.text().strip()
        spec = command_spec(cmd)
        if spec.text_required and not text:
            self.error.setText(self.tr("Type the note, resolution or reason first."))
            self.text.setFocus()
            return
        if spec.text and text:
            args[spec.text] = text[:spec.text_limit]
        if cmd == "case.transfer":
            args["to"] = self.department.currentData()
        sent = self.link.submit(cmd, args)
        # the text stays in its field until the server acknowledges the command: a refusal
        # (or a crash meanwhile) loses nothing typed
        self._sent[sent] = (case["id"], text)
        self._show_outcome("pending", {"name": cmd})

    def open_amend(self) -> None:
        from widgets.amend import AmendDialog
        if self.case() is None:
            return
        dlg = AmendDialog(self.room, self.link, self.case_id, self.window())
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.open()
        self._dialog = dlg

    def _show_outcome(self, outcome_: str, detail: dict) -> None:
        online = self.link.status.state == "online" if hasattr(self.link, "status") else True
        self.error.setText(outcome.describe(outcome_, detail, online))
        set_kind(self.error, outcome.kind(outcome_, online))
        self.error.setToolTip(f"{detail.get('code')}: {detail.get('message')}" if outcome_ == "refused" else "")

    def _command_result(self, cid: str, outcome_: str, detail: dict) -> None:
        mine = self._sent.get(cid)
        if mine is None:
            return
        case_id, text = mine
        if outcome_ == "pending":
            return
        del self._sent[cid]
        if case_id != self.case_id:
            return
        if outcome_ == "acked" and text and self.text.text().strip() == text:
            self.text.clear()
        self._show_outcome(outcome_, detail)
