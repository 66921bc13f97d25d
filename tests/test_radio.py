"""Talking to squads: radio.transmit from the console to a squad or a talkgroup (typed or a
canned phrase), the squad's radio log, its status set on its behalf (decide + apply), and
the same through the real server to the squads' terminals."""
from __future__ import annotations

import pytest

from models.commands import Actor, CommandError
from models.radio import PHRASES, RADIO_LOG_LIMIT, talkgroups

from .conftest import RawClient, ws_url
from .test_domain import OP, World

W01 = Actor("w01", "field", "W01")


def test_the_room_calls_a_squad_and_a_whole_talkgroup():
    w = World()
    w.run(OP, "radio.transmit", {"team_id": "W01", "text": "九巡101，请到九堡大道88号"})
    log = w.state["teams"]["W01"]["radio_log"]
    assert log[-1]["text"] == "九巡101，请到九堡大道88号" and log[-1]["from_room"] is True and log[-1]["by"] == "op"
    w.run(W01, "radio.transmit", {"team_id": "W01", "text": "收到"})
    assert log[-1]["from_room"] is False and log[-1]["text"] == "收到"
    tg1 = talkgroups(w.state)["TG-1"]
    w.run(OP, "radio.transmit", {"talkgroup": "TG-1", "phrase": "stand_by"})
    ev = w.log[-1]
    assert ev["data"]["team_ids"] == tg1 and ev["data"]["text"] == PHRASES["stand_by"].zh
    for tid in tg1:
        last = w.state["teams"][tid]["radio_log"][-1]
        assert last["text"] == "原地待命，等候指令" and last["talkgroup"] == "TG-1" and last["from_room"]
        assert w.state["teams"][tid]["last_tx"]["text"] == "原地待命，等候指令"
    other = next(t for t in w.state["teams"].values() if t["id"] not in tg1)
    assert not other.get("radio_log")


@pytest.mark.parametrize("actor,args,code", [
    (OP, {"talkgroup": "TG-9", "text": "x"}, "not_found"),
    (OP, {"talkgroup": "TG-1"}, "invalid"),
    (OP, {"team_id": "W01", "phrase": "sing"}, "invalid"),
    (W01, {"talkgroup": "TG-1", "text": "x"}, "forbidden"),
    (W01, {"team_id": "W02", "text": "x"}, "forbidden"),
])
def test_bad_radio_messages_are_refused(actor, args, code):
    w = World()
    seq = w.state["seq"]
    with pytest.raises(CommandError) as e:
        w.run(actor, "radio.transmit", args)
    assert e.value.code == code and w.state["seq"] == seq


def test_status_set_on_the_squads_behalf_is_marked_and_the_log_is_bounded():
    w = World()
    w.run(OP, "team.status", {"team_id": "W01", "status": "busy"})
    t = w.state["teams"]["W01"]
    assert t["status"] == "busy" and t["status_by"]["actor"] == "op" and t["status_by"]["role"] == "operator"
    assert t["radio_log"][-1]["status"] == "busy"
    w.run(W01, "team.status", {"team_id": "W01", "status": "available"})
    assert "status_by" not in t                                   # the squad's own say-so
    for i in range(RADIO_LOG_LIMIT + 5):
        w.run(OP, "radio.transmit", {"team_id": "W01", "text": f"第{i}条"})
    assert len(t["radio_log"]) == RADIO_LOG_LIMIT and t["radio_log"][-1]["text"] == f"第{RADIO_LOG_LIMIT + 4}条"


async def test_a_talkgroup_call_reaches_each_squads_terminal(server):
    op = await RawClient.connect(ws_url(server), "op")
    await op.recv()
    w01 = await RawClient.connect(ws_url(server), "w01")
    await w01.recv()
    e01 = await RawClient.connect(ws_url(server), "e01")
    await e01.recv()
    tg = server.hub.state["teams"]["W01"]["talkgroup"]
    ack, seen = await op.command("radio.transmit", {"talkgroup": tg, "phrase": "report_position"})
    assert ack["type"] == "ack" and seen[-1]["data"]["talkgroup"] == tg
    async def frame_at(client, seq):
        while True:
            f = await client.recv()
            if f.get("seq") == seq:
                return f
    frame = await frame_at(w01, ack["seq"])
    assert frame["name"] == "view.update" and frame["data"]["teams"][0]["radio_log"][-1]["text"] == "请报告你组位置"
    frame = await frame_at(e01, ack["seq"])        # another talkgroup's squad: only the seq
    assert frame["name"] == "hidden"
    ack, _ = await w01.command("radio.transmit", {"talkgroup": tg, "text": "x"})
    assert ack["type"] == "error" and ack["code"] == "forbidden"
    ack, _ = await op.command("team.status", {"team_id": "W01", "status": "busy"})
    assert server.hub.state["teams"]["W01"]["status_by"]["actor"] == "op"
    for c in (op, w01, e01):
        await c.close()
