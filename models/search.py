"""What the operator's search matches in a case: its id, title, address, grid, squad and
business, and the pinyin initials of the title and address ("zdjy" finds 占道经营).

Qt-free: the queue model and the local cache's archive search use the same words.
"""
from __future__ import annotations

from functools import lru_cache

# strings remembered by each cache below: the titles and addresses that repeat stay; at
# 262,144 each the two filled with an import's distinct titles: the server 280 -> 203 MiB at 1M rows
CACHED = 16_384


@lru_cache(maxsize=CACHED)
def initials(text: str) -> str:
    """Pinyin initials of the Chinese in text ("占道经营" -> "zdjy"), for search: pypinyin's
    (`lazy_pinyin(text, style=FIRST_LETTER)`, the same words cut the same way), read from
    resources/pinyin_initials.txt, a table made from pypinyin's dictionaries by
    scripts/pinyin_table.py: about 2 MiB in memory where pypinyin's take ~55 MiB. Titles and
    addresses repeat (the same shop, the same road), so each is worked out once."""
    table = _table()
    if table is None:
        return ""
    return "".join(_run_initials(run) for run in table.hans.findall(text))


@lru_cache(maxsize=CACHED)
def _run_initials(run: str) -> str:
    """The initials of a run of Han characters (pypinyin cuts text at anything else first)."""
    t = _table()
    assert t is not None
    return "".join(t.word_initials(w) for w in t.cut(run))


class _Initials:
    """The table: each character's initial (by ranges of code points) and, per first
    character, its phrases' other characters, `|`-separated, with `=initials` where a
    phrase's differ from its characters' (models/search.py's compact form of pypinyin's
    dictionaries)."""

    def __init__(self, text: str):
        import re
        self.ranges: list[tuple[int, str]] = []
        self.phrases: dict[str, str] = {}
        hans = ""
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            kind, _tab, rest = line.partition("\t")
            if kind == "hans":
                hans = rest
            elif kind == "chars":
                start, _tab, row = rest.partition("\t")
                self.ranges.append((int(start, 16), row))
            else:
                self.phrases[kind] = rest
        self.hans = re.compile(f"(?:{hans})+")

    def char(self, c: str) -> str:
        o = ord(c)
        for start, row in self.ranges:
            if start <= o < start + len(row):
                ini = row[o - start]
                return "" if ini == "." else ini
        return ""

    def cut(self, text: str):
        """pypinyin's cut (pypinyin.seg.mmseg.seg: forward maximum matching over its phrases,
        strict: only dictionary phrases are words), step for step."""
        phrases = self.phrases
        remain = text
        while remain:
            group = phrases.get(remain[0])
            last = 0
            for index in range(len(remain)):
                if index == 0:
                    if group is None:         # no phrase starts with it: not a prefix
                        break
                    continue                  # (no phrase is one character long)
                tail = remain[1:index + 1]
                assert group is not None
                if "|" + tail in group:                          # a prefix of a phrase
                    if "|" + tail + "|" in group or "|" + tail + "=" in group:
                        last = index + 1
                else:
                    break
            else:
                # every longer run is a prefix: pypinyin then yields the last phrase, or
                # the rest as single characters when there was none
                if last:
                    yield remain[:last]
                    remain = remain[last:]
                    continue
                yield from remain
                return
            if last:
                yield remain[:last]
                remain = remain[last:]
            else:
                yield remain[0]
                remain = remain[1:]

    def word_initials(self, word: str) -> str:
        if len(word) > 1:
            group = self.phrases.get(word[0], "")
            key = "|" + word[1:] + "="
            i = group.find(key)
            if i >= 0:
                i += len(key)
                return group[i:group.index("|", i)]
        return "".join(self.char(c) for c in word)


@lru_cache(maxsize=1)
def _table() -> _Initials | None:
    from .domain import RESOURCES
    try:
        text = (RESOURCES / "pinyin_initials.txt").read_text(encoding="utf-8")
    except OSError:
        return None
    return _Initials(text)


def warm_up_pinyin() -> None:
    """Read the initials' table on a background thread, so the operator's first search does
    not wait for it."""
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
