"""What each command carries (models.commands: FIELD_LIMITS, command_spec) is what decide
enforces: a form that caps its inputs at these figures never sends what the server refuses."""
from __future__ import annotations

import pytest

from models.commands import ALL_COMMANDS, FIELD_LIMITS, Actor, CommandError, command_spec, decide

from .test_domain import OP, World, report

FIELD = Actor("w01", "field", "W01")


def refused(w, actor, name, args) -> str:
    with pytest.raises(CommandError) as e:
        decide(w.state, actor, name, args)
    return e.value.code


def test_every_command_has_a_spec_and_unknown_ones_do_not():
    assert {command_spec(n).name for n in ALL_COMMANDS} == set(ALL_COMMANDS)
    with pytest.raises(KeyError):
        command_spec("case.fly")
    assert command_spec("case.accept").text is None


@pytest.mark.parametrize("name", ["case.note", "case.supervise"])
def test_a_note_is_required_as_the_spec_says_and_capped_at_its_limit(name):
    w = World()
    report(w)
    spec = command_spec(name)
    assert spec.text == "note" and spec.text_limit == 4000
    if spec.text_required:
        assert refused(w, OP, name, {"case_id": "C000001"}) == "invalid"
    else:
        decide(w.state, OP, name, {"case_id": "C000001"})
    decide(w.state, OP, name, {"case_id": "C000001", "note": "备" * spec.text_limit})
    assert refused(w, OP, name, {"case_id": "C000001", "note": "备" * (spec.text_limit + 1)}) == "invalid"


def test_the_texts_of_the_state_machine_are_the_ones_the_spec_names():
    assert [(n, command_spec(n).text, command_spec(n).text_required) for n in
            ("case.feedback", "case.close", "case.return", "case.reopen", "case.transfer")] == [
        ("case.feedback", "note", True), ("case.close", "resolution", True), ("case.return", "reason", True),
        ("case.reopen", "reason", False), ("case.transfer", "note", False)]


def test_a_radio_message_is_capped_at_its_own_limit():
    w = World()
    limit = command_spec("radio.transmit").text_limit
    assert command_spec("radio.transmit").text == "text" and limit < 4000
    decide(w.state, FIELD, "radio.transmit", {"team_id": "W01", "text": "到" * limit})
    assert refused(w, FIELD, "radio.transmit", {"team_id": "W01", "text": "到" * (limit + 1)}) == "invalid"


@pytest.mark.parametrize("field", ["title", "description", "business"])
def test_a_new_case_field_at_its_limit_is_taken_and_one_longer_refused(field):
    w = World()
    base = {"title": "噪音", "category": "dispute", "source": "110", "priority": 2,
            "location": {"address": "九和路120号"}}
    limit = FIELD_LIMITS[field]
    decide(w.state, OP, "case.report", base | {field: "字" * limit})
    assert refused(w, OP, "case.report", base | {field: "字" * (limit + 1)}) == "invalid"


def test_an_address_and_a_reporter_are_capped_too():
    w = World()
    base = {"title": "噪音", "category": "dispute", "source": "110", "priority": 2}
    long_address = {"address": "九" * (FIELD_LIMITS["address"] + 1)}
    assert refused(w, OP, "case.report", base | {"location": long_address}) == "invalid"
    name = "张" * (FIELD_LIMITS["reporter.name"] + 1)
    assert refused(w, OP, "case.report", base | {"location": {"address": "九和路1号"},
                                                 "reporter": {"name": name}}) == "invalid"
