"""Helpers shared by the test modules: `until` (wait for a condition), the real server as a
separate process (kill -9 tests) or on a thread of its own (Qt tests), and a `Clock` to move."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# ---- deadlines, not speed checks ----------------------------------------------------------
# A test's deadline says how long to wait before a missing outcome counts as a failure; it is
# never a measure of speed. On a machine shared with other work (the team's suites at `nice`,
# benches, servers) a test's process gets a fraction of a core, and a fixed deadline failed
# passing tests (a case sheet not saved within 20 s at load 7 on 2 cores). Every deadline here
# is stretched by how oversubscribed the cores are: the load average over the core count, at
# least 1, at most MAX_STRETCH; looked at again when the deadline comes, so a load that rose
# meanwhile counts. A passing test waits no longer for it. XIAONAO_TEST_STRETCH=N fixes it.
MAX_STRETCH = 5.0


def stretch(seconds: float) -> float:
    """`seconds` of a deadline on a quiet machine, as long as it is on this one now."""
    fixed = os.environ.get("XIAONAO_TEST_STRETCH")
    if fixed:
        factor = float(fixed)
    else:
        try:
            factor = os.getloadavg()[0] / (os.cpu_count() or 1)
        except OSError:
            factor = 1.0
    return seconds * min(MAX_STRETCH, max(1.0, factor))


async def until(pred, timeout: float = 15.0, what: str = "condition") -> None:
    """Poll `pred` on the running event loop until it holds, or fail saying what was awaited
    (after `timeout` seconds, stretched on a loaded machine: `stretch`)."""
    start, limit = time.monotonic(), stretch(timeout)
    while True:
        if pred():
            return
        if time.monotonic() - start >= limit:
            limit = max(limit, stretch(timeout))          # the load now, not only at the start
            if time.monotonic() - start >= limit:
                break
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what} ({limit:.1f} s)")


async def within(aw, timeout: float):
    """`asyncio.wait_for` with the deadline stretched on a loaded machine (`stretch`)."""
    return await asyncio.wait_for(aw, stretch(timeout))


def server_cli(*args: str, stdin: str | None = None, timeout: float = 120,
               refused: bool = False) -> subprocess.CompletedProcess:
    """`xiaonao-server ARGS` as a user types it: its exit code, what it printed and what it
    said on stderr. Run in this process (server.cli.main: the same parsing, checks and output,
    without a second of interpreter start-up and imports per call), except `serve`, which runs
    as the process it is, unless `refused`: a `serve` its checks refuse before it opens
    anything (a bad URL, an uninitialised database) runs here too. Use a process of its own
    (`subprocess`) where the test is about two processes: a lock another process holds, a kill."""
    import contextlib
    import io
    import logging
    if args and args[0] == "serve" and not refused:
        return subprocess.run([sys.executable, "-m", "server.cli", *args], cwd=ROOT, input=stdin,
                              capture_output=True, text=True, timeout=timeout,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
    from server.cli import main
    out, err = io.StringIO(), io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    saved_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin or "")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as e:            # argparse: a usage error (2) or --help (0)
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    finally:
        sys.stdin = saved_stdin
        for h in root.handlers[:]:             # what basicConfig added on the way (to the captured stderr)
            if h not in handlers:
                root.removeHandler(h)
        root.setLevel(level)
    return subprocess.CompletedProcess(["xiaonao-server", *args], code, out.getvalue(), err.getvalue())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, db_url: str, port: int | None = None, extra: list[str] | None = None):
        self.db_url = db_url
        self.port = port or free_port()
        self.extra = extra or []
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def start(self, timeout: float = 60.0) -> "ServerProcess":
        # (60 s: at a load of 20 on two cores a server process took more than 20 s to answer)
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        # the log goes to a file: a pipe nobody reads would fill and stall the server
        self.log = tempfile.NamedTemporaryFile(prefix="xiaonao-server-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--db", self.db_url, "--port", str(self.port), *self.extra],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + stretch(timeout)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {Path(self.log.name).read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=0.5)
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not come up")

    def kill9(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill9()


class ServerThread:
    """The real server on its own thread and event loop, as a separate machine's would be
    (the Qt tests' loop stays free for the cockpit): a port of its own, or the one it had
    before (a restart), `data_dir` for its evidence files; `server_kw` go to XiaonaoServer
    (file_limits, …)."""

    def __init__(self, db_url: str, data_dir: str | Path | None = None, port: int = 0, **server_kw):
        from server.app import XiaonaoServer
        kw = dict(server_kw) if data_dir is None else {"data_dir": str(data_dir), **server_kw}
        self.srv = XiaonaoServer(db_url, "127.0.0.1", port, **kw)
        self._ready = threading.Event()

    def start(self) -> "ServerThread":
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self._thread.start()
        assert self._ready.wait(stretch(30)), "server did not start"
        return self

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        await self.srv.start()
        self._ready.set()
        await self._stop.wait()
        await self.srv.stop()

    @property
    def url(self) -> str:
        return self.srv.url

    def issue_token(self, user: str) -> str:
        return self.srv.issue_token(user)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(stretch(30))


class Clock:
    """A clock the test moves instead of sleeping: give it to the server (XiaonaoServer's
    `clock`, which stamps events) and to the link (ServerLink's `clock`, its window), then
    `advance` it by days. It starts at the real time."""

    def __init__(self, t: float | None = None):
        self.t = time.time() if t is None else t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds
