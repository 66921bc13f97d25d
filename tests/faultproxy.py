"""A fault-injecting TCP proxy for the tests: sits on a loopback port in front of a real
database and, on demand, cuts every connection or hangs them (stops forwarding while the
sockets stay open, as a stopped or partitioned database server looks to its clients)."""
from __future__ import annotations

import asyncio
import contextlib


class FaultProxy:
    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5432):
        self.target = (target_host, target_port)
        self.port = 0
        self.mode = "pass"            # pass | cut | hang | hang_replies
        self._server: asyncio.base_events.Server | None = None
        self._flowing = {"up": asyncio.Event(), "down": asyncio.Event()}
        self._flowing["up"].set()
        self._flowing["down"].set()
        self._conns: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._tasks: set[asyncio.Task] = set()
        self._marker: bytes | None = None
        self.up_bytes = 0                     # bytes forwarded from the clients so far
        self._cut_at: int | None = None
        self.pace = 0.0                       # seconds to wait after each 64 KB from a client (a slow uplink)

    async def start(self) -> "FaultProxy":
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self._close_all()
        if self._server:
            self._server.close()
            await self._server.wait_closed()
        for t in list(self._tasks):
            t.cancel()

    def url_for(self, url: str) -> str:
        """The same database URL, through the proxy."""
        from sqlalchemy.engine import make_url
        return make_url(url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    # ---- faults --------------------------------------------------------------
    def cut(self) -> None:
        """Close every connection and refuse new ones (reset at once) until `restore`."""
        self.mode = "cut"
        self._close_all()

    def hang(self) -> None:
        """Stop forwarding in both directions; connections stay open, new ones are accepted
        and then hang too."""
        self.mode = "hang"
        self._flowing["up"].clear()
        self._flowing["down"].clear()

    def hang_replies(self) -> None:
        """Forward what the client sends, hold the database's answers: the database does the
        work (a COMMIT commits) and the client never hears of it."""
        self.mode = "hang_replies"
        self._flowing["down"].clear()

    def cut_after(self, more_bytes: int) -> None:
        """Let `more_bytes` more flow from the clients, then drop every connection once (new
        ones are accepted again at once: a network that blinked mid-upload)."""
        self._cut_at = self.up_bytes + more_bytes

    def hold_replies_after(self, marker: bytes) -> None:
        """Forward normally until the client sends `marker` (e.g. b"COMMIT"); from then on
        hold the database's answers (the statement runs, its reply never arrives)."""
        self._marker = marker

    def restore(self, drop_held: bool = True) -> None:
        self._marker = None
        """Back to normal. With drop_held, the connections open during a hang are cut first
        (what they held is lost, as on a connection that timed out)."""
        if drop_held and self.mode in ("hang", "hang_replies"):
            self._close_all()
        self.mode = "pass"
        self._flowing["up"].set()
        self._flowing["down"].set()

    def _close_all(self) -> None:
        for a, b in list(self._conns):
            for w in (a, b):
                with contextlib.suppress(Exception):
                    w.transport.abort()
        self._conns.clear()

    # ---- forwarding ----------------------------------------------------------
    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "cut":
            writer.transport.abort()
            return
        try:
            up_r, up_w = await asyncio.open_connection(*self.target)
        except OSError:
            writer.transport.abort()
            return
        pair = (writer, up_w)
        self._conns.add(pair)
        for src, dst, way in ((reader, up_w, "up"), (up_r, writer, "down")):
            t = asyncio.create_task(self._pump(src, dst, way, pair))
            self._tasks.add(t)
            t.add_done_callback(self._tasks.discard)

    async def _pump(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, way: str, pair) -> None:
        try:
            while True:
                await self._flowing[way].wait()
                data = await src.read(65536)
                if not data:
                    break
                if way == "up" and self._marker and self._marker in data:
                    self.hang_replies()
                if way == "up":
                    self.up_bytes += len(data)
                    if self._cut_at is not None and self.up_bytes >= self._cut_at:
                        self._cut_at = None
                        self._close_all()
                        break
                await self._flowing[way].wait()     # held while hung
                if pair not in self._conns:
                    break
                dst.write(data)
                await dst.drain()
                if way == "up" and self.pace:
                    await asyncio.sleep(self.pace)
        except (OSError, asyncio.CancelledError):
            pass
        finally:
            self._conns.discard(pair)
            for w in pair:
                with contextlib.suppress(Exception):
                    w.transport.abort()
