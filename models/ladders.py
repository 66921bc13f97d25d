"""Escalation ladders per category, as data (`resources/escalation_ladders.toml`): each step
hands the case to its owner with its own deadline. Qt-free: `decide` and the cockpit read
the same ladders."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .domain import CATEGORIES, ESCALATION_LADDER, RESOURCES
from .timeutil import epoch


@dataclass(frozen=True)
class Step:
    to: str            # the owner: the case's department while it is at this step
    name: str
    name_zh: str
    hours: float       # the step's deadline, from the escalation onto it


@dataclass(frozen=True)
class Ladder:
    key: str
    title: str
    title_zh: str
    categories: tuple[str, ...]
    steps: tuple[Step, ...]


def load_ladders(path: Path | None = None) -> dict[str, Ladder]:
    data = tomllib.loads((path or RESOURCES / "escalation_ladders.toml").read_text(encoding="utf-8"))
    out: dict[str, Ladder] = {}
    seen: dict[str, str] = {}
    for key, lad in data["ladders"].items():
        steps = tuple(Step(s["to"], s["name"], s.get("name_zh", s["name"]), float(s["hours"])) for s in lad["steps"])
        if not steps or any(s.hours <= 0 for s in steps):
            raise ValueError(f"ladder {key}: every step needs a deadline (hours > 0)")
        cats = tuple(lad["categories"])
        for c in cats:
            if c not in CATEGORIES:
                raise ValueError(f"ladder {key}: unknown category {c!r}")
            if c in seen:
                raise ValueError(f"category {c} is on two ladders: {seen[c]} and {key}")
            seen[c] = key
        out[key] = Ladder(key, lad.get("title", key), lad.get("title_zh", lad.get("title", key)), cats, steps)
    dispute = out.get("dispute")
    if dispute is None or [s.to for s in dispute.steps] != [k for k, _ in ESCALATION_LADDER]:
        raise ValueError("the dispute ladder must be 社区调委会 → 和事佬 → 司法所 → 法律援助 → 法院 (models/domain.py)")
    return out


LADDERS = load_ladders()
_BY_CATEGORY = {c: lad for lad in LADDERS.values() for c in lad.categories}
OWNERS: dict[str, Step] = {s.to: s for lad in LADDERS.values() for s in lad.steps}


def ladder_of(case: dict) -> Ladder | None:
    """The case's ladder: the one it went up (stamped at its first escalation), else its category's."""
    if case.get("escalation", -1) >= 0:
        return LADDERS.get(case.get("ladder") or "dispute")
    return _BY_CATEGORY.get(case.get("category") or "")


def next_step(case: dict) -> tuple[int, Step] | None:
    lad = ladder_of(case)
    level = case.get("escalation", -1) + 1
    if lad is None or level >= len(lad.steps):
        return None
    return level, lad.steps[level]


def step_due(case: dict) -> float | None:
    """When the case's current step is due (epoch), None before any escalation."""
    due = case.get("escalation_due")
    return epoch(due) if due else None
