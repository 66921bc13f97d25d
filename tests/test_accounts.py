"""Accounts under attack and under administration (issue 13, items 6, 9, 10): login back-off
that an attacker cannot turn against the rightful console, one answer for every failure,
revocation that reaches live sessions at once, and the password policy.

Every test runs the real server on a loopback port with real WebSocket clients; a command
line change is made through `server.cli.main`, the way an administrator makes it.
"""
from __future__ import annotations

import asyncio
import io
import json
import os
import stat
import sys
import time

import pytest
import websockets

from server.app import XiaonaoServer
from server.auth import GENERIC_REFUSAL, network_of
from server.cli import main as cli

from .conftest import RawClient, make_db, ws_url
from .helpers import Clock, free_port

REPORT = {"title": "噪音扰民", "category": "dispute", "source": "110", "priority": 2,
          "location": {"address": "九堡大道88号"}}


def run_cli(*argv: str, stdin: str | None = None) -> tuple[int, str]:
    """xiaonao-server with these arguments; (exit code, what it printed)."""
    out, err, old = io.StringIO(), io.StringIO(), (sys.stdin, sys.stdout, sys.stderr)
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin or ""), out, err
    try:
        code = cli(list(argv))
    finally:
        sys.stdin, sys.stdout, sys.stderr = old
    return code, out.getvalue() + err.getvalue()


async def hello(url: str, user: str, password: str, local_addr: tuple[str, int] | None = None) -> dict:
    """One login attempt; the server's first answer."""
    kw = {"local_addr": local_addr} if local_addr else {}
    async with websockets.connect(url, open_timeout=5, **kw) as ws:
        await ws.send(json.dumps({"type": "hello", "user": user, "password": password}))
        return json.loads(await ws.recv())


async def ended_frame(c: RawClient, timeout: float = 6.0) -> dict:
    """Read until the server says the session ended (and then closes)."""
    while True:
        m = await c.recv(timeout)
        if m.get("type") == "session.ended":
            return m


# ---- item 6: back-off, one answer, equal work -------------------------------------------
async def test_failures_from_another_network_never_lock_the_leader_out_of_their_console(tmp_path):
    url = make_db(tmp_path)
    port = free_port()
    srv = XiaonaoServer(url, ["127.0.0.1", "::1"], port)     # two networks on one machine
    await srv.start()
    try:
        v4, v6 = f"ws://127.0.0.1:{port}/ws", f"ws://[::1]:{port}/ws"
        # an attacker guesses the leader's password from 127.x, rotating its source address
        answers = []
        for i in range(12):
            answers.append(await hello(v4, "lead", f"guess-{i}", local_addr=(f"127.0.{i}.{i + 2}", 0)))
        assert {a["code"] for a in answers} == {"unauthenticated"}
        # ... and is held back, whichever 127.x address it comes from, even with the right password
        late = await hello(v4, "lead", "lead-password", local_addr=("127.9.9.9", 0))
        assert late["type"] == "error" and late["message"] == GENERIC_REFUSAL
        # the leader's console, on its own network, logs in at once
        console = await hello(v6, "lead", "lead-password")
        assert console["type"] == "welcome" and console["role"] == "leader"
    finally:
        await srv.stop()


def test_rate_limits_key_on_the_network_not_the_address():
    assert network_of("10.1.2.3") == network_of("10.1.2.200") == "10.1.2.0/24"
    assert network_of("10.1.3.3") != network_of("10.1.2.3")
    assert network_of("2001:db8:1:2::1") == network_of("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert network_of("::ffff:10.1.2.3") == "10.1.2.0/24"
    assert network_of("127.0.0.1") == network_of("127.44.3.2")


async def test_every_failure_gets_one_answer_and_unknown_users_cost_a_hash(server, monkeypatch):
    import server.auth as auth
    hashed = []
    real = auth.verify_password
    monkeypatch.setattr(auth, "verify_password", lambda pw, stored: hashed.append(stored) or real(pw, stored))
    url = ws_url(server)
    await asyncio.to_thread(server.store.set_disabled, "e01", True)
    # each is answered only after the failure delay (tests/conftest.py lowers it for the suite;
    # these three wait the production one's order of magnitude)
    lowered = auth.FAIL_DELAY
    monkeypatch.setattr(auth, "FAIL_DELAY", 0.3)
    took = []
    for name, pw in (("op", "not-the-password"), ("nobody-here", "whatever-it-is"), ("e01", "e01-password")):
        started = time.monotonic()
        took.append((await hello(url, name, pw), time.monotonic() - started))
    monkeypatch.setattr(auth, "FAIL_DELAY", lowered)
    (wrong, _), (unknown, _), (disabled, _) = took
    assert wrong == unknown == disabled == {"type": "error", "id": None, "code": "unauthenticated",
                                             "message": GENERIC_REFUSAL}
    assert all(t >= 0.3 for _answer, t in took), took
    assert len(hashed) == 3            # the unknown and the disabled user were checked against a dummy
    # four more wrong ones from here: then even the right password is held back a while, with
    # the same answer, for a real user and an unknown one alike
    for name, pw, right in [("op", "not-the-password", "op-password"),
                            ("nobody-here", "whatever-it-is", "whatever-it-is")]:
        for _ in range(4):
            assert await hello(url, name, pw) == wrong
        assert await hello(url, name, right) == wrong
    assert "locked" not in json.dumps(wrong)


async def test_a_password_typed_into_the_user_field_is_not_in_the_audit(server):
    await hello(ws_url(server), "Tr0ub4dor&3-secret", "")
    rows = await asyncio.to_thread(server.store.audit_rows, 10)
    text = json.dumps(rows)
    assert "Tr0ub4dor" not in text
    failed = [r for r in rows if r["action"] == "login.failed"]
    assert failed and failed[0]["user"].startswith("?") and len(failed[0]["user"]) <= 12
    ok = await RawClient.connect(ws_url(server), "op")           # known users are named
    await ok.close()
    rows = await asyncio.to_thread(server.store.audit_rows, 10)
    assert ("op", "login") in [(r["user"], r["action"]) for r in rows]


# ---- item 9: revocation ---------------------------------------------------------------------
async def test_logout_ends_the_session_and_its_token(server):
    c = await RawClient.connect(ws_url(server), "op")
    tok = c.welcome["token"]
    await c.ws.send(json.dumps({"type": "logout"}))
    assert (await ended_frame(c))["reason"] == "logout"
    again = await RawClient.connect(ws_url(server), None, token=tok)
    assert again.welcome["type"] == "error" and again.welcome["code"] == "unauthenticated"


@pytest.fixture
def quick_watch(monkeypatch):
    """The server looks at the account change counter (what the CLI, another process, bumps)
    every 0.1 s instead of every second (auth.WATCH_EVERY); before `server` starts."""
    import server.auth as auth
    monkeypatch.setattr(auth, "WATCH_EVERY", 0.1)


async def test_cli_password_change_ends_live_sessions_and_old_tokens(quick_watch, server):
    url = server.store.url
    c = await RawClient.connect(ws_url(server), "op")
    tok = c.welcome["token"]
    await c.recv()                                                # snapshot
    code, out = await asyncio.to_thread(run_cli, "user", "passwd", "op", "--db", url, "--password-stdin",
                                        stdin="a-new-op-secret\n")
    assert code == 0, out
    assert (await ended_frame(c))["reason"] == "revoked"          # the running server noticed
    old = await RawClient.connect(ws_url(server), None, token=tok)
    assert old.welcome["type"] == "error"
    assert (await hello(ws_url(server), "op", "a-new-op-secret"))["type"] == "welcome"


async def test_cli_disable_and_role_change_reach_live_sessions(quick_watch, server):
    url = server.store.url
    op = await RawClient.connect(ws_url(server), "op")
    lead = await RawClient.connect(ws_url(server), "lead")
    await op.recv(), await lead.recv()
    code, out = await asyncio.to_thread(run_cli, "user", "role", "lead", "wall", "--db", url)
    assert code == 0, out
    m = await ended_frame(lead)
    assert m["reason"] == "role_changed"
    # the same token logs in again with the new role, which may not issue commands
    back = await RawClient.connect(ws_url(server), None, token=lead.welcome["token"])
    assert back.welcome["role"] == "wall"
    await back.recv()
    refused, _ = await back.command("case.report", REPORT)
    assert refused["code"] == "forbidden"
    code, out = await asyncio.to_thread(run_cli, "user", "disable", "op", "--db", url)
    assert code == 0, out
    assert (await ended_frame(op))["reason"] == "disabled"
    assert (await hello(ws_url(server), "op", "op-password"))["message"] == GENERIC_REFUSAL
    code, out = await asyncio.to_thread(run_cli, "user", "list", "--db", url)
    assert code == 0 and "op" in out and "disabled" in out and "wall" in out


async def test_a_live_session_ends_when_its_token_expires(tmp_path):
    clock = Clock()
    srv = XiaonaoServer(make_db(tmp_path), "127.0.0.1", 0, token_ttl=3600.0, auth_clock=clock)
    await srv.start()
    try:
        c = await RawClient.connect(ws_url(srv), "op")
        await c.recv()
        assert srv.accounts.expire() == 0                  # not yet
        clock.advance(3601)                                # an hour on
        assert srv.accounts.expire() == 1
        m = await ended_frame(c)
        assert m["reason"] == "expired"
        with pytest.raises(websockets.ConnectionClosed):
            for _ in range(5):
                await c.recv(3)
    finally:
        await srv.stop()


async def test_an_admin_manages_users_over_the_protocol(server):
    admin = await RawClient.connect(ws_url(server), "admin")
    op = await RawClient.connect(ws_url(server), "op")
    await admin.recv(), await op.recv()

    async def ask(c, name, **args):
        await c.ws.send(json.dumps({"type": "admin", "id": name, "name": name, "args": args}))
        while True:
            m = await c.recv()
            if m.get("id") == name and m["type"] in ("admin.result", "error"):
                return m

    listed = await ask(admin, "user.list")
    assert {u["name"] for u in listed["result"]["users"]} >= {"op", "lead", "admin"}
    assert (await ask(op, "user.list"))["code"] == "forbidden"
    weak = await ask(admin, "user.passwd", user="lead", password="12345678")
    assert weak["type"] == "error" and weak["code"] == "invalid"
    done = await ask(admin, "user.disable", user="op")
    assert done["result"]["sessions_ended"] == 1
    assert (await ended_frame(op))["reason"] == "disabled"
    assert (await ask(admin, "user.enable", user="op"))["type"] == "admin.result"
    assert (await hello(ws_url(server), "op", "op-password"))["type"] == "welcome"


# ---- item 10: password hygiene ------------------------------------------------------------------
def test_the_password_policy_refuses_weak_passwords_and_blank_names(tmp_path):
    url = make_db(tmp_path)
    for name, role, pw, why in [("boss", "admin", "12345678", "at least 12"),
                                ("boss", "admin", " " * 12, "blank"),
                                ("boss", "admin", "password1234".replace("1234", "123"), "at least 12"),
                                ("boss", "leader", "qwertyuiop", "at least 12"),
                                ("boss", "admin", "administrator", "too common"),
                                ("clerk", "operator", "1234567", "at least 8"),
                                ("clerk", "operator", "woaini1314", "too common"),
                                ("", "admin", "a-long-enough-secret", "blank"),
                                ("   ", "admin", "a-long-enough-secret", "blank"),
                                ("two words", "operator", "a-long-enough-secret", "spaces")]:
        code, out = run_cli("user", "add", name, "--role", role, "--db", url, "--password-stdin", stdin=pw + "\n")
        assert code == 2 and why in out, (name, role, pw, out)
    code, out = run_cli("user", "add", "boss", "--role", "admin", "--db", url, "--password-stdin",
                        stdin="horse-battery-staple\n")
    assert code == 0, out


def test_the_server_database_file_is_private(tmp_path):
    from server.cli import init_db
    init_db(f"sqlite:///{tmp_path}/fresh.db", "demo")
    for suffix in ("", "-wal", "-shm"):
        p = tmp_path / f"fresh.db{suffix}"
        if p.exists():
            assert stat.S_IMODE(os.stat(p).st_mode) == 0o600, suffix
    loose = tmp_path / "old.db"
    loose.write_bytes(b"")
    os.chmod(loose, 0o644)
    from server.store import EventStore
    EventStore(f"sqlite:///{loose}").dispose()
    assert stat.S_IMODE(os.stat(loose).st_mode) == 0o600


@pytest.mark.subprocess
def test_user_list_prints_the_users_without_alembics_log_lines(tmp_path):
    """`xiaonao-server user list` printed eight "INFO alembic…" lines between its header and
    its rows."""
    import subprocess
    url = make_db(tmp_path)
    r = subprocess.run([sys.executable, "-c", "from server.cli import main; raise SystemExit(main())",
                        "user", "list", "--db", url], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "lead" in r.stdout and "alembic" not in r.stdout + r.stderr, r.stdout + r.stderr


def test_a_mistyped_database_path_is_said_and_not_created(tmp_path):
    """`user list --db` with a wrong SQLite path made an empty file there and printed the
    table's header before the error."""
    from .helpers import server_cli
    missing = tmp_path / "typo" / "xiaonao.db"
    missing.parent.mkdir()
    r = server_cli("user", "list", "--db", f"sqlite:///{missing}")
    assert r.returncode == 2
    assert f"no database at {missing}" in r.stderr and "xiaonao-server init" in r.stderr
    assert "name" not in r.stdout and not missing.exists()
