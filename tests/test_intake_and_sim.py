"""Intake from other systems and the simulated day."""
from __future__ import annotations

import asyncio
import collections
from datetime import datetime
from pathlib import Path

import pytest

from models.commands import Actor
from models.rating import source_of
from models.sla import LATE, PROFILES, case_sla
from server.app import XiaonaoServer
from server.simulator import SimClock, Simulator

from .conftest import RawClient, make_db, ws_url
from .helpers import server_cli, until

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "hotline-12345.csv"


def run_cli(*args, stdin=None):
    """`xiaonao-server ARGS` in this process (tests.helpers.server_cli: the same parsing and
    output, without a second of a process's start-up and imports)."""
    return server_cli(*args, stdin=stdin)


def test_import_rejects_bad_rows_with_reasons_and_loads_the_good(tmp_path):
    url = make_db(tmp_path)
    r = run_cli("import", str(EXAMPLE), "--db", url)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "row 6: rejected: 'priority' must be 1 (most urgent) to 4" in out
    assert "row 7: rejected: 'address' is required" in out
    assert "loaded 4 case(s) (C000001 to C000004); rejected 2 row(s)" in out
    # importing the same file again reports nothing twice
    again = run_cli("import", str(EXAMPLE), "--db", url)
    assert "loaded 4 case(s) (C000001 to C000004)" in again.stdout
    jl = tmp_path / "cases.jsonl"
    jl.write_text('{"title": "烟感报警", "category": "fire", "source": "sensor", "priority": 1, '
                  '"location": {"address": "九堡大道501号"}}\nnot json\n{"title": "x", "category": "alien", '
                  '"location": {"address": "九和路1号"}}\n', encoding="utf-8")
    r = run_cli("import", str(jl), "--db", url)
    assert "row 2: rejected: not valid JSON" in r.stdout
    assert "row 3: rejected: 'category' must be one of" in r.stdout
    assert "loaded 1 case(s) (C000005 to C000005)" in r.stdout


async def test_imported_cases_are_translated_and_resolved(tmp_path):
    url = make_db(tmp_path)
    assert (await asyncio.to_thread(run_cli, "import", str(EXAMPLE), "--db", url)).returncode == 0
    srv = XiaonaoServer(url, "127.0.0.1", 0)
    await srv.start()
    try:
        c = await RawClient.connect(ws_url(srv), "op")
        snap = await c.recv()
        cases = {x["id"]: x for x in snap["state"]["cases"]}
        school = cases["C000002"]
        assert school["category"] == "market" and school["business"] == "启航教育培训学校"
        assert school["location"]["grid"] and school["reporter"]["phone"] == "13900002222"
        await c.close()
    finally:
        await srv.stop()


async def test_intake_account_reports_over_the_protocol(server):
    c = await RawClient.connect(ws_url(server), "intake")
    await c.recv()
    ack, seen = await c.command("case.report", {"title": "AI识别：占道经营", "category": "city_management",
                                                "source": "video", "priority": 3,
                                                "location": {"address": "九堡农贸市场"}})
    # an intake account's view (docs/protocol.md, Views): its own case, whole, as it now is
    assert ack["type"] == "ack" and seen[0]["name"] == "view.update"
    assert seen[0]["data"]["cases"][0]["location"]["grid"]
    await c.close()


async def simulate_day(tmp_path, seed, hours: float = 24.0, marks: tuple[float, ...] = ()):
    """A day (or its first `hours`) simulated from midnight, the residents' rating links on
    (the server's, as `serve --simulate` has them); `marks`: hours after which the state is
    copied too (in the returned dict of copies). The simulator's `audit` is the audit log's
    rows at the end."""
    import copy
    tmp_path.mkdir(parents=True, exist_ok=True)
    url = make_db(tmp_path)
    start = datetime(2026, 11, 23, 0, 0).timestamp()
    clock = SimClock(start)
    clock.manual = start
    srv = XiaonaoServer(url, "127.0.0.1", 0, clock=clock, data_dir=str(tmp_path / "files"))
    await srv.start()
    sim = Simulator(srv.hub, seed=seed, clock=clock, resident=srv.resident)
    copies = {}
    for h in sorted(marks):
        await sim.run_until(start + h * 3600)
        copies[h] = copy.deepcopy(srv.hub.state["cases"])
    await sim.run_until(start + hours * 3600)
    state = srv.hub.state
    sim.audit = await srv.hub.run_db(srv.store.audit_rows, 2000)
    await srv.stop()
    sim.copies = copies
    return state, start + hours * 3600, sim


@pytest.mark.slow
async def test_a_simulated_day_has_the_expected_shape(tmp_path):
    state, end, sim = await simulate_day(tmp_path / "a", seed=3, marks=(10.0,))
    cases = list(state["cases"].values())
    assert 300 <= len(cases) <= 600                         # a busy street's day
    src = collections.Counter(c["source"] for c in cases)
    assert src.most_common(1)[0][0] in ("12345", "grid") and set(src) >= {"110", "12345", "grid", "video", "patrol"}
    assert len({c["category"] for c in cases}) >= 8
    closed = sum(c["status"] == "closed" for c in cases)
    assert closed / len(cases) > 0.9
    lights = collections.Counter(case_sla(c, PROFILES["1310"], end)[0] for c in cases)
    assert 0 < lights[LATE] < len(cases) * 0.3              # some deadlines are missed, most are not
    by_hour = collections.Counter(datetime.fromisoformat(c["times"]["reported"][:-1] + "+00:00")
                                  .astimezone().hour for c in cases)
    assert sum(by_hour[h] for h in range(2, 5)) * 3 < sum(by_hour[h] for h in range(17, 20))  # night is quiet
    assert any(c.get("rating") for c in cases) and any(c.get("business") for c in cases)
    assert sim.counts.get("radio.emergency", 0) >= 1 and sim.counts.get("mode.set", 0) == 2
    # the simulator worked as roles, through commands: its actors are in every timeline
    actors = {e["actor"] for c in cases for e in c["timeline"]}
    assert "sim-operator" in actors and any(a.startswith("field-") for a in actors)
    assert any(a.startswith("intake-") for a in actors)
    # satisfaction comes from the room's workflows (one simulated day serves both: it was a
    # test of its own in tests/test_resident_rating.py, 8 more simulated hours): squads show
    # the residents' code and residents rate by it, the others are called back; never case.rate
    sources = {source_of(c) for c in cases if c.get("rating") is not None}
    assert sources == {"resident", "callback"}, sources
    assert sim.counts.get("case.rate", 0) == 0 and sim.counts.get("case.callback", 0) > 5
    assert sim.counts.get("resident_rate.thanks", 0) > 2 and sim.counts.get("rating_link", 0) > 2
    # some residents never scan: their cases are called back like the others
    assert any(c.get("rating_link") and source_of(c) == "callback" for c in cases) or \
        any(c.get("rating_link") and c.get("rating") is None for c in cases)
    assert any(r["action"] == "rating.used" and r["peer"] == "simulator" for r in sim.audit)
    # the same seed gives the same day (its first ten hours, with the morning's peak)
    again, _end, _ = await simulate_day(tmp_path / "b", seed=3, hours=10.0)
    assert len(again["cases"]) > 50 and again["cases"] == sim.copies[10.0]


@pytest.mark.subprocess
async def test_serve_simulate_runs_a_live_street(tmp_path):
    """`xiaonao-server serve --simulate --speed 120`: cases arrive and move on by themselves."""
    import asyncio

    from .helpers import ServerProcess
    url = make_db(tmp_path)
    srv = await asyncio.to_thread(ServerProcess(url, extra=["--simulate", "--speed", "120", "--seed", "4"]).start)
    try:
        c = await RawClient.connect(srv.url, "wall")
        await c.recv()
        names = set()
        deadline = asyncio.get_running_loop().time() + 40
        while not {"case.reported", "case.dispatched", "case.arrived"} <= names:
            assert asyncio.get_running_loop().time() < deadline, names
            m = await c.recv(timeout=30)
            if m["type"] == "event":
                names.add(m["name"])
                assert m["actor"] != "wall"
        await c.close()
    finally:
        srv.stop()


async def test_the_simulator_leaves_a_squad_with_a_terminal_online_to_its_person(tmp_path):
    """With a squad member's terminal online, the simulator does not sign or arrive for that
    squad (the stamps are the person's); the other squads go on being simulated, and once
    the terminal goes away the squad's cases are simulated again."""
    url = make_db(tmp_path)
    start = datetime(2026, 11, 23, 8, 0).timestamp()
    clock = SimClock(start)
    clock.manual = start
    srv = XiaonaoServer(url, "127.0.0.1", 0, clock=clock)
    await srv.start()
    try:
        phone = await RawClient.connect(ws_url(srv), "w01")
        await phone.recv()
        await until(lambda: (srv.hub.state["teams"]["W01"].get("terminal") or {}).get("online"), what="presence")
        sim = Simulator(srv.hub, seed=5, clock=clock)
        await sim.run_until(start + 3 * 3600)
        cases = list(srv.hub.state["cases"].values())
        mine = [c for c in cases if c.get("team_id") == "W01"]
        others = [c for c in cases if c.get("team_id") not in (None, "W01")]
        assert mine, "the simulator dispatched to W01 too (its terminal is one more squad to the room)"
        stamped = {e["name"] for c in mine for e in c["timeline"] if e.get("actor") == "field-W01"}
        assert not stamped & {"case.signed", "case.contacted", "case.arrived", "case.feedback"}
        assert any(c["status"] == "closed" for c in others)          # the rest of the street goes on
        await phone.close()
        await until(lambda: not (srv.hub.state["teams"]["W01"].get("terminal") or {}).get("online"),
                    what="the terminal gone")
        await sim.run_until(start + 5 * 3600)
        assert any(e.get("actor") == "field-W01" and e["name"] == "case.signed"
                   for c in srv.hub.state["cases"].values() if c.get("team_id") == "W01" for e in c["timeline"])
    finally:
        await srv.stop()


async def test_a_case_the_room_dispatched_itself_gets_a_squad_that_answers(tmp_path):
    """Trying the demo, a user reports and dispatches a case: the squad signs, calls, arrives
    and feeds back as the simulator's own do; accepting, dispatching and closing stay the user's."""
    url = make_db(tmp_path)
    start = datetime(2026, 11, 23, 9, 0).timestamp()
    clock = SimClock(start)
    clock.manual = start
    srv = XiaonaoServer(url, "127.0.0.1", 0, clock=clock)
    await srv.start()
    try:
        sim = Simulator(srv.hub, seed=3, clock=clock, cases_per_day=0.001)
        await sim.run_until(start + 60)          # the simulator runs (cases open when it starts are its own)
        op = Actor("op", "operator")
        before = set(srv.hub.state["cases"])
        await srv.hub.execute(op, "case.report", {
            "title": "楼道堆物", "category": "city_management", "source": "walk_in", "priority": 3,
            "location": {"address": "九和路120号"}})
        (cid,) = set(srv.hub.state["cases"]) - before
        await sim.run_until(start + 600)
        assert srv.hub.state["cases"][cid]["status"] == "new"          # the room's own step: not taken
        await srv.hub.execute(op, "case.accept", {"case_id": cid})
        await srv.hub.execute(op, "case.dispatch", {"case_id": cid, "team_id": "W01"})
        await sim.run_until(start + 3 * 3600)
        case = srv.hub.state["cases"][cid]
        assert case["status"] == "resolved", case["status"]            # fed back: closing is the room's
        names = [e["name"] for e in case["timeline"] if e.get("actor") == "field-W01"]
        assert names[:3] == ["case.signed", "case.contacted", "case.arrived"] and "case.feedback" in names
    finally:
        await srv.stop()
