"""The minimal in-memory broadcast server the fan-out benchmark compares against."""
from __future__ import annotations

import asyncio
import sys

from websockets.asyncio.server import broadcast, serve
from websockets.exceptions import ConnectionClosed

CLIENTS = set()


async def handler(ws):
    CLIENTS.add(ws)
    try:
        async for msg in ws:
            broadcast(CLIENTS, msg)
    except ConnectionClosed:
        pass
    finally:
        CLIENTS.discard(ws)


async def main(port):
    async with serve(handler, "127.0.0.1", port, compression=None):
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
