"""What the operator's search matches in a case: its id, title, address, grid, squad and
business, and the pinyin initials of the title and address ("zdjy" finds 占道经营).

Qt-free: the queue model and the local cache's archive search use the same words.
"""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=262_144)
def initials(text: str) -> str:
    """Pinyin initials of the Chinese in text ("占道经营" -> "zdjy"), for search. Titles and
    addresses repeat (the same shop, the same road), so each is worked out once; a new one
    is cut into words the way pypinyin cuts it and each word's initials are remembered (a
    new title is mostly words seen before: ~20 us instead of ~90 us through lazy_pinyin,
    the same letters)."""
    split = _splitter()
    if split is None:
        return ""
    return "".join(_run_initials(run) for run in split[0].findall(text))


@lru_cache(maxsize=262_144)
def _run_initials(run: str) -> str:
    """The initials of a run of Han characters (pypinyin cuts text at anything else first)."""
    cut = _splitter()[1]
    return "".join(_word_initials(w) for w in cut(run))


@lru_cache(maxsize=1)
def _splitter():
    """(the pattern of a run of Han characters as pypinyin sees them, pypinyin's word cutter),
    or None without pypinyin."""
    try:
        import re

        from pypinyin.constants import RE_HANS
        from pypinyin.seg import mmseg
    except ImportError:
        return None
    pat = RE_HANS.pattern                       # "^(?:[...])+$"
    inner = pat[4:-3] if pat.startswith("^(?:") and pat.endswith(")+$") else pat.strip("^$")
    return re.compile(f"(?:{inner})+"), mmseg.seg.cut


@lru_cache(maxsize=262_144)
def _word_initials(word: str) -> str:
    from pypinyin import Style, lazy_pinyin
    return "".join(p[0] for p in lazy_pinyin(word, style=Style.FIRST_LETTER, errors="ignore") if p)


def warm_up_pinyin() -> None:
    """Load pypinyin's dictionaries on a background thread, so the operator's first search
    does not pay for them (about 0.4 s)."""
    import threading
    threading.Thread(target=lambda: initials("预热"), name="xiaonao-pinyin", daemon=True).start()


def search_base(case: dict) -> str:
    """The lower-cased words of a case a search looks in, without pinyin: what the local
    archive stores and searches."""
    loc = case.get("location") or {}
    return (f"{case['id']} {case.get('title', '')} {loc.get('address', '')} {loc.get('grid', '')} "
            f"{case.get('team_id') or ''} {case.get('business') or ''}").lower()


def search_text(case: dict) -> str:
    """What the queue's search looks in: the base and the pinyin initials."""
    loc = case.get("location") or {}
    return search_base(case) + " " + (initials(case.get("title", "")) + " " +
                                      initials(loc.get("address", ""))).lower()


def words_of(text: str) -> list[str]:
    return text.lower().split()


def matches_base(case: dict, words: list[str]) -> bool:
    """Every word is in the case's base words (the archive's rule: no pinyin)."""
    hay = search_base(case)
    return all(w in hay for w in words)
