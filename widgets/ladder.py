"""The case's escalation ladder (resources/escalation_ladders.toml) and where it stands:
the steps passed, the current one with its owner and deadline, the ones still above."""
from __future__ import annotations

import html
import time

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from models.ladders import ladder_of, step_due
from widgets.style import SLA_COLOURS, P


def _zh() -> bool:
    return QCoreApplication.translate("Domain", "Dispute") != "Dispute"


TEXTS = {"hours": QT_TRANSLATE_NOOP("Ladder", "%1 h"), "due": QT_TRANSLATE_NOOP("Ladder", "due %1"),
         "overdue": QT_TRANSLATE_NOOP("Ladder", "overdue"), "none": QT_TRANSLATE_NOOP("Ladder", "not escalated")}


def _tr(key: str) -> str:
    return QCoreApplication.translate("Ladder", str(TEXTS[key]))


def ladder_html(case: dict, now: float) -> str:
    """Rich text for the detail panel; '—' for a category with no ladder."""
    lad = ladder_of(case)
    if lad is None:
        return "—"
    zh = _zh()
    level = case.get("escalation", -1)
    lines = [f"<b>{html.escape(lad.title_zh if zh else lad.title)}</b>"]
    due = step_due(case)
    for i, st in enumerate(lad.steps):
        name = html.escape(st.name_zh if zh else st.name)
        hours = _tr("hours").replace("%1", f"{st.hours:g}")
        if i < level:
            lines.append(f"<span style='color:{P['muted']}'>✓ {i + 1}. {name}</span>")
        elif i == level:
            when = ""
            colour = SLA_COLOURS.get("on_time", P["text"])
            if due is not None:
                left = due - now
                when = _tr("due").replace("%1", time.strftime("%m-%d %H:%M", time.localtime(due)))
                if case.get("status") == "transferred" and left < 0:
                    colour = SLA_COLOURS.get("overdue", P["text"])
                    when += " · " + _tr("overdue")
            lines.append(f"<span style='color:{colour}; font-weight:bold'>▶ {i + 1}. {name}</span> · {when or hours}")
        else:
            lines.append(f"○ {i + 1}. {name} · {hours}")
    if level < 0:
        lines.append(f"<span style='color:{P['muted']}'>{_tr('none')}</span>")
    return "<br>".join(lines)
