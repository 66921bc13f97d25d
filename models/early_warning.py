"""Early warnings (云上智控) you can act on: several complaints about one place or business
within days form a mass-risk warning (the rules: `resources/early_warnings.toml`).

A warning is a group of cases: those naming one business (`business`), else those at one
place (`models.places.place_of`: "九堡中心小学东侧" is 九堡中心小学). Its `id` ("place:…",
"business:…") is what the room acts on: `warning.ack` acknowledges it with a note, and
`case.link` with `warning` makes its cases one joint case under a lead. Either way the
warning is handled for the cases it had (`state["warnings"][id]`); it is raised again only
when a new case joins the group. Qt-free: the dashboard, the wall and the reports share it.
"""
from __future__ import annotations

import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .domain import CATEGORIES, OPEN_STATUSES, RESOURCES
from .places import place_of

WARNING_ID_LIMIT = 160      # "place:" / "business:" and a place or business name
ACK_KEEP_DAYS = 60          # handled warnings older than this leave the state (the log keeps them)


@dataclass(frozen=True)
class WarningRules:
    days: int = 7
    threshold: int = 3
    excluded: frozenset[str] = frozenset({"emergency", "fire", "traffic"})
    thresholds: dict[str, int] = field(default_factory=dict)

    def threshold_of(self, category: str) -> int:
        return self.thresholds.get(category, self.threshold)


def load_rules(path: Path | None = None) -> WarningRules:
    data = tomllib.loads((path or RESOURCES / "early_warnings.toml").read_text(encoding="utf-8"))
    w = data.get("warnings", {})
    th = {k: int(v) for k, v in (data.get("thresholds") or {}).items()}
    for k, v in th.items():
        if k not in CATEGORIES:
            raise ValueError(f"early_warnings.toml: unknown category {k!r}")
        if v < 2:
            raise ValueError(f"early_warnings.toml: the threshold of {k} must be at least 2 complaints")
    rules = WarningRules(int(w.get("days", 7)), int(w.get("threshold", 3)),
                         frozenset(w.get("excluded", ["emergency", "fire", "traffic"])), th)
    if rules.days < 1 or rules.threshold < 2:
        raise ValueError("early_warnings.toml: days >= 1 and threshold >= 2")
    return rules


RULES = load_rules()


def group_of(street: dict | None, case: dict) -> tuple[str, str]:
    """(kind, name): the business the case names, else the place it is at."""
    biz = "".join((case.get("business") or "").split())
    if biz:
        return "business", biz
    return "place", place_of(street, (case.get("location") or {}).get("address", ""))


def warning_id(kind: str, name: str) -> str:
    return f"{kind}:{name}"


def between(state: dict, lo: str, hi: str | None, rules: WarningRules = RULES) -> list[dict]:
    """The warnings over the cases reported in [lo, hi), most cases first. Each:
    {id, kind, key (the place or business), count, case_ids (oldest first), first, last,
     category, closed, handled (the room's record, or None), new (cases since it was handled),
     active (raised: never handled, or new cases since)}."""
    street = state.get("street")
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    excluded = rules.excluded
    for c in state["cases"].values():
        r = c["times"]["reported"]
        if r < lo or (hi is not None and r >= hi) or c.get("merged_into") or c["category"] in excluded:
            continue
        biz = c.get("business")
        group = ("business", "".join(biz.split())) if biz else \
            ("place", place_of(street, (c.get("location") or {}).get("address", "")))
        groups[group].append(c)
    handled_all = state.get("warnings") or {}
    least = min([rules.threshold, *rules.thresholds.values()])
    out = []
    for (kind, key), cs in groups.items():
        if not key or len(cs) < least:
            continue
        cats = Counter(c["category"] for c in cs).most_common()
        top = cats[0][1]
        category = min((cat for cat, n in cats if n == top), key=lambda cat: (rules.threshold_of(cat), cat))
        if len(cs) < rules.threshold_of(category):
            continue
        cs.sort(key=lambda c: (c["times"]["reported"], c["id"]))
        ids = [c["id"] for c in cs]
        wid = warning_id(kind, key)
        handled = handled_all.get(wid)
        new = [i for i in ids if i not in set(handled["case_ids"])] if handled else ids
        out.append({"id": wid, "kind": kind, "key": key, "count": len(cs), "case_ids": ids,
                    "first": cs[0]["times"]["reported"], "last": cs[-1]["times"]["reported"],
                    "category": category, "closed": sum(1 for c in cs if c["status"] == "closed"),
                    "handled": handled, "new": len(new) if handled else 0, "active": not handled or bool(new)})
    out.sort(key=lambda w: (not w["active"], -w["count"], w["last"]))
    return out


def lead_for(state: dict, case_ids: list[str]) -> str | None:
    """The case a warning's joint case is led by, by default: the oldest open case not
    linked elsewhere, else the oldest case."""
    cases = state["cases"]
    open_ = [i for i in case_ids if i in cases and cases[i]["status"] in OPEN_STATUSES
             and not cases[i].get("linked_to")]
    return open_[0] if open_ else None
