"""Where the suite's CPU goes, process trees included: `XIAONAO_TEST_CPU=FILE pytest ...`
appends one JSON line a test to FILE (every worker writes to it), then
`python -m tests.cpu_costs FILE` ranks them.

A test's CPU here is its worker's (threads included), that of the processes the worker waited
for meanwhile (the CLI, the app, `serve`, Playwright's driver), and the CPU the worker's live
process tree used during the test: the worker's Chromium and its renderers (a renderer that
ended is counted through the Chromium that waited for it), a server process not yet waited
for. `--cpu-costs N` (tests/conftest.py) counts the first two only. Linux only (/proc); each
test's entry says also its wall time, and the worker's start (imports, collection) and its
fixtures of wider scope (what they cost once) get entries of their own.

Registered by tests/conftest.py when XIAONAO_TEST_CPU is set: nothing runs otherwise."""
from __future__ import annotations

import json
import os
import resource
import time

import pytest

FILE = os.environ.get("XIAONAO_TEST_CPU", "")
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


_NAMES: dict[tuple[int, int], str] = {}


def _name(pid: int, start: int, comm: str) -> str:
    """The process's name, a Chromium's with its --type (renderer, gpu-process, zygote...)."""
    key = (pid, start)
    if key not in _NAMES:
        name = comm
        if comm.startswith("chrom"):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    args = f.read().split(b"\0")
                kind = next((a[7:].decode() for a in args if a.startswith(b"--type=")), "browser")
                name = f"chromium:{kind}"
            except OSError:
                pass
        _NAMES[key] = name
    return _NAMES[key]


def _descendants() -> dict[tuple[int, int], tuple[float, str, int]]:
    """This process's live descendants: (pid, start tick) -> (CPU with their waited children, name, ppid)."""
    procs: dict[int, tuple[int, int, float, str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                raw = f.read().decode("utf-8", "replace")
        except OSError:
            continue
        name = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        # fields[0] is the state (stat's 3rd field): ppid 4th, utime 14th ... cstime 17th, start 22nd
        ppid, cpu, start = int(fields[1]), sum(int(x) for x in fields[11:15]) / _TICK, int(fields[19])
        procs[int(entry)] = (ppid, start, cpu, _name(int(entry), start, name))
    kids: dict[int, list[int]] = {}
    for pid, (ppid, _s, _c, _n) in procs.items():
        kids.setdefault(ppid, []).append(pid)
    out, todo = {}, list(kids.get(os.getpid(), ()))
    while todo:
        pid = todo.pop()
        ppid, start, cpu, name = procs[pid]
        out[(pid, start)] = (cpu, name, ppid)
        todo.extend(kids.get(pid, ()))
    return out


class _Sample:
    def __init__(self):
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        self.wall = time.monotonic()
        self.own = me.ru_utime + me.ru_stime
        self.waited = kids.ru_utime + kids.ru_stime
        self.tree = _descendants()

    def since(self, before: _Sample) -> dict:
        tree, names = 0.0, {}
        for key, (cpu, name, _ppid) in self.tree.items():
            d = cpu - before.tree.get(key, (0.0,))[0]
            tree += d
            names[name] = names.get(name, 0.0) + d
        waited = self.waited - before.waited
        alive = {pid for pid, _start in self.tree}
        for key, (cpu, name, ppid) in before.tree.items():
            if key not in self.tree and (ppid == os.getpid() or ppid in alive):
                # a process that ended, waited for by us (its whole life is in `waited`) or
                # by a live one (in that one's figure): what it had used before is another test's
                if ppid == os.getpid():
                    waited -= cpu
                else:
                    tree -= cpu
                names[name] = names.get(name, 0.0) - cpu
        return {"wall": round(self.wall - before.wall, 3), "own": round(self.own - before.own, 3),
                "waited": round(waited, 3), "tree": round(tree, 3),
                "cpu": round(self.own - before.own + waited + tree, 3),
                "procs": {n: round(c, 2) for n, c in names.items() if abs(c) >= 0.05}}


def _write(entry: dict) -> None:
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
    fd = os.open(FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


def _widgets() -> int | None:
    """The widgets alive in the process after the test (what a test leaves behind costs every
    later style sheet change, language switch and zoom), None before a QApplication."""
    import sys
    qtw = sys.modules.get("PySide6.QtWidgets")
    app = qtw.QApplication.instance() if qtw is not None else None
    return len(qtw.QApplication.allWidgets()) if app is not None else None


_START: _Sample | None = None


def pytest_configure(config):
    global _START
    _START = _Sample()
    # the interpreter's start and the imports before this plugin: the process's CPU until now
    me = resource.getrusage(resource.RUSAGE_SELF)
    _write({"kind": "start", "worker": _WORKER, "cpu": round(me.ru_utime + me.ru_stime, 3)})


def pytest_collection_finish(session):
    if _START is not None:
        _write({"kind": "collection", "worker": _WORKER, **_Sample().since(_START)})


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    before = _Sample()
    yield
    _write({"kind": "test", "worker": _WORKER, "id": item.nodeid, **_Sample().since(before), "widgets": _widgets()})


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef, request):
    before = _Sample() if fixturedef.scope != "function" else None
    yield
    if before is not None:
        _write({"kind": "fixture", "worker": _WORKER, "id": f"{fixturedef.scope}:{fixturedef.argname}",
                "test": request.node.nodeid, **_Sample().since(before)})


def pytest_sessionfinish(session):
    # what ran after the last test: the session fixtures' ends (the Chromium waited for)
    if _START is not None:
        _write({"kind": "end", "worker": _WORKER, **_Sample().since(_START)})


def report(path: str, top: int = 40) -> None:
    rows = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    tests = sorted((r for r in rows if r["kind"] == "test"), key=lambda r: -r["cpu"])
    total = sum(r["cpu"] for r in tests)
    print(f"{len(tests)} tests: {total:.1f} s of CPU ({sum(r['own'] for r in tests):.1f} s the workers', "
          f"{sum(r['waited'] for r in tests):.1f} s processes waited for, {sum(r['tree'] for r in tests):.1f} s "
          f"live child processes), {sum(r['wall'] for r in tests):.1f} s of wall added up")
    starts = [r for r in rows if r["kind"] == "start"]
    colls = [r for r in rows if r["kind"] == "collection"]
    ends = {r["worker"]: r for r in rows if r["kind"] == "end"}
    print(f"workers' start (interpreter, conftest imports): {sum(r['cpu'] for r in starts):.1f} s over {len(starts)}; "
          f"collection {sum(r['cpu'] for r in colls):.1f} s")
    if len(ends) > 1:
        ends.pop("main", None)          # the controller's children are the workers
    if ends:
        whole = sum(r["cpu"] for r in ends.values())
        print(f"workers from start to end: {whole:.1f} s; not in a test (collection, session ends): "
              f"{whole - total:.1f} s")
    procs: dict[str, float] = {}
    for r in tests:
        for n, c in r["procs"].items():
            procs[n] = procs.get(n, 0.0) + c
    print("child processes by name: " + ", ".join(f"{n} {c:.1f} s" for n, c in sorted(procs.items(), key=lambda kv: -kv[1])[:10]))
    print(f"\n{'cpu':>7} {'own':>6} {'waited':>6} {'tree':>6} {'wall':>6}  test")
    for r in tests[:top]:
        print(f"{r['cpu']:7.2f} {r['own']:6.2f} {r['waited']:6.2f} {r['tree']:6.2f} {r['wall']:6.2f}  {r['id']}")
    mods: dict[str, list] = {}
    for r in tests:
        m = mods.setdefault(r["id"].split("::")[0], [0.0, 0, 0.0])
        m[0] += r["cpu"]
        m[1] += 1
        m[2] += r["wall"]
    print("\nby module:")
    for path_, (c, k, w) in sorted(mods.items(), key=lambda kv: -kv[1][0])[:top]:
        print(f"{c:7.2f} s {k:4d} tests {w:7.1f} s wall  {path_}")
    fx: dict[str, list] = {}
    for r in rows:
        if r["kind"] == "fixture":
            f = fx.setdefault(r["id"], [0.0, 0])
            f[0] += r["cpu"]
            f[1] += 1
    print("\nfixtures of wider scope (set-up, counted in their first test's figure too):")
    for name, (c, k) in sorted(fx.items(), key=lambda kv: -kv[1][0])[:20]:
        print(f"{c:7.2f} s {k:4d}x  {name}")


if __name__ == "__main__":
    import sys
    report(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 40)
