"""The radio console: call a squad or a whole talkgroup (typed, or a canned phrase from
resources/radio_phrases.toml), read the squad's radio log, and set its status on its
behalf (marked so on its tile and in its log)."""
from __future__ import annotations

import time

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.commands import RADIO_LIMIT
from models.qt import labels
from models.radio import PHRASES, talkgroups
from models.timeutil import epoch
from widgets import outcome
from widgets.style import set_kind

ON_BEHALF = ("available", "en_route", "on_scene", "busy")


def _zh() -> bool:
    return QLocale().language() == QLocale.Language.Chinese


class RadioPanel(QWidget):
    def __init__(self, room, link, selection=None, parent=None):
        super().__init__(parent)
        self.setObjectName("RadioPanel")
        self.room, self.link, self.selection = room, link, selection
        self.target = QComboBox()
        self.target.setObjectName("RadioPanel.target")
        self.target.currentIndexChanged.connect(self._target_changed)
        self.text = QLineEdit(placeholderText=self.tr("Message to send (Enter)…"))
        self.text.setObjectName("RadioPanel.text")
        self.text.setMaxLength(RADIO_LIMIT)
        self.text.returnPressed.connect(self.send_text)
        send = QPushButton(self.tr("Send"))
        send.setProperty("role", "primary")
        send.clicked.connect(self.send_text)
        self.phrase_buttons: dict[str, QPushButton] = {}
        phrases = QGroupBox(self.tr("Canned phrases"))
        pg = QGridLayout(phrases)
        for i, p in enumerate(PHRASES.values()):
            b = QPushButton(p.zh if _zh() else p.en)
            b.setToolTip(p.zh)
            b.clicked.connect(lambda _=False, k=p.key: self.send_phrase(k))
            pg.addWidget(b, i // 3, i % 3)
            self.phrase_buttons[p.key] = b
        self.log_title = QLabel()
        self.log_title.setProperty("kind", "heading")
        self.log = QListWidget()
        self.log.setObjectName("RadioPanel.log")
        self.status = QComboBox()
        for s in ON_BEHALF:
            self.status.addItem(labels.team_status(s), s)
        self.set_status = QPushButton(self.tr("Set status on its behalf"))
        self.set_status.setToolTip(self.tr("For a status the squad gave over the radio: marked as set by the room"))
        self.set_status.clicked.connect(self.submit_status)
        self.result = QLabel()
        self.result.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("To:")))
        top.addWidget(self.target, 1)
        msg = QHBoxLayout()
        msg.addWidget(self.text, 1)
        msg.addWidget(send)
        st = QHBoxLayout()
        st.addWidget(self.status, 1)
        st.addWidget(self.set_status)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(msg)
        lay.addWidget(phrases)
        lay.addWidget(self.log_title)
        lay.addWidget(self.log, 1)
        lay.addLayout(st)
        lay.addWidget(self.result)
        self._sent: set[str] = set()
        self._typed = ""
        room.sig_reset.connect(self.rebuild)
        room.sig_teams.connect(self._teams_changed)
        room.sig_role.connect(self._apply_role)
        link.sig_command.connect(self._command_result)
        if selection is not None:
            selection.sig_team.connect(self.select_squad)
        self.rebuild()

    # ---- the target -------------------------------------------------------------
    def rebuild(self) -> None:
        keep = self.target.currentData()
        self.target.blockSignals(True)
        self.target.clear()
        teams = self.room.state["teams"]
        for tg, ids in talkgroups(self.room.state).items():
            self.target.addItem(self.tr("Talkgroup %1 (%2 squads)").replace("%1", tg).replace("%2", str(len(ids))),
                                "talkgroup:" + tg)
        for tid in sorted(teams):
            self.target.addItem(f"{teams[tid]['call_sign']} ({tid})", "team:" + tid)
        i = self.target.findData(keep) if keep else -1
        self.target.setCurrentIndex(i if i >= 0 else 0)
        self.target.blockSignals(False)
        self._apply_role()
        self._target_changed()

    def select_squad(self, tid: str) -> None:
        i = self.target.findData("team:" + tid)
        if i >= 0:
            self.target.setCurrentIndex(i)

    def squad(self) -> str | None:
        data = self.target.currentData() or ""
        return data.split(":", 1)[1] if data.startswith("team:") else None

    def _apply_role(self, *_args) -> None:
        may = self.room.may("radio.transmit")
        for w in (self.text, *self.phrase_buttons.values()):
            w.setEnabled(may)
        self._target_changed()

    def _target_changed(self, *_args) -> None:
        tid = self.squad()
        self.status.setEnabled(tid is not None and self.room.may("team.status"))
        self.set_status.setEnabled(tid is not None and self.room.may("team.status"))
        self._show_log()

    def _teams_changed(self, ids) -> None:
        if self.squad() in set(ids):
            self._show_log()

    def _show_log(self) -> None:
        tid = self.squad()
        self.log.clear()
        if tid is None:
            self.log_title.setText(self.tr("Pick a squad to see its radio log"))
            return
        t = self.room.state["teams"].get(tid) or {}
        self.log_title.setText(self.tr("Radio log: %1").replace("%1", t.get("call_sign", tid)))
        for e in reversed(t.get("radio_log") or []):
            when = time.strftime("%H:%M:%S", time.localtime(epoch(e["at"])))
            if e.get("status"):
                line = self.tr("status %1, set by %2 on its behalf").replace(
                    "%1", labels.team_status(e["status"])).replace("%2", e.get("by") or "")
            else:
                arrow = "→" if e.get("from_room") else "←"
                tg = f"[{e['talkgroup']}] " if e.get("talkgroup") else ""
                em = "⚠ " if e.get("emergency") else ""
                line = f"{arrow} {em}{tg}{e.get('by') or ''}: {e.get('text') or ''}"
            self.log.addItem(f"{when}  {line}")

    # ---- sending ----------------------------------------------------------------
    def _args(self) -> dict:
        kind, key = self.target.currentData().split(":", 1)
        return {"talkgroup": key} if kind == "talkgroup" else {"team_id": key}

    def send_text(self) -> None:
        text = self.text.text().strip()
        if not text or self.target.currentData() is None:
            return
        self._typed = self._submit("radio.transmit", {**self._args(), "text": text})

    def send_phrase(self, key: str) -> None:
        if self.target.currentData() is not None:
            self._submit("radio.transmit", {**self._args(), "phrase": key})

    def submit_status(self) -> None:
        tid = self.squad()
        if tid is not None:
            self._submit("team.status", {"team_id": tid, "status": self.status.currentData()})

    def _submit(self, name: str, args: dict) -> str:
        cid = self.link.submit(name, args)
        self._sent.add(cid)
        self.result.setText(outcome.describe("pending", {"name": name}))
        set_kind(self.result, None)
        return cid

    def _command_result(self, cid: str, outcome_: str, detail: dict) -> None:
        if cid not in self._sent or outcome_ == "pending":
            return
        self._sent.discard(cid)
        if outcome_ == "acked" and cid == self._typed:
            self.text.clear()             # kept until acknowledged: a refusal loses nothing typed
        self.result.setText(outcome.describe(outcome_, detail))
        set_kind(self.result, outcome.kind(outcome_))
        self.result.setToolTip(f"{detail.get('code')}: {detail.get('message')}" if outcome_ == "refused" else "")
