"""The cases projection: each case's row (its columns for the window, search and aggregates,
and its JSON), the room row, and catching a database's projection up with its event log.

The hub writes the rows of the cases a batch changed in the same transaction as the batch's
events (`EventStore.append`), so the projection always stands at the log's head. A database
whose projection is behind (made before it existed, or written by a tool that appended
events alone) is caught up by `catch_up`, which the migration and the server's start run.
"""
from __future__ import annotations

import json

import orjson

from models.domain import OPEN_STATUSES
from models.kpi import case_facts
from models.search import initials, search_base
from models.sla import PROFILES, case_sla
from models.state import apply, empty_state
from models.timeutil import epoch

CASE_KEYS = ("case_id", "into", "merge_into")      # where a command or an event names a case


def case_text(case: dict) -> str:
    try:
        return orjson.dumps(case).decode()
    except TypeError:                                 # (an integer beyond 64 bits in free text)
        return json.dumps(case, ensure_ascii=False)


def case_json(case: dict) -> bytes:
    """The case's JSON as UTF-8 (what the snapshot sends and SQLite stores: no str made in
    between, whose UTF-8 the driver would make again; a lone surrogate raises UnicodeError)."""
    try:
        return orjson.dumps(case)
    except TypeError:                                 # (an integer beyond 64 bits in free text)
        return json.dumps(case, ensure_ascii=False).encode()


def last_update(case: dict) -> str:
    """When a case last changed (ISO): the window is judged by it (as in the cockpit)."""
    return case.get("updated") or case["times"]["reported"]


def squad_of(case: dict) -> str | None:
    tid = case.get("team_id")
    if tid:
        return tid
    return next((e.get("team_id") for e in reversed(case.get("timeline") or [])
                 if e.get("name") == "case.dispatched" and e.get("team_id")), None)


def words_of(case: dict) -> str:
    loc = case.get("location") or {}
    return (search_base(case) + " " + initials(case.get("title", "")) + " " +
            initials(loc.get("address", ""))).lower()


def kpi_columns(case: dict, profile) -> dict:
    """The KPI facts the projection keeps beside the case (models.kpi.case_facts; the rest
    of them are the status, closed, rating, on_scene and merged columns)."""
    f = case_facts(case, profile)
    return {"dispatch_ok": f.dispatch_ok, "arrival_s": f.arrival_s, "repeat_calls": f.repeat_calls}


def case_row(case: dict, seq: int, profile: str, text: str | bytes | None = None) -> dict:
    """The case's projection row; `text`: its JSON if made already (UTF-8 bytes as `case_json`
    makes them are stored as they are on SQLite, decoded elsewhere: server/store.py)."""
    loc = case.get("location") or {}
    times = case.get("times") or {}
    closed = times.get("closed") if case["status"] == "closed" else None
    sla = None
    prof = PROFILES.get(profile, PROFILES["1310"])
    if closed:
        sla = case_sla(case, prof, epoch(closed))[0]
    return {**kpi_columns(case, prof), "id": case["id"], "no": case.get("no"), "seq": seq, "status": case["status"],
            "category": case.get("category"), "source": case.get("source"), "priority": case.get("priority"),
            "area": loc.get("area"), "grid": loc.get("grid"), "squad": squad_of(case),
            "reported": times.get("reported") or case.get("created"), "closed": closed,
            "updated": last_update(case), "rating": case.get("rating"), "sla": sla,
            "on_scene": case.get("on_scene_closure"), "merged": bool(case.get("merged_into")),
            "words": words_of(case), "body": text if text is not None else case_text(case)}


def room_head(state: dict) -> dict:
    """The state without its cases, squads and street (the room row's `head`), with the
    squads' order."""
    head = {k: v for k, v in state.items() if k not in ("cases", "street", "teams")}
    head["team_order"] = list(state["teams"])
    return head


def team_texts(state: dict, known: dict[str, str] | None = None) -> dict[str, str]:
    """The squads whose JSON differs from `known` (all of them without it), as {id: JSON};
    `known` is updated."""
    out = {}
    for tid, team in state["teams"].items():
        text = case_text(team)
        if known is None or known.get(tid) != text:
            out[tid] = text
            if known is not None:
                known[tid] = text
    return out


def state_from_room(seq: int, head: dict, street: dict | None) -> dict:
    st = empty_state()
    st.update({k: v for k, v in head.items() if k != "teams"})
    st["teams"] = {t["id"]: t for t in head.get("teams", [])}
    st["street"] = street
    st["seq"] = seq
    return st


def is_open(case: dict) -> bool:
    return case["status"] in OPEN_STATUSES


def touched_cases(events: list[dict]) -> set[str]:
    out: set[str] = set()
    for ev in events:
        d = ev.get("data") or {}
        for k in ("case_id", "into"):
            v = d.get(k)
            if isinstance(v, str):
                out.add(v)
    return out


def catch_up(store, batch: int = 20_000, log=None) -> int:
    """Bring the projection to the log's head: from the room row (or, for a database made
    before the projection, the newest snapshot blob or the first event), replay the events
    after it, reading the cases they touch from the projection, and write what changed.
    Returns the number of events replayed. Memory: the cases the replayed events touch."""
    room = store.load_room()
    if room is not None:
        state = state_from_room(*room)
        cases_known = True
    else:
        snap = store.latest_snapshot()
        from models.state import from_wire
        state = from_wire(snap[1]) if snap else empty_state()
        cases_known = False
    start = state["seq"]
    changed: dict[str, int] = {}
    if not cases_known:
        changed = {cid: state["seq"] for cid in state["cases"]}
    replayed = 0
    street_changed = not cases_known
    while True:
        events = store.events_after(state["seq"], limit=batch)
        if not events:
            break
        if cases_known:
            need = [c for c in touched_cases(events) if c not in state["cases"]]
            for cid, (text, _seq) in store.get_case_texts(need).items():
                state["cases"][cid] = orjson.loads(text)
        for ev in events:
            apply(state, ev)
            street_changed |= ev["name"] == "street.loaded"
            for cid in touched_cases([ev]):
                changed[cid] = ev["seq"]
        replayed += len(events)
        if len(state["cases"]) > 50_000 and cases_known:
            _write(store, state, changed, street_changed)
            changed, street_changed = {}, False
            state["cases"] = {}
        elif not cases_known and len(changed) > 50_000:
            pass            # a legacy database: its cases are all in memory already (as before)
        if log and replayed % 200_000 < batch:
            log(f"projection: {replayed} events replayed (seq {state['seq']})")
    if changed or street_changed or room is None or state["seq"] != start:
        _write(store, state, changed, street_changed)
    return replayed


def _write(store, state: dict, changed: dict[str, int], street_changed: bool) -> None:
    rows = [case_row(state["cases"][cid], seq, state["sla_profile"]) for cid, seq in changed.items()
            if cid in state["cases"]]
    store.write_projection(rows, state["seq"], room_head(state),
                           state["street"] if street_changed else None, team_texts(state))
