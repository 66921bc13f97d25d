"""A command's fate in the operator's words and language: "sent" (on its way, the server
has not answered), "waiting to be sent" (offline, in the outbox), "acknowledged" (the
server took it: its events are durable) and "refused: reason" are four different things,
and each is shown where the operator acted (the command line, the detail panel's buttons,
the Outbox)."""
from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

# the protocol's error codes (docs/protocol.md "Errors"), said as a person would
REASONS = {
    "forbidden": QT_TRANSLATE_NOOP("Outcome", "your role may not do this"),
    "conflict": QT_TRANSLATE_NOOP("Outcome", "not possible in the case's or squad's current state"),
    "invalid": QT_TRANSLATE_NOOP("Outcome", "a field is missing, too long or not valid"),
    "not_found": QT_TRANSLATE_NOOP("Outcome", "no such case or squad"),
    "bad_request": QT_TRANSLATE_NOOP("Outcome", "the server did not understand the command"),
    "unavailable": QT_TRANSLATE_NOOP("Outcome", "the server's database is unavailable"),
    "unauthenticated": QT_TRANSLATE_NOOP("Outcome", "not logged in"),
    "rate_limited": QT_TRANSLATE_NOOP("Outcome", "too many commands at once; try again shortly"),
    "busy": QT_TRANSLATE_NOOP("Outcome", "the server is busy; try again shortly"),
    "too_large": QT_TRANSLATE_NOOP("Outcome", "the command is too large"),
}
COMMANDS = {
    "case.report": QT_TRANSLATE_NOOP("Outcome", "report case"),
    "case.accept": QT_TRANSLATE_NOOP("Outcome", "accept"),
    "case.dispatch": QT_TRANSLATE_NOOP("Outcome", "dispatch"),
    "case.sign": QT_TRANSLATE_NOOP("Outcome", "sign for"),
    "case.contact": QT_TRANSLATE_NOOP("Outcome", "party contacted"),
    "case.arrive": QT_TRANSLATE_NOOP("Outcome", "on scene"),
    "case.feedback": QT_TRANSLATE_NOOP("Outcome", "feedback"),
    "case.close": QT_TRANSLATE_NOOP("Outcome", "close"),
    "case.transfer": QT_TRANSLATE_NOOP("Outcome", "transfer"),
    "case.escalate": QT_TRANSLATE_NOOP("Outcome", "escalate"),
    "case.return": QT_TRANSLATE_NOOP("Outcome", "return"),
    "case.reopen": QT_TRANSLATE_NOOP("Outcome", "reopen"),
    "case.supervise": QT_TRANSLATE_NOOP("Outcome", "supervise"),
    "case.rate": QT_TRANSLATE_NOOP("Outcome", "rate"),
    "case.callback": QT_TRANSLATE_NOOP("Outcome", "callback"),
    "case.reinforce": QT_TRANSLATE_NOOP("Outcome", "reinforce"),
    "case.release": QT_TRANSLATE_NOOP("Outcome", "release squad"),
    "case.note": QT_TRANSLATE_NOOP("Outcome", "add note"),
    "case.merge": QT_TRANSLATE_NOOP("Outcome", "merge"),
    "case.attach": QT_TRANSLATE_NOOP("Outcome", "attach file"),
    "case.detach": QT_TRANSLATE_NOOP("Outcome", "remove attachment"),
    "team.status": QT_TRANSLATE_NOOP("Outcome", "squad status"),
    "team.duty": QT_TRANSLATE_NOOP("Outcome", "squad duty"),
    "team.member_move": QT_TRANSLATE_NOOP("Outcome", "move member"),
    "team.member_duty": QT_TRANSLATE_NOOP("Outcome", "member duty"),
    "radio.ack": QT_TRANSLATE_NOOP("Outcome", "acknowledge emergency"),
    "radio.emergency": QT_TRANSLATE_NOOP("Outcome", "emergency call"),
    "radio.transmit": QT_TRANSLATE_NOOP("Outcome", "radio message"),
    "mode.set": QT_TRANSLATE_NOOP("Outcome", "switch mode"),
    "sla.set": QT_TRANSLATE_NOOP("Outcome", "SLA profile"),
    "shift.handover": QT_TRANSLATE_NOOP("Outcome", "shift handover"),
    "shift.ack": QT_TRANSLATE_NOOP("Outcome", "acknowledge handover"),
    "team.mobilise": QT_TRANSLATE_NOOP("Outcome", "mobilise the reserve"),
    "team.stand_down": QT_TRANSLATE_NOOP("Outcome", "stand down"),
    "rota.override": QT_TRANSLATE_NOOP("Outcome", "change the rota"),
    "road.assign": QT_TRANSLATE_NOOP("Outcome", "assign road"),
    "case.part_add": QT_TRANSLATE_NOOP("Outcome", "departments' parts"),
    "case.part_feedback": QT_TRANSLATE_NOOP("Outcome", "part done"),
    "case.part_cancel": QT_TRANSLATE_NOOP("Outcome", "cancel part"),
    "case.link": QT_TRANSLATE_NOOP("Outcome", "link cases"),
    "case.unlink": QT_TRANSLATE_NOOP("Outcome", "unlink"),
    "warning.ack": QT_TRANSLATE_NOOP("Outcome", "acknowledge warning"),
    "case.check": QT_TRANSLATE_NOOP("Outcome", "tick the checklist"),
    "guidance.set": QT_TRANSLATE_NOOP("Outcome", "handling guide"),
}
def kind(outcome: str, online: bool = True) -> str | None:
    """The label kind (resources/themes/*.qss) an outcome is shown with."""
    if outcome == "pending":
        return None if online else "warning"
    return {"acked": "ok", "refused": "error"}.get(outcome)


def _tr(text: str) -> str:
    return QCoreApplication.translate("Outcome", text)


def command_label(name: str) -> str:
    return _tr(str(COMMANDS[name])) if name in COMMANDS else name


def reason(detail: dict) -> str:
    """Why the server refused, in words (the server's own message stays in the tooltip)."""
    code = detail.get("code") or ""
    return _tr(str(REASONS[code])) if code in REASONS else (detail.get("message") or code)


def describe(outcome: str, detail: dict, online: bool = True) -> str:
    """'sent', 'waiting to be sent', 'acknowledged' or 'refused: reason', for one command."""
    what = command_label(detail.get("name", ""))
    if outcome == "acked":
        return QCoreApplication.translate("Outcome", "%1: acknowledged").replace("%1", what)
    if outcome == "refused":
        return QCoreApplication.translate("Outcome", "%1: refused: %2").replace("%1", what).replace("%2", reason(detail))
    if detail.get("waiting_for"):
        return QCoreApplication.translate("Outcome", "%1: waiting for %2 to be uploaded first").replace(
            "%1", what).replace("%2", detail["waiting_for"])
    if online:
        return QCoreApplication.translate("Outcome", "%1: sent, waiting for the server").replace("%1", what)
    return QCoreApplication.translate("Outcome", "%1: offline, waiting to be sent").replace("%1", what)
