"""The command line's words for issue 17's commands: reinforce, release, callback, radio."""
from __future__ import annotations

import pytest

from models.cmdline import ParseError, parse

from .test_domain import World, report


@pytest.fixture
def state():
    w = World()
    report(w)
    return w.state


@pytest.mark.parametrize("line,expected", [
    ("rf 1 W02 九巡103", ("case.reinforce", {"case_id": "C000001", "team_ids": ["W02", "W03"]})),
    ("增援 1 W02", ("case.reinforce", {"case_id": "C000001", "team_ids": ["W02"]})),
    ("rel 1 W02", ("case.release", {"case_id": "C000001", "team_id": "W02"})),
    ("cb 1 5", ("case.callback", {"case_id": "C000001", "outcome": "reached", "rating": 5})),
    ("cb 1 4 很满意", ("case.callback", {"case_id": "C000001", "outcome": "reached", "rating": 4, "note": "很满意"})),
    ("cb 1 n", ("case.callback", {"case_id": "C000001", "outcome": "not_reached"})),
    ("回访 1 1 ro 噪音仍在", ("case.callback", {"case_id": "C000001", "outcome": "reached", "rating": 1,
                                             "follow_up": "reopen", "note": "噪音仍在"})),
    ("cb 1 2 s 态度差", ("case.callback", {"case_id": "C000001", "outcome": "reached", "rating": 2,
                                         "follow_up": "supervise", "note": "态度差"})),
    ("tx W01 请报告位置", ("radio.transmit", {"team_id": "W01", "text": "请报告位置"})),
    ("呼叫 TG-2 全体注意", ("radio.transmit", {"talkgroup": "TG-2", "text": "全体注意"})),
])
def test_the_new_words(state, line, expected):
    assert parse(line, state) == expected


@pytest.mark.parametrize("line,message", [
    ("rf 1", "needs a squad"), ("rel 1 W02 W03", "one squad"), ("cb 1", "outcome"), ("cb 1 9", "not a callback"),
    ("tx W01", "message"), ("tx ZZ 你好", "no squad"),
])
def test_what_is_wrong_is_said(state, line, message):
    with pytest.raises(ParseError) as e:
        parse(line, state)
    assert message in str(e.value)
