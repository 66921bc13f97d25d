"""Field terminals as the server sees them (issue 16): one-time-code logins, presence, and
positions at a bounded rate. The server runs in its own process on loopback.

1. 180 squad members (10 accounts in each of the demo street's 18 squads) log in with a
   one-time code each, all at once: the time from hello to welcome, and from the first
   hello until an operator's state shows all 18 squads with 10 terminals online (the
   `team.presence` events the server appends).
2. Every one of them sends its squad's position once a second for 20 s (3,600 commands):
   the ack time, and how many `team.moved` events the room receives (the server records at
   most one per squad every POSITION_EVERY_S seconds).

    .venv/bin/python -m bench terminals
"""
from __future__ import annotations

import asyncio
import json
import os
import time
import uuid

import websockets

from .common import ServerProcess, header, make_server_db, summary

MEMBERS = 10
POSITION_SECONDS = 20


def _accounts(url: str) -> list[tuple[str, str, str]]:
    """(name, squad, one-time code) for 10 members of each squad."""
    from models.street import load_street
    from server.auth import code_hash, hash_password, new_login_code
    from server.store import EventStore
    store = EventStore(url)
    out = []
    try:
        pw = hash_password(uuid.uuid4().hex)         # nobody logs in with it: codes only
        for sq in load_street("demo")["squads"]:
            for i in range(MEMBERS):
                name = f"{sq['id'].lower()}m{i}"
                store.add_user(name, "field", pw, sq["id"])
                code = new_login_code()
                store.add_login_code(code_hash(code), name, time.time() + 3600)
                out.append((name, sq["id"], code))
    finally:
        store.dispose()
    return out


async def _run(url: str, accounts) -> None:
    from models import protocol
    from models.state import apply, from_wire
    room = await websockets.connect(url, max_size=None, compression=None)
    await room.send(protocol.hello("op", "op-password"))
    json.loads(await room.recv())
    snap = json.loads(await room.recv())
    state = from_wire(snap["state"])
    state["seq"] = snap["seq"]
    moved = 0
    all_online = asyncio.Event()

    async def watch_room():
        nonlocal moved
        async for raw in room:
            m = json.loads(raw)
            if m.get("type") != "event":
                continue
            apply(state, m)
            if m["name"] == "team.moved":
                moved += 1
            if all((t.get("terminal") or {}).get("online") == MEMBERS for t in state["teams"].values()):
                all_online.set()
    watcher = asyncio.ensure_future(watch_room())

    login_ms: list[float] = []
    phones: list = []
    t0 = time.perf_counter()

    async def login(code):
        ws = await websockets.connect(url, max_size=None, compression=None)
        t = time.perf_counter()
        await ws.send(json.dumps({"type": "hello", "code": code}))
        w = json.loads(await ws.recv())
        login_ms.append((time.perf_counter() - t) * 1000)
        assert w["type"] == "welcome", w
        return ws
    phones = await asyncio.gather(*(login(code) for _n, _sq, code in accounts))
    await asyncio.wait_for(all_online.wait(), 60)
    online_s = time.perf_counter() - t0
    header(f"{len(accounts)} one-time-code logins at once (18 squads x {MEMBERS})")
    print(f"hello -> welcome: {summary(login_ms)}")
    print(f"first hello -> the room shows all 18 squads with {MEMBERS} terminals online: {online_s:.2f} s")

    acks: dict[str, float] = {}
    ack_ms: list[float] = []

    async def phone(ws, squad):
        async def read():
            async for raw in ws:
                m = json.loads(raw)
                if m.get("type") == "ack" and m["id"] in acks:
                    ack_ms.append((time.perf_counter() - acks.pop(m["id"])) * 1000)
        reader = asyncio.ensure_future(read())
        start = time.perf_counter()
        for i in range(POSITION_SECONDS):
            await asyncio.sleep(max(0.0, start + i - time.perf_counter()))
            cid = str(uuid.uuid4())
            acks[cid] = time.perf_counter()
            await ws.send(protocol.command(cid, "team.position", {"team_id": squad, "lat": 30.29 + i / 1e4,
                                                                 "lon": 120.24}))
        await asyncio.sleep(2.0)
        reader.cancel()
    before = moved
    await asyncio.gather(*(phone(ws, sq) for ws, (_n, sq, _c) in zip(phones, accounts)))
    header(f"{len(accounts)} phones, a position a second each for {POSITION_SECONDS} s")
    sent = len(accounts) * POSITION_SECONDS
    print(f"commands sent {sent}, acknowledged {len(ack_ms)}: {summary(ack_ms)}")
    print(f"team.moved events the room received: {moved - before} (at most one per squad every 15 s: "
          f"<= {18 * (POSITION_SECONDS // 15 + 1)})")
    for ws in phones:
        await ws.close()
    watcher.cancel()
    await room.close()


def main() -> None:
    url = make_server_db(users=(("op", "operator"),))
    accounts = _accounts(url)
    srv = ServerProcess(url).start()
    try:
        asyncio.run(_run(srv.url, accounts))
    finally:
        srv.stop()
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores shared)")


if __name__ == "__main__":
    main()
