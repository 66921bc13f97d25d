"""A past range of the room, fetched from the server's log and replayed here (Qt-free).

`fetch(ask, lo, hi)` asks the server (`query.replay`, docs/protocol.md "Replay") for the
room at `lo` and every frame of the range in the account's view, page by page. `Replay`
holds them and rebuilds the room at any moment of the range with the shared reducer
(`models.state.apply`), as a second room beside the live one: the live state is never
touched. `Player` walks it forward in time (play at 1x-60x) and jumps anywhere (the slider).

Memory: the frames as their JSON bytes (parsed again when applied, so no state ever shares
an object with another), and every CHECK_EVERY frames a checkpoint (compressed) of what the
range's frames change (the squads, the room's head and the cases they reach; the other cases
never change during the range and are shared with the start). A jump is a checkpoint restored and
at most CHECK_EVERY frames applied.
"""
from __future__ import annotations

import zlib
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Awaitable, Callable

import orjson

from models.state import apply, empty_state, touched
from models.timeutil import epoch

CHECK_EVERY = 1000         # frames between the player's checkpoints
MAX_PAGES = 10_000
SPEEDS = (1, 2, 5, 10, 30, 60)


class ReplayFailed(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _frame_cases(frame: dict) -> list[str]:
    """The cases a frame changes (models.state.touched; an archive.case its case)."""
    if frame.get("type") == "archive.case":
        c = frame.get("case") or {}
        return [c["id"]] if isinstance(c.get("id"), str) else []
    return list(touched(frame).cases)


def _frame_teams(frame: dict) -> list[str]:
    d = frame.get("data") or {}
    if frame.get("name") == "view.update":
        return [t["id"] for t in d.get("teams") or () if isinstance(t, dict) and "id" in t]
    if frame.get("name") == "team.moved" and isinstance(d.get("team_id"), str):
        return [d["team_id"]]
    return []


def apply_frame(state: dict, frame: dict) -> None:
    """One frame of a replay: an event (the shared reducer), or a case brought back from the
    archive before its event (as live)."""
    if frame.get("type") == "archive.case":
        case = frame.get("case")
        if isinstance(case, dict) and "id" in case:
            state["cases"][case["id"]] = case
        return
    apply(state, frame)


@dataclass
class Replay:
    """A fetched range: the room at its start, and its frames in order."""
    lo: float
    hi: float
    start: dict                                    # the room at lo (never changed)
    frames: list[bytes] = field(default_factory=list)
    times: list[float] = field(default_factory=list)       # each frame's time (archive.case: its event's)
    info: dict = field(default_factory=dict)
    _mutable: set[str] = field(default_factory=set)        # cases some frame changes
    _checks: list[tuple[int, bytes]] = field(default_factory=list)   # (frames applied, what they change)
    _check_at: list[int] = field(default_factory=list)
    _track_times: dict[str, list[float]] = field(default_factory=dict)
    tracks: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)  # squad -> (t, lat, lon)

    def prepare(self) -> None:
        """One pass over the frames: the cases they change, the squads' tracks, and the
        checkpoints a jump starts from."""
        self._mutable = set()
        for b in self.frames:                 # (parsed one at a time, twice: not all held at once)
            self._mutable.update(_frame_cases(orjson.loads(b)))
        state = self._fresh_start()
        last: dict[str, tuple] = {}
        for tid, t in state["teams"].items():
            if t.get("position"):
                last[tid] = tuple(t["position"])
                self.tracks.setdefault(tid, []).append((self.lo, *t["position"]))
        self._checks = [(0, self._checkpoint(state))]
        for i, b in enumerate(self.frames):
            f = orjson.loads(b)
            apply_frame(state, f)
            for tid in _frame_teams(f):
                t = state["teams"].get(tid) or {}
                pos = t.get("position")
                if pos and tuple(pos) != last.get(tid):
                    last[tid] = tuple(pos)
                    self.tracks.setdefault(tid, []).append((self.times[i], pos[0], pos[1]))
            if (i + 1) % CHECK_EVERY == 0:
                self._checks.append((i + 1, self._checkpoint(state)))
        self._track_times = {tid: [p[0] for p in pts] for tid, pts in self.tracks.items()}
        self._check_at = [c[0] for c in self._checks]

    def _fresh_start(self) -> dict:
        """The start, with fresh copies of everything a frame may change."""
        st = {k: v for k, v in self.start.items() if k not in ("cases", "teams")}
        st = orjson.loads(orjson.dumps(st))
        st["teams"] = orjson.loads(orjson.dumps(self.start["teams"]))
        cases = dict(self.start["cases"])
        for cid in self._mutable:
            if cid in cases:
                cases[cid] = orjson.loads(orjson.dumps(cases[cid]))
        st["cases"] = cases
        return st

    def _checkpoint(self, state: dict) -> bytes:
        return zlib.compress(orjson.dumps({
            "head": {k: v for k, v in state.items() if k not in ("cases", "teams")}, "teams": state["teams"],
            "cases": {c: state["cases"][c] for c in self._mutable if c in state["cases"]},
            "gone": [c for c in self._mutable if c not in state["cases"]]}), 1)

    def _restore(self, blob: bytes) -> dict:
        d = orjson.loads(zlib.decompress(blob))
        st = dict(d["head"])
        st["teams"] = d["teams"]
        cases = dict(self.start["cases"])
        for cid in d["gone"]:
            cases.pop(cid, None)
        cases.update(d["cases"])
        st["cases"] = cases
        return st

    def index_at(self, t: float) -> int:
        """How many frames are applied at time t (those stamped at or before it)."""
        return bisect_right(self.times, t)

    def state_after(self, n: int) -> dict:
        """A new state: the room after the first n frames."""
        n = max(0, min(n, len(self.frames)))
        k = bisect_right(self._check_at, n) - 1
        at, blob = self._checks[max(k, 0)]
        state = self._restore(blob)
        for b in self.frames[at:n]:
            apply_frame(state, orjson.loads(b))
        return state

    def state_at(self, t: float) -> dict:
        return self.state_after(self.index_at(t))

    def frames_between(self, i: int, j: int) -> list[dict]:
        return [orjson.loads(b) for b in self.frames[i:j]]

    def track(self, tid: str, t: float) -> list[tuple[float, float]]:
        """The squad's positions from the range's start to t."""
        pts = self.tracks.get(tid) or []
        k = bisect_right(self._track_times.get(tid) or [], t)
        return [(p[1], p[2]) for p in pts[:k]]


async def fetch(ask: Callable[[dict], Awaitable[dict]], lo: str, hi: str,
                progress: Callable[[float], None] | None = None) -> Replay:
    """The range [lo, hi) from the server: `ask(args)` sends a `query.replay` and returns its
    data (ServerLink.query), raising what it raises."""
    info = await ask({"op": "open", "from": lo, "to": hi})
    head = info["head"]
    start = empty_state()
    start.update({k: v for k, v in head.items() if k != "teams"})
    start["teams"] = {t["id"]: t for t in head.get("teams") or []}
    start["cases"] = {}
    start["seq"] = info["seq"]
    rp = Replay(epoch(info["from"]), epoch(info["to"]), start, info=info)
    total = max(1, info.get("events") or 0)
    rid = info["replay"]
    last_at = rp.lo
    for _ in range(MAX_PAGES):
        page = await ask({"op": "next", "replay": rid})
        for c in page.get("cases") or ():
            start["cases"][c["id"]] = c
        for f in page.get("frames") or ():
            if f.get("type") == "archive.case":
                rp.times.append(last_at)             # (stamped as the event that follows it)
                rp.frames.append(orjson.dumps(f))
                continue
            last_at = epoch(f["at"]) if f.get("at") else last_at
            rp.times.append(last_at)
            rp.frames.append(orjson.dumps(f))
        if progress:
            progress(min(1.0, len([t for t in rp.times]) / total))
        if page.get("done"):
            break
    # an archive.case takes its event's time (the one after it)
    for i in range(len(rp.frames) - 2, -1, -1):
        if rp.frames[i].startswith(b'{"type":"archive.case"'):
            rp.times[i] = rp.times[i + 1]
    rp.prepare()
    return rp


class Player:
    """Where the replay stands: `t` (epoch), the room at t (`state`, a state of its own), and
    play/pause at a speed. `advance(dt)` and `seek(t)` say what the room must do:
    ("events", [frames applied]) or ("reset", None) after a jump."""

    def __init__(self, replay: Replay):
        self.replay = replay
        self.t = replay.lo
        self.n = 0
        self.state = replay.state_after(0)
        self.speed = 1
        self.playing = False

    @property
    def at_end(self) -> bool:
        return self.t >= self.replay.hi

    def seek(self, t: float) -> tuple[str, list[dict] | None]:
        t = max(self.replay.lo, min(t, self.replay.hi))
        n = self.replay.index_at(t)
        if self.n <= n <= self.n + CHECK_EVERY:
            return self._forward(t, n)
        self.t, self.n = t, n
        self.state = self.replay.state_after(n)
        return "reset", None

    def advance(self, dt: float) -> tuple[str, list[dict] | None]:
        """Real seconds dt passed while playing: the replay moves dt x speed."""
        if not self.playing:
            return "events", []
        out = self.seek(self.t + dt * self.speed)
        if self.at_end:
            self.playing = False
        return out

    def _forward(self, t: float, n: int) -> tuple[str, list[dict]]:
        frames = self.replay.frames_between(self.n, n)
        for f in frames:
            apply_frame(self.state, f)
        self.t, self.n = t, n
        return "events", [f for f in frames if f.get("type") == "event"]
