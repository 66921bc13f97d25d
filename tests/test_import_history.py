"""Issue 13 item 14 (and issue 19's window): an import of a former system's cases carries
their history. A case closed there two years ago arrives closed as of then: the wall sees
it live, the archive finds it, and the server does not keep it in its window (a million
historical rows must not take a million cases' memory); an open one keeps its SLA clock
from the time it was reported there.
"""
from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timedelta, timezone

from models import protocol
from server.app import XiaonaoServer

from .conftest import RawClient, make_db, ws_url
from .test_import import run_cli

CHINA = timezone(timedelta(hours=8))


def local(days_ago: float) -> str:
    """A time as a 12345 export writes it: China's local time, no zone."""
    return (datetime.now(CHINA) - timedelta(days=days_ago)).strftime("%Y-%m-%d %H:%M:%S")


async def ask(c: RawClient, frame: str) -> dict:
    await c.ws.send(frame)
    while True:
        m = await c.recv(timeout=30)
        if m.get("type") in ("archive.result", "archive.case", "error") and m.get("id") is not None:
            return m


async def test_an_imported_two_year_old_closed_case_is_in_the_archive_not_the_window(tmp_path):
    url = make_db(tmp_path)
    srv = XiaonaoServer(url, "127.0.0.1", 0, data_dir=str(tmp_path / "files"))
    await srv.start()
    export = tmp_path / "former.csv"
    rows = [["标题", "类别", "来源", "优先级", "地址", "联系人", "联系电话", "状态", "受理时间", "办结时间", "办理结果"],
            ["老旧小区井盖缺失", "城市管理", "12345热线", "1", "九堡大道88号", "王女士", "13812345678",
             "已办结", local(731), local(730), "已更换井盖并回访"],
            ["楼道堆放杂物", "城管", "网格员", "3", "杭海路12号", "", "", "已办结", local(4), local(3), "已清理"],
            ["夜间施工噪音", "纠纷", "12345热线", "2", "九和路7号", "李先生", "13900001111", "处理中", local(5), "", ""],
            ["状态不明的行", "纠纷", "12345热线", "2", "九和路8号", "", "", "挂起", local(5), "", ""],
            ["办结却无时间", "纠纷", "12345热线", "2", "九和路9号", "", "", "已办结", local(5), "", ""]]
    export.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="gbk")
    # and a long history: 300 cases closed over the last three years, one file of JSON lines
    history = tmp_path / "history.jsonl"
    with open(history, "w", encoding="utf-8") as f:
        for i in range(300):
            f.write(json.dumps({"title": f"历史工单 第{i}号", "category": "environment", "source": "12345",
                                "priority": 3, "location": {"address": f"九环路{i}号"}, "status": "closed",
                                "reported_at": local(1100 - i * 3.5), "closed_at": local(1099 - i * 3.5),
                                "resolution": "已处理"}, ensure_ascii=False) + "\n")
    try:
        wall = await RawClient.connect(ws_url(srv), "wall")
        await wall.recv()
        op = await RawClient.connect(ws_url(srv), "op")
        await op.recv()
        r = await asyncio.to_thread(run_cli, "import", str(export), "--server", ws_url(srv), "--user", "intake",
                                    "--password-stdin", stdin="intake-password\n")
        assert r.returncode == 0, r.stderr
        assert "loaded 3 case(s)" in r.stdout and "rejected 2 row(s)" in r.stdout, r.stdout
        assert "row 5: rejected: unknown status" in r.stdout
        assert "row 6: rejected: a closed row needs the time it was closed" in r.stdout
        # the wall saw all three live, the old one closed, its resolution not shown
        seen = {}
        while len(seen) < 3:
            m = await wall.recv(timeout=30)
            if m.get("name") == "case.reported":
                seen[m["data"]["title"]] = m["data"]
        old_ev = seen["老旧小区井盖缺失"]
        assert old_ev["closed"]["resolution"] == "" and old_ev["reporter"]["phone"] == "138****5678"
        cases = {c["title"]: c for c in srv.hub.state["cases"].values()}
        # the case closed two years ago is not in the server's window; the recent ones are
        assert "老旧小区井盖缺失" not in cases
        assert cases["楼道堆放杂物"]["status"] == "closed"
        assert cases["夜间施工噪音"]["status"] == "new"
        reported = datetime.fromisoformat(cases["夜间施工噪音"]["times"]["reported"].replace("Z", "+00:00"))
        assert abs((datetime.now(timezone.utc) - reported) - timedelta(days=5)) < timedelta(minutes=5)
        old_id = old_ev["case_id"]
        # ... and the archive finds it, closed as of then, with its resolution (an operator sees it)
        m = await ask(op, protocol.archive_search("s", "老旧小区井盖"))
        assert [c["id"] for c in m["cases"]] == [old_id]
        m = await ask(op, protocol.archive_get("g", old_id))
        case = m["case"]
        assert case["status"] == "closed" and case["resolution"] == "已更换井盖并回访"
        closed = datetime.fromisoformat(case["times"]["closed"].replace("Z", "+00:00"))
        assert abs((datetime.now(timezone.utc) - closed) - timedelta(days=730)) < timedelta(minutes=5)
        # a cockpit connecting now gets the window without it
        fresh = await RawClient.connect(ws_url(srv), "op")
        m = await fresh.recv(timeout=30)
        assert m["type"] == "snapshot"
        titles = {c["title"] for c in m["state"]["cases"]}
        for _ in range(m.get("pages") or 0):
            titles |= {c["title"] for c in (await fresh.recv(timeout=30))["cases"]}
        assert {"楼道堆放杂物", "夜间施工噪音"} <= titles and "老旧小区井盖缺失" not in titles
        await fresh.close()

        # three years of closed cases: found by the archive, none of them held in memory
        before = len(srv.hub.state["cases"])
        t0 = time.monotonic()
        r = await asyncio.to_thread(run_cli, "import", str(history), "--server", ws_url(srv), "--user", "intake",
                                    "--password-stdin", stdin="intake-password\n")
        assert r.returncode == 0 and "loaded 300 case(s)" in r.stdout, (r.stdout, r.stderr)
        assert len(srv.hub.state["cases"]) == before, time.monotonic() - t0
        m = await ask(op, protocol.archive_search("h", "历史工单 第7号"))
        assert [c["title"] for c in m["cases"]] == ["历史工单 第7号"] and m["cases"][0]["status"] == "closed"
        await wall.close(), await op.close()
    finally:
        await srv.stop()


async def test_history_is_an_imports_and_is_checked(tmp_path):
    url = make_db(tmp_path)
    srv = XiaonaoServer(url, "127.0.0.1", 0, data_dir=str(tmp_path / "files"))
    await srv.start()
    report = {"title": "井盖缺失", "category": "city_management", "source": "12345", "priority": 3,
              "location": {"address": "九堡大道88号"}}
    old = datetime.now(timezone.utc) - timedelta(days=400)
    z = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.000Z")   # noqa: E731
    try:
        op = await RawClient.connect(ws_url(srv), "op")
        await op.recv()
        # an operator cannot back-date a case closed
        ack, _ = await op.command("case.report", dict(report, history={"reported_at": z(old), "closed_at": z(old)}))
        assert ack["type"] == "error" and ack["code"] == "forbidden"
        intake = await RawClient.connect(ws_url(srv), "intake")
        await intake.recv()
        ack, _ = await intake.command("case.report", dict(report, history={
            "reported_at": z(old), "closed_at": z(old - timedelta(hours=1))}))
        assert ack["type"] == "error" and ack["code"] == "invalid" and "before" in ack["message"]
        ack, _ = await intake.command("case.report", dict(report, history={
            "reported_at": z(datetime.now(timezone.utc) + timedelta(days=1))}))
        assert ack["type"] == "error" and ack["code"] == "invalid" and "future" in ack["message"]
        ack, _ = await intake.command("case.report", dict(report, history={
            "reported_at": z(old), "closed_at": z(old + timedelta(hours=3)), "resolution": "已修复"}))
        assert ack["type"] == "ack"
        assert not [c for c in srv.hub.state["cases"].values() if c["title"] == "井盖缺失"]
        await op.close(), await intake.close()
    finally:
        await srv.stop()
