"""Replaying a past shift (issue 17, 可复盘): the server's `query.replay` (docs/protocol.md,
"Replay") against a real server and real clients. The room a replay rebuilds at any moment
equals the room a live client held at that moment; every role gets in replay exactly what
its view gets live, never more; checkpoints keep it bounded; retention's blanks replay as
what they are."""
from __future__ import annotations

import asyncio
import json
import time

import orjson
import pytest

from client.replay import Player, fetch
from models.domain import OPEN_STATUSES
from models.state import apply, from_wire
from models.timeutil import epoch, iso

from .conftest import RawClient, ws_url
from .helpers import Clock, until

BACKENDS = ("sqlite", "postgres")
DAY = 86400.0
MIN = 60.0


class Live:
    """A live client that keeps the room as the protocol says (snapshot, pages, events,
    archive.case) and remembers it after every seq: what the room was at each moment."""

    def __init__(self, client: RawClient):
        self.c = client
        self.state: dict | None = None
        self.at: dict[int, bytes] = {}
        self.frames: list[dict] = []
        self.answers: dict[str, dict] = {}
        self._pages = 0
        self.task = asyncio.ensure_future(self._run())

    async def _run(self):
        while True:
            m = json.loads(await self.c.ws.recv())
            t = m.get("type")
            if t in ("query.result", "error") and m.get("id"):
                self.answers[m["id"]] = m
                continue
            self.frames.append(m)
            if t == "snapshot":
                self.state = from_wire(m["state"])
                self._pages = m.get("pages", 0)
            elif t == "snapshot.page":
                for c in m["cases"]:
                    self.state["cases"][c["id"]] = c
                self._pages -= 1
            elif t == "archive.case" and m.get("case"):
                self.state["cases"][m["case"]["id"]] = m["case"]
            elif t == "event" and self.state is not None:
                apply(self.state, m)
                self.at[m["seq"]] = orjson.dumps(self.state)

    def room_at(self, seq: int) -> dict:
        return orjson.loads(self.at[seq])

    async def ask(self, args: dict) -> dict:
        qid = f"r{len(self.answers)}-{time.monotonic_ns()}"
        await self.c.ws.send(json.dumps({"type": "query.replay", "id": qid, **args}))
        await until(lambda: qid in self.answers, what=f"the answer to {args.get('op')}")
        m = self.answers[qid]
        if m["type"] == "error":
            raise Refused(m["code"], m["message"])
        return m["data"]

    async def stop(self):
        self.task.cancel()
        await self.c.close()


class Refused(Exception):
    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code, self.message = code, message


class Room:
    """The commands of the scenario, sent by the operator's and the squad's own connections."""

    def __init__(self, url, clock: Clock):
        self.url, self.clock = url, clock
        self.acked: list[int] = []          # the seq of each command's last event (a batch's end)

    async def open(self):
        self.op = await RawClient.connect(self.url, "op")
        self.w01 = await RawClient.connect(self.url, "w01")
        self.lead = await RawClient.connect(self.url, "lead")
        return self

    async def run(self, who: RawClient, name: str, args: dict, advance: float = 4 * MIN) -> dict:
        self.clock.advance(advance)
        m, _ = await who.command(name, args, timeout=15)
        assert m["type"] == "ack", m
        self.acked.append(m["seq"])
        return m

    async def report(self, title="楼道堆放杂物", address="九和路120号", category="city_management",
                     phone="13812345678", priority=2):
        return await self.run(self.op, "case.report", {"title": title, "category": category, "source": "12345",
                                                       "priority": priority, "location": {"address": address},
                                                       "description": "住户反映楼道堆满纸箱",
                                                       "reporter": {"name": "王小明", "phone": phone}})

    async def close(self):
        await self.op.close()
        await self.w01.close()
        await self.lead.close()


async def scenario(srv, clock: Clock, url: str) -> tuple[Room, dict]:
    """Twelve days ago a case closed (rated during the shift, from the archive); then a
    shift of reports, dispatches, a squad's steps and positions, a closing, wartime."""
    room = await Room(url, clock).open()
    marks: dict = {}
    old = await room.report(title="旧案：井盖破损", address="九堡大道1号")
    old_id = await case_of(srv, old["seq"])
    await room.run(room.op, "case.dispatch", {"case_id": old_id, "team_id": "W02"})
    await room.run(room.op, "case.sign", {"case_id": old_id, "team_id": "W02"})
    await room.run(room.op, "case.arrive", {"case_id": old_id, "team_id": "W02"})
    await room.run(room.op, "case.close", {"case_id": old_id, "resolution": "已更换井盖", "on_scene_closure": True})
    clock.advance(11 * DAY)
    # yesterday's case, closed: in the room at the start as it was, noted during the shift
    y = await room.report(title="昨日案：路灯不亮", address="杭海路3号")
    marks["yesterday"] = y_id = await case_of(srv, y["seq"])
    await room.run(room.op, "case.dispatch", {"case_id": y_id, "team_id": "W03"})
    await room.run(room.op, "case.sign", {"case_id": y_id, "team_id": "W03"})
    await room.run(room.op, "case.arrive", {"case_id": y_id, "team_id": "W03"})
    await room.run(room.op, "case.close", {"case_id": y_id, "resolution": "已报修", "on_scene_closure": True})
    clock.advance(1 * DAY)
    marks["old"] = old_id
    marks["shift_from"] = clock() + 1
    ids = []
    for i, (title, addr) in enumerate([("占道经营", "杭海路3号"), ("邻里噪音纠纷", "九和路120号"),
                                       ("违章停车堵路", "顺福路8号")]):
        m = await room.report(title=title, address=addr, category=["market", "dispute", "traffic"][i],
                              phone=["13812345678", "13700002222", "13600003333"][i], priority=[2, 2, 1][i])
        ids.append(await case_of(srv, m["seq"]))
    await room.run(room.op, "case.dispatch", {"case_id": ids[0], "team_id": "W01"})
    await room.run(room.w01, "case.sign", {"case_id": ids[0]})
    for k in range(6):                  # the squad drives there: a track
        await room.run(room.w01, "team.position", {"team_id": "W01", "lat": 30.290 + k * 0.002,
                                                   "lon": 120.250 + k * 0.001}, advance=3 * MIN)
    marks["mid"] = clock()
    await room.run(room.w01, "case.arrive", {"case_id": ids[0]})
    await room.run(room.op, "case.dispatch", {"case_id": ids[1], "team_id": "E01"})
    await room.run(room.w01, "case.feedback", {"case_id": ids[0], "note": "摊位已劝离"}, advance=20 * MIN)
    await room.run(room.op, "case.close", {"case_id": ids[0], "resolution": "已劝离，现场恢复", "on_scene_closure": True})
    await room.run(room.op, "case.rate", {"case_id": old_id, "rating": 5})          # a case from the archive
    await room.run(room.op, "case.note", {"case_id": ids[2], "note": "车主电话13900001111"}, advance=25 * MIN)
    await room.run(room.op, "case.note", {"case_id": marks["yesterday"], "note": "路灯已修复"})
    await room.run(room.lead, "mode.set", {"mode": "wartime"}, advance=30 * MIN)
    for k in range(3):
        await room.run(room.w01, "team.position", {"team_id": "W01", "lat": 30.300 - k * 0.003,
                                                   "lon": 120.256}, advance=10 * MIN)
    await room.run(room.op, "case.dispatch", {"case_id": ids[2], "team_id": "W01"}, advance=15 * MIN)
    marks["shift_to"] = clock() + 1
    marks["ids"] = ids
    return room, marks


async def case_of(srv, seq: int) -> str:
    ev = (await srv.hub.run_db(srv.store.events_after, seq - 1, seq))[0]
    return ev["data"]["case_id"]


def replay_rule(state: dict, lo: float) -> dict:
    """The live room as a replay starting at `lo` holds it: its squads and head, its cases
    open or updated within the 7 days before `lo` (docs/protocol.md, Replay)."""
    since = iso(lo - 7 * DAY)
    out = dict(state)
    out["cases"] = {cid: c for cid, c in state["cases"].items()
                    if c["status"] in OPEN_STATUSES or (c.get("updated") or "") >= since}
    return out


def same_room(replayed: dict, live: dict, lo: float, what: str, filtered: bool = False) -> None:
    want = replay_rule(live, lo)
    assert replayed["seq"] == live["seq"], what
    # (a filtered view's next_case_no is its snapshot's: no event of its view moves it)
    for k in ("mode", "sla_profile") + (() if filtered else ("next_case_no",)):
        assert replayed.get(k) == live.get(k), (what, k)
    assert replayed["teams"] == live["teams"], what
    assert replayed.get("street") == live.get("street"), what
    extra = set(replayed["cases"]) - set(live["cases"])
    assert not extra, (what, extra)
    missing = set(want["cases"]) - set(replayed["cases"])
    assert not missing, (what, missing)
    for cid, c in replayed["cases"].items():
        assert c == live["cases"][cid], (what, cid)


@pytest.fixture
async def shift(db_url, tmp_path):
    from server.app import XiaonaoServer
    clock = Clock(time.time() + 1)           # (after the template database's street was loaded: the log is in time order)
    srv = XiaonaoServer(db_url, "127.0.0.1", 0, clock=clock, data_dir=str(tmp_path / "files"))
    await srv.start()
    url = ws_url(srv)
    lives = {u: Live(await RawClient.connect(url, u)) for u in ("lead", "wall", "w01", "intake")}
    room, marks = await scenario(srv, clock, url)
    head = srv.hub.head
    await until(lambda: all(max(lv.at, default=0) >= head for lv in lives.values()), what="every live client at the head")
    yield srv, lives, room, marks
    for lv in lives.values():
        await lv.stop()
    await room.close()
    await srv.stop()


async def test_the_replayed_room_at_each_moment_is_the_room_live_clients_held_then(shift, monkeypatch):
    import client.replay
    import server.replay
    monkeypatch.setattr(server.replay, "PAGE_EVENTS", 7)        # many pages
    monkeypatch.setattr(client.replay, "CHECK_EVERY", 4)        # many of the player's checkpoints
    srv, lives, room, marks = shift
    lo, hi = marks["shift_from"], marks["shift_to"]
    checked = 0
    for user in ("lead", "wall", "w01", "intake"):
        live = lives[user]
        rp = await fetch(live.ask, iso(lo), iso(hi))
        assert rp.info["checkpoint"], "a checkpoint before the range: not replayed from the log's start"
        start_seq = rp.start["seq"]
        # the case closed twelve days before is not in the room at the start; the rating brings it
        assert marks["old"] not in rp.start["cases"]
        if user in ("lead", "wall"):
            assert rp.start["cases"][marks["yesterday"]]["status"] == "closed"
            assert rp.state_at(hi)["cases"][marks["yesterday"]]["notes"]
            assert marks["old"] in rp.state_at(hi)["cases"]
            assert any(b.startswith(b'{"type":"archive.case"') and marks["old"].encode() in b for b in rp.frames)
        # at the start, and after every command of the shift (a batch's end: what live frames stand at)
        for seq in [start_seq] + [s for s in room.acked if start_seq < s <= rp.info["end_seq"]]:
            n = frames_through(rp, seq)
            same_room(rp.state_after(n), live.room_at(seq), lo, f"{user} at seq {seq}", user in ("w01", "intake"))
            checked += 1
        # by time: the moment in the middle of the shift
        mid_seq = max(s for s, b in live.at.items() if orjson.loads(b)["seq"] and s <= rp.info["end_seq"]
                      and epoch(_at_of(live, s)) <= marks["mid"])
        same_room(rp.state_at(marks["mid"]), live.room_at(mid_seq), lo, f"{user} at the middle", user in ("w01", "intake"))
    assert checked > 40


def frames_through(rp, seq: int) -> int:
    """How many of the replay's frames bring it to `seq`."""
    for i, b in enumerate(rp.frames):
        f = orjson.loads(b)
        if f.get("type") == "event" and f["seq"] == seq:
            return i + 1
    assert seq == rp.start["seq"], seq
    return 0


def _at_of(live: Live, seq: int) -> str:
    return next(f["at"] for f in live.frames if f.get("type") == "event" and f["seq"] == seq)


async def test_each_role_gets_in_replay_what_it_gets_live_and_no_more(shift):
    srv, lives, room, marks = shift
    lo, hi = iso(marks["shift_from"]), iso(marks["shift_to"])
    frames = {}
    for user in ("lead", "wall", "w01", "intake"):
        rp = await fetch(lives[user].ask, lo, hi)
        frames[user] = b"".join(rp.frames) + orjson.dumps(rp.start)
        # the same frames the live client got for those seqs (a batch's objects are as of its end)
        live_events = {f["seq"]: f for f in lives[user].frames if f.get("type") == "event"}
        for b in rp.frames:
            f = orjson.loads(b)
            if f.get("type") == "event":
                assert f["name"] == live_events[f["seq"]]["name"], (user, f["seq"])
    # the wall: no phone, no note, no description (which the leader's replay has)
    for secret in ("13812345678", "13900001111", "住户反映楼道堆满纸箱", "摊位已劝离", "已劝离，现场恢复"):
        assert secret.encode() not in frames["wall"], secret
        assert secret.encode() in frames["lead"], secret
    # the squad: its own cases, never the others' (their reporters' phones never reach it)
    w01 = frames["w01"]
    assert "占道经营".encode() in w01 and b"13812345678" in w01
    assert "邻里噪音纠纷".encode() not in w01 and b"13700002222" not in w01
    rp = await fetch(lives["w01"].ask, lo, hi)
    shown = set(rp.start["cases"]) | {c["id"] for b in rp.frames for c in (orjson.loads(b).get("data") or {}).get("cases") or ()}
    assert shown == {marks["ids"][0], marks["ids"][2]}
    # the intake account: the reports it made (none here) and nothing of the room's
    assert "占道经营".encode() not in frames["intake"] and b"13812345678" not in frames["intake"]


async def test_a_replay_is_refused_in_words_for_bad_ranges_and_cursors_are_the_accounts_own(shift):
    srv, lives, room, marks = shift
    lead, wall = lives["lead"], lives["wall"]
    for args, code, words in [
        ({"op": "open", "from": "yesterday", "to": iso(marks["shift_to"])}, "invalid", "ISO"),
        ({"op": "open", "from": "2026-12-01T08:00:00", "to": "2026-12-01T09:00:00"}, "invalid", "ISO"),
        ({"op": "open", "from": iso(marks["shift_to"]), "to": iso(marks["shift_from"])}, "invalid", "after"),
        ({"op": "open", "from": iso(marks["shift_from"]), "to": iso(marks["shift_from"] + 2 * DAY)}, "invalid", "24"),
        ({"op": "rewind"}, "bad_request", "op"),
        ({"op": "next", "replay": "nope"}, "not_found", "open it again"),
    ]:
        with pytest.raises(Refused) as e:
            await lead.ask(args)
        assert e.value.code == code and words in e.value.message, args
    info = await lead.ask({"op": "open", "from": iso(marks["shift_from"]), "to": iso(marks["shift_to"])})
    with pytest.raises(Refused) as e:                 # another account cannot read the leader's replay
        await wall.ask({"op": "next", "replay": info["replay"]})
    assert e.value.code == "not_found"
    page = await lead.ask({"op": "next", "replay": info["replay"]})
    assert page["cases"] and not page["frames"] and not page["done"]    # the start's cases come first
    assert (await lead.ask({"op": "close", "replay": info["replay"]}))["closed"]
    with pytest.raises(Refused):
        await lead.ask({"op": "next", "replay": info["replay"]})


async def test_tracks_follow_positions_and_blanked_positions_replay_as_hidden(shift):
    from server import retention
    srv, lives, room, marks = shift
    lo, hi = iso(marks["shift_from"]), iso(marks["shift_to"])
    rp = await fetch(lives["lead"].ask, lo, hi)
    track = rp.track("W01", marks["shift_to"])
    assert len(track) == 9 and track[0] == (30.29, 120.25) and track[-1] == (30.294, 120.256)
    assert len(rp.track("W01", marks["mid"])) == 6
    assert rp.track("E01", marks["shift_to"]) == []
    # the squad's own replay has its track too; the wall's too (positions are not masked live)
    assert len((await fetch(lives["w01"].ask, lo, hi)).track("W01", marks["shift_to"])) == 9
    late = iso(marks["shift_to"] - 40 * MIN)        # from a checkpoint taken after the squad moved
    assert (await fetch(lives["lead"].ask, late, hi)).start["teams"]["W01"]["position"] is not None
    # retention blanks the positions: they replay as the placeholders they now are, no track
    upto = srv.hub.head
    while True:
        _n, _through, more = await srv.hub.run_db(retention.prune_positions_step, srv.store, upto)
        if not more:
            break
    rp = await fetch(lives["lead"].ask, lo, hi)
    names = [orjson.loads(b)["name"] for b in rp.frames if b.startswith(b'{"type":"event"')]
    assert "team.moved" not in names and names.count("hidden") >= 9
    assert rp.track("W01", marks["shift_to"]) == []
    assert rp.state_at(marks["shift_to"])["teams"]["W01"]["position"] is None
    assert (await fetch(lives["lead"].ask, late, hi)).start["teams"]["W01"]["position"] is None


async def test_checkpoints_every_half_hour_bound_what_a_replay_reads(shift):
    from server.replay import CHECKPOINT_EVERY
    from server.store import CheckpointRow
    srv, lives, room, marks = shift
    from sqlalchemy import select
    with srv.store.engine.connect() as c:
        rows = c.execute(select(CheckpointRow.seq, CheckpointRow.at).order_by(CheckpointRow.seq)).all()
    gaps = [epoch(b.at) - epoch(a.at) for a, b in zip(rows, rows[1:])]
    assert len(rows) >= 5 and all(g >= CHECKPOINT_EVERY for g in gaps)
    info = await lives["lead"].ask({"op": "open", "from": iso(marks["mid"]), "to": iso(marks["shift_to"])})
    cp_at = dict(rows)[info["checkpoint"]]
    assert 0 <= marks["mid"] - epoch(cp_at) <= CHECKPOINT_EVERY + 30 * MIN


async def test_playing_moves_time_at_the_speed_and_a_jump_back_rebuilds_the_room(shift, monkeypatch):
    import client.replay
    monkeypatch.setattr(client.replay, "CHECK_EVERY", 5)
    srv, lives, room, marks = shift
    rp = await fetch(lives["lead"].ask, iso(marks["shift_from"]), iso(marks["shift_to"]))
    p = Player(rp)
    p.speed, p.playing = 60, True
    kind, evs = p.advance(10.0)                    # 10 s at 60x: ten minutes of the shift
    assert kind == "events" and p.t == pytest.approx(marks["shift_from"] + 600)
    assert all(epoch(e["at"]) <= p.t for e in evs) and evs
    assert p.state == rp.state_at(p.t)
    kind, _ = p.seek(marks["shift_to"])
    assert p.state["mode"] == "wartime"
    # every moment through the player's checkpoints is the start with the frames applied in order
    from client.replay import apply_frame
    scratch = orjson.loads(orjson.dumps(rp.start))
    for i, b in enumerate(rp.frames):
        apply_frame(scratch, orjson.loads(b))
        if i % 3 == 0:
            assert rp.state_after(i + 1) == scratch, i
    assert p.state == scratch
    kind, _ = p.seek(marks["shift_from"])
    assert kind == "reset" and p.state["mode"] == "peacetime" and p.state == rp.state_after(0)
    p.playing = True
    p.seek(marks["shift_to"] - 1)
    p.advance(5.0)
    assert p.at_end and not p.playing



async def test_without_a_checkpoint_before_it_a_short_log_replays_from_its_start_alike(shift):
    from server import retention
    srv, lives, room, marks = shift
    lo, hi = iso(marks["shift_from"]), iso(marks["shift_to"])
    before = await fetch(lives["lead"].ask, lo, hi)
    assert before.info["checkpoint"]
    # retention's cut-off of the cases takes the checkpoints before it (here: all before the shift)
    gone = await srv.hub.run_db(retention.prune_checkpoints, srv.store, lo)
    assert gone >= 1
    after = await fetch(lives["lead"].ask, lo, hi)
    assert after.info["checkpoint"] is None
    assert after.start == before.start and after.frames == before.frames
    assert after.state_at(marks["shift_to"]) == before.state_at(marks["shift_to"])
