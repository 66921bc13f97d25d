"""The pinyin initials a search matches are pypinyin's own (the fast path cuts words the
way pypinyin does and remembers each word's letters)."""
from __future__ import annotations

import pytest

pypinyin = pytest.importorskip("pypinyin")

from models.search import initials, search_text  # noqa: E402


def reference(text: str) -> str:
    from pypinyin import Style, lazy_pinyin
    return "".join(p[0] for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore") if p)


@pytest.mark.parametrize("text", [
    "占道经营", "九堡大道12号", "银行门口长期占道经营", "重庆长安行长", "反映第37号小区楼下夜宵摊噪音扰民，",
    "ab中c", "", "12", "〇号楼", "𠀀字", "井盖缺失 第5号", "Café 的士", "乐清音乐厅重新开放",
])
def test_initials_are_pypinyins(text):
    assert initials(text) == reference(text)


def test_a_title_is_found_by_its_initials():
    case = {"id": "C000001", "title": "银行门口占道经营", "location": {"address": "九堡大道12号"}}
    hay = search_text(case)
    assert "yhmkzdjy" in hay and "jbdd" in hay


def test_the_table_gives_pypinyins_initials_for_every_phrase_and_across_phrases():
    """The server and the cockpit read initials from resources/pinyin_initials.txt (a compact
    table, not pypinyin's 55 MiB of dictionaries): the same letters as the installed pypinyin
    for each of its phrases, and for text where phrases run into each other (the cut)."""
    import random

    from pypinyin.constants import PHRASES_DICT, PINYIN_DICT
    phrases = sorted(PHRASES_DICT)
    wrong = [p for p in phrases if initials(p) != reference(p)]
    assert not wrong, f"{len(wrong)} phrases differ (run scripts/pinyin_table.py): {wrong[:5]}"
    rng = random.Random(7)
    chars = [chr(c) for c in sorted(PINYIN_DICT)]
    texts = ["".join(rng.choice(phrases) if rng.random() < 0.6 else rng.choice(chars)
                     for _ in range(rng.randint(2, 6))) for _ in range(3000)]
    assert [t for t in texts if initials(t) != reference(t)] == []
