"""Shift leader tools: wartime mode, squads on and off duty, members between squads, and
the handover summary of open cases at shift change."""
from __future__ import annotations

import time
from collections import Counter

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models import rota
from models.commands import reserve, standing_by
from models.domain import OPEN_STATUSES
from models.qt import labels
from models.sla import OVERDUE, case_sla
from widgets.common import fill_with_scroll
from widgets.handover import HandoverDialog, pending_for, when
from widgets.sla_choice import SlaProfileBox
from widgets.style import set_kind

SUMMARY_EVERY_MS = 3000


def handover_summary(room) -> str:
    st, now = room.state, room.now()
    open_cases = [c for c in st["cases"].values() if c["status"] in OPEN_STATUSES]
    overdue = [c for c in open_cases if case_sla(c, room.profile, now)[0] == OVERDUE]
    by_status = Counter(c["status"] for c in open_cases)
    lines = [QCoreApplication.translate("Handover", "Handover at %1 · mode: %2")
             .replace("%1", time.strftime("%Y-%m-%d %H:%M", time.localtime(now)))
             .replace("%2", labels.mode(st.get("mode", "peacetime"))),
             QCoreApplication.translate("Handover", "Open cases: %1 (overdue %2)")
             .replace("%1", str(len(open_cases))).replace("%2", str(len(overdue)))]
    lines.append("  " + " · ".join(f"{labels.status(s)} {n}" for s, n in sorted(by_status.items())))
    for c in sorted(overdue, key=lambda c: c["priority"])[:20]:
        lines.append(f"  ⚠ {c['id']} P{c['priority']} {c['title']} · {labels.status(c['status'])}")
    for c in sorted((c for c in open_cases if c["priority"] == 1 and c not in overdue), key=lambda c: c["id"])[:10]:
        lines.append(f"  P1 {c['id']} {c['title']} · {labels.status(c['status'])}")
    em = [t for t in st["teams"].values() if t.get("emergency")]
    for t in em:
        lines.append("  » " + QCoreApplication.translate("Handover", "Emergency open: %1").replace("%1", t["call_sign"]))
    return "\n".join(lines)


ROLE_NAMES = {"operator": QT_TRANSLATE_NOOP("Roles", "operator"), "leader": QT_TRANSLATE_NOOP("Roles", "shift leader"),
              "admin": QT_TRANSLATE_NOOP("Roles", "administrator"), "wall": QT_TRANSLATE_NOOP("Roles", "video wall"),
              "field": QT_TRANSLATE_NOOP("Roles", "field squad"), "intake": QT_TRANSLATE_NOOP("Roles", "intake")}


def labels_role(role: str | None) -> str:
    return QCoreApplication.translate("Roles", str(ROLE_NAMES.get(role or "operator", role or "")))


class LeaderPanel(QWidget):
    def __init__(self, room, link, parent=None):
        super().__init__(parent)
        self.setObjectName("LeaderPanel")
        self.room, self.link = room, link
        self.mode = QPushButton()
        self.mode.setMinimumHeight(40)
        self.mode.clicked.connect(self._toggle_mode)
        self.duty_box = QGroupBox(self.tr("Squads on duty"))
        self.duty_grid = QGridLayout(self.duty_box)
        self.checks: dict[str, QCheckBox] = {}
        self.member = QComboBox()
        self.target = QComboBox()
        move = QPushButton(self.tr("Move member"))
        move.clicked.connect(self._move)
        self.summary = QPlainTextEdit()
        self.summary.setReadOnly(True)
        self.note = QLineEdit(placeholderText=self.tr("Handover note and the incoming leader"))
        record = QPushButton(self.tr("Record handover"))
        record.clicked.connect(self._handover)
        refresh = QPushButton(self.tr("Refresh summary"))
        refresh.clicked.connect(self._summary)
        self.error = QLabel()
        self.role_note = QLabel()          # why the controls are disabled, for a role that may not use them
        self.role_note.setObjectName("LeaderPanel.role")
        self.role_note.setProperty("kind", "muted")
        self.role_note.setWordWrap(True)
        self.move_btn, self._record_btn = move, record
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.addWidget(self.role_note)
        # the shift in force by the rota (24小时三班运转): its crew, its leader, since when
        self.shift_line = QLabel()
        self.shift_line.setObjectName("LeaderPanel.shift")
        self.shift_line.setWordWrap(True)
        self.shift_line.setProperty("kind", "heading")
        lay.addWidget(self.shift_line)
        lay.addWidget(self.mode)
        # the reserve (备勤力量) and mass mobilisation: one action each (a second click confirms)
        rb = QGroupBox(self.tr("Reserve and mass mobilisation"))
        rl = QVBoxLayout(rb)
        self.reserve_counts = QLabel()
        self.reserve_counts.setObjectName("LeaderPanel.reserve")
        self.reserve_counts.setWordWrap(True)
        rl.addWidget(self.reserve_counts)
        buttons = QHBoxLayout()
        self.call_reserve = QPushButton()
        self.call_reserve.setObjectName("LeaderPanel.call_reserve")
        self.call_reserve.setProperty("role", "danger")
        self.call_reserve.clicked.connect(lambda: self._arm_or_send("reserve"))
        self.mobilise = QPushButton()
        self.mobilise.setObjectName("LeaderPanel.mobilise")
        self.mobilise.setProperty("role", "danger")
        self.mobilise.clicked.connect(lambda: self._arm_or_send("all"))
        self.stand_down = QPushButton()
        self.stand_down.setObjectName("LeaderPanel.stand_down")
        self.stand_down.clicked.connect(lambda: self.link.submit("team.stand_down", {}))
        self._mobilise_armed: str | None = None
        buttons.addWidget(self.call_reserve)
        buttons.addWidget(self.mobilise)
        buttons.addWidget(self.stand_down)
        rl.addLayout(buttons)
        lay.addWidget(rb)
        self.sla_box = SlaProfileBox(room, link)        # the street's profile, for new cases
        lay.addWidget(self.sla_box)
        lay.addWidget(self.duty_box)
        mv = QGroupBox(self.tr("Move a member between squads"))
        ml = QHBoxLayout(mv)
        ml.addWidget(self.member, 2)
        ml.addWidget(QLabel("→"))
        ml.addWidget(self.target, 1)
        ml.addWidget(move)
        lay.addWidget(mv)
        hb = QGroupBox(self.tr("Shift handover"))
        hl = QVBoxLayout(hb)
        lr = QHBoxLayout()
        self.last_handover = QLabel()          # the last recorded handover and whether it was read
        self.last_handover.setObjectName("LeaderPanel.last_handover")
        self.last_handover.setWordWrap(True)
        self.read_handover = QPushButton(self.tr("Read handover…"))
        self.read_handover.clicked.connect(self.open_handover)
        lr.addWidget(self.last_handover, 1)
        lr.addWidget(self.read_handover)
        hl.addLayout(lr)
        hl.addWidget(self.summary)
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(refresh)
        row.addWidget(record)
        hl.addLayout(row)
        lay.addWidget(hb, 1)
        lay.addWidget(self.error)
        fill_with_scroll(self, inner)
        room.sig_reset.connect(self.rebuild)
        room.sig_teams.connect(self._teams)
        room.sig_room.connect(self._mode)
        link.sig_command.connect(self._result)
        room.sig_role.connect(self._apply_role)
        # the handover the incoming leader reads: at login (the snapshot) and when it arrives
        self._handover_shown: tuple[int, int | None] | None = None     # (handover seq, shift seq) offered
        self.handover_dialog: HandoverDialog | None = None
        room.sig_reset.connect(self._handover_state)
        room.sig_reset.connect(self._reserve_state)
        room.sig_teams.connect(self._reserve_state)
        room.sig_room.connect(self._reserve_state)
        self._shift_seen: int | None = None
        room.sig_reset.connect(self._shift_state)
        room.sig_room.connect(self._shift_state)
        room.sig_room.connect(self._handover_state)
        # the handover summary follows the room by itself (coalesced: at most every few seconds)
        self._summary_dirty = False
        room.sig_cases.connect(self._mark_summary)
        room.sig_teams.connect(self._mark_summary)
        room.sig_room.connect(self._mark_summary)
        self._summary_timer = QTimer(self, interval=SUMMARY_EVERY_MS)
        self._summary_timer.timeout.connect(self._refresh_summary)
        self._summary_timer.start()
        self.rebuild()
        self._shift_state()              # a panel made after the snapshot shows the shift at once

    def _reserve_state(self, *_args) -> None:
        st = self.room.state
        squads, members = reserve(st)
        people = standing_by(st)
        counts = rota.reserve_counts(st)
        n = len(squads), len(members) + sum(len(st["teams"][t]["members"]) for t in squads)
        called = sum(1 for t in st["teams"].values() for m in t["members"] if m.get("mobilised") and m.get("on_duty"))
        units = " · ".join(f"{u} {k}" for u, k in sorted(counts["by_unit"].items()) if k)
        self.reserve_counts.setText(
            self.tr("Reserve list (备勤): %1 standing by, %2 called up of %3%4").replace("%1", str(counts["standing_by"]))
            .replace("%2", str(counts["mobilised"])).replace("%3", str(counts["total"]))
            .replace("%4", f" ({units})" if units else "") + "\n"
            + self.tr("Off duty now: squads %1, members %2 (off shift) · members called up: %3").replace(
                "%1", str(n[0])).replace("%2", str(n[1])).replace("%3", str(called)))
        armed = self._mobilise_armed
        if not people:
            self.call_reserve.setText(self.tr("Reserve list: all called up"))
        elif armed == "reserve":
            self.call_reserve.setText(self.tr("Confirm: call up the reserve list now (%1)").replace("%1", str(len(people))))
        else:
            self.call_reserve.setText(self.tr("Call up the reserve list (%1)").replace("%1", str(len(people))))
        everyone = n[1] + len(people)
        if not everyone and not n[0]:
            self.mobilise.setText(self.tr("Reserve: everyone is on duty"))
        elif armed == "all":    # the members as counted on the line above, and the reserve list's people
            self.mobilise.setText(self.tr("Confirm: call up now (squads: %1, members: %2, reserve: %3)").replace(
                "%1", str(n[0])).replace("%2", str(n[1])).replace("%3", str(len(people))))
        else:
            self.mobilise.setText(self.tr("Mobilise everyone off duty (squads %1, members %2, reserve %3)").replace(
                "%1", str(n[0])).replace("%2", str(n[1])).replace("%3", str(len(people))))
        may = self.room.may("team.mobilise")
        self.call_reserve.setEnabled(bool(people) and may)
        self.mobilise.setEnabled(bool(everyone or n[0]) and may)
        self.stand_down.setText(self.tr("Stand down (%1)").replace("%1", str(counts["mobilised"] + called)))
        self.stand_down.setEnabled(bool(counts["mobilised"] or called) and self.room.may("team.stand_down"))

    def _arm_or_send(self, pool: str) -> None:
        """A first click arms (the button asks to confirm for 8 s), the second sends."""
        if self._mobilise_armed != pool:
            self._mobilise_armed = pool
            QTimer.singleShot(8000, self._disarm)
        else:
            self._mobilise_armed = None
            self.link.submit("team.mobilise", {"pool": pool})
        self._reserve_state()

    def _disarm(self) -> None:
        self._mobilise_armed = None
        self._reserve_state()

    def _shift_state(self, *_args) -> None:
        """The shift in force; at a shift change, the handover still unread opens for the incoming leader."""
        cur = rota.current(self.room.state) if rota.has_rota(self.room.state) else None
        if cur is None:
            self.shift_line.setText(self.tr("No shift started by the rota yet.") if rota.has_rota(self.room.state)
                                    else self.tr("This street has no rota."))
            return
        r = self.room.state["street"]["rota"]
        crew: dict = next((c for c in r["crews"] if c["id"] == cur.get("crew")), {})
        on = sum(1 for t in self.room.state["teams"].values() for m in t["members"] if m.get("on_duty", True))
        text = self.tr("Shift in force: %1 %2–%3 · %4 · leader %5 · since %6 · members on duty: %7").replace(
            "%1", labels.named(rota.shift_def(r, cur["shift"]))).replace("%2", rota.shift_def(r, cur["shift"])["start"]) \
            .replace("%3", rota.shift_end(r, cur["shift"])).replace("%4", labels.named(crew) if crew else "") \
            .replace("%5", cur.get("leader") or "—").replace("%6", when(cur.get("at"))).replace("%7", str(on))
        if cur.get("held_squads"):
            text += "\n" + self.tr("Held over with open cases: %1").replace("%1", ", ".join(cur["held_squads"]))
        self.shift_line.setText(text)
        self._shift_seen = cur.get("seq")
        self._offer_handover()              # the incoming leader reads the handover at the shift change

    def _handover_state(self, *_args) -> None:
        h = self.room.state.get("handover")
        if not h:
            self.last_handover.setText(self.tr("No handover recorded yet."))
        else:
            text = self.tr("Last handover: %1 at %2").replace("%1", h.get("by") or "").replace("%2", when(h.get("at")))
            if h.get("acked"):
                text += " · " + self.tr("read and acknowledged by %1 at %2").replace(
                    "%1", h["acked"].get("by") or "").replace("%2", when(h["acked"].get("at")))
            else:
                text += " · " + self.tr("not acknowledged yet")
            self.last_handover.setText(text)
        self.read_handover.setEnabled(bool(h))
        self._offer_handover()

    def _offer_handover(self) -> None:
        """Open the handover for this leader when it is new to them, and again at each shift change
        while it is unacknowledged. Worked out from the state (which handover, offered in which
        shift), not from the order signals came in: a resync or a batch holding both the handover
        and the shift change offers it all the same."""
        pending = pending_for(self.room)
        if pending is None:
            return
        cur = rota.current(self.room.state) if rota.has_rota(self.room.state) else None
        shift = cur.get("seq") if cur else None
        offered = self._handover_shown
        if (offered is None or offered[0] != pending["seq"]
                or (offered[1] is not None and shift is not None and offered[1] != shift)):
            self._handover_shown = (pending["seq"], shift)
            self.open_handover()

    def open_handover(self) -> HandoverDialog | None:
        if not self.room.state.get("handover"):
            return None
        if self.handover_dialog is not None:
            self.handover_dialog.close()
        self.handover_dialog = dlg = HandoverDialog(self.room, self.link, self.window())
        pending = pending_for(self.room) is not None
        dlg.ack.setVisible(pending)
        dlg.ack_note.setVisible(pending)      # a note on taking over goes with the acknowledgement only
        dlg.open()
        return dlg

    def _apply_role(self, *_args) -> None:
        """The shift leader's controls, for the roles that may use them; disabled (and said
        why) for the others, whom the server would refuse."""
        for widget, command in ((self.mode, "mode.set"), (self.duty_box, "team.duty"),
                                (self.member, "team.member_move"), (self.target, "team.member_move"),
                                (self.move_btn, "team.member_move"), (self._record_btn, "shift.handover"),
                                (self.note, "shift.handover")):
            widget.setEnabled(self.room.may(command))
        leader = self.room.may("mode.set")
        self.role_note.setVisible(not leader)
        self.role_note.setText("" if leader else self.tr(
            "Shift leader only: you are logged in as %1, so these controls are disabled.").replace(
            "%1", labels_role(self.room.role)))

    def rebuild(self) -> None:
        self._apply_role()
        self._reserve_state()
        for cb in self.checks.values():
            cb.setParent(None)
        self.checks.clear()
        teams = sorted(self.room.state["teams"].values(), key=lambda t: t["id"])
        for i, t in enumerate(teams):
            cb = QCheckBox(f"{t['call_sign']} ({t['id']})")
            cb.setChecked(t["on_duty"])
            cb.toggled.connect(lambda on, tid=t["id"]: self.link.submit("team.duty", {"team_id": tid, "on_duty": on}))
            self.duty_grid.addWidget(cb, i // 3, i % 3)
            self.checks[t["id"]] = cb
        self._fill_members()
        self._mode()
        self._summary()

    def _fill_members(self) -> None:
        self.member.clear()
        self.target.clear()
        for t in sorted(self.room.state["teams"].values(), key=lambda t: t["id"]):
            self.target.addItem(t["call_sign"], t["id"])
            for m in t["members"]:
                self.member.addItem(f"{m['name']} ({t['call_sign']})", (m["id"], t["id"]))

    def _teams(self, ids) -> None:
        for tid in ids:
            t = self.room.state["teams"].get(tid)
            cb = self.checks.get(tid)
            if t and cb and cb.isChecked() != t["on_duty"]:
                cb.blockSignals(True)
                cb.setChecked(t["on_duty"])
                cb.blockSignals(False)

    def _mode(self) -> None:
        war = self.room.state.get("mode") == "wartime"
        self.mode.setText(self.tr("WARTIME mode (profile %1): switch to peacetime").replace(
            "%1", labels.profile(self.room.state.get("sla_profile"))) if war else
            self.tr("Peacetime (profile %1): switch to WARTIME").replace(
                "%1", labels.profile(self.room.state.get("sla_profile"))))
        self.mode.setProperty("role", "primary" if war else "danger")
        self.mode.style().unpolish(self.mode)
        self.mode.style().polish(self.mode)

    def _toggle_mode(self) -> None:
        war = self.room.state.get("mode") == "wartime"
        self.link.submit("mode.set", {"mode": "peacetime" if war else "wartime"})

    def _move(self) -> None:
        data = self.member.currentData()
        if not data:
            return
        mid, src = data
        self.link.submit("team.member_move", {"member_id": mid, "from": src, "to": self.target.currentData()})

    def _mark_summary(self, *_) -> None:
        self._summary_dirty = True

    def _refresh_summary(self) -> None:
        """Redo the summary when the room changed (and each minute: overdue comes with time)."""
        self._summary_ticks = getattr(self, "_summary_ticks", 0) + 1
        if self._summary_dirty or self._summary_ticks * SUMMARY_EVERY_MS >= 60_000:
            self._summary_dirty = False
            self._summary_ticks = 0
            self._summary()

    def _summary(self) -> None:
        self.summary.setPlainText(handover_summary(self.room))

    def _handover(self) -> None:
        self._summary()
        self.link.submit("shift.handover", {"note": (self.note.text().strip() + "\n\n" + self.summary.toPlainText())[:4000]})
        self.note.clear()

    def _result(self, cid, outcome, detail) -> None:
        if detail.get("name") in ("team.duty", "mode.set", "team.member_move", "shift.handover", "team.mobilise",
                                  "team.stand_down"):
            if outcome == "refused":
                set_kind(self.error, "error")
                self.error.setText(self.tr("Refused: %1").replace("%1", detail.get("message") or ""))
                self._teams(list(self.checks))
            elif outcome == "acked":
                self.error.clear()
                if detail.get("name") == "team.member_move":
                    self._fill_members()
