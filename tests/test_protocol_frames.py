"""The Sans-I/O protocol module (models/protocol.py): what the server makes of each frame a
client may send, and the frames both ends build, without a socket. The same frames against
the running server are in test_protocol.py."""
from __future__ import annotations

import json

import pytest

from models import protocol
from models.protocol import Command, Hello, Ping, ProtocolError, SnapshotPages, parse_client_frame, parse_hello

LONG_ID = "x" * 81


@pytest.mark.parametrize("raw,code,cid", [
    (b"\x00\x01", "bad_request", None),
    ("not json", "bad_request", None),
    ("[1, 2]", "bad_request", None),
    ('{"no": "type"}', "bad_request", None),
    ('{"type": "dance"}', "bad_request", None),
    ('{"type": "command", "name": "case.report", "args": {}}', "bad_request", None),
    ('{"type": "command", "id": "", "name": "case.report", "args": {}}', "bad_request", ""),
    ('{"type": "command", "id": "' + LONG_ID + '", "name": "case.report", "args": {}}', "bad_request", LONG_ID),
    ('{"type": "command", "id": "x1", "args": {}}', "bad_request", "x1"),
    ('{"type": "command", "id": "x2", "name": "case.report", "args": []}', "bad_request", "x2"),
])
def test_a_frame_the_protocol_refuses_says_why_with_a_documented_code(raw, code, cid):
    got = parse_client_frame(raw)
    assert isinstance(got, ProtocolError) and got.code == code and got.message
    answer = json.loads(got.frame())
    assert answer == {"type": "error", "id": cid, "code": code, "message": got.message}
    assert answer["code"] in protocol.ERROR_CODES


def test_commands_and_pings_are_read_back_as_they_were_built():
    args = {"title": "噪音扰民", "location": {"address": "九堡大道88号"}}
    assert parse_client_frame(protocol.command("c-1", "case.report", args)) == Command("c-1", "case.report", args)
    assert parse_client_frame('{"type": "command", "id": "c-2", "name": "case.accept"}') == \
        Command("c-2", "case.accept", {})                       # args may be left out
    assert parse_client_frame(protocol.ping(12.5)) == Ping(12.5)
    assert json.loads(protocol.pong(12.5)) == {"type": "pong", "t": 12.5}
    assert json.loads(protocol.ack("c-1", 7)) == {"type": "ack", "id": "c-1", "seq": 7}


def test_hellos():
    assert parse_hello(protocol.hello("op", "pw", resume_from=12, log_id="L1")) == \
        Hello("op", "pw", resume_from=12, log_id="L1")
    assert parse_hello(protocol.hello("op", "pw", token="T")) == Hello(token="T")      # the token wins
    assert parse_hello(protocol.hello("imp", "pw", subscribe=False)).subscribe is False
    for raw, code in [('{"type": "command"}', "unauthenticated"), ("nonsense", "unauthenticated"),
                      ('{"type": "hello", "user": "op"}', "unauthenticated"),
                      ('{"type": "hello", "token": "T", "resume_from": -1}', "bad_request"),
                      ('{"type": "hello", "token": "T", "resume_from": true}', "bad_request"),
                      ('{"type": "hello", "token": "T", "subscribe": "yes"}', "bad_request")]:
        got = parse_hello(raw)
        assert isinstance(got, ProtocolError) and got.code == code, raw
    welcome = json.loads(protocol.welcome("op", "operator", "T", 5, None, 1.5))
    assert welcome["max_frame"] == protocol.MAX_IN_FRAME and welcome["head"] == 5


def test_a_paged_snapshot_is_whole_only_once_its_last_page_is_in():
    first = {"type": "snapshot", "seq": 9, "pages": 2, "state": {"seq": 9, "cases": [{"id": "C1"}], "teams": []}}
    snap = SnapshotPages(first)
    assert not snap.done
    with pytest.raises(ValueError):
        snap.state()
    with pytest.raises(ValueError):                  # out of order
        snap.add({"type": "snapshot.page", "seq": 9, "page": 2, "cases": []})
    with pytest.raises(ValueError):                  # another snapshot's page
        snap.add({"type": "snapshot.page", "seq": 8, "page": 1, "cases": []})
    snap.add({"type": "snapshot.page", "seq": 9, "page": 1, "cases": [{"id": "C2"}]})
    snap.add({"type": "snapshot.page", "seq": 9, "page": 2, "cases": [{"id": "C3"}]})
    assert snap.done and [c["id"] for c in snap.state()["cases"]] == ["C1", "C2", "C3"]
    assert SnapshotPages({"type": "snapshot", "seq": 1, "state": {"cases": []}}).done     # no pages


@pytest.mark.parametrize("cid", ["import:9f2c:1", "中文编号", 'q"\\', "id\ud800x"])
def test_an_ack_reads_back_as_the_id_and_seq_it_answers(cid):
    assert json.loads(protocol.ack(cid, 42)) == {"type": "ack", "id": cid, "seq": 42}


def test_timestamps_are_utc_with_milliseconds_as_datetime_writes_them():
    """models.timeutil.iso formats each second once (an import stamps hundreds of events a
    second): the text is what datetime writes, rounding included, at any time."""
    import random
    from datetime import datetime, timezone

    from models.timeutil import iso

    def reference(ts: float) -> str:
        dt = datetime.fromtimestamp(ts, tz=timezone.utc)
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    rng = random.Random(13)
    moments = [rng.uniform(0, 4e9) for _ in range(5000)] + [1_796_000_000 + k / 7 for k in range(2000)]
    moments += [k + f for k in (0, 59, 1_796_083_199) for f in (0.0, 0.0004999, 0.0005, 0.9994999, 0.9995, 0.9999996)]
    for ts in moments:
        assert iso(ts) == reference(ts), ts
