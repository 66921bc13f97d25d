"""The shift leader picks the street's SLA profile (1310, 1-8-1-24, 135). The change is an
event (sla.profile_changed), listed here with the mode changes; it judges the cases reported
from then on: a case keeps the profile it was reported under."""
from __future__ import annotations

import time

from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout

from models.qt import labels
from models.sla import PROFILES
from models.timeutil import epoch
from widgets import outcome
from widgets.style import set_kind

CHOICES = ("1310", "1-8-1-24", "135")


class SlaProfileBox(QGroupBox):
    def __init__(self, room, link, parent=None):
        super().__init__(parent)
        self.setObjectName("SlaProfileBox")
        self.setTitle(self.tr("Street's SLA profile"))
        self.room, self.link = room, link
        self.combo = QComboBox()
        self.combo.setObjectName("SlaProfileBox.profile")
        for name in CHOICES:
            stages = " · ".join(f"{labels.stage(s.key)} {s.minutes:g}′" for s in PROFILES[name].stages)
            self.combo.addItem(f"{labels.profile(name)}  ({stages})", name)
        self.apply = QPushButton(self.tr("Apply to new cases"))
        self.apply.setObjectName("SlaProfileBox.apply")
        self.apply.clicked.connect(self.submit)
        self.state = QLabel()
        self.state.setWordWrap(True)
        note = QLabel(self.tr("Cases already reported keep the profile they were reported under; "
                              "in wartime the choice takes effect when the room returns to peacetime."))
        note.setProperty("kind", "muted")
        note.setWordWrap(True)
        self.log = QListWidget()
        self.log.setObjectName("SlaProfileBox.log")
        self.log.setMaximumHeight(120)
        self.result = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.combo, 1)
        row.addWidget(self.apply)
        lay = QVBoxLayout(self)
        lay.addWidget(self.state)
        lay.addLayout(row)
        lay.addWidget(note)
        lay.addWidget(QLabel(self.tr("Profile and mode changes:")))
        lay.addWidget(self.log)
        lay.addWidget(self.result)
        self._sent: set[str] = set()
        room.sig_room.connect(self.refresh)
        room.sig_reset.connect(self.refresh)
        room.sig_role.connect(self.refresh)
        link.sig_command.connect(self._command_result)
        self.refresh()

    def street_profile(self) -> str:
        st = self.room.state
        return st.get("street_profile") or (st.get("street") or {}).get("sla_profile") or "1310"

    def refresh(self, *_args) -> None:
        st = self.room.state
        self.state.setText(self.tr("In force for new cases: %1 · the street's profile: %2").replace(
            "%1", labels.profile(st.get("sla_profile"))).replace("%2", labels.profile(self.street_profile())))
        i = self.combo.findData(self.street_profile())
        if i >= 0:
            self.combo.setCurrentIndex(i)        # the street's profile as it stands; the leader picks another
        may = self.room.may("sla.set")
        self.combo.setEnabled(may)
        self.apply.setEnabled(may)
        self.log.clear()
        for e in reversed(st.get("room_log") or []):
            when = time.strftime("%m-%d %H:%M", time.localtime(epoch(e["at"])))
            if e["name"] == "mode.changed":
                what = self.tr("%1 mode, profile %2").replace("%1", labels.mode(e.get("mode") or "")).replace(
                    "%2", labels.profile(e.get("profile")))
            elif e.get("after_wartime"):
                what = self.tr("street's profile %1, from the end of wartime").replace("%1", labels.profile(e.get("profile")))
            else:
                what = self.tr("profile %1 for new cases").replace("%1", labels.profile(e.get("profile")))
            self.log.addItem(f"{when}  {what}  — {e.get('actor') or ''}")

    def submit(self) -> None:
        self._sent.add(self.link.submit("sla.set", {"profile": self.combo.currentData()}))

    def _command_result(self, cid: str, outcome_: str, detail: dict) -> None:
        if cid not in self._sent or outcome_ == "pending":
            return
        self._sent.discard(cid)
        self.result.setText(outcome.describe(outcome_, detail))
        set_kind(self.result, outcome.kind(outcome_))
        self.result.setToolTip(f"{detail.get('code')}: {detail.get('message')}" if outcome_ == "refused" else "")
