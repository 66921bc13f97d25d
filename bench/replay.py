"""Replay a shift (issue 17): an 8-hour shift of a busy street (900 cases a day, the squads
moving) replayed from the server's log, after days of history. What the server reads to
build the start (one checkpoint, the week's cases, the events since the checkpoint), the
time to open it and to fetch every page over a real connection, what the cockpit holds
(the frames, its checkpoints), and a jump of the slider. Printed beside the load average."""
from __future__ import annotations

import asyncio
import gc
import json
import os
import time

from .common import header

DAYS = float(os.environ.get("XIAONAO_BENCH_REPLAY_DAYS", "3"))
SHIFT_H = 8.0
MOVE_EVERY = 30.0           # s between a squad's positions


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def _client(url: str, user: str):
    import websockets
    ws = await websockets.connect(url, max_size=4 * 1024 * 1024, compression="deflate")
    await ws.send(json.dumps({"type": "hello", "user": user, "password": f"{user}-password", "subscribe": False}))
    await ws.recv()
    n = [0]
    wire = [0]

    async def ask(args: dict) -> dict:
        n[0] += 1
        qid = f"b{n[0]}"
        await ws.send(json.dumps({"type": "query.replay", "id": qid, **args}))
        while True:
            raw = await ws.recv()
            m = json.loads(raw)
            if m.get("id") == qid:
                wire[0] += len(raw)
                if m["type"] == "error":
                    raise RuntimeError(m["message"])
                return m["data"]
    return ws, ask, n, wire


def main() -> None:
    header(f"replay: an {SHIFT_H:g} h shift of a busy street after {DAYS:g} days of history")
    asyncio.run(_main())


async def _main() -> None:
    from client.replay import Player, fetch
    from server.app import XiaonaoServer
    from server.simulator import SimClock, Simulator

    from .common import make_server_db
    url = make_server_db(users=(("op", "operator"), ("wall", "wall")))
    from server.cli import add_user
    add_user(url, "e01", "field", "e01-password", "E01")
    now = time.time()
    start = now - DAYS * 86400
    clock = SimClock(start)
    clock.manual = start
    srv = XiaonaoServer(url, port=0, clock=clock)
    await srv.start()
    t = time.perf_counter()
    sim = Simulator(srv.hub, seed=7, clock=clock, cases_per_day=900)
    sim.prime()
    from models.commands import Actor
    from models.dispatch import team_position
    rng = __import__("random").Random(3)

    async def move():
        """Every on-duty squad reports its position every 30 s (the simulator's fast-forward
        moves nobody): the positions a busy street's terminals send, the most of its log."""
        sim._at(clock() + MOVE_EVERY, move)
        st = srv.hub.state
        futs = []
        for tid, team in st["teams"].items():
            pos = team_position(st, team)
            if not team["on_duty"] or pos is None:
                continue
            futs.append(srv.hub.submit(Actor(f"gps-{tid}", "field", tid), "team.position",
                                       {"team_id": tid, "lat": pos[0] + rng.uniform(-0.002, 0.002),
                                        "lon": pos[1] + rng.uniform(-0.002, 0.002)}, None, "bench"))
        await asyncio.gather(*futs, return_exceptions=True)
    sim._at(start + 1, move)
    await sim.run_until(now)
    played = time.perf_counter() - t
    head = srv.hub.head
    with srv.store.engine.connect() as c:
        from sqlalchemy import text
        cps = c.execute(text("SELECT count(*) FROM checkpoints")).scalar()
        cases = c.execute(text("SELECT count(*) FROM cases")).scalar()
    print(f"history: {head} events, {cases} cases, {cps} checkpoints (played in {played:.0f} s); "
          f"load {os.getloadavg()[0]:.1f}")
    lo, hi = now - 3600 - SHIFT_H * 3600, now - 3600
    from models.timeutil import iso
    ws_url = f"ws://127.0.0.1:{srv.port}/ws"
    for user in ("op", "wall", "e01"):
        ws, ask, pages, wire = await _client(ws_url, user)
        gc.collect()
        base = rss_mib()
        t0 = time.perf_counter()
        opened = {}

        async def timed(args, _ask=ask):
            d = await _ask(args)
            if args["op"] == "open":
                gc.collect()
                # the server's cursor (the replayed room, its reserve) and the open answer
                opened.update(d, t=time.perf_counter() - t0, rss=rss_mib() - base)
            return d
        rp = await fetch(timed, iso(lo), iso(hi))
        total = time.perf_counter() - t0
        gc.collect()
        held = rss_mib() - base
        built = opened.get("built") or {}
        n_events = opened["events"]
        print(f"  {user:5s}: open {opened['t'] * 1000:6.0f} ms (start: {built.get('cases_read')} cases read, "
              f"{built.get('cases_rebuilt')} rebuilt by key, {built.get('events_before')} events since the checkpoint; "
              f"{len(rp.start['cases'])} cases in the room; the open cursor +{opened['rss']:.0f} MiB)")
        print(f"         all {pages[0]} pages + prepare {total:5.1f} s: {n_events} events of the range "
              f"({n_events / max(1, head) * 100:.1f} % of the log), {len(rp.frames)} frames, "
              f"{wire[0] / 2**20:.1f} MiB on the wire, client +{held:.0f} MiB; load {os.getloadavg()[0]:.1f}")
        p = Player(rp)
        jumps = []
        for frac in (0.9, 0.1, 0.5, 0.75, 0.25):
            t1 = time.perf_counter()
            p.seek(lo + frac * (hi - lo))
            jumps.append((time.perf_counter() - t1) * 1000)
        p.seek(lo)
        p.speed, p.playing = 60, True
        t1 = time.perf_counter()
        steps = []
        while p.playing:                      # the whole shift at 60x, in the window's 0.2 s steps
            t2 = time.perf_counter()
            p.advance(0.2)
            steps.append((time.perf_counter() - t2) * 1000)
        step_ms = sum(steps) / max(1, len(steps))
        tracks = sum(len(v) for v in rp.tracks.values())
        print(f"         slider jumps {', '.join(f'{j:.0f}' for j in jumps)} ms; the shift played at 60x in "
              f"{len(steps)} steps of 0.2 s: {step_ms:.1f} ms a step (max {max(steps):.1f}); "
              f"{tracks} track points of {len(rp.tracks)} squads")
        await ws.close()
    await srv.stop()


if __name__ == "__main__":
    main()
