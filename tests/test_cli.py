"""The cockpit's command line, end to end, as a new user runs it (offscreen)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess      # every test here runs the app or the server CLI

ROOT = Path(__file__).resolve().parent.parent


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (no Qt in this process before its QApplication)."""
    import struct
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", head[16:24])


def xiaonao(*args, stdin=None, timeout=120):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "app.main", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
def test_no_arguments_starts_a_live_demo_room(tmp_path):
    shot = tmp_path / "demo.png"
    r = xiaonao("--demo-db", str(tmp_path / "demo.db"), "--cache", str(tmp_path / "c.db"), "--lang", "zh_CN",
                "--screenshot", str(shot))
    assert r.returncode == 0, r.stderr[-3000:]
    m = re.search(r"showing (\d+) cases and (\d+) squads; link (\w+)", r.stdout)
    assert m, r.stdout
    assert int(m.group(1)) > 10 and int(m.group(2)) == 18 and m.group(3) == "online"   # a live room at once
    assert png_size(shot) == (1920, 1080)
    wall = tmp_path / "wall.png"
    r = xiaonao("--wall", "--demo-db", str(tmp_path / "demo.db"), "--cache", str(tmp_path / "w.db"),
                "--size", "3840x2160", "--screenshot", str(wall))
    assert r.returncode == 0, r.stderr[-3000:]
    assert png_size(wall) == (3840, 2160)


@pytest.mark.slow
def test_unreachable_server_still_starts_on_the_cached_state(tmp_path):
    from client.cache import Cache
    from models.state import apply, empty_state
    from models.street import load_street
    st = empty_state()
    apply(st, {"seq": 1, "at": "2026-11-23T00:00:00.000Z", "name": "street.loaded", "data": {"street": load_street()}})
    apply(st, {"seq": 2, "at": "2026-11-23T00:00:01.000Z", "name": "case.reported", "data": {
        "case_id": "C000001", "no": 1, "title": "缓存里的事件", "category": "traffic", "source": "110", "priority": 2,
        "location": {"address": "杭海路1号"}}})
    cache = Cache(tmp_path / "cache.db")
    cache.save_state(st)
    cache.close()
    r = xiaonao("--server", "ws://127.0.0.1:9/ws", "--user", "zhang", "--password-stdin", "--cache",
                str(tmp_path / "cache.db"), "--screenshot", str(tmp_path / "offline.png"), stdin="secret\n")
    assert r.returncode == 0, r.stderr[-3000:]
    # the cached state, shown with the link still trying (connecting or reconnecting)
    assert "showing 1 cases and 18 squads; link " in r.stdout and "connecting" in r.stdout
    assert "link online" not in r.stdout
    assert b"secret" not in (tmp_path / "cache.db").read_bytes()      # the password is never stored
    assert (tmp_path / "cache.db").stat().st_mode & 0o077 == 0        # the cache (token) is the user's only


def test_server_without_user_is_a_clear_error():
    r = xiaonao("--server", "ws://127.0.0.1:9/ws")
    assert r.returncode == 2 and "--server needs --user" in r.stderr


@pytest.mark.slow
def test_server_cli_clear_errors(tmp_path):
    # `serve` as a process where it gets as far as its port, the others (and the database
    # checks `serve` makes before it opens anything) in this one
    from .helpers import server_cli as srv
    r = srv("serve", "--db", "nonsense://x", refused=True)
    assert r.returncode == 2 and ("not a database URL" in r.stderr or "cannot use database" in r.stderr)
    r = srv("serve", "--db", f"sqlite:///{tmp_path}/empty.db", refused=True)
    assert r.returncode == 2 and "is not initialised" in r.stderr and "xiaonao-server init" in r.stderr
    url = f"sqlite:///{tmp_path}/ok.db"
    assert srv("init", "--db", url, "--street", "demo").returncode == 0
    r = srv("init", "--db", url, "--street", "demo")
    assert r.returncode == 2 and "already initialised" in r.stderr
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        r = srv("serve", "--db", url, "--port", str(s.getsockname()[1]))
    assert r.returncode == 2 and "in use" in r.stderr
    r = srv("init", "--db", f"sqlite:///{tmp_path}/x.db", "--street", str(tmp_path / "missing.toml"))
    assert r.returncode == 2 and "street file not found" in r.stderr
