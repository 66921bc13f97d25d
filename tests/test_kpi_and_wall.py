"""KPIs from a known history, worked out by hand; the wall is read-only and recovers by itself."""
from __future__ import annotations

from datetime import datetime

import pytest

from models import kpi
from models.commands import ALL_COMMANDS

from .conftest import RawClient, make_db, ws_url
from .test_domain import OP, World

TODAY_8 = datetime.now().replace(hour=8, minute=0, second=0, microsecond=0).timestamp()


def at(w: World, t: float) -> None:
    w.now = t


def step(w, t, name, args, actor=OP):
    w.now = t
    return w.run(actor, name, args, advance=0)


def test_kpis_equal_figures_worked_out_by_hand():
    w = World()
    m = 60.0
    # yesterday: one case, closed yesterday: in no figure of today
    at(w, TODAY_8 - 23 * 3600)
    step(w, w.now, "case.report", {"title": "旧案", "category": "traffic", "source": "110", "priority": 3,
                                   "location": {"address": "杭海路10号"}})
    step(w, w.now + 30, "case.dispatch", {"case_id": "C000001", "team_id": "E01"})
    step(w, w.now + 100, "case.transfer", {"case_id": "C000001", "to": "traffic"})
    step(w, w.now + 100, "case.close", {"case_id": "C000001", "resolution": "ok"})
    # A 08:00: dispatched in 30 s, on scene at 5 min, closed on scene, rated 5 (squad W01)
    step(w, TODAY_8, "case.report", {"title": "A", "category": "dispute", "source": "110", "priority": 2,
                                     "location": {"address": "九和路1号"}})
    step(w, TODAY_8 + 30, "case.dispatch", {"case_id": "C000002", "team_id": "W01"})
    step(w, TODAY_8 + 60, "case.sign", {"case_id": "C000002"})
    step(w, TODAY_8 + 5 * m, "case.arrive", {"case_id": "C000002"})
    step(w, TODAY_8 + 9 * m, "case.close", {"case_id": "C000002", "resolution": "done"})
    step(w, TODAY_8 + 10 * m, "case.rate", {"case_id": "C000002", "rating": 5})
    # B 08:10: dispatched after 2 min (late), on scene after 15 min, transferred then closed, rated 2 (squad W02)
    b0 = TODAY_8 + 10 * m
    step(w, b0, "case.report", {"title": "B", "category": "market", "source": "12345", "priority": 3,
                                "location": {"address": "九和路2号"}, "business": "某培训学校"})
    step(w, b0 + 2 * m, "case.dispatch", {"case_id": "C000003", "team_id": "W02"})
    step(w, b0 + 3 * m, "case.sign", {"case_id": "C000003"})
    step(w, b0 + 15 * m, "case.arrive", {"case_id": "C000003"})
    step(w, b0 + 16 * m, "case.transfer", {"case_id": "C000003", "to": "market"})
    step(w, b0 + 20 * m, "case.close", {"case_id": "C000003", "resolution": "refunded"})
    step(w, b0 + 21 * m, "case.rate", {"case_id": "C000003", "rating": 2})
    # C 08:20: dispatched in 40 s, never contacted: overdue at 08:40 (3-minute contact stage)
    c0 = TODAY_8 + 20 * m
    step(w, c0, "case.report", {"title": "C", "category": "market", "source": "12345", "priority": 3,
                                "location": {"address": "九和路3号"}, "business": "某培训学校"})
    step(w, c0 + 40, "case.dispatch", {"case_id": "C000004", "team_id": "W03"})
    # D 08:30: still new at 08:40: overdue (1-minute dispatch stage)
    step(w, TODAY_8 + 30 * m, "case.report", {"title": "D", "category": "market", "source": "12345", "priority": 3,
                                              "location": {"address": "九和路4号"}, "business": "某培训学校"})
    now = TODAY_8 + 40 * m
    k = kpi.kpis(w.state, now)
    assert k["today"] == 4
    assert k["open"] == 2
    assert k["overdue"] == 2
    assert k["dispatch_in_sla"] == pytest.approx(2 / 3)      # A and C of A, B, C
    assert k["arrival_8min"] == pytest.approx(1 / 2)         # A of A, B
    assert k["on_scene_closure"] == pytest.approx(1 / 2)     # A of A, B closed today
    assert k["closure_rate"] == pytest.approx(2 / 4)
    assert k["satisfaction"] == pytest.approx(1 / 2)         # 5 yes, 2 no
    by_source = kpi.hourly_by_source(w.state, now)
    assert by_source["12345"][8] == 3 and by_source["110"][8] == 1
    rt = kpi.response_times(w.state, now)
    assert sorted(rt["dispatch"]) == [30, 40, 120] and sorted(rt["arrival"]) == [300, 900]
    rank = kpi.squad_ranking(w.state, now)
    # W01: 50*1 + 30*1 + 20*1/1 = 100; W02: 50*0 + 30*0 + 20*1/1 = 20
    assert rank[0]["team_id"] == "W01" and rank[0]["score"] == 100.0
    assert next(r for r in rank if r["team_id"] == "W02")["score"] == 20.0
    warnings = kpi.early_warnings(w.state, now)
    assert len(warnings) == 1 and warnings[0]["key"] == "某培训学校" and warnings[0]["count"] == 3
    trend = kpi.trend(w.state, now)
    assert trend[-1][1:] == (4, 2) and trend[-2][1:] == (1, 1)


async def test_a_wall_session_cannot_issue_any_command(server):
    wall = await RawClient.connect(ws_url(server), "wall")
    assert wall.welcome["role"] == "wall"
    await wall.recv()
    head = server.hub.head
    for name in sorted(ALL_COMMANDS):
        err, _ = await wall.command(name, {"case_id": "C000001", "team_id": "W01", "title": "x"})
        assert err["type"] == "error" and err["code"] == "forbidden", name
    assert server.hub.head == head
    await wall.close()


@pytest.mark.subprocess
@pytest.mark.slow
def test_wall_mode_comes_back_by_itself_after_a_server_restart(qtbot, qapp, tmp_path):
    from app.wall import WallWindow
    from client.qtlink import LinkService
    from models.qt.room import RoomState

    from .helpers import ServerProcess
    from .qtasync import QtLoop
    loop = QtLoop(qapp)
    url = make_db(tmp_path)
    srv = ServerProcess(url).start()
    try:
        link = LinkService(srv.url, "wall", "wall-password", cache_path=tmp_path / "wall-cache.db")
        room = RoomState()
        room.attach(link)
        win = WallWindow(room, link, scale=1.0, rotate_s=0.2)
        qtbot.addWidget(win)
        win.show()
        link.start()
        loop.wait(lambda: link.status.state == "online", what="online")
        pages = set()
        loop.wait(lambda: pages.add(win.pages.currentIndex()) or len(pages) == 3, what="pages rotate")
        srv.kill9()
        loop.wait(lambda: link.status.state == "reconnecting", what="noticed the outage")
        assert "Offline since" in win.link_indicator.text()
        srv.start()
        async def report():
            c = await RawClient.connect(srv.url, "intake")
            await c.recv()
            await c.command("case.report", {"title": "重启后", "category": "traffic", "source": "video", "priority": 1,
                                            "location": {"address": "杭海路368号"}})
            await c.close()
        loop.run(report())
        loop.wait(lambda: link.status.state == "online" and len(room.state["cases"]) == 1, what="back and current")
        loop.pump(0.2)
        assert "Online" in win.link_indicator.text()
        assert win.findChildren(type(win.banner))[0].ack.isHidden()     # nothing on the wall needs a click
        win.close()
        loop.run(link.shutdown())
    finally:
        srv.stop()
        loop.close()


def test_figures_from_the_working_set_equal_figures_from_the_whole_state():
    from bench.synth import synth_state
    st = synth_state(5000, open_fraction=0.05)
    import time as _t
    now = _t.time()
    ws = kpi.working_set(st, now)
    assert len(ws["cases"]) < len(st["cases"])
    assert kpi.kpis(ws, now) == kpi.kpis(st, now)
    assert kpi.trend(ws, now) == kpi.trend(st, now)
    assert kpi.squad_ranking(ws, now) == kpi.squad_ranking(st, now)
    assert kpi.early_warnings(ws, now) == kpi.early_warnings(st, now)
    assert kpi.hourly_by_source(ws, now) == kpi.hourly_by_source(st, now)
    # today's figures, refreshed every second, need only open cases and today's
    day = kpi.working_set(st, now, 0, ids=ws["cases"])
    assert len(day["cases"]) < len(ws["cases"])
    for f in (kpi.kpis, kpi.hourly_by_source, kpi.response_times, kpi.category_counts):
        assert f(day, now) == f(st, now)
