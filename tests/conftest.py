"""Shared fixtures: a real server on a loopback port over a real database."""
from __future__ import annotations

import json
import os
import queue
import shutil
import sys
import tempfile
import threading
import uuid
from pathlib import Path

import pytest
import websockets

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Compiled bytecode is kept, outside the source tree (build/pycache, ignored by git), also
# where PYTHONDONTWRITEBYTECODE asks for none in the tree: without it every worker compiled
# and rewrote every test module again (7.6 s of CPU each, 3.2 s with it) and every process a
# test starts (the CLI, the app, `serve`) compiled the project's modules again (~0.4 s each).
if sys.dont_write_bytecode or os.environ.get("PYTHONDONTWRITEBYTECODE"):
    _PYC = os.environ.get("PYTHONPYCACHEPREFIX") or str(Path(__file__).resolve().parent.parent / "build" / "pycache")
    sys.dont_write_bytecode = False
    sys.pycache_prefix = _PYC
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = _PYC          # the workers and the processes tests start
# Test files live in RAM (/dev/shm) where there is one: the same SQLite, without a disk flush
# per commit (a simulated day commits ~2,500 times). XIAONAO_TEST_TMP=disk keeps them on disk.
_RAM = "/dev/shm"
_IN_RAM = os.environ.get("XIAONAO_TEST_TMP", "ram") != "disk" and os.path.isdir(_RAM) and os.access(_RAM, os.W_OK)
# keep tests out of the user's real settings, caches and demo database
_SANDBOX = tempfile.mkdtemp(prefix="xiaonao-tests-", dir=_RAM if _IN_RAM else None)
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


# ---- cheap password hashing, in tests only --------------------------------------------
# scrypt at its production cost takes ~0.1 s a hash and the suite logs in hundreds of times.
# The cost is stored with each hash, so what the test databases hold verifies cheaply in the
# server processes the tests start, too. Nothing outside the tests can lower it.
from server import auth as _auth  # noqa: E402

assert hasattr(_auth, "_N"), "server/auth.py renamed its scrypt cost: update tests/conftest.py"
_auth._N = 2 ** 4
# Every failed password login is answered FAIL_DELAY (0.4 s) after it arrived: in-process
# servers here answer after 0.05 s (the same for every failure, which is what the delay is
# for: tests/test_accounts.py checks that a failure waits it out). The suite fails ~60 logins.
assert hasattr(_auth, "FAIL_DELAY"), "server/auth.py renamed its failure delay: update tests/conftest.py"
_auth.FAIL_DELAY = 0.05

# ---- databases: one initialised template per backend, copied for each test ------------
USERS = [("op", "operator", None), ("lead", "leader", None), ("wall", "wall", None),
         ("intake", "intake", None), ("admin", "admin", None), ("w01", "field", "W01"),
         ("e01", "field", "E01")]
_TEMPLATES: dict[str, str] = {}      # backend -> the template (SQLite file path, PostgreSQL db name)


def _pg_admin():
    import psycopg
    return psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True)


def fresh_pg_url(template: str | None = None) -> str:
    from sqlalchemy.engine import make_url
    # the worker's name in it (gw0, gw1; "main" without workers): never the same as another
    # worker's, and a database a killed run left behind says whose it was
    name = f"xn_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:10]}"
    with _pg_admin() as c:
        c.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
        # PostgreSQL's counterpart of the test files in RAM: a commit does not wait for its WAL
        # flush (what another connection sees is the same; only a PostgreSQL crash could lose
        # the last commits, and no test crashes PostgreSQL). Its connections, the server
        # processes' too, get it from the database.
        c.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _initialise(url: str) -> None:
    from server.cli import add_user, init_db
    init_db(url, "demo")
    for name, role, team in USERS:
        add_user(url, name, role, f"{name}-password", team)


def _template(backend: str) -> str:
    """The initialised database every test's own copy starts from, built once a session."""
    if backend not in _TEMPLATES:
        if backend == "postgres":
            from sqlalchemy.engine import make_url
            url = fresh_pg_url()
            _initialise(url)
            _TEMPLATES[backend] = make_url(url).database
        else:
            path = os.path.join(_SANDBOX, "template-server.db")
            _initialise(f"sqlite:///{path}")
            _TEMPLATES[backend] = path
    return _TEMPLATES[backend]


def make_db(tmp_path, backend="sqlite") -> str:
    """A fresh database of the test's own, initialised with the demo street and one user per
    role (password `<name>-password`): a copy of the session's template."""
    if backend == "postgres":
        reason = pg_available()
        if reason:
            pytest.skip(reason)
        return fresh_pg_url(template=_template("postgres"))
    target = os.path.join(str(tmp_path), "server.db")
    _copy_sqlite(_template("sqlite"), target)
    return f"sqlite:///{target}"


def template_db(tmp_path, name: str, build, backend: str = "sqlite") -> str:
    """A database of the test's own, copied from a template made once a session (per worker):
    make_db's (the demo street, one user per role) with `build(url)` run over it, e.g. a day
    of history played through the server. For what many tests read and each may change: the
    cost of `build` is paid once, and no test sees another's changes. `build` must leave the
    database closed (no engine, no server on it) and give the same result each time (use a
    Clock, not the time of day); `name` says what it built."""
    key = f"{backend}:{name}"
    if key not in _TEMPLATES:
        if backend == "postgres":
            from sqlalchemy.engine import make_url
            url = make_db(tmp_path, "postgres")
            build(url)
            _TEMPLATES[key] = make_url(url).database
        else:
            folder = os.path.join(_SANDBOX, f"template-{name}")
            os.makedirs(folder, exist_ok=True)
            url = make_db(folder)
            build(url)
            _TEMPLATES[key] = url.removeprefix("sqlite:///")
    if backend == "postgres":
        return fresh_pg_url(template=_TEMPLATES[key])
    target = os.path.join(str(tmp_path), f"{name}.db")
    _copy_sqlite(_TEMPLATES[key], target)
    return f"sqlite:///{target}"


def _copy_sqlite(template: str, target: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(template + suffix):
            shutil.copyfile(template + suffix, target + suffix)


def demo_db(tmp_path, name: str = "street.db") -> Path:
    """The embedded demo's database as its first start leaves it (the street, the demo and
    wall users), the test's own copy of a session-wide template: `EmbeddedServer(demo_db(tmp_path),
    simulate=False)` then starts in a fraction of the time a fresh one takes."""
    if "demo" not in _TEMPLATES:
        from app.embedded import EmbeddedServer
        path = os.path.join(_SANDBOX, "template-demo.db")
        EmbeddedServer(Path(path), simulate=False).start().stop()
        _TEMPLATES["demo"] = path
    target = Path(tmp_path) / name
    _copy_sqlite(_TEMPLATES["demo"], str(target))
    return target


_DROPS: queue.Queue[str | None] = queue.Queue()
_DROPPER: threading.Thread | None = None


def _drop_loop() -> None:
    while (name := _DROPS.get()) is not None:
        with _pg_admin() as c:
            c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def drop_pg(url: str) -> None:
    """Drop a test's PostgreSQL database, in the background (a drop takes up to a second or
    two on a busy machine; the next test need not wait for it)."""
    global _DROPPER
    from sqlalchemy.engine import make_url
    if _DROPPER is None:
        _DROPPER = threading.Thread(target=_drop_loop, name="drop-test-databases", daemon=True)
        _DROPPER.start()
    _DROPS.put(make_url(url).database)


# ---- the whole suite runs on two workers a core (pytest-xdist) ------------------------------
# `pytest` without test paths (the suite, `-m "not acceptance"`) runs on XIAONAO_TEST_WORKERS
# workers (two a core: a test waits about half its time, for a server, a browser, a process or
# a timer, and another worker's test uses the core meanwhile: docs/benchmarks.md, session 11),
# the slow tests first; a module or a single test, or
# `-n N` (`-n 0`: here, e.g. for --pdb), as asked. (`--dist loadgroup` does not group with this
# pytest-xdist and pytest 9: `make test` runs the acceptance suite in a process of its own.)
WORKERS = int(os.environ.get("XIAONAO_TEST_WORKERS", str(2 * (os.cpu_count() or 1))))


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config):
    opt = config.option
    if not hasattr(opt, "numprocesses") or hasattr(config, "workerinput") or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    whole = config.args_source == pytest.Config.ArgsSource.TESTPATHS
    if opt.numprocesses is None and whole and WORKERS > 1 and not config.getoption("usepdb", False) \
            and not opt.collectonly:
        opt.numprocesses = WORKERS
    # tests handed out one at a time as workers free up (xdist's `load` otherwise sends each worker
    # a quarter of its share at once: the slow tests, first, all to one worker)
    if getattr(opt, "maxschedchunk", "unset") is None:
        opt.maxschedchunk = 1


def pytest_configure(config):
    if _IN_RAM and not config.option.basetemp and not hasattr(config, "workerinput"):
        config.option.basetemp = tempfile.mkdtemp(prefix="xiaonao-pytest-", dir=_RAM)
        config._xiaonao_ram_basetemp = config.option.basetemp
        # what a killed run left in RAM (a day old: no run still uses it)
        import time
        for entry in os.scandir(_RAM):
            if entry.name.startswith(("xiaonao-pytest-", "xiaonao-tests-")) and entry.is_dir(follow_symlinks=False) \
                    and entry.stat(follow_symlinks=False).st_mtime < time.time() - 86400:
                shutil.rmtree(entry.path, ignore_errors=True)


def pytest_unconfigure(config):
    # RAM is not a place to leave test files in: this process's sandbox, and the tmp_path
    # tree when this (controlling) process put it there
    shutil.rmtree(_SANDBOX, ignore_errors=True)
    ram = getattr(config, "_xiaonao_ram_basetemp", None)
    if ram:
        shutil.rmtree(ram, ignore_errors=True)


def pytest_sessionfinish(session, exitstatus):
    if _DROPPER is not None:
        _DROPS.put(None)
        _DROPPER.join(120)
    for key in [k for k in _TEMPLATES if k == "postgres" or k.startswith("postgres:")]:
        with _pg_admin() as c:
            c.execute(f"DROP DATABASE IF EXISTS {_TEMPLATES.pop(key)} WITH (FORCE)")


# ---- pytest-timeout's limit (120 s, pyproject.toml) is a deadline too: stretched on a loaded
# machine as tests.helpers.stretch stretches the tests' own (a hang is still ended)
@pytest.hookimpl(tryfirst=True)
def pytest_timeout_set_timer(item, settings):
    import pytest_timeout

    from .helpers import stretch
    return pytest_timeout.pytest_timeout_set_timer(item, settings._replace(timeout=stretch(settings.timeout)))


# ---- which backends a test runs on, and the markers --------------------------------------
# A test that takes `backend` (or `db_url`, `server`) runs on SQLite; a module whose server's
# database matters (the store, durability, the protocol contract) sets
# `BACKENDS = ("sqlite", "postgres")` to run on the machine's PostgreSQL too.

# A single test says so with `@pytest.mark.parametrize("backend", BOTH_BACKENDS)`.
BOTH_BACKENDS = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_generate_tests(metafunc):
    if "backend" not in metafunc.fixturenames:
        return
    for m in metafunc.definition.iter_markers("parametrize"):
        if "backend" in [a.strip() for a in (m.args[0].split(",") if isinstance(m.args[0], str) else m.args[0])]:
            return                                    # the test chose its backends itself
    backends = getattr(metafunc.module, "BACKENDS", ("sqlite",))
    # (module-scoped, so that a module's `shared_server` is one per backend)
    metafunc.parametrize("backend", [pytest.param(b, marks=[pytest.mark.postgres] if b == "postgres" else [])
                                     for b in backends], scope="module")


def pytest_collection_modifyitems(config, items):
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if names & {"qtbot", "qapp"}:
            item.add_marker(pytest.mark.gui)
        if "acceptance" in item.path.parts:
            item.add_marker(pytest.mark.acceptance)
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgres":
            item.add_marker(pytest.mark.postgres)      # however the test chose its backends
    # the longest first (`slow`: the simulated day, the app as a process, kill -9): on workers,
    # a long test handed out last keeps one worker busy while the others have finished
    if hasattr(config, "workerinput") or getattr(config.option, "numprocesses", None):
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)


# ---- what each test costs in CPU, for `--cpu-costs N` (wall time under load says little) ---------
def pytest_addoption(parser):
    parser.addoption("--cpu-costs", type=int, default=0, metavar="N",
                     help="list the N tests that cost the most CPU (this process, its threads and the "
                          "processes it started and waited for), set-up and tear-down included, the "
                          "CPU by module, and the tests that leave threads running behind them")


def _cpu_now() -> tuple[float, float]:
    """(the process with its threads and the children it waited for, this thread alone)."""
    import resource
    import time
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime, time.thread_time()


# the session's own helpers, started by the first test that needs them
_SESSION_THREADS = {"drop-test-databases"}
_MODULE_THREADS: dict = {}       # the module whose tests run now here, and the threads before its first


def _threads() -> dict[int, str]:
    return {t.ident: t.name for t in threading.enumerate() if t.ident is not None}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if not item.config.getoption("--cpu-costs"):
        return
    report = outcome.get_result()
    if call.when == "teardown" and hasattr(item, "_xiaonao_cpu0"):
        (all0, main0), (all1, main1) = item._xiaonao_cpu0, _cpu_now()
        if getattr(item, "_xiaonao_last", None) is not None:
            # the worker's last test: its tear-down also ends the session's fixtures (the
            # shared Chromium, whose CPU is counted only now that it is waited for): apart
            end = all1
            all1, main1 = item._xiaonao_last
            report.user_properties.append(("session_teardown_s", end - all1))
        report.user_properties.append(("cpu_s", all1 - all0))
        report.user_properties.append(("cpu_main_s", main1 - main0))
        if getattr(item, "_xiaonao_module_end", False):
            # the module's tests and its fixtures have ended here: what they started should have too
            before = _MODULE_THREADS.get("before", {})
            left = sorted(name for ident, name in _threads().items()
                          if ident not in before and name not in _SESSION_THREADS)
            if left:
                report.user_properties.append(("threads_left", left))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if item.config.getoption("--cpu-costs"):
        if _MODULE_THREADS.get("module") is not item.module:      # the first of its module's run here
            _MODULE_THREADS.update(module=item.module, before=_threads())
        item._xiaonao_cpu0 = _cpu_now()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    if item.config.getoption("--cpu-costs"):
        item._xiaonao_module_end = nextitem is None or nextitem.module is not item.module
        if item._xiaonao_module_end:
            _MODULE_THREADS["module"] = None
    if item.config.getoption("--cpu-costs") and nextitem is None:
        # the test's own fixtures and its module's end first, then the session's: measured
        # between them (the session's finalizers run last added first)
        import functools
        item.session.addfinalizer(functools.partial(_mark_last, item))
    yield


def _mark_last(item) -> None:
    item._xiaonao_last = _cpu_now()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    n = config.getoption("--cpu-costs")
    if not n:
        return
    reports = [r for key in ("passed", "failed", "error", "") for r in terminalreporter.stats.get(key, [])
               if getattr(r, "when", None) == "teardown"]
    props = [(dict(r.user_properties), r.nodeid) for r in reports]
    costs = sorted(((p["cpu_s"], p.get("cpu_main_s", p["cpu_s"]), i) for p, i in props if "cpu_s" in p),
                   reverse=True)
    write = terminalreporter.write_line
    session_end = sum(p.get("session_teardown_s", 0.0) for p, _ in props)
    terminalreporter.write_sep("=", f"CPU of the {min(n, len(costs))} costliest tests (of {len(costs)}: "
                                    f"{sum(c for c, _, _ in costs):.1f} s in all; the test's own thread beside it)")
    for c, main, nodeid in costs[:n]:
        write(f"{c:8.2f}s {main:7.2f}s  {nodeid}")
    by_module: dict[str, list[float]] = {}
    for c, _main, nodeid in costs:
        m = by_module.setdefault(nodeid.split("::")[0], [0.0, 0])
        m[0] += c
        m[1] += 1
    if session_end >= 0.05:
        write(f"{session_end:8.2f}s           the session fixtures' tear-down (the workers' Chromium, "
              "counted when it is waited for), not in the tests' figures")
    terminalreporter.write_sep("=", "CPU by module")
    for path, (c, k) in sorted(by_module.items(), key=lambda kv: -kv[1][0])[:n]:
        write(f"{c:8.2f}s {k:4d} tests  {path}")
    # a thread a module's tests leave running goes on costing CPU in the tests after them (a leak)
    left = [(i, p["threads_left"]) for p, i in props if p.get("threads_left")]
    if left:
        terminalreporter.write_sep("=", f"threads left running after a module's tests ({len(left)}; the last test named)")
        for nodeid, names in left[:n]:
            write(f"  {nodeid}: {', '.join(names)}")


_LOOK: tuple | None = None       # the application's style sheet, font, palette and style, as made


@pytest.fixture(scope="session")
def qapp(qapp):
    """pytest-qt's one QApplication of the run, its look as made remembered (`app_look_as_found`)."""
    global _LOOK
    if _LOOK is None:
        from PySide6.QtGui import QFont, QPalette
        _LOOK = (qapp.styleSheet(), QFont(qapp.font()), QPalette(qapp.palette()), qapp.style().name())
    return qapp


@pytest.fixture(autouse=True)
def app_look_as_found():
    """The application's look (`widgets.style.apply_theme`: the dark style sheet, a zoom's font,
    the palette, Fusion) is given back after a test that set it: the tests of the theme and the
    zoom left it on for every later test of their worker, which then built each cockpit window
    under the style sheet, ~0.15 s more a window (0.33 -> 0.48 s), as chance had it."""
    yield
    if _LOOK is None:
        return
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance()
    if app is None:
        return
    sheet, font, palette, style = _LOOK
    if app.styleSheet() != sheet:
        app.setStyleSheet(sheet)
    if app.style().name() != style:
        app.setStyle(style)
        app.setProperty("xiaonao_style", None)
    if app.palette() != palette:
        app.setPalette(palette)
    if app.font() != font:
        app.setFont(font)


@pytest.fixture(autouse=True)
def collect_on_the_main_thread():
    """Collect each test's garbage here, on the Qt thread, before another thread's
    allocation could trigger it (a Qt object destroyed off its thread leaves timers behind;
    the app itself collects only on its Qt thread, see app/gc_main.py)."""
    import gc
    gc.disable()
    yield
    gc.collect()
    # what survived is the session's (modules, Qt's wrappers, fixtures' states): frozen, so
    # the next test's collection walks only what that test made (seconds a test otherwise)
    gc.freeze()


@pytest.fixture
def db_url(tmp_path, backend):
    """A fresh, initialised database with one user per role: SQLite, and the machine's
    PostgreSQL too where the module asks for it (skipped with the reason when it does not run)."""
    url = make_db(tmp_path, backend)
    yield url
    if backend == "postgres":
        drop_pg(url)


class RawClient:
    """A protocol client written only from docs/protocol.md (the contract): the test's own view of the wire."""

    def __init__(self, ws, welcome, frames):
        self.ws = ws
        self.welcome = welcome
        self.frames = frames
        self.state_seq = 0

    @classmethod
    async def connect(cls, url, user, password=None, token=None, resume_from=None):
        # max_queue=None: it reads whatever the server sends, also while the test does not look
        # (with websockets' 16 frames it stopped reading the socket, never saw the server's close
        # frame behind the broadcasts it had not read, and each close waited out close_timeout's
        # 10 s). A test about a client that stops reading makes one of its own.
        ws = await websockets.connect(url, max_size=4 * 1024 * 1024, max_queue=None)
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
        from .helpers import within
        return json.loads(await within(self.ws.recv(), timeout))

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
async def server(db_url, tmp_path):
    from server.app import XiaonaoServer
    srv = XiaonaoServer(db_url, "127.0.0.1", 0, data_dir=str(tmp_path / "files"))
    await srv.start()
    yield srv
    await srv.stop()


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory, backend):
    """One real server (on a thread of its own, tests.helpers.ServerThread) for the tests of a
    module that only add to what it holds: each logs in with its own connection and makes its
    own cases, none counts what another made, none needs the server's loop (`hub.head` and the
    state may be read). Starting a server costs little on SQLite, but on PostgreSQL each one
    is a database created and dropped (~1.5 s of the database server's work)."""
    from .helpers import ServerThread
    folder = tmp_path_factory.mktemp("shared-server")
    url = make_db(folder, backend)
    thread = ServerThread(url, folder / "files").start()
    yield thread.srv
    thread.stop()
    if backend == "postgres":
        drop_pg(url)


def ws_url(srv) -> str:
    return f"ws://127.0.0.1:{srv.port}/ws"


# the real cockpit window on the demo server (loop, demo_server, cockpit): tests/cockpit_fixtures.py
# the field terminal's browser (chromium once per worker, browser per test): tests/browser_fixtures.py
pytest_plugins = ["tests.cockpit_fixtures", "tests.browser_fixtures"]
# XIAONAO_TEST_CPU=FILE: each test's CPU with its child processes' (Chromium, servers), its wall
# time, the workers' start and the wider fixtures' set-up, to FILE; `python -m tests.cpu_costs FILE`
if os.environ.get("XIAONAO_TEST_CPU"):
    pytest_plugins.append("tests.cpu_costs")
