"""Handling guidance (执法手册) per category, as data (`resources/guidance.toml`): a short
guide and a checklist, in Chinese and English. Qt-free."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .domain import CATEGORIES, RESOURCES


@dataclass(frozen=True)
class Guide:
    category: str
    guide: str
    guide_en: str
    checklist: tuple[str, ...]
    checklist_en: tuple[str, ...]

    def text(self, zh: bool) -> tuple[str, tuple[str, ...]]:
        return (self.guide, self.checklist) if zh else (self.guide_en or self.guide, self.checklist_en or self.checklist)


def load_guides(path: Path | None = None) -> dict[str, Guide]:
    data = tomllib.loads((path or RESOURCES / "guidance.toml").read_text(encoding="utf-8"))
    out = {}
    for cat, g in data["guides"].items():
        if cat not in CATEGORIES:
            raise ValueError(f"guidance for an unknown category {cat!r}")
        zh, en = tuple(g.get("checklist", ())), tuple(g.get("checklist_en", ()))
        if en and len(en) != len(zh):
            raise ValueError(f"guidance {cat}: the English checklist has {len(en)} items, the Chinese {len(zh)}")
        out[cat] = Guide(cat, g["guide"], g.get("guide_en", ""), zh, en)
    return out


GUIDES = load_guides()


def guide_for(category: str | None) -> Guide | None:
    return GUIDES.get(category or "")
