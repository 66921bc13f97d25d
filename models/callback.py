"""Citizen callback (回访): the rules as data (`resources/callback.toml`) and the queue of
closed cases awaiting a call. Qt-free: the server's `decide` and the cockpit's queue read
the same rules."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .domain import RESOURCES
from .timeutil import epoch

OUTCOMES = ("reached", "not_reached")
FOLLOW_UPS = ("reopen", "supervise")


@dataclass(frozen=True)
class CallbackRules:
    max_attempts: int = 3
    retry_after_hours: float = 2.0
    dissatisfied_at_most: int = 2
    window_days: float = 7.0

    def dissatisfied(self, rating: int | None) -> bool:
        return rating is not None and rating <= self.dissatisfied_at_most


def load_rules(path: Path | None = None) -> CallbackRules:
    data = tomllib.loads((path or RESOURCES / "callback.toml").read_text(encoding="utf-8"))["callback"]
    rules = CallbackRules(int(data["max_attempts"]), float(data["retry_after_hours"]),
                          int(data["dissatisfied_at_most"]), float(data["window_days"]))
    if rules.max_attempts < 1 or not 0 <= rules.dissatisfied_at_most < 5 or rules.retry_after_hours < 0:
        raise ValueError(f"callback rules out of range: {rules}")
    return rules


RULES = load_rules()


def callback_state(case: dict) -> dict:
    """The case's callback record: {attempts, last_at, outcome} (outcome None before the first try;
    'reached', 'not_reached' or 'unreachable' after)."""
    return case.get("callback") or {"attempts": 0, "last_at": None, "outcome": None}


def awaiting(case: dict, rules: CallbackRules = RULES) -> bool:
    """Closed, with a number to call, not merged, not rated yet (a rating by QR code or the
    simulator needs no call), and neither reached nor given up on."""
    if case.get("status") != "closed" or case.get("merged_into") or case.get("rating") is not None:
        return False
    if not ((case.get("reporter") or {}).get("phone") or "").strip():
        return False
    cb = callback_state(case)
    return cb["outcome"] in (None, "not_reached") and cb["attempts"] < rules.max_attempts


def due_at(case: dict, rules: CallbackRules = RULES) -> float:
    """When the next call is due: at closure, or retry_after_hours after a try not reached."""
    cb = callback_state(case)
    if cb["last_at"] and cb["outcome"] == "not_reached":
        return epoch(cb["last_at"]) + rules.retry_after_hours * 3600.0
    return epoch(case["times"].get("closed") or case["updated"])


def callback_queue(cases, now: float, rules: CallbackRules = RULES) -> tuple[list[dict], int]:
    """(the cases due for a call now, oldest closure first; how many wait for a retry later).
    Cases closed more than window_days ago are left out."""
    due, later = [], 0
    oldest = now - rules.window_days * 86400.0
    for c in cases:
        if not awaiting(c, rules):
            continue
        closed = epoch(c["times"].get("closed") or c["updated"])
        if closed < oldest:
            continue
        if due_at(c, rules) <= now:
            due.append((closed, c["id"], c))
        else:
            later += 1
    due.sort(key=lambda x: (x[0], x[1]))
    return [c for _t, _i, c in due], later


def queue_entry(case: dict, rules: CallbackRules = RULES) -> tuple[float, float] | None:
    """(closed at, next call due at) of a case awaiting a call, None otherwise: what a queue
    keeps per case, so that listing the due ones parses no time (a cockpit holds 100k cases)."""
    if not awaiting(case, rules):
        return None
    return epoch(case["times"].get("closed") or case["updated"]), due_at(case, rules)


def due_from(entries: dict[str, tuple[float, float]], now: float, rules: CallbackRules = RULES,
             limit: int | None = None) -> tuple[list[str], int, int]:
    """From queue entries (case id -> queue_entry): (the ids due now, oldest closure first, at
    most `limit`; how many are due in all; how many wait for a retry)."""
    import heapq
    oldest = now - rules.window_days * 86400.0
    due = [(closed, cid) for cid, (closed, at) in entries.items() if closed >= oldest and at <= now]
    later = sum(1 for closed, at in entries.values() if closed >= oldest and at > now)
    top = heapq.nsmallest(limit, due) if limit is not None else sorted(due)
    return [cid for _c, cid in top], len(due), later
