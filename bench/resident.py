"""Residents' rating links (扫码打分): making a link (query.rating_link's path), opening the
page and rating (GET and POST /r/TOKEN over loopback HTTP, the rating durable before the
answer), on SQLite with synchronous=FULL; and a forged token's refusal."""
from __future__ import annotations

import asyncio
import os
import time
from urllib.parse import urlencode

from .common import header, make_server_db, summary


async def _http(port: int, method: str, path: str, body: bytes = b"") -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close", f"Content-Length: {len(body)}",
            "Content-Type: application/x-www-form-urlencoded"]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    return int(raw.split(b" ", 2)[1])


def main(cases: int = 200) -> None:
    from models import rating
    from models.commands import Actor
    from server.app import XiaonaoServer
    header(f"Residents' rating links: {cases} cases fed back, one link and one rating each "
           f"(load {os.getloadavg()[0]:.1f})")
    url = make_server_db()

    async def go():
        # every network gets the whole budget here: the figures are the server's, not the limit's
        srv = XiaonaoServer(url, port=0)
        srv.resident.rules = rating.RatingRules(per_network_burst=10 ** 6, per_network_per_minute=10 ** 6)
        await srv.start()
        op, field = Actor("op", "operator"), Actor("w01", "field", "W01")
        try:
            ids = []
            for i in range(cases):
                seq = await srv.hub.execute(op, "case.report", {
                    "title": f"噪音扰民 {i}", "category": "dispute", "source": "12345", "priority": 3,
                    "location": {"address": "九和路120号"}, "reporter": {"name": "王", "phone": "13800000000"}})
                cid = next(c["id"] for c in srv.hub.state["cases"].values() if c["timeline"][0]["seq"] == seq)
                for name, args in (("case.dispatch", {"team_id": "W01"}), ("case.sign", {}), ("case.arrive", {}),
                                   ("case.feedback", {"note": "已调解"})):
                    await srv.hub.execute(field if name != "case.dispatch" else op, name, {"case_id": cid, **args})
                ids.append(cid)
            made, shown, gets, posts, forged = [], [], [], [], []
            tokens = []
            for cid in ids:
                t0 = time.perf_counter()
                link = await srv.resident.link(field, cid, "bench")
                made.append((time.perf_counter() - t0) * 1000)
                tokens.append(link["token"])
                t0 = time.perf_counter()
                await srv.resident.link(op, cid, "bench")
                shown.append((time.perf_counter() - t0) * 1000)
            for tok in tokens:
                t0 = time.perf_counter()
                assert await _http(srv.port, "GET", "/r/" + tok) == 200
                gets.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                assert await _http(srv.port, "POST", "/r/" + tok, urlencode({"rating": 5, "note": "好"}).encode()) == 303
                posts.append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                assert await _http(srv.port, "GET", "/r/" + tok[:-4] + "aaaa") == 404
                forged.append((time.perf_counter() - t0) * 1000)
            print(f"  link made (event durable, QR drawn) {summary(made)}")
            print(f"  link shown again (no event)         {summary(shown)}")
            print(f"  GET the page                        {summary(gets)}")
            print(f"  POST a rating (durable, 303)        {summary(posts)}")
            print(f"  GET a forged token (404)            {summary(forged)}")
        finally:
            await srv.stop()
    asyncio.run(go())


if __name__ == "__main__":
    main()
