"""The shapes of the shared state, for readers and type checkers (no runtime cost: these
are plain dicts at run time, as `models.state` builds them and the wire carries them).

`State` is what `models.state.apply` mutates and what the session, the hub and the Qt room
hold; widgets read it through `RoomState.state`. Keys marked NotRequired appear only once
the event that sets them has happened (or in a filtered view, see server/views.py).
"""
from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class Location(TypedDict):
    address: str
    grid: NotRequired[str]
    area: NotRequired[str]
    lat: NotRequired[float]
    lon: NotRequired[float]


class Person(TypedDict):
    name: str
    phone: str


class TimelineEntry(TypedDict):
    seq: int
    at: str
    name: str
    actor: str | None
    # and any of models.state.TIMELINE_KEYS the event carried (note, team_id, to, ...)


class Ack(TypedDict):
    at: str
    by: str | None


class Case(TypedDict):
    id: str
    no: int | None
    title: str
    description: str
    category: str
    subtags: list[str]
    source: str
    priority: int                      # 1 (most urgent) to 4
    location: Location
    reporter: Person | None
    parties: list[Person]
    status: str                        # models.domain.STATUSES
    team_id: str | None
    department: str | None
    escalation: int                    # -1: not escalated; else an index of ESCALATION_LADDER
    supervision: int
    rating: int | None
    reopen_count: int
    repeat_calls: int
    merged_into: str | None
    on_scene_closure: bool | None
    resolution: str | None
    times: dict[str, str]              # milestone -> ISO time it was first reached
    timeline: list[TimelineEntry]
    notes: list[dict[str, Any]]
    created: str
    updated: str
    business: str | None
    acks: NotRequired[dict[str, Ack]]  # alert kind -> who acknowledged it for the room


class Member(TypedDict):
    id: str
    name: str
    on_duty: bool


class Radio(TypedDict):
    at: str
    by: str | None
    text: str


class Emergency(TypedDict):
    at: str
    by: str | None
    note: str
    seq: int


class Team(TypedDict):
    id: str
    call_sign: str
    area: str
    talkgroup: str
    members: list[Member]
    status: str                        # models.domain.TEAM_STATUSES
    status_since: str | None
    on_duty: bool
    cases: list[str]                   # open cases assigned, oldest first
    case_id: str | None                # the current one (the last of `cases`)
    last_tx: Radio | None
    position: dict[str, float] | None  # {"lat", "lon"}
    emergency: Emergency | None


class State(TypedDict):
    seq: int
    street: dict[str, Any] | None      # the street file as loaded (models.street)
    mode: str                          # "peacetime" | "wartime"
    sla_profile: str
    next_case_no: int
    cases: dict[str, Case]
    teams: dict[str, Team]


class Event(TypedDict):
    type: str                          # "event"
    seq: int
    at: str
    name: str
    actor: str | None
    data: dict[str, Any]
    command_id: NotRequired[str | None]
