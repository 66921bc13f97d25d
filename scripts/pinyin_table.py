"""Write resources/pinyin_initials.txt: the pinyin initials of every character and phrase
pypinyin knows, as models/search.py reads them (a compact table instead of pypinyin's
dictionaries, which take ~55 MiB of a process's memory once loaded).

`.venv/bin/python scripts/pinyin_table.py` after pypinyin is upgraded (pinned in
packaging/constraints.txt); tests/test_search_words.py checks the table against the
installed pypinyin, phrase by phrase. pypinyin's data is MIT-licensed.

The file: a `#` line naming the pypinyin version; `hans<TAB>pattern` (a run of Han
characters as pypinyin sees them); `chars<TAB>first code point (hex)<TAB>initials` for each
range of characters ('.' where one has no pinyin); then a line per first character of
phrases, `char<TAB>|tail|tail=ini|...`: every phrase starting with that character (its
other characters), with `=ini` where its initials are not those of its characters.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "pinyin_initials.txt"


def word_initials(word: str) -> str:
    from pypinyin import Style, lazy_pinyin
    return "".join(p[0] for p in lazy_pinyin(word, style=Style.FIRST_LETTER, errors="ignore") if p)


def build() -> str:
    import pypinyin
    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT, RE_HANS
    pat = RE_HANS.pattern
    assert pat.startswith("^(?:") and pat.endswith(")+$"), pat
    lines = [f"# pinyin initials from pypinyin {pypinyin.__version__} (MIT), by scripts/pinyin_table.py",
             f"hans\t{pat[4:-3]}"]
    points = sorted(PINYIN_DICT)
    char_ini: dict[str, str] = {}
    start = prev = points[0]
    ranges = []
    for cp in points[1:] + [None]:
        if cp is None or cp - prev > 4096:
            ranges.append((start, prev))
            if cp is not None:
                start = cp
        if cp is not None:
            prev = cp
    for a, b in ranges:
        row = []
        for cp in range(a, b + 1):
            ini = word_initials(chr(cp)) if cp in PINYIN_DICT else ""
            assert len(ini) <= 1 and ini != "." and ini.isascii(), (hex(cp), ini)
            if ini:
                char_ini[chr(cp)] = ini
            row.append(ini or ".")
        lines.append(f"chars\t{a:x}\t{''.join(row)}")
    groups: dict[str, list[str]] = {}
    for phrase in sorted(PHRASES_DICT):
        assert len(phrase) >= 2 and "|" not in phrase and "=" not in phrase and "\t" not in phrase, phrase
        ini = word_initials(phrase)
        plain = "".join(char_ini.get(c, "") for c in phrase)
        groups.setdefault(phrase[0], []).append(phrase[1:] if ini == plain else f"{phrase[1:]}={ini}")
    for first, tails in groups.items():
        lines.append(f"{first}\t|{'|'.join(tails)}|")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    text = build()
    if "--check" in sys.argv:
        sys.exit(0 if OUT.read_text(encoding="utf-8") == text else 1)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({len(text.encode()) / 1024:.0f} KiB)")
