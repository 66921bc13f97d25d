"""Issue 16: the hands and feet. Departments, communities and squads' terminals as the server
sees them: accounts bound to a department, to grids or to a squad (the CLI refuses one
without its binding), per-subscriber views (nobody receives another's case or phones), their
commands, stamps that tell a terminal's own step from one the room entered on its behalf,
one-time login codes, positions at a bounded rate and the terminals' presence.

Real server on a loopback port, raw protocol clients (tests/conftest.py RawClient) and
Watchers (tests/test_views.py) that build their state only from what they received.
"""
from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
import websockets
from sqlalchemy import select
from sqlalchemy.orm import Session

from models.commands import POSITION_EVERY_S, Actor
from models.sla import PROFILES, case_clock
from models.timeutil import epoch
from server.app import XiaonaoServer
from server.auth import CODE_REFUSAL, code_hash
from server.cli import add_user, login_code, main, set_role
from server.store import EventStore, LoginCodeRow, StoreError

from .conftest import BOTH_BACKENDS, RawClient, make_db, ws_url
from .helpers import Clock, until
from .test_domain import World
from .test_views import same, watch

PHONE_A, PHONE_B, PHONE_C = "13811112222", "13933334444", "13755556666"
AT_G19, AT_G03, AT_G42 = "九堡大道88号", "九和路1号", "红普南路64号"
SECRET = "身份证号330104199001011234"


def report(title, phone, address, source="110"):
    return {"title": title, "category": "dispute", "source": source, "priority": 2,
            "location": {"address": address}, "reporter": {"name": "王小明", "phone": phone}}


async def act(w, name, args):
    """Send a command on a Watcher's connection (its reader keeps every frame) and return
    the answer (ack or error)."""
    cid = str(uuid.uuid4())
    await w.c.ws.send(json.dumps({"type": "command", "id": cid, "name": name, "args": args}))
    found: list[dict] = []

    def answered():
        for raw in reversed(w.raw):
            m = json.loads(raw)
            if m.get("type") in ("ack", "error") and m.get("id") == cid:
                found.append(m)
                return True
        return False
    await until(answered, what=f"the answer to {name}")
    return found[0], None


def bound_users(url):
    add_user(url, "police1", "department", "police1-password", department="police")
    add_user(url, "market1", "department", "market1-password", department="market")
    add_user(url, "g19", "community", "g19-password", grids="G19,G20")
    add_user(url, "g03", "community", "g03-password", grids=["G03"])


# ---- accounts --------------------------------------------------------------------

def test_the_cli_binds_departments_and_grids_and_refuses_what_is_missing_or_unknown(tmp_path, capsys, monkeypatch):
    import io
    monkeypatch.setattr("sys.stdin", io.StringIO("x1-password-ok\n"))
    url = make_db(tmp_path)
    for kw, why in (({}, "needs its department"), ({"department": "nowhere"}, "no department 'nowhere'")):
        with pytest.raises(StoreError, match=why):
            add_user(url, "d1", "department", "d1-password", **kw)
    for kw, why in (({}, "needs its grids"), ({"grids": "G01,G99"}, "no grid G99")):
        with pytest.raises(StoreError, match=why):
            add_user(url, "c1", "community", "c1-password", **kw)
    bound_users(url)
    assert main(["user", "add", "x1", "--role", "community", "--db", url, "--password-stdin"]) == 2
    assert "needs its grids: --grids G01,G02" in capsys.readouterr().err
    with pytest.raises(StoreError, match="needs its department"):
        set_role(url, "g19", "department", None)
    set_role(url, "g19", "department", None, department="traffic")
    assert main(["user", "role", "g03", "community", "--grids", "G04,G05", "--db", url]) == 0
    assert main(["user", "list", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "police1              department police" in out and "G04,G05" in out and "traffic" in out
    store = EventStore(url)
    try:
        u = store.get_user("g03")
        assert u["role"] == "community" and u["grids"] == ["G04", "G05"] and u["department"] is None
        assert store.get_user("g19")["grids"] == []          # a department keeps no grids
    finally:
        store.dispose()


# ---- views and the department's and community's commands ---------------------------

async def test_departments_and_communities_receive_only_theirs_and_do_their_part(tmp_path):
    url = make_db(tmp_path)
    bound_users(url)
    srv = XiaonaoServer(url, "127.0.0.1", 0)
    await srv.start()
    try:
        op = await RawClient.connect(ws_url(srv), "op")
        await op.recv()
        ids = []
        for title, phone, addr in (("A", PHONE_A, AT_G19), ("B", PHONE_B, AT_G03), ("C", PHONE_C, AT_G42)):
            ack, _ = await op.command("case.report", report(title, phone, addr))
            ids.append(max(srv.hub.state["cases"]))
        ca, cb, cc = ids
        await op.command("case.transfer", {"case_id": ca, "to": "police", "note": "请派出所处置"})
        await op.command("case.transfer", {"case_id": cb, "to": "market"})
        await op.command("case.dispatch", {"case_id": cc, "team_id": "W01"})
        names = ("police1", "market1", "g19", "g03", "w01", "e01", "wall")
        w = {n: await watch(srv, n) for n in names}
        await until(lambda: all(x.state is not None for x in w.values()), what="snapshots")
        assert set(w["police1"].state["cases"]) == {ca} and set(w["market1"].state["cases"]) == {cb}
        assert set(w["g19"].state["cases"]) == {ca} and set(w["g03"].state["cases"]) == {cb}
        assert set(w["w01"].state["cases"]) == {cc} and not w["e01"].state["cases"]
        for n in ("police1", "market1", "g19", "g03"):
            assert not w[n].state["teams"], n                      # no squad, no squad members' phones
            assert all(not sq["members"] for sq in w[n].state["street"]["squads"]), n
        # the liaison calls the reporter back: its own case's phone is whole
        assert w["police1"].state["cases"][ca]["reporter"]["phone"] == PHONE_A

        police = w["police1"]
        ans, _ = await act(police, "case.feedback", {"case_id": ca, "note": "已处置"})
        assert ans["code"] == "conflict" and "sign for case" in ans["message"]
        ans, _ = await act(police, "case.dept_sign", {"case_id": cb})
        assert ans["code"] == "forbidden" and "not transferred to your department" in ans["message"]
        for name, args in (("case.dept_sign", {}), ("case.progress", {"note": f"民警已到场 {SECRET}"}),
                           ("case.feedback", {"note": "已调解，双方和解"})):
            ans, _ = await act(police, name, {"case_id": ca, **args})
            assert ans["type"] == "ack", (name, ans)
        case = srv.hub.state["cases"][ca]
        assert case["status"] == "resolved" and case["dept_signed"]["by"] == "police1"
        steps = [(e["name"], e.get("by_role")) for e in case["timeline"]]
        assert ("case.dept_signed", "department") in steps and ("case.feedback", "department") in steps
        assert [n["kind"] for n in case["notes"] if n.get("kind")] == ["progress"]
        ans, _ = await op.command("case.close", {"case_id": ca, "resolution": "部门办结"})
        assert ans["type"] == "ack"

        # the market liaison sends its case back to the room, with a reason; it leaves its view
        ans, _ = await act(w["market1"], "case.return", {"case_id": cb, "reason": "不属于市场监管"})
        assert ans["type"] == "ack" and srv.hub.state["cases"][cb]["status"] == "returned"
        ans, _ = await act(w["market1"], "case.return", {"case_id": cb, "reason": "again"})
        assert ans["code"] == "forbidden"

        # the community follows the closed case up and confirms with the resident; not others'
        g19 = w["g19"]
        ans, _ = await act(g19, "case.follow_up", {"case_id": ca, "note": f"回访居民，已落实 {SECRET}"})
        assert ans["type"] == "ack"
        ans, _ = await act(g19, "case.confirm", {"case_id": ca, "outcome": "confirmed", "note": f"居民满意 {SECRET}"})
        assert ans["type"] == "ack"
        assert srv.hub.state["cases"][ca]["confirmation"]["outcome"] == "confirmed"
        ans, _ = await act(w["g03"], "case.follow_up", {"case_id": ca, "note": "x"})
        assert ans["code"] == "forbidden"
        ans, _ = await act(g19, "case.confirm", {"case_id": ca, "outcome": "maybe"})
        assert ans["code"] == "invalid"
        # it reports from its grid, not from another's
        ans, _ = await act(g19, "case.report", report("D", "13600007777", AT_G19, "grid"))
        assert ans["type"] == "ack"
        cd = max(srv.hub.state["cases"])
        ans, _ = await act(g19, "case.report", report("E", "13600008888", AT_G03, "grid"))
        assert ans["code"] == "forbidden" and "not one of your grids" in ans["message"]

        last, _ = await op.command("case.note", {"case_id": cc, "note": f"回拨 {PHONE_C}"})
        head = srv.hub.head
        await until(lambda: all(x.state["seq"] == head for x in w.values()), what="every view at the head")
        assert head >= last["seq"]
        assert set(w["police1"].state["cases"]) == {ca} and not w["market1"].state["cases"]
        assert set(w["g19"].state["cases"]) == {ca, cd} and set(w["g03"].state["cases"]) == {cb}
        for n, (role, team) in {"police1": ("department", None), "g19": ("community", None),
                                "g03": ("community", None), "w01": ("field", "W01")}.items():
            binding = {"police1": {"department": "police"}, "g19": {"grids": ("G19", "G20")},
                       "g03": {"grids": ("G03",)}}.get(n, {})
            v = view_for_actor(srv, n, role, team, **binding)
            assert same(w[n].state["cases"], v), n
        for x in w.values():
            assert x.seqs == list(range(x.seqs[0], head + 1))          # every seq, placeholders between
        # the wall: every case, its notes emptied, live as in its snapshot
        assert SECRET not in w["wall"].text() and SECRET in w["police1"].text()
        assert same(w["wall"].state["cases"], view_for_actor(srv, "wall", "wall"))
        # no frame ever carried another's case or phones
        for n, foreign in (("police1", (PHONE_B, PHONE_C)), ("market1", (PHONE_A, PHONE_C)),
                           ("g19", (PHONE_B, PHONE_C)), ("g03", (PHONE_A, PHONE_C)),
                           ("w01", (PHONE_A, PHONE_B)), ("e01", (PHONE_A, PHONE_B, PHONE_C)),
                           ("wall", (PHONE_A, PHONE_B, PHONE_C))):
            text = w[n].text()
            assert not any(p in text for p in foreign), n
        assert "13600008888" not in "".join(x.text() for x in w.values())
        for x in w.values():
            await x.close()
        await op.close()
    finally:
        await srv.stop()


def view_for_actor(srv, user, role, team=None, **binding):
    from server.views import view_for
    v = view_for(Actor(user, role, team, **binding))
    return {c["id"]: c for c in v.cases(srv.hub.state)}


# ---- the field terminal ---------------------------------------------------------------

async def test_a_field_terminal_stamps_its_steps_reports_positions_at_a_bounded_rate_and_shows_online(tmp_path):
    clock = Clock()
    srv = XiaonaoServer(make_db(tmp_path), "127.0.0.1", 0, clock=clock)
    await srv.start()
    try:
        op = await RawClient.connect(ws_url(srv), "op")
        await op.recv()
        room = await watch(srv, "lead")
        await until(lambda: room.state is not None, what="the room's snapshot")
        assert room.state["teams"]["W01"]["terminal"] is None            # never connected
        phone = await watch(srv, "w01")
        await until(lambda: (room.state["teams"]["W01"]["terminal"] or {}).get("online") == 1,
                    what="W01's terminal online in the room")
        await op.command("case.report", report("A", PHONE_A, AT_G19))
        cid = max(srv.hub.state["cases"])
        await op.command("case.dispatch", {"case_id": cid, "team_id": "W01"})
        await until(lambda: cid in phone.state["cases"], what="the assignment on the phone")
        f = phone
        ans, _ = await act(f, "case.sign", {"case_id": cid})
        assert ans["type"] == "ack"
        ans, _ = await op.command("case.contact", {"case_id": cid})       # by radio: the room enters it
        assert ans["type"] == "ack"
        ans, _ = await act(f, "case.arrive", {"case_id": cid})
        ans, _ = await act(f, "case.progress", {"case_id": cid, "note": "正在调解"})
        assert ans["type"] == "ack"
        await until(lambda: room.state["seq"] == srv.hub.head, what="the room up to date")
        stamps = [(e["name"], e.get("by_role"), e["actor"]) for e in room.state["cases"][cid]["timeline"]]
        assert stamps[-4:] == [("case.signed", "field", "w01"), ("case.contacted", "operator", "op"),
                               ("case.arrived", "field", "w01"), ("case.progressed", "field", "w01")]

        # positions: the first is recorded, the next within POSITION_EVERY_S is acknowledged only
        ans, _ = await act(f, "team.position", {"team_id": "W01", "lat": 30.29, "lon": 120.24})
        assert ans["type"] == "ack" and srv.hub.state["teams"]["W01"]["position"] == [30.29, 120.24]
        head = srv.hub.head
        for i in range(5):
            ans, _ = await act(f, "team.position", {"team_id": "W01", "lat": 30.29 + i / 1000, "lon": 120.24})
            assert ans["type"] == "ack" and ans["seq"] == head
        assert srv.hub.head == head and srv.hub.state["teams"]["W01"]["position"] == [30.29, 120.24]
        clock.advance(POSITION_EVERY_S)
        ans, _ = await act(f, "team.position", {"team_id": "W01", "lat": 30.3, "lon": 120.25})
        assert ans["seq"] == head + 1
        await until(lambda: room.state["teams"]["W01"]["position"] == [30.3, 120.25], what="the room sees it")
        ans, _ = await op.command("team.position", {"team_id": "W01", "lat": 30.31, "lon": 120.25})
        assert ans["seq"] == head + 2                                       # the room's own are not limited

        # its own status: busy, not off duty while it has a case; reinforcement goes to the room
        ans, _ = await act(f, "team.status", {"team_id": "W01", "status": "busy"})
        assert ans["type"] == "ack"
        ans, _ = await act(f, "team.duty", {"team_id": "W01", "on_duty": False})
        assert ans["code"] == "conflict" and "still has open cases" in ans["message"]
        ans, _ = await act(f, "team.duty", {"team_id": "E01", "on_duty": False})
        assert ans["code"] == "forbidden"
        ans, _ = await act(f, "team.request_reinforcement", {"team_id": "W01", "case_id": cid, "note": "人多，请增援"})
        assert ans["type"] == "ack"
        await until(lambda: (room.state["teams"]["W01"]["reinforcement"] or {}).get("note") == "人多，请增援",
                    what="the request in the room")
        ans, _ = await op.command("team.reinforcement_ack", {"team_id": "W01"})
        assert ans["type"] == "ack" and srv.hub.state["teams"]["W01"]["reinforcement"] is None
        ans, _ = await act(f, "team.presence", {"team_id": "W01", "online": 0})
        assert ans["code"] == "forbidden"                                  # presence is the server's
        ans, _ = await act(f, "case.feedback", {"case_id": cid, "note": "已调解"})
        await op.command("case.close", {"case_id": cid, "resolution": "ok"})
        ans, _ = await act(f, "team.duty", {"team_id": "W01", "on_duty": False})
        assert ans["type"] == "ack" and srv.hub.state["teams"]["W01"]["status"] == "off_duty"

        clock.advance(60)
        await phone.close()
        await until(lambda: (room.state["teams"]["W01"]["terminal"] or {}).get("online") == 0,
                    what="W01's terminal offline")
        term = room.state["teams"]["W01"]["terminal"]
        assert term["since"] is None and epoch(term["last_seen"]) == pytest.approx(clock.t, abs=0.01)
        await room.close()
        await op.close()
    finally:
        await srv.stop()


async def test_presence_left_online_by_a_stopped_server_is_cleared_at_start(tmp_path):
    url = make_db(tmp_path)
    srv = XiaonaoServer(url, "127.0.0.1", 0)
    await srv.start()
    try:
        await srv.hub.execute(Actor("server", "system"), "team.presence", {"team_id": "E01", "online": 2})
    finally:
        await srv.stop()
    srv = XiaonaoServer(url, "127.0.0.1", 0)
    await srv.start()
    try:
        assert srv.hub.state["teams"]["E01"]["terminal"]["online"] == 0
    finally:
        await srv.stop()


# ---- one-time login codes -------------------------------------------------------------

async def hello(srv, **fields) -> dict:
    async with websockets.connect(ws_url(srv)) as ws:
        await ws.send(json.dumps({"type": "hello", **fields}))
        return json.loads(await ws.recv())


@pytest.mark.parametrize("backend", BOTH_BACKENDS)      # the code is used up in one transaction, on both
async def test_a_one_time_code_logs_in_once_before_it_expires_and_is_kept_hashed(db_url, tmp_path, capsys):
    url = db_url
    bound_users(url)
    code, expires, _ = login_code(url, "w01", 600)
    assert len(code) == 10 and expires > time.time() + 590
    srv = XiaonaoServer(url, "127.0.0.1", 0)
    await srv.start()
    try:
        welcome = await hello(srv, code=code.lower()[:4] + "-" + code[4:])      # as typed: case and dashes
        assert welcome["type"] == "welcome" and welcome["user"] == "w01" and welcome["role"] == "field"
        assert welcome["team_id"] == "W01"
        raced, _, _ = login_code(url, "e01", 600)
        answers = await asyncio.gather(*(hello(srv, code=raced) for _ in range(3)))
        assert sorted(a["type"] for a in answers) == ["error", "error", "welcome"]     # two phones lose the race
        again = await hello(srv, code=code)
        assert again["type"] == "error" and again["code"] == "unauthenticated" and again["message"] == CODE_REFUSAL
        ok = await RawClient.connect(ws_url(srv), None, token=welcome["token"])     # the session goes on
        assert ok.welcome["type"] == "welcome"
        await ok.close()
        # an expired code, and a department's code whose welcome names its department
        srv.store.add_login_code(code_hash("ABCDEFGHJK"), "g19", time.time() - 1)
        assert (await hello(srv, code="ABCDEFGHJK"))["message"] == CODE_REFUSAL
        dept_code, _, _ = login_code(url, "police1", 120)
        w = await hello(srv, code=dept_code)
        assert w["role"] == "department" and w["department"] == "police"
        # guessing is held back: after 5 failures from this network even a right code waits
        assert (await hello(srv, code="WRONGWRONG"))["message"] == CODE_REFUSAL
        right, _, _ = login_code(url, "g03", 600)
        assert (await hello(srv, code=right))["message"] == CODE_REFUSAL
        with Session(srv.store.engine) as s:
            rows = s.scalars(select(LoginCodeRow)).all()
            assert rows and all(code not in (r.code_hash, r.user) for r in rows)
            assert sum(1 for r in rows if r.used) == 3
        audit = [(a["user"], a["action"], a["detail"]) for a in srv.store.audit_rows(50)]
        assert ("w01", "login", "field (one-time code)") in audit
        assert any(a == "login.failed" and "code" in d for _u, a, d in audit)
        assert any(a == "login.throttled" and "login code" in d for _u, a, d in audit)
        assert any(a == "admin.user.code" and d.startswith("w01 until") for _u, a, d in audit)
    finally:
        await srv.stop()
    png, svg = tmp_path / "w01.png", tmp_path / "w01.svg"
    assert main(["user", "code", "e01", "--ttl", "15m", "--url", "http://192.0.2.1:8765/", "--png", str(png),
                 "--svg", str(svg), "--db", url]) == 0
    out = capsys.readouterr().out
    assert "one-time login for e01 (field, squad E01)" in out and "http://192.0.2.1:8765/m/#code=" in out
    assert "█" in out or "▀" in out                                  # the QR code in the terminal
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and b"<svg" in svg.read_bytes()
    assert main(["user", "code", "nobody", "--db", url]) == 2
    assert main(["user", "code", "e01", "--ttl", "10y", "--db", url]) == 2


def test_a_code_for_the_demo_links_to_the_running_cockpits_embedded_server(tmp_path, capsys):
    """`user code` on the demo's database with no --url: the link is the address where the
    running cockpit's embedded server listens (its server.json), not port 8765 where nothing does."""
    import os
    url = make_db(tmp_path)
    info = tmp_path / "server.json"
    info.write_text(json.dumps({"url": "ws://127.0.0.1:40123/ws", "tokens": {}, "pid": os.getpid()}))
    assert main(["user", "code", "e01", "--no-qr", "--db", url]) == 0
    assert "http://127.0.0.1:40123/m/#code=" in capsys.readouterr().out
    info.write_text(json.dumps({"url": "ws://127.0.0.1:40123/ws", "tokens": {}, "pid": 2 ** 22 + 7}))  # it ended
    assert main(["user", "code", "e01", "--no-qr", "--db", url]) == 0
    assert "http://127.0.0.1:8765/m/#code=" in capsys.readouterr().out


# ---- the 1-8-1-24 profile's first feedback ---------------------------------------------

def test_the_first_feedback_of_1_8_1_24_is_a_progress_report_not_resolution():
    w = World()
    op, field = Actor("op", "operator"), Actor("w", "field", "W01")
    w.run(Actor("lead", "leader"), "sla.set", {"profile": "1-8-1-24"})
    w.run(op, "case.report", {"title": "噪音", "category": "dispute", "source": "12345", "priority": 2,
                              "location": {"address": AT_G03}}, advance=0)
    cid = max(w.state["cases"])
    w.run(op, "case.dispatch", {"case_id": cid, "team_id": "W01"}, advance=30)
    w.run(field, "case.sign", {"case_id": cid}, advance=30)
    w.run(field, "case.progress", {"case_id": cid, "note": "路上堵车，预计十分钟到"}, advance=60)
    case = w.state["cases"][cid]
    stages = {c.key: c.state for c in case_clock(case, PROFILES["1-8-1-24"], w.now)}
    assert stages["feedback"] == "met" and stages["arrive"] == "on_time"   # progress is no arrival
    assert case["status"] == "signed" and "progress" in case["times"]
    # without a progress report, the feedback (resolution) counts as the first feedback
    w.run(op, "case.report", {"title": "噪音2", "category": "dispute", "source": "12345", "priority": 2,
                              "location": {"address": AT_G03}}, advance=0)
    c2 = max(w.state["cases"])
    for name, args in (("case.dispatch", {"team_id": "W01"}), ("case.sign", {}), ("case.arrive", {}),
                       ("case.feedback", {"note": "ok"})):
        w.run(op if name == "case.dispatch" else field, name, {"case_id": c2, **args}, advance=30)
    stages = {c.key: c.state for c in case_clock(w.state["cases"][c2], PROFILES["1-8-1-24"], w.now)}
    assert stages["feedback"] == "met"


# ---- a department's feedback with evidence ----------------------------------------------

async def test_a_department_feeds_back_with_a_photo_on_its_own_case_only(tmp_path):
    from client.files import FileClient, FileError

    from . import evidence_files as ef
    url = make_db(tmp_path)
    bound_users(url)
    srv = XiaonaoServer(url, "127.0.0.1", 0, data_dir=str(tmp_path / "files"))
    await srv.start()
    try:
        op = await RawClient.connect(ws_url(srv), "op")
        await op.recv()
        await op.command("case.report", report("A", PHONE_A, AT_G19))
        ca = max(srv.hub.state["cases"])
        await op.command("case.report", report("B", PHONE_B, AT_G03))
        cb = max(srv.hub.state["cases"])
        await op.command("case.transfer", {"case_id": ca, "to": "police"})
        await op.command("case.transfer", {"case_id": cb, "to": "market"})
        clients = {}
        for name in ("police1", "market1", "g19"):
            c = await RawClient.connect(ws_url(srv), name)
            await c.recv()
            clients[name] = (c, FileClient(ws_url(srv), c.welcome["token"]))
        police, police_files = clients["police1"]
        meta = await police_files.upload(ef.jpeg(colour=(10, 120, 10)), case_id=ca)
        with pytest.raises(FileError) as e:                        # another department's case
            await clients["market1"][1].upload(ef.jpeg(colour=(1, 1, 1)), case_id=ca)
        assert e.value.status == 403 and "not transferred to your department" in e.value.message
        for name, args in (("case.dept_sign", {}), ("case.attach", {"attachment": meta["id"], "label": "after"}),
                           ("case.feedback", {"note": "已整改"})):
            ans, _ = await police.command(name, {"case_id": ca, **args})
            assert ans["type"] == "ack", (name, ans)
        case = srv.hub.state["cases"][ca]
        assert case["status"] == "resolved" and [a["label"] for a in case["attachments"]] == ["after"]
        # the department and the case's community see the photo; another department does not
        assert len(await police_files.fetch(meta["id"], case_id=ca)) > 100
        assert len(await clients["g19"][1].fetch(meta["id"], case_id=ca)) > 100
        with pytest.raises(FileError) as e:
            await clients["market1"][1].fetch(meta["id"], case_id=ca)
        assert e.value.status == 403
        ans, _ = await clients["market1"][0].command("case.attach", {"case_id": ca, "attachment": meta["id"],
                                                                     "label": "after"})
        assert ans["code"] == "forbidden"
        for c, f in clients.values():
            await f.close()
            await c.close()
        await op.close()
    finally:
        await srv.stop()
