"""A watch on the event loop, for finding what holds it (`XIAONAO_STALLS=path`).

A heartbeat callback runs on the loop every TICK seconds; a thread checks it. When the loop
has not run for more than `threshold` seconds, the thread samples the loop thread's Python
stack until it runs again, and then writes one line: when, how long, how much CPU the loop
thread used meanwhile (close to the duration: the loop was busy; far below it: it was waiting,
for the GIL or for a core), the garbage collections that ran, and the stacks seen most often.
Off unless the variable is set; it costs one callback every TICK and a thread that sleeps.

`XIAONAO_LOOPLOG=path` (also off unless set): one line for each of the loop's callbacks that
took at least XIAONAO_LOOPLOG_MS (3) ms of the loop thread's CPU, naming it (a task's
coroutine and where it stopped, a callback's function) with its wall time and the
collections inside it, and one for each garbage collection on the loop's thread of 1 ms or
more (generation, ms, objects collected), each at its time.perf_counter() (the clock of
XIAONAO_TRACE and of the bench's send times): what the loop spent its CPU on, callback by
callback.
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
from collections.abc import Callable

TICK = 0.005


def _thread_cpu(tid: int) -> float:
    """CPU seconds used so far by thread `tid` of this process (Linux)."""
    try:
        with open(f"/proc/self/task/{tid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def runqueue_wait(tid: int) -> float:
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
            wait0 = runqueue_wait(self.tid)
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
            waited = runqueue_wait(self.tid) - wait0
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


class LoopLog:
    """The loop's costly callbacks and its collections (XIAONAO_LOOPLOG): see the module's doc."""

    def __init__(self, path: str, threshold: float = 0.003):
        self.out = open(path, "a", buffering=1)
        self.threshold = threshold
        self._gc_start = 0.0
        self._gc_in_callback = 0.0
        self._orig_run: Callable | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self.ident = threading.get_ident()
        gc.callbacks.append(self._gc)
        handle_cls = asyncio.events.Handle
        orig = self._orig_run = handle_cls._run
        log = self

        def _run(handle):
            if threading.get_ident() != log.ident:
                return orig(handle)
            log._gc_in_callback = 0.0
            cb = handle._callback          # (a reader's handle is cancelled when it pauses reading)
            w0, c0 = time.perf_counter(), time.thread_time()
            try:
                return orig(handle)
            finally:
                cpu = time.thread_time() - c0
                if cpu >= log.threshold:
                    log.out.write(f"{w0:.6f} cb cpu {cpu * 1000:.1f} wall {(time.perf_counter() - w0) * 1000:.1f}"
                                  f" gc {log._gc_in_callback * 1000:.1f} {_describe(cb)}\n")
        handle_cls._run = _run      # type: ignore[method-assign]

    def stop(self) -> None:
        if self._orig_run is not None:
            asyncio.events.Handle._run = self._orig_run   # type: ignore[method-assign]
            self._orig_run = None
        if self._gc in gc.callbacks:
            gc.callbacks.remove(self._gc)

    def _gc(self, phase: str, info: dict) -> None:
        if threading.get_ident() != self.ident:
            return
        if phase == "start":
            self._gc_start = time.perf_counter()
            return
        took = time.perf_counter() - self._gc_start
        self._gc_in_callback += took
        if took >= 0.001:
            self.out.write(f"{time.perf_counter():.6f} gc gen{info.get('generation', -1)} {took * 1000:.1f} ms "
                           f"collected {info.get('collected', 0)} counts {gc.get_count()}\n")


def _describe(cb) -> str:
    owner = getattr(cb, "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro = owner.get_coro()
        frame = getattr(coro, "cr_frame", None)
        where = f" at {frame.f_code.co_name}:{frame.f_lineno}" if frame is not None else ""
        return f"task {getattr(coro, '__qualname__', coro)}{where}"
    return getattr(cb, "__qualname__", repr(cb))


def looplog_from_env(loop: asyncio.AbstractEventLoop) -> LoopLog | None:
    path = os.environ.get("XIAONAO_LOOPLOG")
    if not path:
        return None
    w = LoopLog(path, float(os.environ.get("XIAONAO_LOOPLOG_MS", "3")) / 1000)
    w.start(loop)
    return w
