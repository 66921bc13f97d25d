"""The field terminal (issue 16): a cold load in Chromium, and an assignment's way to 180 squad members.

1. First paint of /m/ on a cold load (a fresh browser context: no cache, no service worker)
   in Debian's Chromium with the CPU throttled 4x (DevTools `Emulation.setCPUThrottlingRate`),
   from the server on loopback; the bytes transferred (compressed, headers included, from
   Resource Timing) until the login screen is drawn, and for a logged-in member's list.
2. An assignment sent by the cockpit (`case.dispatch`, one per squad, 18 at once) until it is
   on each of 180 field protocol clients (10 members of each of the 18 squads, each its own
   account, receiving its squad's view), plus one real browser logged in as a member of W01
   (until the case's card is in its page).

    .venv/bin/python -m bench field
"""
from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid

import websockets

from .common import ROOT, ServerProcess, header, make_server_db, summary

CHROMIUM = os.environ.get("XIAONAO_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
COLD_LOADS = 7
ROUNDS = 12
MEMBERS = 10


def _squads(url: str) -> list[str]:
    from models.street import load_street  # the demo street's 18 squads
    return [sq["id"] for sq in load_street("demo")["squads"]]


def _add_members(url: str, squads: list[str]) -> list[tuple[str, str]]:
    from server.cli import add_user
    users = []
    for sq in squads:
        for i in range(MEMBERS):
            name = f"{sq.lower()}m{i}"
            add_user(url, name, "field", f"{name}-password", sq)
            users.append((name, sq))
    return users


async def _browser():
    from playwright.async_api import async_playwright
    p = await async_playwright().start()
    b = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    return p, b


async def cold_paint(base: str) -> None:
    header("field terminal: cold load, CPU throttled 4x (first paint, bytes transferred)")
    p, b = await _browser()
    try:
        paints, fcps, sizes, logged = [], [], [], []
        for i in range(COLD_LOADS):
            ctx = await b.new_context(viewport=PHONE, has_touch=True, is_mobile=True, locale="zh-CN")
            page = await ctx.new_page()
            cdp = await ctx.new_cdp_session(page)
            await cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
            await page.goto(f"{base}/m/", wait_until="load")
            await page.wait_for_selector("#login")
            t = await page.evaluate("""() => {
              const p = {}; for (const e of performance.getEntriesByType('paint')) p[e.name] = e.startTime;
              const nav = performance.getEntriesByType('navigation')[0];
              const res = performance.getEntriesByType('resource');
              return {fp: p['first-paint'], fcp: p['first-contentful-paint'],
                      bytes: nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0),
                      files: 1 + res.length};
            }""")
            paints.append(t["fp"])
            fcps.append(t["fcp"])
            sizes.append(t["bytes"])
            if i == 0:
                # a member's list after logging in: what more the first real screen costs
                await page.fill("#user", "w01m0")
                await page.fill("#password", "w01m0-password")
                await page.tap("#login")
                await page.wait_for_selector("#net[data-phase=ready]", timeout=30000)
                logged.append(await page.evaluate(
                    "performance.getEntriesByType('navigation')[0].transferSize + "
                    "performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, 0)"))
                print(f"  files on a cold load: {t['files']}")
            await ctx.close()
        print(f"  first paint            median {statistics.median(paints):6.0f} ms  max {max(paints):6.0f} ms  "
              f"(n={len(paints)}; goal <= 1000 ms)")
        print(f"  first contentful paint median {statistics.median(fcps):6.0f} ms  max {max(fcps):6.0f} ms")
        from server.web import StaticFiles
        everything = sum(len(a.gz or a.body) for a in StaticFiles().assets.values())
        print(f"  every file of the terminal, compressed (what the service worker may fetch besides): "
              f"{everything / 1024:.1f} KiB")
        print(f"  transferred to the login screen: {max(sizes) / 1024:.1f} KiB (goal <= 150 KB);"
              f" to a member's list, page files only: {logged[0] / 1024:.1f} KiB")
    finally:
        await b.close()
        await p.stop()


PROCS = 2          # member processes: one Python thread parsing every member's frames would be the bottleneck


async def _member(url, name, lat, ready, stop):
    """One member's terminal: the time from a dispatch's send (in its command id,
    "mode|uuid|epoch") to the view.update that brings the case."""
    async with websockets.connect(url, compression=None, max_size=8 * 1024 * 1024) as ws:
        await ws.send(json.dumps({"type": "hello", "user": name, "password": f"{name}-password"}))
        seen = set()
        async for raw in ws:
            if '"view.update"' in raw:
                now = time.time()
                m = json.loads(raw)
                cmd = m.get("command_id") or ""
                if cmd.count("|") == 2 and cmd not in seen and any(c.get("team_id") for c in m["data"]["cases"]):
                    seen.add(cmd)
                    mode, _, t = cmd.split("|")
                    lat.setdefault(mode, []).append((now - float(t)) * 1000)
            elif '"snapshot"' in raw[:30]:
                ready.add(name)
            if stop.is_set():
                return


async def _members_main(url: str, names: list[str]) -> None:
    lat: dict[str, list[float]] = {}
    ready: set[str] = set()
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_member(url, n, lat, ready, stop)) for n in names]
    while len(ready) < len(names):
        await asyncio.sleep(0.1)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)      # the parent says stop
    stop.set()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps(lat), flush=True)


async def fanout(url: str, base: str, users: list[tuple[str, str]], squads: list[str]) -> None:
    header(f"field terminal: an assignment to {len(users)} field protocol clients + 1 browser")
    from models import protocol
    t0 = time.monotonic()
    names = [n for n, _ in users]
    procs = [subprocess.Popen([sys.executable, "-m", "bench.field", "--members", url, *names[i::PROCS]],
                              cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for i in range(PROCS)]
    for pr in procs:
        assert pr.stdout.readline().strip() == "ready"
    print(f"  {len(users)} members (in {PROCS} processes) logged in and synced in {time.monotonic() - t0:.1f} s")

    p, b = await _browser()
    ctx = await b.new_context(viewport=PHONE, has_touch=True, is_mobile=True, locale="zh-CN")
    page = await ctx.new_page()
    await page.goto(f"{base}/m/")
    await page.fill("#user", "w01m9b")
    await page.fill("#password", "w01m9b-password")
    await page.tap("#login")
    await page.wait_for_selector("#net[data-phase=ready]", timeout=60000)
    await page.evaluate("""() => { window.__seen = {}; new MutationObserver(() => {
        for (const el of document.querySelectorAll('[data-case]')) {
          const id = el.dataset.case; if (!(id in window.__seen)) window.__seen[id] = Date.now(); }
      }).observe(document.body, {subtree: true, childList: true}); }""")
    browser_lat: list[float] = []
    sent: dict[str, float] = {}

    async with websockets.connect(url, compression=None, max_size=64 * 1024 * 1024) as op:
        await op.send(protocol.hello("op", "op-password"))
        pending: dict[str, asyncio.Future] = {}
        reported: dict[str, asyncio.Future] = {}

        async def reader():
            async for raw in op:
                m = json.loads(raw)
                if m.get("type") in ("ack", "error") and m.get("id") in pending:
                    pending.pop(m["id"]).set_result(m)
                elif m.get("name") == "case.reported" and m.get("command_id") in reported:
                    reported.pop(m["command_id"]).set_result(m["data"]["case_id"])
        rd = asyncio.create_task(reader())

        async def report_and_accept(title):
            rid = str(uuid.uuid4())
            fut = asyncio.get_running_loop().create_future()
            reported[rid] = fut
            await op.send(protocol.command(rid, "case.report", {
                "title": title, "category": "dispute", "source": "110", "priority": 2,
                "location": {"address": "九堡大道88号"}}))
            cid = await fut
            did = str(uuid.uuid4())
            pending[did] = asyncio.get_running_loop().create_future()
            await op.send(protocol.command(did, "case.accept", {"case_id": cid}))
            await pending[did]
            return cid

        async def dispatch(cid, sq, mode):
            t = time.time()
            did = f"{mode}|{uuid.uuid4()}|{t:.6f}"
            pending[did] = asyncio.get_running_loop().create_future()
            sent[cid] = t
            await op.send(protocol.command(did, "case.dispatch", {"case_id": cid, "team_id": sq}))
            return pending[did]

        async def browser_saw(cid):
            t_end = time.monotonic() + 10
            while time.monotonic() < t_end:
                seen = await page.evaluate(f"window.__seen['{cid}'] || 0")
                if seen:
                    browser_lat.append(seen - sent[cid] * 1000)
                    return
                await asyncio.sleep(0.05)

        # one assignment at a time, to each squad in turn: its 10 members (and the browser, for W01)
        for r in range(ROUNDS // 4):
            for sq in squads:
                cid = await report_and_accept(f"派单 {r}-{sq}")
                await (await dispatch(cid, sq, "s"))
                if sq == "W01":
                    await browser_saw(cid)
                await asyncio.sleep(0.25)
        # a burst: 18 assignments at once, one per squad (a mass dispatch), reaching all 180
        for r in range(ROUNDS):
            cases = {sq: await report_and_accept(f"测试派单 {r}-{sq}") for sq in squads}
            waits = [await dispatch(cid, sq, "b") for sq, cid in cases.items()]
            await asyncio.gather(*waits)
            await browser_saw(cases["W01"])
            await asyncio.sleep(0.5)
        rd.cancel()
    lat: dict[str, list[float]] = {}
    for pr in procs:
        out, _ = pr.communicate("stop\n", timeout=60)
        for mode, values in json.loads(out.strip().splitlines()[-1]).items():
            lat.setdefault(mode, []).extend(values)
    await b.close()
    await p.stop()
    print(f"  one at a time, a squad's 10 members: {summary(lat.get('s', []))}  (goal p99 <= 500 ms)")
    print(f"  18 at once, all 180 members:         {summary(lat.get('b', []))}")
    print(f"  the browser (card in the page):      {summary(browser_lat)}")
    print(f"  load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")


def main() -> None:
    if not os.path.exists(CHROMIUM):
        print(f"field: skipped, no chromium at {CHROMIUM} (scripts/bootstrap.sh installs it)")
        return
    url_db = make_server_db(users=(("op", "operator"),))
    squads = _squads(url_db)
    users = _add_members(url_db, squads)
    from server.cli import add_user
    add_user(url_db, "w01m9b", "field", "w01m9b-password", "W01")     # the browser's own account
    srv = ServerProcess(url_db).start(timeout=60)
    try:
        base = f"http://127.0.0.1:{srv.port}"
        print(f"  load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
        asyncio.run(cold_paint(base))
        asyncio.run(fanout(srv.url, base, users, squads))
    finally:
        srv.stop()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--members"]:
        asyncio.run(_members_main(sys.argv[2], sys.argv[3:]))
    else:
        main()
