"""Shared fixtures: a real server on a loopback port over a real database."""
from __future__ import annotations

import asyncio
import json
import os
import uuid

import pytest
import websockets

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# keep tests out of the user's real settings, caches and demo database
_SANDBOX = __import__("tempfile").mkdtemp(prefix="xiaonao-tests-")
os.environ["XDG_CONFIG_HOME"] = os.path.join(_SANDBOX, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_SANDBOX, "data")
os.environ["XDG_CACHE_HOME"] = os.path.join(_SANDBOX, "cache")

PG_URL = os.environ.get("XIAONAO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_available() -> str | None:
    """None when PostgreSQL is usable, else the reason it is not."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed"
    try:
        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=test", connect_timeout=2):
            return None
    except Exception as e:  # noqa: BLE001
        return f"no PostgreSQL on 127.0.0.1:5432 ({e.__class__.__name__})"


def fresh_pg_url() -> str:
    import psycopg
    from sqlalchemy.engine import make_url
    name = f"xn_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}")
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def make_db(tmp_path, backend="sqlite") -> str:
    from server.cli import add_user, init_db
    if backend == "postgres":
        reason = pg_available()
        if reason:
            pytest.skip(reason)
        url = fresh_pg_url()
    else:
        url = f"sqlite:///{tmp_path}/server.db"
    init_db(url, "demo")
    for name, role, team in [("op", "operator", None), ("lead", "leader", None), ("wall", "wall", None),
                             ("intake", "intake", None), ("admin", "admin", None), ("w01", "field", "W01"),
                             ("e01", "field", "E01")]:
        add_user(url, name, role, f"{name}-password", team)
    return url


def drop_pg(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url
    name = make_url(url).database
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(autouse=True)
def collect_on_the_main_thread():
    """Collect each test's garbage here, on the Qt thread, before another thread's
    allocation could trigger it (a Qt object destroyed off its thread leaves timers behind;
    the app itself collects only on its Qt thread, see app/gc_main.py)."""
    import gc
    gc.disable()
    yield
    gc.collect()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(tmp_path, request):
    """A fresh, initialised database with one user per role: SQLite, and the machine's
    PostgreSQL when it runs (skipped with the reason when it does not)."""
    url = make_db(tmp_path, request.param)
    yield url
    if request.param == "postgres":
        drop_pg(url)


class RawClient:
    """A protocol client written only from PROTOCOL.md: the test's own view of the wire."""

    def __init__(self, ws, welcome, frames):
        self.ws = ws
        self.welcome = welcome
        self.frames = frames
        self.state_seq = 0

    @classmethod
    async def connect(cls, url, user, password=None, token=None, resume_from=None):
        ws = await websockets.connect(url, max_size=4 * 1024 * 1024)
        hello = {"type": "hello"}
        if token:
            hello["token"] = token
        else:
            hello |= {"user": user, "password": password if password is not None else f"{user}-password"}
        if resume_from is not None:
            hello["resume_from"] = resume_from
        await ws.send(json.dumps(hello))
        welcome = json.loads(await ws.recv())
        return cls(ws, welcome, [])

    async def recv(self, timeout=5.0):
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def command(self, name, args, cid=None, timeout=5.0):
        """Send a command and return (answer, events seen meanwhile)."""
        cid = cid or str(uuid.uuid4())
        await self.ws.send(json.dumps({"type": "command", "id": cid, "name": name, "args": args}))
        seen = []
        while True:
            m = await self.recv(timeout)
            if m.get("type") in ("ack", "error") and m.get("id") == cid:
                return m, seen
            seen.append(m)

    async def close(self):
        await self.ws.close()


@pytest.fixture
async def server(db_url):
    from server.app import XiaonaoServer
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)
    await srv.start()
    yield srv
    await srv.stop()


def ws_url(srv) -> str:
    return f"ws://127.0.0.1:{srv.port}/ws"
