"""Vocabulary of the domain: categories, sources, statuses, roles.

Labels are English source strings; the cockpit translates them (context "Domain").
"""
from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"

CATEGORIES: dict[str, str] = {
    "dispute": "Dispute",
    "city_management": "City management",
    "market": "Market supervision",
    "fire": "Fire safety",
    "public_security": "Public security",
    "traffic": "Traffic",
    "public_service": "Public service",
    "environment": "Environment",
    "emergency": "Emergency",
}

SOURCES: dict[str, str] = {
    "110": "110 diverted",
    "119": "119 fire",
    "12345": "12345 hotline",
    "grid": "Grid worker",
    "video": "AI video",
    "patrol": "Patrol",
    "sensor": "Sensor",
    "walk_in": "Walk-in",
    "qrcode": "QR code",
}

PRIORITIES: dict[int, str] = {1: "P1 urgent", 2: "P2 high", 3: "P3 normal", 4: "P4 low"}

# The case life cycle, in order of the closed loop; branch states after.
STATUSES: dict[str, str] = {
    "new": "New",
    "accepted": "Accepted",
    "dispatched": "Dispatched",
    "signed": "Signed",
    "contacted": "Contacted",
    "on_scene": "On scene",
    "resolved": "Resolved",
    "closed": "Closed",
    "transferred": "Transferred",
    "returned": "Returned",
}
OPEN_STATUSES = frozenset(s for s in STATUSES if s != "closed")
# Milestones in loop order; reaching a later one implies the earlier ones are past.
MILESTONES = ("accepted", "dispatched", "signed", "contacted", "on_scene", "resolved", "closed")
# Milestones outside that order: `progress`, the first interim progress report (case.progress),
# reached also by a feedback (resolved) — never implying arrival (models/sla.py).
SIDE_MILESTONES = ("progress",)

TEAM_STATUSES: dict[str, str] = {
    "available": "Available",
    "en_route": "En route",
    "on_scene": "On scene",
    "busy": "Busy",
    "off_duty": "Off duty",
}

ROLES = ("operator", "leader", "wall", "field", "intake", "admin", "department", "community")
# what an account of a role is bound to (server/auth.py, the CLI): a field terminal to its
# squad, a department liaison to one department of the street, a community to its grids
BOUND_ROLES = {"field": "team_id", "department": "department", "community": "grids"}

# The dispute escalation ladder (DOMAIN.md): community -> peacemaker studio -> justice -> legal aid -> court.
ESCALATION_LADDER: list[tuple[str, str]] = [
    ("community", "Community mediation committee"),
    ("peacemaker", "Peacemaker studio"),
    ("justice", "Justice office"),
    ("legal_aid", "Legal aid"),
    ("court", "Court"),
]

MODES = {"peacetime": "Peacetime", "wartime": "Wartime"}


def mask_phone(phone: str | None) -> str:
    """138****1234 style; anything short is masked whole."""
    if not phone:
        return ""
    p = str(phone)
    if len(p) >= 7:
        return p[:3] + "*" * (len(p) - 7) + p[-4:] if len(p) > 7 else p[:3] + "****"
    return "*" * len(p)
