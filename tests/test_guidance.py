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


# ---- the per-case checklist and the admin's edits (decide + apply) -------------------------

from models.commands import Actor, CommandError, allowed_case_commands  # noqa: E402
from models.guidance import required_missing  # noqa: E402

from .test_domain import LEAD, OP, World, report  # noqa: E402

FIELD = Actor("w01", "field", "W01")
OTHER = Actor("e01", "field", "E01")
ADMIN = Actor("admin", "admin")


def on_scene(w, category="emergency"):
    cid = report(w, category=category, title="燃气泄漏")
    for name, args in [("case.dispatch", {"team_id": "W01"}), ("case.sign", {}), ("case.arrive", {})]:
        w.run(OP, name, {"case_id": cid, **args})
    return cid


def test_ticking_items_is_an_event_and_a_required_item_holds_feedback_back():
    w = World()
    cid = on_scene(w)
    g = guide_for("emergency")
    required = [i.id for i in g.items if i.required]
    assert required and [i.id for i in required_missing(w.state, w.state["cases"][cid])] == required
    assert "case.check" in allowed_case_commands(w.state["cases"][cid], "field")
    with pytest.raises(CommandError) as e:
        w.run(FIELD, "case.feedback", {"case_id": cid, "note": "已处置"})
    assert e.value.code == "conflict" and "立即报告值班长" in e.value.message
    with pytest.raises(CommandError) as e:
        w.run(OTHER, "case.check", {"case_id": cid, "item": required[0]})
    assert e.value.code == "forbidden"
    with pytest.raises(CommandError) as e:
        w.run(FIELD, "case.check", {"case_id": cid, "item": "nope"})
    assert e.value.code == "not_found" and e.value.field == "item"
    w.run(FIELD, "case.check", {"case_id": cid, "item": required[0]})
    case = w.state["cases"][cid]
    assert case["checklist"][required[0]]["by"] == "w01" and case["checklist"][required[0]]["by_role"] == "field"
    entry = case["timeline"][-1]
    assert entry["name"] == "case.checked" and entry["item_text"] == "立即报告值班长" and entry["ticked"] is True
    with pytest.raises(CommandError) as e:             # already ticked
        w.run(OP, "case.check", {"case_id": cid, "item": required[0]})
    assert e.value.code == "conflict"
    w.run(OP, "case.check", {"case_id": cid, "item": required[1]})     # the room ticks one on the squad's behalf
    assert w.state["cases"][cid]["checklist"][required[1]]["by_role"] == "operator"
    w.run(OP, "case.check", {"case_id": cid, "item": required[1], "done": False})   # and takes it back
    assert required[1] not in w.state["cases"][cid]["checklist"]
    with pytest.raises(CommandError):
        w.run(FIELD, "case.feedback", {"case_id": cid, "note": "已处置"})
    w.run(FIELD, "case.check", {"case_id": cid, "item": required[1]})
    w.run(FIELD, "case.feedback", {"case_id": cid, "note": "已处置"})
    assert w.state["cases"][cid]["status"] == "resolved"


def test_an_admin_edits_a_guide_and_every_holder_reads_the_same():
    w = World()
    cid = on_scene(w, "dispute")
    items = [{"id": "d1", "zh": "隔离双方", "en": "Separate the parties", "required": True},
             {"zh": "拍照留存", "en": "Take a photo"}]
    new = {"guide": "先隔离，再调解。", "guide_en": "Separate, then mediate.", "items": items}
    for actor in (OP, LEAD, FIELD):
        with pytest.raises(CommandError) as e:
            w.run(actor, "guidance.set", {"category": "dispute", "guide": new})
        assert e.value.code == "forbidden"
    for bad, field in [({**new, "guide": ""}, "guide"), ({**new, "items": []}, "items"),
                       ({**new, "items": [{"zh": "a", "en": "b"}, {"zh": "c"}]}, "items"),
                       ({**new, "items": [{"id": "X!", "zh": "a"}]}, "items")]:
        with pytest.raises(CommandError) as e:
            w.run(ADMIN, "guidance.set", {"category": "dispute", "guide": bad})
        assert e.value.code == "invalid" and e.value.field == field, (bad, e.value.message)
    with pytest.raises(CommandError) as e:
        w.run(ADMIN, "guidance.set", {"category": "nope", "guide": new})
    assert e.value.field == "category"
    w.run(ADMIN, "guidance.set", {"category": "dispute", "guide": new})
    g = guide_for("dispute", w.state)
    assert g.guide == "先隔离，再调解。" and [i.zh for i in g.items] == ["隔离双方", "拍照留存"]
    assert g.items[1].id and g.items[0].required
    assert guide_for("dispute") is not None and guide_for("dispute").guide != g.guide    # the shipped one stays
    with pytest.raises(CommandError) as e:             # the same again: nothing changed
        w.run(ADMIN, "guidance.set", {"category": "dispute", "guide": g.to_dict()})
    assert e.value.code == "conflict"
    # its required item now holds the dispute's feedback back
    with pytest.raises(CommandError):
        w.run(FIELD, "case.feedback", {"case_id": cid, "note": "好"})
    w.run(FIELD, "case.check", {"case_id": cid, "item": "d1"})
    w.run(FIELD, "case.feedback", {"case_id": cid, "note": "好"})
    w.run(ADMIN, "guidance.set", {"category": "dispute", "reset": True})
    assert guide_for("dispute", w.state) == guide_for("dispute")
