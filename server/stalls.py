"""A watch on the event loop, for finding what holds it (`XIAONAO_STALLS=path`).

A heartbeat callback runs on the loop every TICK seconds; a thread checks it. When the loop
has not run for more than `threshold` seconds, the thread samples the loop thread's Python
stack until it runs again, and then writes one line: when, how long, how much CPU the loop
thread used meanwhile (close to the duration: the loop was busy; far below it: it was waiting,
for the GIL or for a core), the garbage collections that ran, and the stacks seen most often.
Off unless the variable is set; it costs one callback every TICK and a thread that sleeps.
"""
from __future__ import annotations

import asyncio
import collections
import gc
import os
import sys
import threading
import time
import traceback

TICK = 0.005


def _thread_cpu(tid: int) -> float:
    """CPU seconds used so far by thread `tid` of this process (Linux)."""
    try:
        with open(f"/proc/self/task/{tid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _runqueue_wait(tid: int) -> float:
    """Seconds thread `tid` has spent runnable but waiting for a core (Linux schedstat)."""
    try:
        with open(f"/proc/self/task/{tid}/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


def _threads_cpu() -> dict[str, float]:
    """CPU seconds so far of each of this process's Python threads, by name."""
    out: dict[str, float] = {}
    for t in threading.enumerate():
        if t.native_id is not None:
            out[t.name] = out.get(t.name, 0.0) + _thread_cpu(t.native_id)
    return out


class StallWatch:
    def __init__(self, path: str, threshold: float = 0.05):
        self.out = open(path, "a", buffering=1)
        self.threshold = threshold
        self.beat = time.perf_counter()
        self._gcs: list[tuple[int, float]] = []
        self._gc_start = 0.0
        self._stop = threading.Event()

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.ident = threading.get_ident()
        self.tid = threading.get_native_id()
        gc.callbacks.append(self._gc)
        loop.call_soon(self._tick)
        threading.Thread(target=self._watch, name="xiaonao-stalls", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)

    def _gc(self, phase: str, info: dict) -> None:
        if threading.get_ident() != self.ident:
            return
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self._gcs.append((info.get("generation", -1), time.perf_counter() - self._gc_start))

    def _tick(self) -> None:
        self.beat = time.perf_counter()
        if not self._stop.is_set():
            self.loop.call_later(TICK, self._tick)

    def _watch(self) -> None:
        while not self._stop.wait(TICK):
            if time.perf_counter() - self.beat <= self.threshold:
                self._gcs = [g for g in self._gcs if g[1] > 0.01][-20:]
                continue
            began = self.beat
            cpu0 = _thread_cpu(self.tid)
            wait0 = _runqueue_wait(self.tid)
            others0 = _threads_cpu()
            gcs_before = len(self._gcs)
            stacks: collections.Counter = collections.Counter()
            while self.beat == began and not self._stop.is_set():
                frame = sys._current_frames().get(self.ident)
                if frame is not None:
                    stacks[tuple(f"{fs.filename.rsplit('/', 2)[-1]}:{fs.lineno} {fs.name}"
                                 for fs in traceback.extract_stack(frame)[-12:])] += 1
                time.sleep(0.002)
            took = self.beat - began
            cpu = _thread_cpu(self.tid) - cpu0
            # the loop's thread waiting for a core (the machine's load) rather than for the GIL:
            # its run-queue wait; and what the process's other threads ran meanwhile
            waited = _runqueue_wait(self.tid) - wait0
            others = {k: v - others0.get(k, 0.0) for k, v in _threads_cpu().items()}
            busy = ", ".join(f"{k} {v * 1000:.0f}" for k, v in sorted(others.items(), key=lambda kv: -kv[1])
                             if v >= 0.005 and k not in ("MainThread", "xiaonao-stalls"))
            gcs = [f"gen{g} {d * 1000:.0f} ms" for g, d in self._gcs[gcs_before:] if d > 0.005]
            total = sum(stacks.values()) or 1
            top = [f"  {n * 100 // total}% " + " < ".join(reversed(s)) for s, n in stacks.most_common(3)]
            self.out.write(f"{time.time():.3f} loop held {took * 1000:.0f} ms, its thread's CPU {cpu * 1000:.0f} ms, "
                           f"waiting for a core {waited * 1000:.0f} ms"
                           f"{'; other threads (ms of CPU): ' + busy if busy else ''}"
                           f"{'; gc: ' + ', '.join(gcs) if gcs else ''}\n" + "\n".join(top) + "\n")


def watch_from_env(loop: asyncio.AbstractEventLoop) -> StallWatch | None:
    path = os.environ.get("XIAONAO_STALLS")
    if not path:
        return None
    w = StallWatch(path, float(os.environ.get("XIAONAO_STALLS_MS", "50")) / 1000)
    w.start(loop)
    return w
