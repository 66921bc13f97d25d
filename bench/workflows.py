"""Issue 17's workflows at scale: the callback queue over 100k cases (the panel's full build
at login, one change, the Qt table's refresh) and the reducer's cost of the new events."""
from __future__ import annotations

import os
import time

from .common import header


def main(n: int = 100_000):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])
    from models.callback import awaiting, callback_queue, due_from, queue_entry
    from models.qt.room import RoomState

    from .synth import synth_state
    header(f"callback queue (回访) over {n:,} cases, a third closed in the last week with a phone")
    now = time.time()
    st = synth_state(n, now=now)
    for i, c in enumerate(st["cases"].values()):
        c["reporter"] = {"name": "王", "phone": "13800000000"} if i % 3 == 0 else None
        c["rating"] = None
    t0 = time.perf_counter()
    cand = [c for c in st["cases"].values() if awaiting(c)]
    t1 = time.perf_counter()
    due, later = callback_queue(cand, now)
    t2 = time.perf_counter()
    print(f"  candidates (login, every case): {len(cand):,} in {1000 * (t1 - t0):.0f} ms")
    print(f"  due now, sorted oldest first: {len(due):,} ({later} waiting for a retry) in {1000 * (t2 - t1):.0f} ms "
          "(callback_queue, parsing each case's times)")
    entries = {c["id"]: e for c in cand if (e := queue_entry(c)) is not None}
    a = time.perf_counter()
    ids, count, _ = due_from(entries, now, limit=200)
    print(f"  the same from the panel's kept entries (due_from, first 200): {count:,} due in "
          f"{1000 * (time.perf_counter() - a):.1f} ms")
    from widgets.callback import CallbackPanel

    class _Link:
        from PySide6.QtCore import QObject, Signal

        class _S(QObject):
            sig_command = __import__("PySide6.QtCore", fromlist=["Signal"]).Signal(str, str, object)
        _s = _S()
        sig_command = _s.sig_command

        def submit(self, name, args):
            return "x"
    room = RoomState()
    room.reset(st)
    t3 = time.perf_counter()
    panel = CallbackPanel(room, _Link())
    t4 = time.perf_counter()
    times = []
    for _ in range(20):
        a = time.perf_counter()
        panel.refresh()
        times.append(time.perf_counter() - a)
    times.sort()
    print(f"  panel built at login: {1000 * (t4 - t3):.0f} ms; a refresh (200 rows shown of {len(due):,}): "
          f"median {1000 * times[len(times) // 2]:.0f} ms, worst {1000 * times[-1]:.0f} ms")
    app.processEvents()


def warnings(n: int = 100_000):
    """Early warnings over the dashboard's week (places resolved, suffixes stripped, thresholds
    per category) and the open joint cases, as the dashboard computes them."""
    import random

    from models import joint, kpi
    from models.street import load_street

    from .synth import synth_state
    header(f"early warnings and joint cases over {n:,} cases (a tenth said as a place with a suffix)")
    now = time.time()
    st = synth_state(n, now=now)
    street = load_street()
    st["street"] = street
    rng = random.Random(7)
    places = [p["name"] for p in street["places"]]
    for i, c in enumerate(st["cases"].values()):
        if i % 10 == 0:
            c["location"]["address"] = rng.choice(places) + rng.choice(["", "东侧", "门口", "附近", "对面"])
        if i % 500 == 0 and c["status"] != "closed":
            c["parts"] = [{"id": "P1", "department": "citymgmt", "task": "x", "at": c["times"]["reported"],
                           "due": c["times"]["reported"], "done": None}]
    week = kpi.working_set(st, now, kpi.WORKING_DAYS)
    for label in ("first (places resolved, cache cold)", "again (cache warm)"):
        a = time.perf_counter()
        ws = kpi.early_warnings(week, now)
        print(f"  {label}: {len(ws)} warnings over {len(week['cases']):,} cases of the week in "
              f"{1000 * (time.perf_counter() - a):.0f} ms")
    a = time.perf_counter()
    js = joint.open_joint_cases(st)
    print(f"  open joint cases: {len(js)} of {n:,} in {1000 * (time.perf_counter() - a):.0f} ms")


if __name__ == "__main__":
    main()
