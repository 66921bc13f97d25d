"""Catch-up and reconnect storm."""
from __future__ import annotations

import asyncio
import time
import uuid

import websockets

from models import protocol

from .common import ServerProcess, header, make_server_db


async def _report_many(url, n):
    async with websockets.connect(url, compression=None) as ws:
        await ws.send(protocol.hello("intake", "intake-password"))
        await ws.recv()
        await ws.recv()
        window = 200
        acked = 0
        sent = 0
        while acked < n:
            while sent < n and sent - acked < window:
                await ws.send(protocol.command(str(uuid.uuid4()), "case.report", {
                    "title": "违停", "category": "traffic", "source": "video", "priority": 3,
                    "location": {"address": f"杭海路{sent % 300 + 1}号"}}))
                sent += 1
            m = protocol.parse_server_frame(await ws.recv())
            if m["type"] in ("ack", "error"):
                acked += 1


async def catchup(missed: int = 10_000):
    from client.session import ServerLink
    url = make_server_db()
    srv = ServerProcess(url).start()
    try:
        link = ServerLink(srv.url, "op", "op-password")
        task = asyncio.create_task(link.run())
        while link.status.state != "online":
            await asyncio.sleep(0.01)
        await link.stop()
        task.cancel()
        seq = link.state["seq"]
        t = time.perf_counter()
        await _report_many(srv.url, missed)
        print(f"(reporting {missed:,} cases took {time.perf_counter() - t:.1f} s: "
              f"{missed / (time.perf_counter() - t):,.0f} commands/s through one connection)")
        link2 = ServerLink(srv.url, "op", "op-password")
        link2.state = link.state
        t = time.perf_counter()
        task = asyncio.create_task(link2.run())
        while link2.state["seq"] < seq + missed:
            await asyncio.sleep(0.002)
        dt = time.perf_counter() - t
        print(f"catch-up: {missed:,} missed events applied in {dt:.2f} s (login and resume included)", flush=True)
        await link2.stop()
        task.cancel()
    finally:
        srv.stop()


async def storm(n: int = 500):
    from client.session import ServerLink
    url = make_server_db()
    srv = ServerProcess(url).start()
    try:
        async with websockets.connect(srv.url) as ws:
            await ws.send(protocol.hello("wall", "wall-password", subscribe=False))
            token = protocol.parse_server_frame(await ws.recv())["token"]
        links = [ServerLink(srv.url, "wall", token=token) for _ in range(n)]
        tasks = [asyncio.create_task(l.run()) for l in links]
        t = time.perf_counter()
        while sum(l.status.state == "online" for l in links) < n:
            await asyncio.sleep(0.05)
        print(f"{n} clients connected in {time.perf_counter() - t:.1f} s")
        srv.kill9()
        while any(l.status.state == "online" for l in links):
            await asyncio.sleep(0.05)
        srv.start()
        t = time.perf_counter()
        while sum(l.status.state == "online" for l in links) < n:
            await asyncio.sleep(0.05)
            if time.perf_counter() - t > 60:
                break
        online = sum(l.status.state == "online" for l in links)
        print(f"reconnect storm: {online}/{n} clients back online {time.perf_counter() - t:.1f} s after the "
              f"server was back (it took {time.perf_counter() - t:.1f} s including its start)", flush=True)
        for l in links:
            await l.stop()
        for t_ in tasks:
            t_.cancel()
    finally:
        srv.stop()


def main():
    header("catch-up after 10,000 missed events")
    asyncio.run(catchup())
    header("reconnect storm: 500 clients after a server kill -9 and restart")
    asyncio.run(storm())


if __name__ == "__main__":
    main()
