"""Commands the operator issued, kept (in memory and in the local cache) until the server
acknowledges or refuses them; sent again, in issue order, after a reconnect.

Each entry is a dict {"id", "name", "args", "created", "status" (pending | refused), "code",
"message"} (and "unsaved" when the cache could not keep it). The Outbox reads like a dict
of them by id, in issue order.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

from .cachewriter import CacheIO

log = logging.getLogger("xiaonao.client")


class Outbox:
    def __init__(self, io: CacheIO, spawn: Callable, on_cache_error: Callable[[BaseException], None]):
        self.io = io
        self._spawn = spawn                    # spawn(coro, on_error)
        self._on_cache_error = on_cache_error
        self._rows: dict[str, dict] = {}

    # ---- reading, like a dict ------------------------------------------------------
    def __contains__(self, cid: object) -> bool:
        return cid in self._rows

    def __getitem__(self, cid: str) -> dict:
        return self._rows[cid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, cid: str | None) -> dict | None:
        return self._rows.get(cid) if cid else None

    def items(self):
        return self._rows.items()

    def values(self):
        return self._rows.values()

    def pending(self) -> list[dict]:
        return [r for r in self._rows.values() if r["status"] == "pending"]

    # ---- changing -------------------------------------------------------------------
    async def load(self) -> list[dict]:
        """The entries the cache kept from before (a restart): into the outbox."""
        cache = self.io.cache
        rows = await self.io.call(cache.outbox) if cache else []
        for row in rows:
            self._rows[row["id"]] = row
        return rows

    async def add(self, cid: str, name: str, args: dict) -> tuple[dict, BaseException | None]:
        """A new pending command, stored durably first; (its entry, the error if the cache
        could not keep it: then it is still sent, marked unsaved)."""
        row = {"id": cid, "name": name, "args": args, "created": time.time(), "status": "pending",
               "code": None, "message": None}
        problem = None
        cache = self.io.cache
        if cache:
            try:
                await self.io.call(cache.outbox_add, cid, name, args)
            except Exception as e:   # locked or full: still send it, and say it is not kept locally
                log.warning("could not keep command %s in the local outbox: %s", cid, e)
                row["unsaved"] = True
                problem = e
        self._rows[cid] = row
        return row, problem

    def acked(self, cid: str | None) -> dict | None:
        """The server acknowledged it: gone from the outbox (its entry, None if unknown)."""
        row = self._rows.pop(cid, None) if cid else None
        cache = self.io.cache
        if row is not None and cache:
            self._spawn(self.io.call(cache.outbox_done, cid), self._on_cache_error)
        return row

    def refused(self, cid: str, code: str, message: str) -> dict | None:
        """The server refused it: kept, refused, until the operator dismisses it."""
        row = self._rows.get(cid)
        if row is None:
            return None
        row.update(status="refused", code=code, message=message)
        cache = self.io.cache
        if cache:
            self._spawn(self.io.call(cache.outbox_refused, cid, code, message or ""), self._on_cache_error)
        return row

    async def dismiss(self, cid: str) -> None:
        """Forget a refused command once the operator has seen it."""
        self._rows.pop(cid, None)
        cache = self.io.cache
        if cache:
            await self.io.call(cache.outbox_dismiss, cid)
