"""Citizen callback (回访): the rules (decide + apply, no server), the command through the
real server, and the callback queue in the cockpit."""
from __future__ import annotations

import pytest

from models.callback import RULES, awaiting, callback_queue
from models.commands import Actor, CommandError, allowed_case_commands
from models.timeutil import epoch

from .conftest import RawClient, ws_url
from .test_domain import OP, World, report

FIELD = Actor("w01", "field", "W01")


def closed_case(w, phone="13812345678", **kw):
    cid = report(w, reporter={"name": "王女士", "phone": phone}, **kw)
    for name, args in [("case.dispatch", {"team_id": "W01"}), ("case.sign", {}), ("case.arrive", {}),
                       ("case.feedback", {"note": "已处理"}), ("case.close", {"resolution": "处理完毕"})]:
        w.run(OP, name, {"case_id": cid, **args})
    return cid


def test_reached_with_a_rating_leaves_the_queue_and_counts_as_the_rating():
    w = World()
    a, b = closed_case(w), closed_case(w)
    due, later = callback_queue(w.state["cases"].values(), w.now)
    assert [c["id"] for c in due] == [a, b] and later == 0            # oldest closure first
    assert "case.callback" in allowed_case_commands(w.state["cases"][a])
    w.run(OP, "case.callback", {"case_id": a, "outcome": "reached", "rating": 5, "note": "很满意"})
    case = w.state["cases"][a]
    assert case["rating"] == 5 and case["callback"]["outcome"] == "reached" and case["status"] == "closed"
    assert case["timeline"][-1]["name"] == "case.called_back" and case["timeline"][-1]["note"] == "很满意"
    due, _ = callback_queue(w.state["cases"].values(), w.now)
    assert [c["id"] for c in due] == [b]
    assert "case.callback" not in allowed_case_commands(case)
    with pytest.raises(CommandError) as e:
        w.run(OP, "case.callback", {"case_id": a, "outcome": "reached", "rating": 4})
    assert e.value.code == "conflict" and "already rated" in e.value.message


def test_not_reached_retries_hours_apart_then_gives_up():
    w = World()
    cid = closed_case(w)
    for attempt in range(1, RULES.max_attempts + 1):
        due, later = callback_queue(w.state["cases"].values(), w.now)
        assert [c["id"] for c in due] == [cid], attempt
        w.run(OP, "case.callback", {"case_id": cid, "outcome": "not_reached"})
        assert w.state["cases"][cid]["callback"]["attempts"] == attempt
        due, later = callback_queue(w.state["cases"].values(), w.now)
        assert due == [] and later == (1 if attempt < RULES.max_attempts else 0)
        w.now += RULES.retry_after_hours * 3600 - 60
        assert callback_queue(w.state["cases"].values(), w.now)[0] == []       # not yet
        w.now += 60
    case = w.state["cases"][cid]
    assert case["callback"]["outcome"] == "unreachable" and not awaiting(case) and case["rating"] is None
    with pytest.raises(CommandError) as e:
        w.run(OP, "case.callback", {"case_id": cid, "outcome": "not_reached"})
    assert e.value.code == "conflict" and "no more calls" in e.value.message


def test_dissatisfied_reopens_or_supervises_with_a_reason():
    w = World()
    a, b = closed_case(w), closed_case(w)
    with pytest.raises(CommandError) as e:
        w.run(OP, "case.callback", {"case_id": a, "outcome": "reached", "rating": 1})
    assert e.value.code == "invalid" and e.value.field == "follow_up"
    with pytest.raises(CommandError) as e:
        w.run(OP, "case.callback", {"case_id": a, "outcome": "reached", "rating": 2, "follow_up": "reopen"})
    assert e.value.field == "note"
    assert "callback" not in w.state["cases"][a]                     # nothing happened on a refusal
    w.run(OP, "case.callback", {"case_id": a, "outcome": "reached", "rating": 1, "follow_up": "reopen",
                                "note": "噪音仍在"})
    case = w.state["cases"][a]
    assert case["status"] == "accepted" and case["reopen_count"] == 1
    assert [e["name"] for e in case["timeline"][-2:]] == ["case.called_back", "case.reopened"]
    assert case["timeline"][-2]["rating"] == 1 and case["timeline"][-1]["reason"] == "噪音仍在"
    # the next closure is rated and called back afresh
    assert case["rating"] is None and "callback" not in case
    w.run(OP, "case.callback", {"case_id": b, "outcome": "reached", "rating": 2, "follow_up": "supervise",
                                "note": "态度不好"})
    case = w.state["cases"][b]
    assert case["status"] == "closed" and case["supervision"] == 1 and case["rating"] == 2
    assert case["notes"][-1]["kind"] == "supervise" and case["notes"][-1]["text"] == "态度不好"
    with pytest.raises(CommandError) as e:      # a satisfied rating takes no follow-up
        c = closed_case(w)
        w.run(OP, "case.callback", {"case_id": c, "outcome": "reached", "rating": 4, "follow_up": "reopen"})
    assert e.value.code == "invalid"


@pytest.mark.parametrize("args,code", [
    ({"outcome": "maybe"}, "invalid"),
    ({"outcome": "reached"}, "invalid"),
    ({"outcome": "reached", "rating": 6}, "invalid"),
    ({"outcome": "reached", "rating": True}, "invalid"),
    ({"outcome": "not_reached", "rating": 3}, "invalid"),
])
def test_bad_callbacks_are_refused_and_change_nothing(args, code):
    w = World()
    cid = closed_case(w)
    seq = w.state["seq"]
    with pytest.raises(CommandError) as e:
        w.run(OP, "case.callback", {"case_id": cid, **args})
    assert e.value.code == code and w.state["seq"] == seq


def test_who_and_what_may_be_called_back():
    w = World()
    open_case = report(w, reporter={"name": "李", "phone": "13900001111"})
    with pytest.raises(CommandError) as e:
        w.run(OP, "case.callback", {"case_id": open_case, "outcome": "not_reached"})
    assert e.value.code == "conflict"
    silent = closed_case(w, phone="")
    assert not awaiting(w.state["cases"][silent])
    with pytest.raises(CommandError) as e:
        w.run(OP, "case.callback", {"case_id": silent, "outcome": "not_reached"})
    assert e.value.code == "conflict" and "number" in e.value.message
    cid = closed_case(w)
    with pytest.raises(CommandError) as e:
        w.run(FIELD, "case.callback", {"case_id": cid, "outcome": "not_reached"})
    assert e.value.code == "forbidden"
    # a case rated otherwise (QR code, case.rate) needs no call
    w.run(OP, "case.rate", {"case_id": cid, "rating": 4})
    assert not awaiting(w.state["cases"][cid])


def test_cases_closed_before_the_window_are_not_called():
    w = World()
    cid = closed_case(w)
    closed = epoch(w.state["cases"][cid]["times"]["closed"])
    assert callback_queue(w.state["cases"].values(), closed + RULES.window_days * 86400 - 1)[0]
    assert callback_queue(w.state["cases"].values(), closed + RULES.window_days * 86400 + 1)[0] == []


# ---- through the real server ---------------------------------------------------------

REPORT = {"title": "夜间施工噪音", "category": "dispute", "source": "12345", "priority": 3,
          "location": {"address": "九堡大道88号"}, "reporter": {"name": "王女士", "phone": "13812345678"}}


async def _closed_on_server(op):
    ack, seen = await op.command("case.report", REPORT)
    cid = next(e for e in seen if e["name"] == "case.reported")["data"]["case_id"]
    for name, args in [("case.dispatch", {"team_id": "W01"}), ("case.sign", {}), ("case.arrive", {}),
                       ("case.feedback", {"note": "已劝停"}), ("case.close", {"resolution": "施工停止"})]:
        ack, _ = await op.command(name, {"case_id": cid, **args})
        assert ack["type"] == "ack", ack
    return cid


async def test_callback_through_the_server_reopens_and_the_wall_never_sees_the_comment(server):
    op = await RawClient.connect(ws_url(server), "op")
    await op.recv()
    wall = await RawClient.connect(ws_url(server), "wall")
    await wall.recv()
    field = await RawClient.connect(ws_url(server), "w01")
    await field.recv()
    cid = await _closed_on_server(op)
    ack, _ = await field.command("case.callback", {"case_id": cid, "outcome": "not_reached"})
    assert ack["type"] == "error" and ack["code"] == "forbidden"
    ack, seen = await op.command("case.callback", {"case_id": cid, "outcome": "not_reached"})
    assert ack["type"] == "ack" and seen[-1]["name"] == "case.called_back" and seen[-1]["data"]["attempt"] == 1
    ack, _ = await op.command("case.callback", {"case_id": cid, "outcome": "reached", "rating": 1})
    assert ack["type"] == "error" and ack["code"] == "invalid" and "follow_up" in ack["message"]
    ack, seen = await op.command("case.callback", {"case_id": cid, "outcome": "reached", "rating": 1,
                                                   "follow_up": "reopen", "note": "施工又开始了"})
    assert ack["type"] == "ack" and [e["name"] for e in seen] == ["case.called_back", "case.reopened"]
    case = server.hub.state["cases"][cid]
    assert case["status"] == "accepted" and case["reopen_count"] == 1
    assert [e["data"].get("rating") for e in seen if e["name"] == "case.called_back"] == [1]
    # the wall got the same events with the comment and reason emptied
    frames = []
    while len([f for f in frames if f.get("name") in ("case.called_back", "case.reopened")]) < 3:
        frames.append(await wall.recv())
    for f in frames:
        if f.get("name") == "case.called_back":
            assert f["data"].get("note", "") == "" and "施工又开始了" not in str(f)
        if f.get("name") == "case.reopened":
            assert f["data"]["reason"] == ""
    for c in (op, wall, field):
        await c.close()
