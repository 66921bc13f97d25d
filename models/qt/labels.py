"""Translated labels for the domain's codes (context "Domain"), shared by every view."""
from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from models.domain import CATEGORIES, ESCALATION_LADDER, MODES, PRIORITIES, SOURCES, STATUSES, TEAM_STATUSES
from models.ladders import OWNERS

# lupdate reads these; the dictionaries in models.domain hold the same English source strings.
_SOURCE_STRINGS = [
    QT_TRANSLATE_NOOP("Domain", "Dispute"), QT_TRANSLATE_NOOP("Domain", "City management"),
    QT_TRANSLATE_NOOP("Domain", "Market supervision"), QT_TRANSLATE_NOOP("Domain", "Fire safety"),
    QT_TRANSLATE_NOOP("Domain", "Public security"), QT_TRANSLATE_NOOP("Domain", "Traffic"),
    QT_TRANSLATE_NOOP("Domain", "Public service"), QT_TRANSLATE_NOOP("Domain", "Environment"),
    QT_TRANSLATE_NOOP("Domain", "Emergency"),
    QT_TRANSLATE_NOOP("Domain", "110 diverted"), QT_TRANSLATE_NOOP("Domain", "119 fire"),
    QT_TRANSLATE_NOOP("Domain", "12345 hotline"), QT_TRANSLATE_NOOP("Domain", "Grid worker"),
    QT_TRANSLATE_NOOP("Domain", "AI video"), QT_TRANSLATE_NOOP("Domain", "Patrol"),
    QT_TRANSLATE_NOOP("Domain", "Sensor"), QT_TRANSLATE_NOOP("Domain", "Walk-in"),
    QT_TRANSLATE_NOOP("Domain", "QR code"),
    QT_TRANSLATE_NOOP("Domain", "P1 urgent"), QT_TRANSLATE_NOOP("Domain", "P2 high"),
    QT_TRANSLATE_NOOP("Domain", "P3 normal"), QT_TRANSLATE_NOOP("Domain", "P4 low"),
    QT_TRANSLATE_NOOP("Domain", "New"), QT_TRANSLATE_NOOP("Domain", "Accepted"),
    QT_TRANSLATE_NOOP("Domain", "Dispatched"), QT_TRANSLATE_NOOP("Domain", "Signed"),
    QT_TRANSLATE_NOOP("Domain", "Contacted"), QT_TRANSLATE_NOOP("Domain", "On scene"),
    QT_TRANSLATE_NOOP("Domain", "Resolved"), QT_TRANSLATE_NOOP("Domain", "Closed"),
    QT_TRANSLATE_NOOP("Domain", "Transferred"), QT_TRANSLATE_NOOP("Domain", "Returned"),
    QT_TRANSLATE_NOOP("Domain", "Available"), QT_TRANSLATE_NOOP("Domain", "En route"),
    QT_TRANSLATE_NOOP("Domain", "Busy"), QT_TRANSLATE_NOOP("Domain", "Off duty"),
    QT_TRANSLATE_NOOP("Domain", "Community mediation committee"), QT_TRANSLATE_NOOP("Domain", "Peacemaker studio"),
    QT_TRANSLATE_NOOP("Domain", "Justice office"), QT_TRANSLATE_NOOP("Domain", "Legal aid"),
    QT_TRANSLATE_NOOP("Domain", "Court"), QT_TRANSLATE_NOOP("Domain", "Peacetime"),
    QT_TRANSLATE_NOOP("Domain", "Wartime"),
    QT_TRANSLATE_NOOP("Domain", "Overdue"), QT_TRANSLATE_NOOP("Domain", "Due soon"),
    QT_TRANSLATE_NOOP("Domain", "On time"), QT_TRANSLATE_NOOP("Domain", "Met"),
    QT_TRANSLATE_NOOP("Domain", "Late"), QT_TRANSLATE_NOOP("Domain", "Not applicable"),
    QT_TRANSLATE_NOOP("Domain", "dispatch"), QT_TRANSLATE_NOOP("Domain", "contact"),
    QT_TRANSLATE_NOOP("Domain", "arrive"), QT_TRANSLATE_NOOP("Domain", "feedback"),
    QT_TRANSLATE_NOOP("Domain", "close"), QT_TRANSLATE_NOOP("Domain", "receipt"),
    QT_TRANSLATE_NOOP("Domain", "reinforce"),
    QT_TRANSLATE_NOOP("Domain", "wartime limits"),
]
ROLE_LABELS = {"operator": QT_TRANSLATE_NOOP("Domain", "operator"), "leader": QT_TRANSLATE_NOOP("Domain", "shift leader"),
               "wall": QT_TRANSLATE_NOOP("Domain", "video wall"), "field": QT_TRANSLATE_NOOP("Domain", "field terminal"),
               "intake": QT_TRANSLATE_NOOP("Domain", "intake system"), "admin": QT_TRANSLATE_NOOP("Domain", "administrator"),
               "department": QT_TRANSLATE_NOOP("Domain", "department liaison"),
               "community": QT_TRANSLATE_NOOP("Domain", "community / grid worker")}
PROFILE_LABELS = {"wartime": "wartime limits"}   # the others are named by their figures (1310, 135…)
SLA_LABELS = {"overdue": "Overdue", "due_soon": "Due soon", "on_time": "On time", "met": "Met",
              "late": "Late", "skipped": "Not applicable"}
LADDER = dict(ESCALATION_LADDER)


def tr(text: str) -> str:
    return QCoreApplication.translate("Domain", text)


def category(code: str) -> str:
    return tr(CATEGORIES.get(code, code))


def source(code: str) -> str:
    return tr(SOURCES.get(code, code))


def status(code: str) -> str:
    return tr(STATUSES.get(code, code))


def team_status(code: str) -> str:
    return tr(TEAM_STATUSES.get(code, code))


def priority(p: int) -> str:
    return tr(PRIORITIES.get(p, str(p)))


def sla(code: str) -> str:
    return tr(SLA_LABELS.get(code, code))


def mode(code: str) -> str:
    return tr(MODES.get(code, code))


def role(code: str | None) -> str:
    return tr(str(ROLE_LABELS[code])) if code in ROLE_LABELS else (code or "")


def profile(name: str | None) -> str:
    """An SLA profile's name for people: its figures (1310), or words where it has none."""
    return tr(PROFILE_LABELS[name]) if name in PROFILE_LABELS else (name or "")


def stage(key: str) -> str:
    """An SLA stage's name: 派单 in Chinese; in English the key capitalised as a heading reads
    ("Dispatch", not "dispatch")."""
    text = tr(key)
    return text[:1].upper() + text[1:] if text == key else text


def department(street: dict, code: str | None) -> str:
    if not code:
        return ""
    if code in LADDER:
        return tr(LADDER[code])
    zh = QCoreApplication.translate("Domain", "Dispute") != "Dispute"
    for d in street.get("departments", []):
        if d["id"] == code:
            return d["name"] if zh else d.get("name_en", d["name"])
    step = OWNERS.get(code)           # an escalation step's owner (resources/escalation_ladders.toml)
    if step is not None:
        return step.name_zh if zh else step.name
    return code


def area(street: dict, code: str | None) -> str:
    zh = QCoreApplication.translate("Domain", "Dispute") != "Dispute"
    for a in street.get("areas", []):
        if a["id"] == code:
            return a["name"] if zh else a.get("name_en", a["name"])
    return code or ""


def named(obj: dict | None) -> str:
    """A data object's name in the language in use (`name`, Chinese; `name_en`): a shift, a crew."""
    if not obj:
        return ""
    zh = QCoreApplication.translate("Domain", "Dispute") != "Dispute"
    return obj.get("name", "") if zh else obj.get("name_en", obj.get("name", ""))
