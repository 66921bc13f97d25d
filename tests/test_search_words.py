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
