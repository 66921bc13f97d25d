"""SLA profiles as data, and the clock that says where each case stands at any instant."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .domain import MILESTONES, RESOURCES, SIDE_MILESTONES
from .timeutil import epoch

DUE_SOON_FRACTION = 0.3   # the last 30% of a stage's allowance counts as "due soon"
DUE_SOON_MIN_S = 20.0

# Stage states, worst first for a pending stage.
OVERDUE, DUE_SOON, ON_TIME, MET, LATE, SKIPPED = "overdue", "due_soon", "on_time", "met", "late", "skipped"


@dataclass(frozen=True)
class Stage:
    key: str
    milestone: str
    minutes: float


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    stages: tuple[Stage, ...]


@dataclass(frozen=True)
class StageClock:
    key: str
    milestone: str
    deadline: float          # epoch seconds
    state: str               # one of OVERDUE, DUE_SOON, ON_TIME, MET, LATE, SKIPPED
    reached_at: float | None


# A stage on no milestone of the case's own loop: met when the first supporting squad
# (case.reinforce) is on scene; it applies only to a case that was reinforced.
REINFORCED = "reinforced"


def _applies(case: dict, milestone: str) -> bool:
    return milestone != REINFORCED or bool(case.get("support"))


def load_profiles(path: Path | None = None) -> dict[str, Profile]:
    path = path or RESOURCES / "sla_profiles.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = {}
    for name, p in data["profiles"].items():
        stages = tuple(Stage(s["key"], s["milestone"], float(s["minutes"])) for s in p["stages"])
        for s in stages:
            if s.milestone not in MILESTONES and s.milestone not in SIDE_MILESTONES and s.milestone != REINFORCED:
                raise ValueError(f"profile {name}: unknown milestone {s.milestone!r}")
        out[name] = Profile(name, p.get("title", name), stages)
    return out


PROFILES = load_profiles()
_MILESTONES_BACK = tuple(reversed(MILESTONES))


def milestone_times(times: dict) -> dict[str, float | None]:
    """For each milestone, when the case first reached it or any later one (since its last
    reopen), from its `times`.

    Closure implies only itself: a case a department closed after a transfer never had a
    squad contact the party or arrive. `progress` (the first interim progress report) is
    reached by a progress report or by the feedback (resolved, or later but closure), and
    implies nothing: a progress report on the way is no arrival."""
    reached: dict[str, float | None] = {}
    best = None                          # earliest of this milestone and every later one
    for m in _MILESTONES_BACK:
        t = times.get(m)
        if m == "closed":
            reached[m] = epoch(t) if t is not None else None
            continue
        if t is not None:
            e = epoch(t)
            if best is None or e < best:
                best = e
        reached[m] = best
    t = times.get("progress")
    first = epoch(t) if t is not None else None
    done = reached.get("resolved")
    reached["progress"] = first if done is None else (done if first is None else min(first, done))
    r = times.get(REINFORCED)
    reached[REINFORCED] = epoch(r) if r is not None else None
    return reached


def case_profile(case: dict, default: Profile) -> Profile:
    """The profile a case is judged by: the one in force when it was reported (or last
    reopened), which the reducer stamps on it; `default` for a case from before that stamp.
    A later mode switch or profile change judges new cases, never the history."""
    return PROFILES.get(case.get("sla_profile") or "", default)


def case_clock(case: dict, profile: Profile, now: float) -> list[StageClock]:
    profile = case_profile(case, profile)
    base_iso = case["times"].get("reopened") or case["times"]["reported"]
    base = epoch(base_iso)
    terminal = case["status"] in ("closed", "transferred")
    times = milestone_times(case["times"])
    out = []
    for st in profile.stages:
        deadline = base + st.minutes * 60.0
        reached = times[st.milestone]
        if reached is not None:
            state = MET if reached <= deadline else LATE
        elif terminal or not _applies(case, st.milestone):
            state = SKIPPED
        else:
            remaining = deadline - now
            allowance = st.minutes * 60.0
            if remaining < 0:
                state = OVERDUE
            elif remaining <= max(DUE_SOON_MIN_S, allowance * DUE_SOON_FRACTION):
                state = DUE_SOON
            else:
                state = ON_TIME
        out.append(StageClock(st.key, st.milestone, deadline, state, reached))
    return out


def case_light(clocks: list[StageClock]) -> tuple[str, float | None]:
    """The case's SLA light and its next pending deadline.

    Light: overdue > due soon for a pending stage; then late if any stage was missed (an
    open case that missed a stage shows it, not "on time" for the next one); then on time
    while a stage is pending; met if all were met, skipped when none applied.
    """
    pending = [c for c in clocks if c.state in (OVERDUE, DUE_SOON, ON_TIME)]
    nxt = min((c.deadline for c in pending), default=None)
    for s in (OVERDUE, DUE_SOON):
        if any(c.state == s for c in pending):
            return s, nxt
    if any(c.state == LATE for c in clocks):
        return LATE, nxt
    if pending:
        return ON_TIME, nxt
    if any(c.state == MET for c in clocks):
        return MET, None
    return SKIPPED, None


def case_sla(case: dict, profile: Profile, now: float) -> tuple[str, float | None]:
    """`case_light(case_clock(case, profile, now))` without building the stage clocks: the
    queue asks this of every changed or open case, a thousand at a time."""
    profile = case_profile(case, profile)
    times = case["times"]
    base = epoch(times.get("reopened") or times["reported"])
    terminal = case["status"] in ("closed", "transferred")
    reached = milestone_times(times)
    worst = 3                            # 0 overdue, 1 due soon, 2 on time, 3 none pending
    nxt = None
    late = met = False
    for st in profile.stages:
        allowance = st.minutes * 60.0
        deadline = base + allowance
        r = reached[st.milestone]
        if r is not None:
            if r <= deadline:
                met = True
            else:
                late = True
        elif not terminal and _applies(case, st.milestone):
            remaining = deadline - now
            rank = 0 if remaining < 0 else (
                1 if remaining <= max(DUE_SOON_MIN_S, allowance * DUE_SOON_FRACTION) else 2)
            worst = min(worst, rank)
            nxt = deadline if nxt is None or deadline < nxt else nxt
    if worst < 2:
        return (OVERDUE, DUE_SOON)[worst], nxt
    if late:
        return LATE, nxt              # a missed stage shows while the case is still open
    if worst == 2:
        return ON_TIME, nxt
    return (MET if met else SKIPPED), None

