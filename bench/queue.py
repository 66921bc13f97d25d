"""The case-queue model at 10k, 100k and 1M cases: load, 1,000 updates, sort, filter, memory."""
from __future__ import annotations

import gc
import os
import random
import resource
import time

from .common import header


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(sizes=(10_000, 100_000, 1_000_000)):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])
    from models.qt.case_table import CaseFilter, CaseTableModel
    from models.search import initials
    initials("预热")          # the cockpit loads pypinyin's dictionaries on a thread at start-up
    from models.qt.room import RoomState

    from .synth import synth_state
    header("case queue model (CaseTableModel, no proxy)")
    gc.disable()               # as in the cockpit (app/gc_main.py): no collections mid-measurement
    for n in sizes:
        gc.collect()
        gc.freeze()
        before = rss_mib()
        st = synth_state(n)
        after_state = rss_mib()
        room = RoomState()
        model = CaseTableModel(room)
        t = time.perf_counter()
        room.reset(st)
        load = time.perf_counter() - t
        t = time.perf_counter()
        model.start_warming()                 # (the cockpit waits WARM_AFTER_MS first)
        while model.warming:                   # the idle slices that build the search texts
            app.processEvents()
        warm = time.perf_counter() - t
        after_model = rss_mib()
        rng = random.Random(1)
        ids = rng.sample(list(st["cases"]), 1000)
        for cid in ids:
            c = st["cases"][cid]
            c["status"] = "accepted" if c["status"] != "accepted" else "dispatched"
            c["priority"] = rng.randint(1, 4)
        t = time.perf_counter()
        model.on_cases(ids, [])
        upd = time.perf_counter() - t
        # data-only updates (no order change): one dataChanged for the span
        t = time.perf_counter()
        model.on_cases(ids, [])
        upd_same = time.perf_counter() - t
        idle = []

        def timed(fn):
            """The call (what holds the frame), then the idle work it leaves (the id index
            a re-sort rebuilds in the next idle moment), timed apart."""
            t = time.perf_counter()
            fn()
            took = time.perf_counter() - t
            t = time.perf_counter()
            app.processEvents()
            idle.append(time.perf_counter() - t)
            return took
        sort_t = timed(lambda: model.set_sort("title"))
        sort_d = timed(lambda: model.set_sort(None))
        filt = timed(lambda: model.set_filter(CaseFilter(categories=frozenset({"fire"}))))
        filt_text = timed(lambda: model.set_filter(CaseFilter(text="九堡")))
        timed(lambda: model.set_filter(CaseFilter()))
        t = time.perf_counter()
        model.on_tick()
        tick = time.perf_counter() - t
        print(f"{n:>9,} cases: load {load * 1000:7.0f} ms | 1,000 updates {upd * 1000:6.1f} ms "
              f"(unchanged order {upd_same * 1000:5.1f} ms) | sort title {sort_t * 1000:6.0f} ms, "
              f"default {sort_d * 1000:6.0f} ms | filter category {filt * 1000:6.0f} ms, text {filt_text * 1000:6.0f} ms"
              f" (search texts built in idle slices after the load: {warm * 1000:.0f} ms)"
              f" | idle after each: max {max(idle) * 1000:.0f} ms"
              f" | 1 s tick {tick * 1000:5.1f} ms | memory: state {after_state - before:6.0f} MiB, "
              f"model {after_model - after_state:5.0f} MiB", flush=True)
        del model, room, st
        gc.collect()
    app.processEvents()


if __name__ == "__main__":
    main()
