"""Residents' ratings through a one-time link or QR code (扫码打分): the rules as data
(`resources/resident_rating.toml`) and what a case's link is now. Qt-free: the server's
`decide`, its resident page and the cockpit read the same rules.

A link is made for a case whose squad has fed back (resolved) or that is closed
(`case.rating_link` -> `case.rating_link_issued`, kept on the case as `rating_link`); the
token the resident opens is the server's (server/resident.py: an HMAC of the case and the
event's seq, never stored). It works once: `case.resident_rate` is refused once the case is
rated, by the link, a callback or anyone, and after the link's time.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .domain import RESOURCES
from .timeutil import epoch

# where a case's rating came from (`rating_source` on the case)
SOURCES = ("resident", "callback", "room")
# the statuses a link may be made in and used in: fed back by the squad, or closed
RATEABLE = frozenset({"resolved", "closed"})


@dataclass(frozen=True)
class RatingRules:
    link_hours: float = 72.0
    comment_limit: int = 500
    per_network_burst: int = 20
    per_network_per_minute: int = 20


def load_rules(path: Path | None = None) -> RatingRules:
    data = tomllib.loads((path or RESOURCES / "resident_rating.toml").read_text(encoding="utf-8"))
    link, lim = data["link"], data["limits"]
    rules = RatingRules(float(link["hours"]), int(link["comment_limit"]), int(lim["per_network_burst"]),
                        int(lim["per_network_per_minute"]))
    if not 0 < rules.link_hours <= 24 * 30 or not 0 < rules.comment_limit <= 4000 \
            or rules.per_network_burst < 1 or rules.per_network_per_minute < 1:
        raise ValueError(f"resident rating rules out of range: {rules}")
    return rules


RULES = load_rules()


def link_of(case: dict) -> dict | None:
    """The case's rating link: {seq, at, by, by_role, expires} (None: none made, or voided)."""
    return case.get("rating_link")


def link_state(case: dict, now: float) -> str:
    """What the case's link is now: 'none', 'active', 'expired', 'rated' (the case has a
    rating, by whatever path) or 'closed_out' (the case is no longer resolved or closed)."""
    link = link_of(case)
    if link is None:
        return "none"
    if case.get("rating") is not None:
        return "rated"
    if case.get("status") not in RATEABLE or case.get("merged_into"):
        return "closed_out"
    if now >= epoch(link["expires"]):
        return "expired"
    return "active"


def source_of(case: dict) -> str | None:
    """Where the case's rating came from: 'resident' (QR code or link), 'callback', or
    'room' (entered with case.rate); None when it is not rated."""
    if case.get("rating") is None:
        return None
    return case.get("rating_source") or "room"
