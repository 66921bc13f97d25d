"""Handling guidance (执法手册) as data: every category has a guide and checklist, bad data
is refused with a reason."""
from __future__ import annotations

import pytest

from models.domain import CATEGORIES
from models.guidance import GUIDES, guide_for, load_guides


def test_every_category_has_a_guide_and_a_checklist_in_both_languages():
    assert set(GUIDES) == set(CATEGORIES)
    for g in GUIDES.values():
        assert g.guide and g.guide_en and g.checklist and len(g.checklist) == len(g.checklist_en)
    text, items = guide_for("fire").text(zh=True)
    assert "119" in text and "疏散周边人员" in items
    assert guide_for("no_such") is None


@pytest.mark.parametrize("text,message", [
    ('[guides.nope]\nguide="x"\n', "unknown category"),
    ('[guides.fire]\nguide="x"\nchecklist=["a","b"]\nchecklist_en=["a"]\n', "English checklist"),
])
def test_bad_guidance_data_is_refused(tmp_path, text, message):
    p = tmp_path / "g.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as e:
        load_guides(p)
    assert message in str(e.value)
