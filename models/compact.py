"""The compact form of a case (docs/protocol.md, "The compact case form"): the same case in
about half the JSON, for the snapshots a cockpit receives (a window of ~15,000 cases is
~30 MiB of JSON in the plain form, ~14 MiB compact). It is lossless: `expand(compact(c))`
equals `c`, and `compact` checks that for every case it writes, falling back to the plain
form for a case it cannot write compactly (so nothing the cockpit shows can be lost).

What is left out or shortened (nothing is guessed; every step is undone exactly):

- fields holding the value every new case starts with (`DEFAULTS`: `subtags: []`,
  `escalation: -1`, `rating: null`, ...) are left out; a case that lacks one of them
  lists it in `"~absent"`;
- each timeline entry `{"seq", "at", "name", "actor", ...rest}` becomes an array
  `[seq, at, name, actor]` or `[seq, at, name, actor, {rest}]`: `seq` as the step from the
  previous entry's seq (the first: the seq itself), `at` as the milliseconds since the
  previous entry's time (the first: since 1970), `name` without its `case.` prefix (a name
  with a dot is the whole name); an entry that does not fit stays an object;
- a time in `times` and `created`, `received`, `updated` that equals the time of a timeline
  entry is that entry's index (an integer);
- a note `{"at", "by", "text"}` that repeats a timeline entry (same time, actor and note)
  is that entry's index.

The compact case is marked `"~": 1` (its form's version); a case without the mark is plain
(a case's own fields never start with `~`).
Qt-free: the server writes it, the cockpit's link and cache expand it.
"""
from __future__ import annotations

import calendar
import re
import time
from functools import lru_cache
from typing import Any

import orjson

MARK = "~"
ABSENT = "~absent"
VERSION = 1
FORM = "compact-1"          # what a hello offers in `forms`

# the values every case starts with (models/state.py: _reported)
DEFAULTS: dict[str, Any] = {
    "description": "", "subtags": [], "reporter": None, "parties": [], "team_id": None, "department": None,
    "escalation": -1, "supervision": 0, "rating": None, "reopen_count": 0, "repeat_calls": 0, "merged_into": None,
    "on_scene_closure": None, "resolution": None, "notes": [], "business": None,
}
_TIME_KEYS = ("created", "received", "updated")
_ISO = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z")
_ENTRY_KEYS = ("seq", "at", "name", "actor")


@lru_cache(maxsize=4096)
def _day_ms(day: str) -> int | None:
    """`2026-09-28` as milliseconds since 1970 at its midnight (UTC), None if no such day."""
    try:
        y, mo, d = int(day[0:4]), int(day[5:7]), int(day[8:10])
        out = calendar.timegm((y, mo, d, 0, 0, 0, 0, 0, 0)) * 1000
    except (ValueError, OverflowError):
        return None
    return out if _ms_day(out // 86_400_000) == day else None


@lru_cache(maxsize=4096)
def _ms_day(days: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(days * 86400))


def iso_ms(s: object) -> int | None:
    """`2026-09-28T15:25:17.011Z` as integer milliseconds since 1970 (None: another shape:
    it is then kept as it is)."""
    if not isinstance(s, str) or len(s) != 24 or _ISO.fullmatch(s) is None:
        return None
    day = _day_ms(s[:10])
    h, mi, sec = int(s[11:13]), int(s[14:16]), int(s[17:19])
    if day is None or h > 23 or mi > 59 or sec > 59:
        return None
    return day + ((h * 60 + mi) * 60 + sec) * 1000 + int(s[20:23])


def ms_iso(ms: int) -> str:
    days, rest = divmod(ms, 86_400_000)
    secs, frac = divmod(rest, 1000)
    h, secs = divmod(secs, 3600)
    mi, secs = divmod(secs, 60)
    return f"{_ms_day(days)}T{h:02d}:{mi:02d}:{secs:02d}.{frac:03d}Z"


def _entry(e: object, prev_seq: int, prev_ms: int) -> tuple[Any, int, int] | None:
    """A timeline entry as an array (with the new previous seq and time), or None."""
    if not isinstance(e, dict):
        return None
    seq, name, actor = e.get("seq"), e.get("name"), e.get("actor")
    if isinstance(seq, bool) or not isinstance(seq, int) or not isinstance(name, str) or not isinstance(actor, str):
        return None
    ms = iso_ms(e.get("at"))
    if ms is None:
        return None
    if name.startswith("case.") and "." not in name[5:] and name[5:]:
        short = name[5:]
    elif "." in name:
        short = name
    else:
        return None
    rest = {k: v for k, v in e.items() if k not in _ENTRY_KEYS}
    arr: list[Any] = [seq - prev_seq, ms - prev_ms, short, actor]
    if rest:
        arr.append(rest)
    return arr, seq, ms


def _unentry(a: Any, prev_seq: int, prev_ms: int) -> tuple[Any, int, int]:
    if isinstance(a, dict):
        ms = iso_ms(a.get("at"))
        seq = a.get("seq")
        return a, (seq if isinstance(seq, int) else prev_seq), (ms if ms is not None else prev_ms)
    if not isinstance(a, list):
        return a, prev_seq, prev_ms
    seq, ms = prev_seq + a[0], prev_ms + a[1]
    name = a[2] if "." in a[2] else "case." + a[2]
    e = {"seq": seq, "at": ms_iso(ms), "name": name, "actor": a[3]}
    if len(a) > 4:
        e.update(a[4])
    return e, seq, ms


def compact(case: dict) -> dict:
    """The compact form of `case`, or `case` itself when it cannot be written compactly
    (what `expand` gives back must equal it)."""
    if not isinstance(case, dict) or MARK in case or ABSENT in case or not isinstance(case.get("id"), str):
        return case
    out: dict[str, Any] = {"id": case["id"], MARK: VERSION}
    absent = [k for k in DEFAULTS if k not in case]
    if absent:
        out[ABSENT] = absent
    timeline = case.get("timeline")
    at_index: dict[str, int] = {}
    entries = timeline if isinstance(timeline, list) else []
    for i, e in enumerate(entries):
        if isinstance(e, dict) and isinstance(e.get("at"), str):
            at_index.setdefault(e["at"], i)
    for k, v in case.items():
        if k == "id" or (k in DEFAULTS and v == DEFAULTS[k] and type(v) is type(DEFAULTS[k])):
            continue
        if k == "timeline" and isinstance(v, list):
            arrs: list[Any] = []
            ps = pm = 0
            for e in v:
                got = _entry(e, ps, pm)
                if got is None:
                    arrs.append(e)
                    if isinstance(e, dict):          # (its seq and time still step the next)
                        _e, ps, pm = _unentry(e, ps, pm)
                else:
                    arr, ps, pm = got
                    arrs.append(arr)
            out[k] = arrs
        elif k == "times" and isinstance(v, dict):
            out[k] = {tk: at_index.get(tv, tv) if isinstance(tv, str) else tv for tk, tv in v.items()}
        elif k in _TIME_KEYS and isinstance(v, str):
            out[k] = at_index.get(v, v)
        elif k == "notes" and isinstance(v, list):
            out[k] = [_note_ref(n, entries, at_index) for n in v]
        else:
            out[k] = v
    try:
        same = expand(out) == case
    except (TypeError, ValueError, KeyError, IndexError):
        same = False
    return out if same else case


def _note_ref(n: object, entries: list, at_index: dict[str, int]) -> object:
    if not (isinstance(n, dict) and n.keys() == {"at", "by", "text"} and isinstance(n["at"], str)):
        return n
    i = at_index.get(n["at"])
    if i is None:
        return n
    e = entries[i]
    if e.get("actor") == n["by"] and e.get("note") == n["text"] and isinstance(n["text"], str):
        return i
    return n


def expand(case: Any) -> Any:
    """The plain form of a case in either form."""
    if not isinstance(case, dict) or case.get(MARK) != VERSION:
        return case
    absent = set(case.get(ABSENT) or ())
    out: dict[str, Any] = {"id": case["id"]}
    for k, v in DEFAULTS.items():
        if k not in absent and k not in case:
            out[k] = list(v) if isinstance(v, list) else v
    timeline: list[Any] = []
    raw_tl = case.get("timeline")
    if isinstance(raw_tl, list):
        ps = pm = 0
        for a in raw_tl:
            e, ps, pm = _unentry(a, ps, pm)
            timeline.append(e)

    def at(v):
        return timeline[v]["at"] if isinstance(v, int) and not isinstance(v, bool) else v
    for k, v in case.items():
        if k in (MARK, ABSENT, "id"):
            continue
        if k == "timeline" and isinstance(v, list):
            out[k] = timeline
        elif k == "times" and isinstance(v, dict):
            out[k] = {tk: at(tv) for tk, tv in v.items()}
        elif k in _TIME_KEYS:
            out[k] = at(v)
        elif k == "notes" and isinstance(v, list):
            out[k] = [{"at": timeline[n]["at"], "by": timeline[n]["actor"], "text": timeline[n]["note"]}
                      if isinstance(n, int) and not isinstance(n, bool) else n for n in v]
        else:
            out[k] = v
    return out


def expand_all(cases: list) -> list:
    """Each case of a snapshot's page in its plain form (in place; the list is returned)."""
    for i, c in enumerate(cases):
        if isinstance(c, dict) and MARK in c:
            cases[i] = expand(c)
    return cases


def compact_text(case: dict) -> bytes:
    """The compact form's JSON (UTF-8)."""
    c = compact(case)
    try:
        return orjson.dumps(c)
    except TypeError:                         # (an integer beyond 64 bits in free text: plain JSON)
        import json
        return json.dumps(case, ensure_ascii=False).encode()
