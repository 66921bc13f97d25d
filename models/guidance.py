"""Handling guidance (执法手册) per category, as data (`resources/guidance.toml`): a short
guide and a checklist, in Chinese and English. Qt-free.

An admin may edit a category's guide and checklist (`guidance.set`): the edit is an event,
and the state's `guidance` (category -> the guide as a dict) then replaces the shipped one
for that category, for every cockpit and terminal alike (`guide_for(category, state)`).
Each checklist item has an id that stays when its words change: a case's ticks
(`case.check`, kept as `case["checklist"]`) name it. An item may be `required`: the case's
feedback waits until it is ticked (`required_missing`).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .domain import CATEGORIES, RESOURCES

GUIDE_LIMIT = 1000          # a guide's text, each language
ITEM_LIMIT = 120            # one checklist item's words
MAX_ITEMS = 15
ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")


@dataclass(frozen=True)
class Item:
    id: str
    zh: str
    en: str = ""
    required: bool = False

    def label(self, zh: bool) -> str:
        return self.zh if zh or not self.en else self.en


@dataclass(frozen=True)
class Guide:
    category: str
    guide: str
    guide_en: str
    items: tuple[Item, ...]

    @property
    def checklist(self) -> tuple[str, ...]:
        return tuple(i.zh for i in self.items)

    @property
    def checklist_en(self) -> tuple[str, ...]:
        return tuple(i.en for i in self.items) if all(i.en for i in self.items) else ()

    def text(self, zh: bool) -> tuple[str, tuple[str, ...]]:
        return (self.guide if zh else (self.guide_en or self.guide)), tuple(i.label(zh) for i in self.items)

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def to_dict(self) -> dict:
        return {"guide": self.guide, "guide_en": self.guide_en,
                "items": [{"id": i.id, "zh": i.zh, "en": i.en, "required": i.required} for i in self.items]}


def from_dict(category: str, d: dict) -> Guide:
    """A guide as the state keeps it (already checked by `check_guide`)."""
    return Guide(category, d.get("guide", ""), d.get("guide_en", ""),
                 tuple(Item(i["id"], i["zh"], i.get("en", ""), bool(i.get("required"))) for i in d.get("items", ())))


def check_guide(category, d) -> dict:
    """A category's guide as an admin sent it (`guidance.set`): {guide, guide_en, items:
    [{id?, zh, en?, required?}]}, checked, with an id for each new item. Raises ValueError
    saying what is wrong (the argument at fault first, before a colon)."""
    if category not in CATEGORIES:
        raise ValueError(f"category: unknown category {category!r}")
    if not isinstance(d, dict):
        raise ValueError("guide: must be an object {guide, guide_en, items}")
    out: dict = {}
    for key in ("guide", "guide_en"):
        v = d.get(key, "")
        if not isinstance(v, str):
            raise ValueError(f"{key}: must be text")
        v = v.strip()
        if len(v) > GUIDE_LIMIT:
            raise ValueError(f"{key}: the guide is longer than {GUIDE_LIMIT} characters")
        out[key] = v
    if not out["guide"]:
        raise ValueError("guide: the Chinese guide must not be empty")
    items = d.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        raise ValueError(f"items: a checklist has 1 to {MAX_ITEMS} items")
    seen: set[str] = set()
    given = {i.get("id") for i in items if isinstance(i, dict) and isinstance(i.get("id"), str)}
    n = 0
    checked = []
    for k, it in enumerate(items, 1):
        if not isinstance(it, dict):
            raise ValueError(f"items: item {k} must be an object {{zh, en, required}}")
        zh, en = it.get("zh", ""), it.get("en", "")
        if not isinstance(zh, str) or not isinstance(en, str):
            raise ValueError(f"items: item {k}'s words must be text")
        zh, en = zh.strip(), en.strip()
        if not zh:
            raise ValueError(f"items: item {k} has no Chinese words")
        if len(zh) > ITEM_LIMIT or len(en) > ITEM_LIMIT:
            raise ValueError(f"items: item {k} is longer than {ITEM_LIMIT} characters")
        req = it.get("required", False)
        if not isinstance(req, bool):
            raise ValueError(f"items: item {k}'s 'required' must be true or false")
        iid = it.get("id")
        if iid is None:
            while True:
                n += 1
                iid = f"{category[:3]}-n{n}"
                if iid not in given and iid not in seen:
                    break
        if not isinstance(iid, str) or not 1 <= len(iid) <= 30 or not set(iid) <= ID_CHARS:
            raise ValueError(f"items: item {k}'s id must be 1 to 30 of a-z, 0-9, - and _")
        if iid in seen:
            raise ValueError(f"items: two items have the id {iid!r}")
        seen.add(iid)
        checked.append({"id": iid, "zh": zh, "en": en, "required": req})
    if sum(1 for i in checked if i["en"]) not in (0, len(checked)):
        raise ValueError("items: give every item its English words, or none")
    out["items"] = checked
    return out


def load_guides(path: Path | None = None) -> dict[str, Guide]:
    data = tomllib.loads((path or RESOURCES / "guidance.toml").read_text(encoding="utf-8"))
    out = {}
    for cat, g in data["guides"].items():
        if cat not in CATEGORIES:
            raise ValueError(f"guidance for an unknown category {cat!r}")
        if "checklist" in g:       # the old form: two lists of words, ids by position
            zh, en = list(g.get("checklist", ())), list(g.get("checklist_en", ()))
            if en and len(en) != len(zh):
                raise ValueError(f"guidance {cat}: the English checklist has {len(en)} items, the Chinese {len(zh)}")
            items = [{"id": f"{cat[:3]}{i + 1}", "zh": z, "en": en[i] if en else ""} for i, z in enumerate(zh)]
        else:
            items = list(g.get("items", ()))
        try:
            out[cat] = from_dict(cat, check_guide(cat, {"guide": g.get("guide", ""), "guide_en": g.get("guide_en", ""),
                                                        "items": items}))
        except ValueError as e:
            raise ValueError(f"guidance {cat}: {e}") from None
    return out


GUIDES = load_guides()


def guide_for(category: str | None, state: dict | None = None) -> Guide | None:
    """The category's guide: the admin's edit in the state when there is one, else the shipped one."""
    edited = ((state or {}).get("guidance") or {}).get(category or "")
    if edited is not None:
        return from_dict(category or "", edited)
    return GUIDES.get(category or "")


def ticked(case: dict) -> dict[str, dict]:
    """The case's ticked items: item id -> {at, by, by_role}."""
    return {k: v for k, v in (case.get("checklist") or {}).items() if v}


def required_missing(state: dict, case: dict) -> list[Item]:
    """The required items of the case's guide not ticked on the case (its feedback waits)."""
    g = guide_for(case.get("category"), state)
    if g is None:
        return []
    done = ticked(case)
    return [i for i in g.items if i.required and i.id not in done]


def effective_guides(state: dict | None) -> dict[str, dict]:
    """Every category's guide as it is now (the shipped ones with the admin's edits), as dicts:
    what a terminal's snapshot carries."""
    out = {cat: g.to_dict() for cat, g in GUIDES.items()}
    out.update((state or {}).get("guidance") or {})
    return out
