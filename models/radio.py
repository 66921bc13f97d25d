"""Talking to squads: canned phrases as data (`resources/radio_phrases.toml`) and the
squad's radio log (kept on the squad by the reducer, newest last). Qt-free."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .domain import RESOURCES

RADIO_LOG_LIMIT = 30       # entries kept on each squad (the event log keeps them all)


@dataclass(frozen=True)
class Phrase:
    key: str
    zh: str
    en: str


def load_phrases(path: Path | None = None) -> dict[str, Phrase]:
    data = tomllib.loads((path or RESOURCES / "radio_phrases.toml").read_text(encoding="utf-8"))
    out = {}
    for p in data["phrases"]:
        if p["key"] in out:
            raise ValueError(f"radio phrase {p['key']} twice")
        out[p["key"]] = Phrase(p["key"], p["zh"], p.get("en", p["zh"]))
    return out


PHRASES = load_phrases()


def talkgroups(state: dict) -> dict[str, list[str]]:
    """talkgroup -> the squads on it, in id order; talkgroups by name."""
    out: dict[str, list[str]] = {}
    for t in sorted(state["teams"].values(), key=lambda t: t["id"]):
        out.setdefault(t.get("talkgroup") or "", []).append(t["id"])
    return dict(sorted(out.items()))
