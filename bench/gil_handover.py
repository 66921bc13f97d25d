"""The database thread's commit beside a busy loop thread (docs/benchmarks.md, session 10):
SQLite gives the GIL up around every step (each row of each statement), and a thread that
wants it back while another computes waits for the switch interval. `python -m
bench.gil_handover`: a commit of 6 commands' events and command ids on a thread, with the
main thread idle or computing, at Python's default interval (5 ms) and at the server's
(server/cli.py SWITCH_INTERVAL). `python -m bench.gil_handover 80`: commits of 80 (an import's
batch beside a console) instead of 6."""
from __future__ import annotations

import sys
import tempfile
import threading
import time

from .common import ROOT  # noqa: F401  (puts the project on the path)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    from server.cli import SWITCH_INTERVAL, init_db
    from server.store import EventStore
    url = f"sqlite:///{tempfile.mkdtemp()}/gil.db"
    init_db(url, "demo")
    store = EventStore(url)
    seq = [store.head()]

    def commit(n: int) -> tuple[float, float]:
        evs, cmds = [], []
        for _ in range(n):
            seq[0] += 1
            evs.append({"seq": seq[0], "at": "2026-12-03T00:00:00Z", "name": "case.noted", "actor": "op",
                        "command_id": f"g-{seq[0]}", "data": {"text": "x" * 50}})
            cmds.append({"id": f"g-{seq[0]}", "seq": seq[0], "actor": "op", "name": "case.note", "peer": "p",
                         "at": "2026-12-03T00:00:00Z", "digest": "d"})
        t0, c0 = time.perf_counter(), time.thread_time()
        store.append(evs, cmds)
        return (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000

    for interval in (0.005, SWITCH_INTERVAL):
        sys.setswitchinterval(interval)
        for busy in (False, True):
            res: list[tuple[float, float]] = []
            for _ in range(20):
                t = threading.Thread(target=lambda: res.append(commit(n)))
                t.start()
                while busy and t.is_alive():
                    sum(range(1000))                 # the loop's thread computing
                t.join()
            walls, cpus = sorted(r[0] for r in res), sorted(r[1] for r in res)
            print(f"{n} commands a commit, switch interval {interval * 1000:.0f} ms, main thread {'computing' if busy else 'idle'}: "
                  f"commit wall median {walls[10]:.1f} ms, max {walls[-1]:.1f} ms; its CPU median {cpus[10]:.1f} ms")
    sys.setswitchinterval(0.005)


if __name__ == "__main__":
    main()
