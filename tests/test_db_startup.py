"""Starting on a database: one server per database (a lease, the second is refused with a
message naming the first), and a damaged database gets a message and recovery steps, not a
traceback."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from models.commands import Actor
from server.app import XiaonaoServer
from server.store import StoreError

from .conftest import BOTH_BACKENDS, make_db
from .helpers import ROOT

REPORT = {"title": "油烟扰民", "category": "environment", "source": "12345", "priority": 3,
          "location": {"address": "红普南路64号"}}


def serve_and_fail(url: str) -> subprocess.CompletedProcess:
    """`xiaonao-server serve` that is expected to refuse to start."""
    return subprocess.run([sys.executable, "-m", "server.cli", "serve", "--db", url, "--port", "0"],
                          cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True,
                          text=True, timeout=60)


@pytest.mark.subprocess
@pytest.mark.parametrize("backend", BOTH_BACKENDS)
async def test_a_second_server_on_the_same_database_is_refused(tmp_path, backend):
    url = make_db(tmp_path, backend)
    first = XiaonaoServer(url, "127.0.0.1", 0)
    await first.start()
    try:
        second = await asyncio.to_thread(serve_and_fail, url)
        assert second.returncode == 2, second.stderr
        assert "in use by another xiaonao-server" in second.stderr and f"pid {os.getpid()}" in second.stderr
        assert "Traceback" not in second.stderr
        again = XiaonaoServer(url, "127.0.0.1", 0)          # in the same process too
        with pytest.raises(StoreError, match="in use by another xiaonao-server"):
            await again.start()
        await again.stop()
        # the first one is not disturbed
        assert await first.hub.execute(Actor("op", "operator"), "case.report", REPORT) > 1
    finally:
        await first.stop()
    # once the first has stopped, the database can be served again
    third = XiaonaoServer(url, "127.0.0.1", 0)
    await third.start()
    await third.stop()
    if backend == "postgres":
        from .conftest import drop_pg
        drop_pg(url)


def _damage(path: str, offset: int, length: int) -> None:
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(b"\xa5" * length)


@pytest.mark.subprocess
@pytest.mark.parametrize("where", ["header", "pages"])
async def test_a_damaged_database_gets_a_message_and_the_way_out(tmp_path, where):
    url = make_db(tmp_path)
    srv = XiaonaoServer(url, "127.0.0.1", 0)
    await srv.start()
    for i in range(300):
        await srv.hub.execute(Actor("op", "operator"), "case.report", dict(REPORT, description="描述" * 100))
    await srv.stop()
    path = url.removeprefix("sqlite:///")
    size = os.path.getsize(path)
    if where == "header":
        _damage(path, 0, 100)
    else:
        _damage(path, 4096 * 3, size - 4096 * 6)      # most pages after the schema
    out = await asyncio.to_thread(serve_and_fail, url)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr, out.stderr[-3000:]
    assert "damaged" in out.stderr and "docs/operations.md" in out.stderr, out.stderr[-2000:]
    doc = (ROOT / "docs" / "operations.md").read_text()
    assert "## A damaged database" in doc and ".recover" in doc
