"""The acceptance harness: the real `xiaonao` process under Xvfb at 1920×1080, driven like a
person (xdotool types and clicks), checked through a separate protocol client on the server
and by screenshots.

Fixtures (use them in any tests/acceptance/test_*.py; every test here is marked
`acceptance` automatically and runs in `make test` and `make acceptance`):

    display     the X server (one per test session): `display.key("ctrl+n")`,
                `display.type("text")`, `display.click(x, y)`, `display.double_click(x, y)`,
                `display.screenshot(path)`. Skips the test, saying why, when Xvfb or
                xdotool is missing or the X server does not start.
    home        a fresh user home for the test: XDG data/config/cache folders, so the
                embedded demo's database, the layout and the caches are the test's own.
                `home.data` is XDG_DATA_HOME; the embedded demo lives in
                `home.data / "xiaonao" / "demo"`.
    launch      `launch(*args, lang="en", stdin=None, home=None)` starts `xiaonao ARGS` on the
                display and returns a `Cockpit` once its window shows (stopped at the end).
                Without `--server` it runs (or joins) the embedded demo of `home`; pass
                `--demo-hours 0 --no-simulate` for a quiet, empty room.
    probe       `probe(url, token=... | user=..., password=...)`: a `Probe`, a protocol client
                of the test's own on a thread (connected, collecting every event).
    embedded    `embedded(home)`: the embedded server's `server.json` ({url, tokens, pid}),
                written by the instance that runs it (see app/instance.py).
    shots       a folder for screenshots (kept under build/acceptance-shots/ for viewing).

A `Cockpit` knows its process and its window: `cockpit.widgets()` reads the map of named
widgets the process writes (XIAONAO_WIDGET_MAP, see app/automation.py): where each is on
screen, its text, whether it is enabled or marked invalid; `cockpit.click("name")`,
`cockpit.double_click("name")`, `cockpit.key("ctrl+n")` (focuses its window first),
`cockpit.type("...")`, `cockpit.wait_widget("name", lambda w: ...)`, `cockpit.quit()`
(Ctrl+Q, as a person quits), `cockpit.kill()`, `cockpit.log()` (its stderr).
"""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..helpers import stretch

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "build" / "acceptance-shots"
SIZE = (1920, 1080)


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.acceptance)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.when == "call":
        item.failed_call = rep.failed


def wait_until(pred, timeout: float = 20.0, what: str = "condition", every: float = 0.1):
    """Poll `pred` until it returns something truthy (returned), or fail naming what was awaited.
    `timeout` is a deadline, not a speed check: stretched on a loaded machine (tests.helpers.stretch;
    the app's first window took more than 90 s at load 7 on 2 cores, and 11 s at load 5)."""
    start, limit = time.monotonic(), stretch(timeout)
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() - start > limit:
            limit = max(limit, stretch(timeout))          # the load now, not only at the start
            if time.monotonic() - start > limit:
                raise AssertionError(f"timed out after {limit:.0f} s waiting for {what}")
        time.sleep(every)


# ---- the X server -----------------------------------------------------------------

class Display:
    def __init__(self, name: str, proc: subprocess.Popen):
        self.name, self.proc = name, proc

    @property
    def env(self) -> dict:
        return {"DISPLAY": self.name}

    def xdotool(self, *args: str, check: bool = True) -> str:
        r = subprocess.run(["xdotool", *map(str, args)], env=dict(os.environ, DISPLAY=self.name),
                           capture_output=True, text=True, timeout=30)
        if check and r.returncode != 0:
            raise RuntimeError(f"xdotool {' '.join(map(str, args))}: {r.stderr.strip()}")
        return r.stdout.strip()

    def key(self, *keys: str) -> None:
        self.xdotool("key", "--delay", "60", *keys)

    def type(self, text: str) -> None:
        # xdotool types a non-Latin character by remapping a spare key: slower, or Qt may
        # read the key after it has been remapped for the next one
        self.xdotool("type", "--delay", "25" if text.isascii() else "120", "--", text)

    def move(self, x: int, y: int) -> None:
        self.xdotool("mousemove", "--sync", x, y)

    def click(self, x: int, y: int, repeat: int = 1, button: int = 1) -> None:
        self.move(x, y)
        time.sleep(0.05)
        self.xdotool("click", "--repeat", repeat, "--delay", "80", button)

    def double_click(self, x: int, y: int) -> None:
        self.click(x, y, repeat=2)

    def screenshot(self, path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        r = subprocess.run([sys.executable, str(Path(__file__).with_name("grab.py")), str(path)],
                           env=dict(os.environ, DISPLAY=self.name), capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, f"screenshot failed: {r.stdout} {r.stderr}"
        return path


def _why_no_x() -> str | None:
    for tool in ("Xvfb", "xdotool"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/bootstrap.sh installs xvfb and xdotool when run as root)"
    if sys.platform != "linux":
        return "the acceptance suite drives an X server (Linux only)"
    return None


@pytest.fixture(scope="session")
def display():
    reason = _why_no_x()
    if reason:
        pytest.skip(reason)
    r, w = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", f"{SIZE[0]}x{SIZE[1]}x24",
                             "-nolisten", "tcp", "-noreset"], pass_fds=(w,), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    os.close(w)
    num = b""
    deadline = time.monotonic() + 20
    os.set_blocking(r, False)
    while not num.endswith(b"\n") and time.monotonic() < deadline and proc.poll() is None:
        try:
            num += os.read(r, 16)
        except BlockingIOError:
            time.sleep(0.05)
    os.close(r)
    if not num.strip():
        err = proc.stderr.read().decode(errors="replace")[-500:] if proc.poll() is not None else "no display number"
        proc.kill()
        pytest.skip(f"Xvfb did not start: {err}")
    d = Display(f":{num.decode().strip()}", proc)
    yield d
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


# ---- the cockpit process ----------------------------------------------------------

@dataclass
class Home:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def demo(self) -> Path:
        return self.data / "xiaonao" / "demo"

    @property
    def env(self) -> dict:
        return {"XDG_DATA_HOME": str(self.data), "XDG_CONFIG_HOME": str(self.root / "config"),
                "XDG_CACHE_HOME": str(self.root / "cache"), "HOME": str(self.root)}


@pytest.fixture
def home(tmp_path) -> Home:
    h = Home(tmp_path / "home")
    for p in ("data", "config", "cache"):
        (h.root / p).mkdir(parents=True, exist_ok=True)
    return h


def xiaonao_command() -> list[str]:
    exe = Path(sys.executable).with_name("xiaonao")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "app.main"]


class Cockpit:
    """One running `xiaonao` on the display."""

    def __init__(self, display: Display, home: Home, args: list[str], lang: str = "en", stdin: str | None = None):
        self.display, self.home, self.args = display, home, list(args)
        self.map_path = home.root / f"widgets-{uuid.uuid4().hex[:8]}.json"
        self.log_path = home.root / f"xiaonao-{self.map_path.stem[8:]}.log"
        env = dict(os.environ, **display.env, **home.env, QT_QPA_PLATFORM="xcb",
                   XIAONAO_WIDGET_MAP=str(self.map_path), PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
        for k in ("WAYLAND_DISPLAY", "QT_SCALE_FACTOR"):
            env.pop(k, None)
        self._log = open(self.log_path, "wb")
        cmd = [*xiaonao_command(), "--lang", lang, *self.args]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.PIPE if stdin is not None else None,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        if stdin is not None:
            self.proc.stdin.write(stdin.encode())
            self.proc.stdin.close()
        self.window_id: str | None = None

    # what the process shows
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def snapshot(self) -> dict:
        try:
            return json.loads(self.map_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"widgets": {}, "focus": None}

    def widgets(self) -> dict:
        return self.snapshot()["widgets"]

    def widget(self, name: str) -> dict | None:
        return self.widgets().get(name)

    def wait_widget(self, name: str, pred=lambda w: True, timeout: float = 20.0) -> dict:
        def ok():
            self._alive()
            w = self.widget(name)
            return w if w is not None and pred(w) else None
        return wait_until(ok, timeout, f"widget {name!r} in {self.args} (log: …{self.log()[-800:]})")

    def wait_gone(self, name: str, timeout: float = 10.0) -> None:
        wait_until(lambda: self.widget(name) is None, timeout, f"widget {name!r} to close")

    def _alive(self) -> None:
        if self.proc.poll() is not None:
            raise AssertionError(f"xiaonao exited with {self.proc.returncode}: …{self.log()[-2000:]}")

    def wait_ready(self, window: str = "MainWindow", timeout: float = 60.0) -> "Cockpit":
        self.wait_widget(window, timeout=timeout)
        wid = wait_until(lambda: self.display.xdotool("search", "--onlyvisible", "--pid", self.proc.pid,
                                                        check=False).split(), timeout, "its X window")
        self.window_id = wid[-1]
        if window == "MainWindow":
            self.place(0, 0, *SIZE)
        return self

    def place(self, x: int, y: int, w: int, h: int) -> None:
        """Put the window there, at that size (the operator maximises it; there is no window
        manager on the display), and wait until the process knows where it is: the widget
        map's coordinates are the screen's from then on."""
        self.display.xdotool("windowsize", "--sync", self.window_id, w, h, check=False)
        self.display.xdotool("windowmove", "--sync", self.window_id, x, y, check=False)
        top = self.snapshot().get("widgets", {})
        name = "MainWindow" if "MainWindow" in top else "WallWindow"
        self.wait_widget(name, lambda m: (m["x"], m["y"], m["w"], m["h"]) == (x, y, w, h), timeout=20)

    def focus(self) -> None:
        if self.window_id:
            self.display.xdotool("windowraise", self.window_id, check=False)
            self.display.xdotool("windowfocus", "--sync", self.window_id, check=False)
            time.sleep(0.1)

    # driving it like a person
    def key(self, *keys: str) -> None:
        self.focus_dialog_or_window()
        self.display.key(*keys)

    def type(self, text: str) -> None:
        self.display.type(text)

    def focus_dialog_or_window(self) -> None:
        """Keys go to this process: to its open dialog if it has one, else to its window
        (there is no window manager on the display to move the focus for us)."""
        ids = self.display.xdotool("search", "--onlyvisible", "--pid", self.proc.pid, check=False).split()
        others = [i for i in ids if i != self.window_id]
        if others:
            self.display.xdotool("windowfocus", "--sync", others[-1], check=False)
            time.sleep(0.1)
        elif ids:
            self.focus()

    def type_into(self, name: str, text: str, attempts: int = 3) -> None:
        """Click into a field and type, as a person would, until it shows what was typed
        (xdotool can drop a character of a non-Latin text under load: then type it again)."""
        for _ in range(attempts):
            self.click(name)
            self.display.key("ctrl+a", "BackSpace")
            self.display.type(text)
            try:
                self.wait_widget(name, lambda w: w.get("text") == text, timeout=3)
                return
            except AssertionError:
                continue
        raise AssertionError(f"could not type {text!r} into {name}: it shows {self.widget(name)!r}")

    def center(self, name: str) -> tuple[int, int]:
        """The middle of the part of the widget on screen, once it has stopped moving."""
        def settled():
            a = self.wait_widget(name)
            time.sleep(0.3)
            b = self.wait_widget(name)
            return b if a["visible"] == b["visible"] else None
        w = wait_until(settled, 10, f"{name} to stay in place")
        x, y, vw, vh = w["visible"]
        return x + vw // 2, y + vh // 2

    def click(self, name: str) -> None:
        self.display.click(*self.center(name))

    def double_click(self, name: str) -> None:
        self.display.double_click(*self.center(name))

    def screenshot(self, path) -> Path:
        return self.display.screenshot(path)

    # ending it
    def quit(self, timeout: float = 20.0) -> int:
        if self.proc.poll() is None:
            self.focus()
            self.display.key("ctrl+q")
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.stop()
        return self.proc.returncode

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self._log.close()


@pytest.fixture
def launch(request, display, home):
    """On a failure the screen is saved to build/acceptance-shots/FAILED-<test>.png and each
    cockpit's log to FAILED-<test>-N.log."""
    started: list[Cockpit] = []

    def start(*args: str, lang: str = "en", stdin: str | None = None, home_: Home | None = None,
              wait: str | None = "MainWindow", timeout: float = 90.0) -> Cockpit:
        c = Cockpit(display, home_ or home, list(args), lang=lang, stdin=stdin)
        started.append(c)
        if wait:
            c.wait_ready("WallWindow" if "--wall" in args and wait == "MainWindow" else wait, timeout)
        return c
    yield start
    if getattr(request.node, "failed_call", False) and started:
        SHOTS.mkdir(parents=True, exist_ok=True)
        try:
            display.screenshot(SHOTS / f"FAILED-{request.node.name}.png")
        except Exception:  # noqa: BLE001
            pass
        for i, c in enumerate(started):
            shutil.copy(c.log_path, SHOTS / f"FAILED-{request.node.name}-{i}.log")
    for c in reversed(started):
        c.stop()


@pytest.fixture
def embedded():
    def read(home: Home, timeout: float = 90.0) -> dict:
        p = home.demo / "server.json"
        return wait_until(lambda: json.loads(p.read_text()) if p.exists() else None, timeout,
                          f"{p} (the embedded server's address)")
    return read


@pytest.fixture
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


# ---- the test's own protocol client -------------------------------------------------

class Probe:
    """A protocol client on a thread of its own, written from docs/protocol.md: logs in,
    collects every event, sends commands and returns the server's answer."""

    def __init__(self, url: str, token: str | None = None, user: str | None = None, password: str | None = None):
        self.url, self.token, self.user, self.password = url, token, user, password
        self.events: list[dict] = []
        self.welcome: dict | None = None
        self._answers: dict[str, asyncio.Future] = {}
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="acceptance-probe")
        self._thread.start()
        if not self._ready.wait(20) or self._error:
            raise AssertionError(f"the probe could not log in at {url}: {self._error!r}")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
        except BaseException as e:  # noqa: BLE001
            self._error = e
            self._ready.set()

    async def _main(self) -> None:
        import websockets
        self._ws = await websockets.connect(self.url, max_size=64 * 1024 * 1024)
        hello = {"type": "hello", "resume_from": 0}
        hello |= {"token": self.token} if self.token else {"user": self.user, "password": self.password}
        await self._ws.send(json.dumps(hello))
        self.welcome = json.loads(await self._ws.recv())
        if self.welcome.get("type") != "welcome":
            raise RuntimeError(f"refused: {self.welcome}")
        self._ready.set()
        async for raw in self._ws:
            m = json.loads(raw)
            if m.get("type") == "event":
                self.events.append(m)
            elif m.get("type") in ("ack", "error") and m.get("id") in self._answers:
                self._answers.pop(m["id"]).set_result(m)

    def command(self, name: str, args: dict, timeout: float = 10.0) -> dict:
        cid = str(uuid.uuid4())

        async def send():
            fut = self._loop.create_future()
            self._answers[cid] = fut
            await self._ws.send(json.dumps({"type": "command", "id": cid, "name": name, "args": args}))
            return await asyncio.wait_for(fut, stretch(timeout))
        return asyncio.run_coroutine_threadsafe(send(), self._loop).result(stretch(timeout) + 2)

    def wait_event(self, pred, timeout: float = 20.0, what: str = "an event") -> dict:
        def find():
            return next((e for e in list(self.events) if pred(e)), None)
        return wait_until(find, timeout, what)

    def named(self, name: str) -> list[dict]:
        return [e for e in list(self.events) if e["name"] == name]

    def close(self) -> None:
        async def close():
            await self._ws.close()
        if not self._loop.is_running():          # the server went away: the probe has ended
            self._thread.join(5)
            return
        try:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
        except Exception:  # noqa: BLE001
            pass
        self._thread.join(5)


@pytest.fixture
def probe():
    opened: list[Probe] = []

    def connect(url: str, **kw) -> Probe:
        p = Probe(url, **kw)
        opened.append(p)
        return p
    yield connect
    for p in opened:
        p.close()


@pytest.fixture
def server_process(tmp_path):
    """`server_process()` → a real `xiaonao-server serve` on a fixed loopback port over a fresh
    SQLite database with the users of tests/conftest.py (op/op-password, lead/lead-password, …);
    `.kill9()` and `.start()` again on the same port."""
    from tests.conftest import make_db
    from tests.helpers import ServerProcess
    procs: list[ServerProcess] = []

    def start(extra: list[str] | None = None) -> ServerProcess:
        url = make_db(tmp_path, "sqlite")
        sp = ServerProcess(url, extra=extra).start()
        procs.append(sp)
        return sp
    yield start
    for sp in procs:
        sp.stop()

