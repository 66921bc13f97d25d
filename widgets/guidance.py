"""The handling guide (执法手册) of the case's category, in the detail panel: the short guide
and the case's checklist (resources/guidance.toml, or the admin's edit in the state). Each
item shows whether it is ticked on the case, by whom and when; a click ticks or unticks it
(`case.check`, on the squad's behalf when the room does it), and what became of the click
is said under the list. Required items (feedback waits for them) are marked."""
from __future__ import annotations

import html

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QGroupBox, QLabel, QVBoxLayout

from models.guidance import guide_for, required_missing, ticked
from models.qt import labels
from models.timeutil import epoch
from widgets import outcome
from widgets.style import P, set_kind


def _hm(at: str) -> str:
    import time
    return time.strftime("%H:%M", time.localtime(epoch(at)))


class GuideBox(QGroupBox):
    def __init__(self, room=None, link=None, parent=None):
        super().__init__(parent)
        self.setObjectName("GuideBox")
        self.room, self.link = room, link
        self.case: dict | None = None
        self.guide = QLabel()
        self.guide.setObjectName("GuideBox.guide")
        self.guide.setWordWrap(True)
        self.checklist = QLabel()
        self.checklist.setObjectName("GuideBox.checklist")
        self.checklist.setWordWrap(True)
        self.checklist.setTextFormat(Qt.TextFormat.RichText)
        self.checklist.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                               | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.checklist.linkActivated.connect(self._clicked)
        self.need = QLabel()
        self.need.setObjectName("GuideBox.need")
        self.need.setWordWrap(True)
        set_kind(self.need, "warning")
        self.status = QLabel()                 # what became of the last tick: sent / done / refused: why
        self.status.setObjectName("GuideBox.status")
        self.status.setWordWrap(True)
        lay = QVBoxLayout(self)
        lay.addWidget(self.guide)
        lay.addWidget(self.checklist)
        lay.addWidget(self.need)
        lay.addWidget(self.status)
        self._sent: set[str] = set()
        if link is not None and hasattr(link, "sig_command"):
            link.sig_command.connect(self._command_result)
        if room is not None:
            room.sig_room.connect(self._guides_changed)       # an admin edited a guide (a bound method:
                                                              # the connection ends with the box)
        self.setVisible(False)

    def _guides_changed(self, *_args) -> None:
        self.show_case(self.case)

    def _zh(self) -> bool:
        return QCoreApplication.translate("Domain", "Dispute") != "Dispute"

    def may_tick(self, case: dict | None) -> bool:
        from models.commands import allowed_case_commands
        if case is None or self.room is None or case.get("pending"):
            return False
        return "case.check" in allowed_case_commands(case, self.room.role or "operator")

    def show_case(self, case: dict | None) -> None:
        if self.case is None or case is None or self.case.get("id") != case.get("id"):
            self.status.clear()
        self.case = case
        state = self.room.state if self.room is not None else None
        g = guide_for((case or {}).get("category"), state)
        self.setVisible(g is not None)
        if g is None or case is None:
            return
        zh = self._zh()
        text, _items = g.text(zh)
        self.setTitle(self.tr("Handling guide: %1").replace("%1", labels.category(g.category)))
        self.guide.setText(text)
        marks = ticked(case)
        may = self.may_tick(case)
        lines = []
        for it in g.items:
            mark = marks.get(it.id)
            box = "☑" if mark else "☐"
            words = html.escape(it.label(zh))
            # (a link's own colour is the default dark blue: unreadable on the dark theme)
            line = (f'<a href="item:{html.escape(it.id)}" style="text-decoration:none; color:{P["accent"]}">'
                    f'{box} {words}</a>') if may \
                else f"{box} {words}"
            if it.required:
                line += " <b>" + html.escape(self.tr("(required before feedback)")) + "</b>"
            if mark:
                who = mark.get("by") or ""
                if mark.get("by_role") in ("operator", "leader", "admin"):
                    who += " " + self.tr("(the room)")
                line += f" <span style='color:#8593a3'>— {html.escape(who)} {_hm(mark['at'])}</span>"
            lines.append(line)
        self.checklist.setText("<br>".join(lines))
        missing = required_missing(state, case) if state is not None else []
        self.need.setVisible(bool(missing) and case.get("status") in ("signed", "contacted", "on_scene"))
        self.need.setText(self.tr("Feedback waits for: %1").replace("%1", "; ".join(i.label(zh) for i in missing)))

    def item_ids(self) -> list[str]:
        g = guide_for((self.case or {}).get("category"), self.room.state if self.room is not None else None)
        return [i.id for i in g.items] if g else []

    def toggle(self, item_id: str) -> str | None:
        """Tick the item on the case, or untick it (the click on its line). Returns the command's id."""
        case = self.case
        if case is None or self.link is None or not self.may_tick(case):
            return None
        done = item_id not in ticked(case)
        cid = self.link.submit("case.check", {"case_id": case["id"], "item": item_id, "done": done})
        self._sent.add(cid)
        self.status.setText(outcome.describe("pending", {"name": "case.check"}, True))
        set_kind(self.status, outcome.kind("pending", True))
        return cid

    def _clicked(self, href: str) -> None:
        if href.startswith("item:"):
            self.toggle(href[5:])

    def _command_result(self, cid: str, outcome_: str, detail: dict) -> None:
        if cid not in self._sent or outcome_ == "pending":
            return
        self._sent.discard(cid)
        online = self.link.status.state == "online" if hasattr(self.link, "status") else True
        said = outcome.describe(outcome_, detail, online)
        if outcome_ == "refused" and detail.get("message"):
            said += " — " + str(detail["message"])
        self.status.setText(said)
        set_kind(self.status, outcome.kind(outcome_, online))
