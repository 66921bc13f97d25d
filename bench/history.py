"""A server database with a long history, generated directly (no server): realistic cases,
each taken through `decide` and the reducer from report to close (accepted, dispatched,
signed, contacted, on scene, feedback, closed; half rated, some noted, a few reopened),
about 500 a day ending now, interleaved the way a street's day interleaves them. Written
as the server writes them: events, command ids, the cases projection, the squads and the
room row. `python -m bench.history N [path]` makes one (default /tmp/xiaonao-history-N.db);
an existing file is reused.
"""
from __future__ import annotations

import heapq
import os
import random
import sys
import time
from pathlib import Path

from models.commands import Actor, decide  # noqa: E402
from models.state import apply, empty_state  # noqa: E402
from models.timeutil import iso  # noqa: E402

from .common import ROOT  # noqa: F401  (puts the project on the path)

PER_DAY = 500
LIVE = 100_000          # cases generated through decide and the reducer, with their events
OP = Actor("op", "operator")
TITLES = ["邻里噪音纠纷", "占道经营", "违章停车堵路", "楼道堆放杂物", "餐馆油烟扰民", "独居老人求助",
          "预付卡退费纠纷", "井盖破损", "路灯不亮", "垃圾清运不及时", "共享单车乱停", "工地夜间施工"]
ROADS = ["九堡大道", "杭海路", "九环路", "顺福路", "三卫路", "德胜东路", "红普路", "九和路"]
CATS = ["dispute", "city_management", "market", "public_security", "traffic", "public_service", "environment"]
SRCS = ["110", "12345", "grid", "video", "patrol", "qrcode"]
BUSINESSES = [None, None, None, "老王面馆", "惠民超市", "阳光健身", "九堡小吃城"]
NOTES = ["已联系当事人，约定今日上门", "现场已劝导，当事人表示配合", "已拍照取证，通知城管中队",
         "居民反映问题已解决，现场恢复正常"]
STEPS = [("case.accept", 30, 120), ("case.dispatch", 20, 240), ("case.sign", 20, 120),
         ("case.contact", 30, 300), ("case.arrive", 120, 900), ("case.feedback", 300, 3600),
         ("case.close", 120, 1800)]


def default_path(n: int) -> str:
    return f"/tmp/xiaonao-history-{n}.db"


def generate(n: int, path: str, seed: int = 7, log=print, clone: bool = True) -> str:
    """Write n cases of history into a new SQLite database at path; returns its URL."""
    from server.cli import add_user, init_db
    from server.projection import case_row, room_head, team_texts
    from server.store import EventStore
    url = f"sqlite:///{path}"
    if os.path.exists(path):
        return url
    from sqlalchemy import event as sa_event
    t0 = time.perf_counter()
    tmp = path + ".part"
    for p in (tmp, tmp + "-wal", tmp + "-shm"):
        if os.path.exists(p):
            os.remove(p)
    turl = f"sqlite:///{tmp}"
    init_db(turl, "demo")
    for name, role in (("op", "operator"), ("intake", "intake"), ("wall", "wall"), ("lead", "leader")):
        add_user(turl, name, role, f"{name}-password")
    store = EventStore(turl)
    store.engine.dispose()

    @sa_event.listens_for(store.engine, "connect")
    def _bulk(dbapi_conn, _rec):                      # a bulk load: no fsync per batch
        dbapi_conn.execute("PRAGMA synchronous=OFF")
    log(f"  database made in {time.perf_counter() - t0:.1f} s")
    from server.projection import catch_up
    catch_up(store)                                   # the room row, with the street
    rng = random.Random(seed)
    state = empty_state()
    first = store.events_after(0)
    for ev in first:
        apply(state, ev)
    squads = [t for t in state["teams"]]
    now_end = time.time()
    live = min(n, LIVE)                     # the newest cases, with their events
    old = n - live                          # older history: copies of them, earlier (see clone_older)
    state["next_case_no"] = old + 1
    t = now_end - live / PER_DAY * 86400.0
    t_first = t
    n = live
    step_gap = 86400.0 / PER_DAY
    events: list[dict] = []
    commands: list[dict] = []
    rows: list[dict] = []
    todo: list[tuple[float, int, str, int]] = []      # (when, tiebreak, case id, next step)
    reported = written = 0
    tick = 0
    started = time.perf_counter()

    def run(actor, name, args, at):
        nonlocal tick
        tick += 1
        cid = f"gen-{tick}"
        out = []
        for ev_name, data in decide(state, actor, name, args):
            ev = {"type": "event", "seq": state["seq"] + 1, "at": iso(at), "name": ev_name, "actor": actor.name,
                  "command_id": cid, "data": data}
            apply(state, ev)
            events.append(ev)
            out.append(ev)
        commands.append({"id": cid, "seq": state["seq"], "actor": actor.name, "name": name, "peer": "bench",
                         "at": iso(at)})
        return out

    def flush(final=False):
        nonlocal events, commands, rows
        if not events:
            return
        profile = state["sla_profile"]
        seen: dict[str, int] = {}
        for ev in events:
            d = ev["data"]
            for k in ("case_id", "into"):
                if isinstance(d.get(k), str):
                    seen[d[k]] = ev["seq"]
        rows = [case_row(state["cases"][cid], seq, profile) for cid, seq in seen.items() if cid in state["cases"]]
        store.append(events, commands, rows, (state["seq"], room_head(state), None, team_texts(state)))
        for cid in list(seen):                          # closed cases leave the generator's memory
            c = state["cases"].get(cid)
            if c is not None and c["status"] == "closed" and cid not in pending:
                del state["cases"][cid]
        events, commands, rows = [], [], []

    pending: set[str] = set()
    while reported < n or todo:
        next_report = t if reported < n else float("inf")
        if todo and todo[0][0] < next_report:
            at, _tb, cid, step = heapq.heappop(todo)
            case = state["cases"][cid]
            if step < len(STEPS):
                name = STEPS[step][0]
                args = {"case_id": cid}
                if name == "case.dispatch":
                    args["team_id"] = rng.choice(squads)
                elif name == "case.feedback":
                    args["note"] = rng.choice(NOTES)
                elif name == "case.close":
                    args["resolution"] = "已解决"
                try:
                    run(OP, name, args, at)
                except Exception:
                    pass                                 # e.g. squad off duty: the case moves on
                if step == 3 and rng.random() < 0.2:
                    run(OP, "case.note", {"case_id": cid, "note": rng.choice(NOTES)}, at + 5)
                nxt = STEPS[step + 1] if step + 1 < len(STEPS) else None
                if nxt:
                    heapq.heappush(todo, (at + rng.uniform(nxt[1], nxt[2]), tick, cid, step + 1))
                else:
                    if rng.random() < 0.5:
                        heapq.heappush(todo, (at + rng.uniform(600, 86400), tick, cid, 100))   # rate later
                    else:
                        pending.discard(cid)
            else:
                if case["status"] == "closed":
                    run(OP, "case.rate", {"case_id": cid, "rating": rng.choice([5, 5, 5, 4, 4, 3, 2, 1])}, at)
                pending.discard(cid)
        else:
            if reported >= n:
                break
            loc = {"address": f"{rng.choice(ROADS)}{rng.randint(1, 400)}号"}
            out = run(OP, "case.report", {
                "title": rng.choice(TITLES), "category": rng.choice(CATS), "source": rng.choice(SRCS),
                "priority": rng.choice([1, 2, 2, 3, 3, 3, 4]), "location": loc,
                "description": "群众来电反映：" + rng.choice(TITLES) + "，请尽快处理。",
                "reporter": {"name": "张先生", "phone": f"138{rng.randint(10_000_000, 99_999_999)}"},
                "business": rng.choice(BUSINESSES)}, t)
            cid = out[0]["data"]["case_id"]
            pending.add(cid)
            heapq.heappush(todo, (t + rng.uniform(*STEPS[0][1:]), tick, cid, 0))
            reported += 1
            t += rng.expovariate(1.0 / step_gap)
            if reported % 100_000 == 0:
                log(f"  {reported:,} cases reported, {state['seq']:,} events, "
                    f"{time.perf_counter() - started:.0f} s")
        if len(events) >= 5000:
            flush()
        written += 0
    flush(final=True)
    if old and clone:
        clone_older(store, old, live, t_first, log)
    store.dispose()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(tmp + suffix):
            os.replace(tmp + suffix, path + suffix)
    log(f"generated {n:,} cases, {state['seq']:,} events in {time.perf_counter() - started:.0f} s: "
        f"{Path(path).stat().st_size / 2**20:,.0f} MiB")
    return url


def clone_older(store, count: int, live: int, before: float, log=print) -> None:
    """`count` older cases before `before`, about PER_DAY a day: each a copy of one of the
    generated cases (its whole body: timeline, notes, times) renumbered and moved back in
    time by whole days. Only their projection rows are written: the events of those years
    are not in the log (the server never reads them; catch-up and restart start at the room
    row). Keeps generation of a 1M-case history within minutes on a shared machine."""
    from datetime import datetime, timedelta

    import orjson
    from sqlalchemy import select

    from server.projection import case_row
    from server.store import CaseRow
    t = CaseRow.__table__
    with store.engine.connect() as c:
        sources = [r[0] for r in c.execute(select(t.c.body).where(t.c.status == "closed").order_by(t.c.id)
                                           .limit(20_000))]
    started = time.perf_counter()
    span_days = max(1, int(live / PER_DAY))
    fmt = "%Y-%m-%dT%H:%M:%S"

    def shift(ts: str, days: int) -> str:
        return (datetime.strptime(ts[:19], fmt) - timedelta(days=days)).strftime(fmt) + ts[19:]

    rows = []
    for i in range(count):
        src = orjson.loads(sources[i % len(sources)])
        no = count - i                               # C000001 is the oldest
        # copies of the generated span, laid further back a span at a time
        days = span_days * (1 + i // len(sources)) + (i % 7)
        src["id"], src["no"] = f"C{no:06d}", no
        for k, v in list(src["times"].items()):
            src["times"][k] = shift(v, days)
        src["created"], src["updated"] = shift(src["created"], days), shift(src["updated"], days)
        for e in src["timeline"]:
            e["at"] = shift(e["at"], days)
        for nt in src["notes"]:
            nt["at"] = shift(nt["at"], days)
        rows.append(case_row(src, 0, "1310"))
        if len(rows) >= 5000:
            with store.engine.begin() as c:
                store._upsert(c, t, rows, "id")
            rows = []
        if (i + 1) % 100_000 == 0:
            log(f"  {i + 1:,} older cases copied, {time.perf_counter() - started:.0f} s")
    if rows:
        with store.engine.begin() as c:
            store._upsert(c, t, rows, "id")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 100_000
    # --no-clone: only the newest 100k (numbered as in an n-case history); the older ones
    # are then added in SQL by bench/extend_history.py (minutes instead of an hour at 1M)
    generate(n, args[1] if len(args) > 1 else default_path(n), clone="--no-clone" not in sys.argv)
