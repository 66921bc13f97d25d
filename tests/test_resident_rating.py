"""Residents rate through a one-time link or QR code (扫码打分): the rules (decide + apply), the
link through the real server, the resident's page over real HTTP, and what the room sees."""
from __future__ import annotations

import asyncio
import json
import re
from urllib.parse import urlencode

import pytest

from models import kpi
from models.callback import awaiting
from models.commands import Actor, CommandError, allowed_case_commands, decide
from models.rating import RULES, link_state, source_of
from models.timeutil import iso
from server.views import View

from .conftest import BOTH_BACKENDS, RawClient, ws_url
from .helpers import Clock
from .test_domain import OP, World, report

FIELD = Actor("w01", "field", "W01")
OTHER_SQUAD = Actor("e01", "field", "E01")
RESIDENT = Actor("resident", "resident")


class TimedWorld(World):
    """The domain's world with the server's clock handed to decide (links expire)."""

    def run(self, actor, name, args, advance=10.0):
        self.now += advance
        for ev_name, data in decide(self.state, actor, name, args, now=self.now):
            self._append(ev_name, data, actor.name)
        return self.state["seq"]


def fed_back(w, phone="13812345678"):
    cid = report(w, reporter={"name": "王女士", "phone": phone})
    for name, args in [("case.dispatch", {"team_id": "W01"}), ("case.sign", {}), ("case.arrive", {})]:
        w.run(OP, name, {"case_id": cid, **args})
    w.run(FIELD, "case.feedback", {"case_id": cid, "note": "已调解"})
    return cid


def test_a_link_is_made_once_after_feedback_and_rates_once():
    w = TimedWorld()
    cid = report(w)
    with pytest.raises(CommandError) as e:              # not handled yet
        w.run(OP, "case.rating_link", {"case_id": cid})
    assert e.value.code == "conflict"
    cid = fed_back(w)
    with pytest.raises(CommandError) as e:              # another squad's case
        w.run(OTHER_SQUAD, "case.rating_link", {"case_id": cid})
    assert e.value.code == "forbidden"
    assert "case.rating_link" in allowed_case_commands(w.state["cases"][cid], "field")
    seq = w.run(FIELD, "case.rating_link", {"case_id": cid})
    case = w.state["cases"][cid]
    assert case["rating_link"]["seq"] == seq and link_state(case, w.now) == "active"
    assert case["timeline"][-1]["name"] == "case.rating_link_issued" and case["timeline"][-1]["by_role"] == "field"
    # asked again while it works: the same link, nothing appended
    assert w.run(OP, "case.rating_link", {"case_id": cid}) == seq
    # staff accounts cannot rate in the resident's name
    for actor in (OP, Actor("lead", "leader"), Actor("admin", "admin"), FIELD):
        with pytest.raises(CommandError) as e:
            w.run(actor, "case.resident_rate", {"case_id": cid, "link": seq, "rating": 5})
        assert e.value.code == "forbidden"
    with pytest.raises(CommandError) as e:
        w.run(RESIDENT, "case.resident_rate", {"case_id": cid, "link": seq, "rating": 6})
    assert e.value.field == "rating"
    with pytest.raises(CommandError) as e:
        w.run(RESIDENT, "case.resident_rate", {"case_id": cid, "link": seq + 1, "rating": 4})
    assert e.value.code == "conflict" and e.value.field == "link"
    w.run(RESIDENT, "case.resident_rate", {"case_id": cid, "link": seq, "rating": 4, "note": "处理及时"})
    case = w.state["cases"][cid]
    assert case["rating"] == 4 and source_of(case) == "resident" and case["notes"][-1]["kind"] == "resident"
    assert case["timeline"][-1]["name"] == "case.rated" and case["timeline"][-1]["source"] == "resident"
    with pytest.raises(CommandError) as e:               # it works once
        w.run(RESIDENT, "case.resident_rate", {"case_id": cid, "link": seq, "rating": 1})
    assert e.value.code == "conflict" and "already rated" in e.value.message
    assert case["rating"] == 4
    # once closed, the callback queue has nothing to call about
    w.run(OP, "case.close", {"case_id": cid, "resolution": "办结"})
    assert not awaiting(w.state["cases"][cid])
    assert "case.rating_link" not in allowed_case_commands(w.state["cases"][cid], "operator")


def test_a_link_expires_and_a_reopening_voids_it():
    w = TimedWorld()
    cid = fed_back(w)
    seq = w.run(FIELD, "case.rating_link", {"case_id": cid})
    w.now += RULES.link_hours * 3600
    assert link_state(w.state["cases"][cid], w.now) == "expired"
    with pytest.raises(CommandError) as e:
        w.run(RESIDENT, "case.resident_rate", {"case_id": cid, "link": seq, "rating": 5})
    assert e.value.code == "conflict" and "expired" in e.value.message
    # a new link replaces the expired one; the old one stays refused
    new = w.run(OP, "case.rating_link", {"case_id": cid})
    assert new != seq
    with pytest.raises(CommandError):
        w.run(RESIDENT, "case.resident_rate", {"case_id": cid, "link": seq, "rating": 5})
    w.run(OP, "case.close", {"case_id": cid, "resolution": "办结"})
    w.run(OP, "case.reopen", {"case_id": cid, "reason": "仍有噪音"})
    assert "rating_link" not in w.state["cases"][cid]
    with pytest.raises(CommandError) as e:
        w.run(RESIDENT, "case.resident_rate", {"case_id": cid, "link": new, "rating": 5})
    assert e.value.code == "conflict"


def test_a_callback_rating_first_makes_the_link_void_and_sources_are_told_apart():
    w = TimedWorld()
    a, b = fed_back(w), fed_back(w, phone="13900001111")
    la = w.run(FIELD, "case.rating_link", {"case_id": a})
    for cid in (a, b):
        w.run(OP, "case.close", {"case_id": cid, "resolution": "办结"})
    w.run(OP, "case.callback", {"case_id": a, "outcome": "reached", "rating": 5})
    with pytest.raises(CommandError) as e:
        w.run(RESIDENT, "case.resident_rate", {"case_id": a, "link": la, "rating": 2})
    assert "already rated" in e.value.message
    lb = w.run(OP, "case.rating_link", {"case_id": b})
    w.run(RESIDENT, "case.resident_rate", {"case_id": b, "link": lb, "rating": 2, "note": "太慢"})
    cases = w.state["cases"]
    assert (source_of(cases[a]), source_of(cases[b])) == ("callback", "resident")
    # both count in the satisfaction figure: one satisfied of two rated
    lo, hi = iso(w.now - 86400), iso(w.now + 60)
    assert kpi.period_kpis(w.state, lo, hi, w.now)["satisfaction"] == pytest.approx(0.5)


def test_the_wall_never_reads_the_residents_comment():
    w = TimedWorld()
    cid = fed_back(w)
    seq = w.run(FIELD, "case.rating_link", {"case_id": cid})
    w.run(RESIDENT, "case.resident_rate", {"case_id": cid, "link": seq, "rating": 3, "note": "王某某态度差"})
    wall = View("wall")
    ev = wall.event(w.log[-1], w.state)
    assert ev["data"]["rating"] == 3 and ev["data"]["note"] == ""
    shown = wall.case(w.state["cases"][cid])
    assert "王某某" not in json.dumps(shown, ensure_ascii=False)
    # the squad sees its own case's rating
    assert View("field", "W01").case(w.state["cases"][cid])["rating"] == 3


# ---- the real server and the resident's page over HTTP ------------------------------------

async def http(port, method, path, body=None, headers=None):
    """One HTTP/1.1 request to the server on loopback: (status, headers, text)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    data = body.encode() if isinstance(body, str) else (body or b"")
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", f"Content-Length: {len(data)}"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    top, _, text = raw.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    hdrs = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), hdrs, text.decode("utf-8")


def form(**kw):
    return urlencode(kw), {"Content-Type": "application/x-www-form-urlencoded"}


async def fed_back_on_server(op, field, phone="13812345678", address="九和路120号"):
    ans, seen = await op.command("case.report", {"title": "楼上装修噪音", "category": "dispute", "source": "12345",
                                              "priority": 3, "location": {"address": address},
                                              "reporter": {"name": "王女士", "phone": phone}})
    seq = ans["seq"]
    while not any(m.get("seq") == seq for m in seen):
        seen.append(await op.recv())
    cid = next(m for m in seen if m.get("seq") == seq)["data"]["case_id"]
    for name, args in [("case.dispatch", {"team_id": "W01"})]:
        assert (await op.command(name, {"case_id": cid, **args}))[0]["type"] == "ack"
    for name, args in [("case.sign", {}), ("case.arrive", {}), ("case.feedback", {"note": "已调解"})]:
        assert (await field.command(name, {"case_id": cid, **args}))[0]["type"] == "ack"
    return cid


async def ask_link(client, cid, qid="q1"):
    await client.ws.send(json.dumps({"type": "query.rating_link", "id": qid, "case_id": cid}))
    while True:
        m = await client.recv()
        if m.get("id") == qid and m.get("type") in ("query.result", "error"):
            return m


async def test_the_resident_rates_once_through_the_page_and_the_room_sees_it(server):
    op = await RawClient.connect(ws_url(server), "op")
    field = await RawClient.connect(ws_url(server), "w01")
    other = await RawClient.connect(ws_url(server), "e01")
    wall = await RawClient.connect(ws_url(server), "wall")
    try:
        cid = await fed_back_on_server(op, field)
        refused = await ask_link(other, cid)
        assert refused["type"] == "error" and refused["code"] == "forbidden"
        ans = await ask_link(field, cid)
        assert ans["type"] == "query.result", ans
        link = ans["data"]
        assert link["case_id"] == cid and link["new"] and link["svg"].startswith("data:image/svg+xml")
        assert re.fullmatch(rf"http://127\.0\.0\.1:{server.port}/r/{cid}-[0-9a-z]+-[a-z2-7]{{16}}", link["url"])
        again = (await ask_link(op, cid, "q2"))["data"]
        assert again["token"] == link["token"] and not again["new"]       # the same link, shown again
        path = link["url"].split(str(server.port), 1)[1]
        # the page: the case's title and day, nothing personal; Chinese first
        status, hdrs, page = await http(server.port, "GET", path)
        assert status == 200 and "楼上装修噪音" in page and "您对这次处置满意吗" in page
        assert "13812345678" not in page and "王女士" not in page and "九和路" not in page and "已调解" not in page
        assert "default-src 'none'" in hdrs["content-security-policy"] and hdrs["cache-control"] == "no-store"
        status, _h, en = await http(server.port, "GET", path + "?lang=en")
        assert status == 200 and "Were you satisfied" in en and 'lang="en"' in en
        # a rating out of range is refused in words and the form is shown again
        body, h = form(rating="9", note="", lang="zh_CN")
        status, _h, page = await http(server.port, "POST", path, body, h)
        assert status == 422 and "请点 1 到 5 星" in page and server.hub.state["cases"][cid]["rating"] is None
        body, h = form(rating="4", note="处理及时，谢谢", lang="zh_CN")
        status, hdrs, _ = await http(server.port, "POST", path, body, h)
        assert status == 303 and hdrs["location"].startswith(path + "?thanks=1")
        case = server.hub.state["cases"][cid]          # durable before the answer
        assert case["rating"] == 4 and case["rating_source"] == "resident"
        status, _h, page = await http(server.port, "GET", hdrs["location"])
        assert status == 200 and "谢谢您的评价" in page and "★★★★☆" in page
        # the second use says it was already rated, and changes nothing
        body, h = form(rating="1", note="", lang="en")
        status, _h, page = await http(server.port, "POST", path, body, h)
        assert status == 409 and "already has a rating" in page
        assert server.hub.state["cases"][cid]["rating"] == 4
        # the room sees the rating as an event, marked as the resident's; the wall without the comment
        while True:
            m = await op.recv()
            if m.get("name") == "case.rated":
                break
        assert m["data"]["source"] == "resident" and m["data"]["note"] == "处理及时，谢谢" and m["actor"] == "resident"
        while True:
            w = await wall.recv()
            if w.get("name") == "case.rated":
                break
        assert w["data"]["rating"] == 4 and w["data"]["note"] == ""
        # audited: made, shown again, used, refused
        rows = await server.hub.run_db(server.store.audit_rows, 50)
        actions = [(r["action"], r["detail"]) for r in rows if r["action"].startswith("rating.")]
        assert any(a == "rating.link" and "made" in d for a, d in actions)
        assert any(a == "rating.link" and "shown again" in d for a, d in actions)
        assert any(a == "rating.used" and "rated 4" in d for a, d in actions)
        assert any(a == "rating.refused" and "rated" in d for a, d in actions)
    finally:
        for c in (op, field, other, wall):
            await c.close()


async def test_forged_expired_and_void_links_get_clear_pages(db_url, tmp_path):
    from server.app import XiaonaoServer
    clock = Clock()
    srv = XiaonaoServer(db_url, "127.0.0.1", 0, data_dir=str(tmp_path / "files"), clock=clock)
    await srv.start()
    op = await RawClient.connect(ws_url(srv), "op")
    field = await RawClient.connect(ws_url(srv), "w01")
    try:
        cid = await fed_back_on_server(op, field)
        link = (await ask_link(field, cid))["data"]
        path = "/r/" + link["token"]
        forged = path[:-4] + ("aaaa" if not path.endswith("aaaa") else "bbbb")
        status, _h, page = await http(srv.port, "GET", forged)
        assert status == 404 and "二维码无效" in page
        status, _h, page = await http(srv.port, "GET", "/r/C000001-1-abc")
        assert status == 404 and "二维码无效" in page
        clock.advance(RULES.link_hours * 3600 + 1)
        status, _h, page = await http(srv.port, "GET", path + "?lang=en")
        assert status == 410 and "has expired" in page
        body, h = form(rating="5")
        status, _h, page = await http(srv.port, "POST", path, body, h)
        assert status == 410 and srv.hub.state["cases"][cid]["rating"] is None
        # a new link; the room reopens the case before the resident uses it: void
        fresh = (await ask_link(op, cid, "q3"))["data"]
        assert fresh["token"] != link["token"]
        assert (await op.command("case.close", {"case_id": cid, "resolution": "办结"}))[0]["type"] == "ack"
        assert (await op.command("case.reopen", {"case_id": cid, "reason": "居民反映仍有噪音"}))[0]["type"] == "ack"
        status, _h, page = await http(srv.port, "GET", "/r/" + fresh["token"])
        assert status == 410 and "不再有效" in page
        rows = await srv.hub.run_db(srv.store.audit_rows, 50)
        details = [r["detail"] for r in rows if r["action"] == "rating.refused"]
        assert any("forged" in d for d in details) and any("expired" in d for d in details)
        assert any("void" in d for d in details)
    finally:
        await op.close()
        await field.close()
        await srv.stop()


async def test_the_page_is_rate_limited_per_network(server):
    status = 0
    for _ in range(RULES.per_network_burst + 5):
        status, hdrs, page = await http(server.port, "GET", "/r/C000001-1-aaaaaaaaaaaaaaaa")
        if status == 429:
            break
    assert status == 429 and hdrs["retry-after"] == "60" and "请求太频繁" in page
    # the room's own endpoints are not slowed by it
    status, _h, _t = await http(server.port, "GET", "/healthz")
    assert status == 200


def test_the_report_says_how_cases_were_rated():
    from datetime import datetime, timezone

    from models.reports import build_report
    w = TimedWorld()
    a, b, c = fed_back(w), fed_back(w, phone="13900001111"), fed_back(w, phone="13700002222")
    la = w.run(FIELD, "case.rating_link", {"case_id": a})
    w.run(RESIDENT, "case.resident_rate", {"case_id": a, "link": la, "rating": 5})
    for cid in (a, b, c):
        w.run(OP, "case.close", {"case_id": cid, "resolution": "办结"})
    w.run(OP, "case.callback", {"case_id": b, "outcome": "reached", "rating": 2, "follow_up": "supervise",
                                "note": "太慢"})
    w.run(OP, "case.rate", {"case_id": c, "rating": 4})
    day = datetime.fromtimestamp(w.now, timezone.utc).astimezone().date()
    for lang, want in (("en", ["Resident's QR code (扫码打分)", "Callback (回访)", "Entered by the room"]),
                       ("zh_CN", ["居民扫码评价", "回访", "指挥中心录入"])):
        report = build_report("daily", w.state, day, lang, now=w.now + 60, generated=w.now + 60)
        table = next(t for t in report.tables if t.key == "satisfaction")
        rows = {r[0]: r[1:] for r in table.rows}
        assert list(rows) == want
        assert [rows[k][0] for k in want] == [1, 1, 1]
        assert [rows[k][2] for k in want] == [1.0, 0.0, 1.0]


# The simulator rates by callback and by the residents' code: checked on the simulated day
# (tests/test_intake_and_sim.py: test_a_simulated_day_has_the_expected_shape), which plays with
# the residents' links on; a second simulation of 8 hours here cost ~6 s of CPU.


@pytest.mark.parametrize("backend", BOTH_BACKENDS)
async def test_a_link_survives_a_restart_and_each_role_gets_what_it_may(db_url, tmp_path, backend):
    """The secret is the database's: a link made before a restart still opens, on SQLite and
    PostgreSQL. Who may make a link, tick a checklist and edit a guide, role by role, through
    the real server."""
    from server.app import XiaonaoServer
    srv = XiaonaoServer(db_url, "127.0.0.1", 0, data_dir=str(tmp_path / "files"))
    await srv.start()
    try:
        op = await RawClient.connect(ws_url(srv), "op")
        field = await RawClient.connect(ws_url(srv), "w01")
        cid = await fed_back_on_server(op, field)
        token = (await ask_link(field, cid))["data"]["token"]
        guide = {"guide": "先疏散。", "items": [{"zh": "疏散周边人员"}]}
        want = {"op": ("ok", "forbidden"), "lead": ("ok", "forbidden"), "admin": ("ok", "ok"),
                "w01": ("ok", "forbidden"), "e01": ("forbidden", "forbidden"), "wall": ("forbidden", "forbidden"),
                "intake": ("forbidden", "forbidden")}
        for user, (link_ok, guide_ok) in want.items():
            c = await RawClient.connect(ws_url(srv), user)
            try:
                ans = await ask_link(c, cid, f"q-{user}")
                got_link = "ok" if ans["type"] == "query.result" else ans["code"]
                ans, _ = await c.command("guidance.set", {"category": "fire", "guide": guide})
                got_guide = "ok" if ans["type"] == "ack" else ans["code"]
                if got_guide == "ok":                        # (once; the next would change nothing)
                    guide = {**guide, "guide": guide["guide"] + "再检查。"}
                ans, _ = await c.command("case.resident_rate", {"case_id": cid, "link": 1, "rating": 5})
                assert ans["type"] == "error" and ans["code"] == "forbidden", user
                assert (got_link, got_guide) == (link_ok, guide_ok), user
            finally:
                await c.close()
        await op.close()
        await field.close()
    finally:
        await srv.stop()
    again = XiaonaoServer(db_url, "127.0.0.1", 0, data_dir=str(tmp_path / "files"))
    await again.start()
    try:
        status, _h, page = await http(again.port, "GET", "/r/" + token)
        assert status == 200 and "楼上装修噪音" in page
        assert again.hub.state["guidance"]["fire"]["guide"] == "先疏散。"
        body, h = form(rating="3")
        status, _h, _ = await http(again.port, "POST", "/r/" + token, body, h)
        assert status == 303 and again.hub.state["cases"][cid]["rating"] == 3
    finally:
        await again.stop()
