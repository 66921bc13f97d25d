"""The client's Sans-I/O protocol (client/clientproto.py): frames in, actions out, no socket."""
from __future__ import annotations

import json

import pytest

from client import clientproto as cp
from models import protocol


def case(i: int, status: str = "new") -> dict:
    return {"id": f"C{i:06d}", "status": status, "title": "违停", "times": {"reported": "2026-11-01T08:00:00+00:00"}}


def frames(seq: int, cases: list[dict], max_frame: int = 1200) -> list[str]:
    head = json.dumps({"mode": "peacetime", "teams": [], "next_case_no": len(cases) + 1}, ensure_ascii=False)
    texts = [json.dumps(c, ensure_ascii=False) for c in cases]
    return protocol.snapshot_frames(seq, head, ((t, len(t.encode())) for t in texts), max_frame)


def welcome(head: int, log_id: str = "log-a") -> str:
    return protocol.welcome("op", "operator", "tok", head, None, 0.0, log_id=log_id)


def keep_all():
    return lambda cases: cases


def test_the_hello_resumes_only_a_state_with_a_seq():
    p = cp.ClientProtocol()
    assert "resume_from" not in json.loads(p.hello("op", "pw", None, 0))
    p.log_id = "log-a"
    hello = json.loads(p.hello("op", "pw", None, 41))
    assert hello["resume_from"] == 41 and hello["log_id"] == "log-a"
    p.want_snapshot = True
    assert "resume_from" not in json.loads(p.hello(None, None, "tok", 41))
    with pytest.raises(cp.AuthFailed, match="no credentials"):
        p.hello(None, None, None, 0)


def test_a_refused_hello_says_why():
    p = cp.ClientProtocol()
    p.hello("op", "bad", None, 0)
    with pytest.raises(cp.AuthFailed, match="wrong"):
        p.welcome(protocol.error(None, protocol.UNAUTHENTICATED, "wrong user or password"))
    with pytest.raises(cp.Unavailable):
        p.welcome(protocol.error(None, protocol.UNAVAILABLE, "the database is down"))


def test_a_paged_snapshot_is_windowed_and_handed_on_as_it_arrives():
    cases = [case(i, "closed" if i % 3 else "new") for i in range(1, 40)]
    raws = frames(7, cases)
    assert len(raws) > 3
    p = cp.ClientProtocol()
    p.hello("op", "pw", None, 0)
    p.welcome(welcome(7))
    open_only = lambda: lambda page: [c for c in page if c["status"] != "closed"]  # noqa: E731
    for i, raw in enumerate(raws):
        actions = p.receive(raw, open_only)
        # each frame goes on at once (to be staged in the cache), the last completes the state
        assert actions[0] == cp.SnapshotFrame(raw, i == 0)
        assert p.in_snapshot == (i < len(raws) - 1)
        if i < len(raws) - 1:
            assert len(actions) == 1
    (replaced,) = [a for a in actions if isinstance(a, cp.ReplaceState)]
    assert replaced.state["seq"] == 7 and p.log_id == "log-a"
    assert sorted(replaced.state["cases"]) == sorted(c["id"] for c in cases if c["status"] != "closed")


def test_an_event_inside_a_snapshot_drops_the_connection():
    raws = frames(3, [case(i) for i in range(1, 30)])
    p = cp.ClientProtocol()
    p.hello("op", "pw", None, 0)
    p.welcome(welcome(3))
    p.receive(raws[0], keep_all)
    (action,) = p.receive(json.dumps({"type": "event", "seq": 4, "name": "case.noted", "data": {}}), keep_all)
    assert isinstance(action, cp.Drop)


def test_resuming_into_another_history_asks_for_a_snapshot():
    p = cp.ClientProtocol()
    p.log_id = "log-a"
    p.hello("op", "pw", None, 10)
    p.welcome(welcome(12, log_id="log-b"))          # a restored database: another log
    assert not p.current(10)
    (action,) = p.receive(json.dumps({"type": "event", "seq": 11, "name": "case.noted", "data": {}}), keep_all)
    assert isinstance(action, cp.Resync)
    p = cp.ClientProtocol()
    p.hello("op", "pw", None, 10)                   # a state from before log identities
    p.welcome(welcome(10))
    assert p.adopts_log() and p.log_id == "log-a" and p.current(10)


def test_answers_acks_and_refusals_become_actions():
    p = cp.ClientProtocol()
    recv = lambda frame: p.receive(frame, keep_all)  # noqa: E731
    assert recv(protocol.ack("c1", 5)) == [cp.Acked("c1", 5)]
    assert recv(protocol.error("c2", "conflict", "no")) == [cp.Refused("c2", "conflict", "no")]
    assert recv(protocol.pong(1.5)) == [cp.Pong(1.5)]
    assert recv(protocol.session_ended("expired", "log in again")) == [cp.Ended("expired", "log in again")]
    (answer,) = recv(protocol.admin_result("a1", "user.list", {"users": []}))
    assert isinstance(answer, cp.Answer) and answer.id == "a1"
    assert recv(json.dumps({"type": "archive.case", "case": case(1)})) == [cp.Restored(case(1))]
    assert recv(json.dumps({"type": "something.new"})) == []
