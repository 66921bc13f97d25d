"""Commands: validation, permissions and the case state machine.

`decide(state, actor, name, args)` checks a command against the role, its arguments and
the current state and returns the events it causes, as (name, data) pairs, or raises
CommandError with one of the protocol's codes. Pure: no I/O, no clock (the caller stamps).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from . import callback as cb
from . import early_warning, evidence, guidance, joint, ladders, radio, rating
from . import rota as rota_mod
from .domain import CATEGORIES, MODES, OPEN_STATUSES, PRIORITIES, SOURCES, TEAM_STATUSES
from .sla import PROFILES
from .street import resolve_address
from .timeutil import epoch, iso

# A report's time of the call (`called_at`, when the operator took it, perhaps offline) may
# be ahead of the server's clock by at most CALL_SKEW_S, and no older than CALL_MAX_AGE_S:
# as long as an outbox may hold a report the cockpit could not send.
CALL_SKEW_S = 120.0
CALL_MAX_AGE_S = 24 * 3600.0


class CommandError(Exception):
    def __init__(self, code: str, message: str, field: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field          # the argument at fault, when one is
        self.details = details      # what a client needs to word it in its user's language


@dataclass(frozen=True)
class Actor:
    """Who issues a command. A `field` account is bound to its squad (`team_id`), a
    `department` account to one department of the street, a `community` account to its
    grids; an account without its binding owns nothing."""
    name: str
    role: str
    team_id: str | None = None
    department: str | None = None
    grids: tuple[str, ...] = ()


# Positions a field terminal sends are recorded as `team.moved` at most once per squad in
# this many seconds; one sooner is acknowledged and not recorded (a phone's GPS fires often).
POSITION_EVERY_S = 15.0
# what a squad's terminal sets its squad to with team.status (off duty: team.duty)
FIELD_TEAM_STATUSES = ("available", "busy")


# Statuses in which a case is with the squad it was dispatched to and not yet taken up on the
# scene: dispatching it again to that squad changes nothing (refused), to another re-dispatches.
WITH_SQUAD = frozenset({"dispatched", "signed"})

# The case state machine: command -> (statuses it is allowed from, event it appends).
CASE_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "case.accept": (frozenset({"new", "returned"}), "case.accepted"),
    "case.dispatch": (frozenset({"new", "accepted", "returned", "dispatched", "signed"}), "case.dispatched"),
    "case.sign": (frozenset({"dispatched"}), "case.signed"),
    "case.contact": (frozenset({"signed"}), "case.contacted"),
    "case.arrive": (frozenset({"signed", "contacted"}), "case.arrived"),
    "case.progress": (frozenset({"signed", "contacted", "on_scene", "transferred"}), "case.progressed"),
    "case.feedback": (frozenset({"contacted", "on_scene", "transferred"}), "case.feedback"),
    "case.close": (frozenset({"on_scene", "resolved", "transferred"}), "case.closed"),
    "case.transfer": (frozenset({"new", "accepted", "returned", "dispatched", "signed", "contacted",
                                 "on_scene", "resolved"}), "case.transferred"),
    "case.escalate": (frozenset(OPEN_STATUSES), "case.escalated"),
    "case.return": (frozenset({"dispatched", "signed", "transferred"}), "case.returned"),
    "case.reopen": (frozenset({"closed"}), "case.reopened"),
    "case.supervise": (frozenset(OPEN_STATUSES), "case.supervised"),
    "case.rate": (frozenset({"closed"}), "case.rated"),
    "case.callback": (frozenset({"closed"}), "case.called_back"),
    "case.reinforce": (frozenset({"dispatched", "signed", "contacted", "on_scene"}), "case.reinforced"),
    "case.release": (frozenset(OPEN_STATUSES), "case.released"),
    "case.note": (frozenset(OPEN_STATUSES | {"closed"}), "case.noted"),
    "case.merge": (frozenset({"new", "accepted", "returned"}), "case.merged"),
    "case.amend": (frozenset(OPEN_STATUSES), "case.amended"),
    # a department signs for a case transferred to it (签收); its status stays transferred
    "case.dept_sign": (frozenset({"transferred"}), "case.dept_signed"),
    # a community follows a case up after it was resolved or closed (跟进落地) ...
    "case.follow_up": (frozenset({"resolved", "closed"}), "case.followed_up"),
    # ... and confirms the outcome with the resident
    "case.confirm": (frozenset({"resolved", "closed"}), "case.confirmed"),
    # evidence (docs/protocol.md, Evidence): a file uploaded over HTTP put on / taken off a case
    "case.attach": (frozenset(OPEN_STATUSES | {"closed"}), "case.attached"),
    "case.detach": (frozenset(OPEN_STATUSES | {"closed"}), "case.detached"),
    # a resident rates the handling through a one-time link or QR code (扫码打分, models/rating.py):
    # the squad or the room makes the link once the squad fed back; the resident's rating uses it
    "case.rating_link": (frozenset(rating.RATEABLE), "case.rating_link_issued"),
    "case.resident_rate": (frozenset(rating.RATEABLE), "case.rated"),
    # a checklist item of the category's handling guide (执法手册) ticked, or unticked, on the case
    "case.check": (frozenset(OPEN_STATUSES), "case.checked"),
    # joint handling (一件事, models/joint.py): a department's part of the case, its feedback,
    # a part added by mistake taken off; linked cases handled as one under a lead
    "case.part_add": (frozenset(OPEN_STATUSES), "case.part_added"),
    "case.part_feedback": (frozenset(OPEN_STATUSES), "case.part_done"),
    "case.part_cancel": (frozenset(OPEN_STATUSES), "case.part_cancelled"),
    "case.link": (frozenset(OPEN_STATUSES), "case.linked"),
    "case.unlink": (frozenset(OPEN_STATUSES | {"closed"}), "case.unlinked"),
}
# outcomes of case.confirm: the resident confirms it is dealt with, or says it is not
CONFIRM_OUTCOMES = ("confirmed", "not_resolved")
# stages a terminal or the room may stamp: the event says who stamped it (`by_role`), so the
# timeline tells a field terminal's own sign/arrive from one an operator entered on its behalf
STAMPED = frozenset({"case.sign", "case.contact", "case.arrive", "case.progress", "case.feedback", "case.return",
                     "case.dept_sign", "case.follow_up", "case.confirm", "case.check"})
# what case.amend may correct after intake (never the SLA profile, times or status)
AMENDABLE = ("title", "category", "priority", "location")
# alerts a person acknowledges for the whole room (emergencies end with radio.ack)
ALERT_KINDS = ("p1", "overdue")
MAX_ACK_CASES = 500

TEAM_COMMANDS = {
    "team.status": "team.status_changed",
    "team.position": "team.moved",
    "team.duty": "team.duty_changed",
    "team.member_move": "team.member_moved",
    "team.member_duty": "team.member_duty_changed",
    "radio.transmit": "radio.transmitted",
    "radio.emergency": "radio.emergency",
    "radio.ack": "radio.emergency_acknowledged",
    "team.request_reinforcement": "team.reinforcement_requested",
    "team.reinforcement_ack": "team.reinforcement_acknowledged",
    "team.presence": "team.presence",
}
OTHER_COMMANDS = {"case.report": "case.reported", "mode.set": "mode.changed", "alert.ack": "alert.acknowledged",
                  "sla.set": "sla.profile_changed", "shift.handover": "shift.handover",
                  "shift.ack": "shift.handover_acknowledged", "team.mobilise": "team.duty_changed",
                  # the rota (models/rota.py): the server starts each shift; the leader changes the plan
                  "shift.change": "shift.changed", "rota.override": "rota.overridden",
                  # roads as the smallest combat unit: who answers for a road's stretch
                  "road.assign": "road.assigned",
                  # the reserve called up by team.mobilise goes home
                  "team.stand_down": "reserve.stood_down",
                  "warning.ack": "warning.acknowledged", "guidance.set": "guidance.changed"}
ALL_COMMANDS = frozenset(CASE_TRANSITIONS) | frozenset(TEAM_COMMANDS) | frozenset(OTHER_COMMANDS)

_FIELD = {"case.sign", "case.contact", "case.arrive", "case.progress", "case.feedback", "case.note", "case.return",
          "case.attach", "team.status", "team.duty", "team.position", "team.request_reinforcement", "radio.transmit",
          "radio.emergency", "case.rating_link", "case.check"}
# a department feeds back with evidence: case.attach on its own (transferred) case
_DEPARTMENT = {"case.dept_sign", "case.progress", "case.feedback", "case.return", "case.note", "case.attach",
               "case.part_feedback"}
_COMMUNITY = {"case.report", "case.follow_up", "case.confirm", "case.note", "case.attach"}
_LEADER_ONLY = {"mode.set", "sla.set", "team.duty", "team.member_move", "team.member_duty", "shift.handover",
                "shift.ack", "team.mobilise", "case.detach", "rota.override", "road.assign", "team.stand_down"}
# appended by the server itself (a terminal comes online or goes; a shift starts), never by an account
_INTERNAL = {"team.presence", "shift.change"}
# a resident's rating through its link: submitted by the server's resident page (server/resident.py)
# as the role `resident`, never by an account
_RESIDENT = {"case.resident_rate"}
# the street's handling guidance is edited by an administrator (the admin screen)
_ADMIN_ONLY = {"guidance.set"}
_OPERATOR = (ALL_COMMANDS - _LEADER_ONLY - _INTERNAL - _RESIDENT - _ADMIN_ONLY)
PERMISSIONS: dict[str, frozenset[str]] = {
    "operator": frozenset(_OPERATOR),
    "leader": frozenset(ALL_COMMANDS - _INTERNAL - _RESIDENT - _ADMIN_ONLY),
    "admin": frozenset(ALL_COMMANDS - _INTERNAL - _RESIDENT),
    "field": frozenset(_FIELD),
    "department": frozenset(_DEPARTMENT),
    "community": frozenset(_COMMUNITY),
    "intake": frozenset({"case.report", "case.attach"}),     # case.attach: on the cases it reported
    "wall": frozenset(),
    "system": frozenset(_INTERNAL),      # not a role an account can have (models.domain.ROLES)
    "resident": frozenset(_RESIDENT),    # nor this one: the resident page's
}


# ---- what each command carries, for forms ---------------------------------------
# The longest text each field of a case may hold: decide refuses longer text, and the
# forms (new case, amend) cap their inputs at the same figures.
# A phone field holds what a caller gives: several numbers with extensions
# ("13812345678 / 0571-86001234 ext 123"). The new-case form checks these figures and marks
# the field (it does not cut what was typed or pasted).
FIELD_LIMITS: dict[str, int] = {
    "title": 200, "address": 200, "description": 4000, "reporter.name": 60, "reporter.phone": 64,
    "party.name": 60, "party.phone": 64, "business": 100, "subtag": 40, "note": 4000,
}
ID_LIMIT = 40          # case, squad, member and department ids
TEXT_LIMIT = 4000      # notes, resolutions, reasons
RADIO_LIMIT = 500      # a radio message or an emergency note
MAX_REINFORCE = 20     # squads one case.reinforce may add
HANDOVER_ITEMS = 500   # open items a handover lists with their owners (most urgent first)
# what a supporting squad (case.reinforce) does on a case it does not lead
SUPPORT_COMMANDS = frozenset({"case.sign", "case.arrive", "case.note"})


@dataclass(frozen=True)
class CommandSpec:
    """The free text a command takes (`text`: the argument's name, or None), whether it
    must be given, and its longest length."""
    name: str
    text: str | None = None
    text_required: bool = False
    text_limit: int = 0


_TEXT_ARGS: dict[str, tuple[str, bool, int]] = {
    "case.feedback": ("note", True, TEXT_LIMIT), "case.close": ("resolution", True, TEXT_LIMIT),
    "case.return": ("reason", True, TEXT_LIMIT), "case.note": ("note", True, TEXT_LIMIT),
    "case.supervise": ("note", False, TEXT_LIMIT), "case.reopen": ("reason", False, TEXT_LIMIT),
    "case.transfer": ("note", False, TEXT_LIMIT), "case.callback": ("note", False, TEXT_LIMIT),
    "shift.handover": ("note", False, TEXT_LIMIT), "shift.ack": ("note", False, TEXT_LIMIT),
    "radio.transmit": ("text", False, RADIO_LIMIT), "radio.emergency": ("note", False, RADIO_LIMIT),
    "case.progress": ("note", True, TEXT_LIMIT), "case.follow_up": ("note", True, TEXT_LIMIT),
    "case.confirm": ("note", False, TEXT_LIMIT), "team.request_reinforcement": ("note", False, RADIO_LIMIT),
    "case.detach": ("reason", True, TEXT_LIMIT),
    "rota.override": ("reason", True, rota_mod.REASON_LIMIT), "road.assign": ("reason", False, rota_mod.REASON_LIMIT),
    "case.resident_rate": ("note", False, rating.RULES.comment_limit),
    "case.part_feedback": ("note", True, TEXT_LIMIT), "case.part_cancel": ("reason", True, TEXT_LIMIT),
    "warning.ack": ("note", True, TEXT_LIMIT),
}
COMMAND_SPECS: dict[str, CommandSpec] = {
    name: CommandSpec(name, *_TEXT_ARGS[name]) if name in _TEXT_ARGS else CommandSpec(name)
    for name in sorted(ALL_COMMANDS)
}


def command_spec(name: str) -> CommandSpec:
    """What `name` carries (KeyError for a command that does not exist)."""
    return COMMAND_SPECS[name]


def _text(args, name):
    """The command's free text, checked as its spec says ('' when optional and not given)."""
    spec = COMMAND_SPECS[name]
    assert spec.text is not None
    return _str(args, spec.text, required=spec.text_required, max_len=spec.text_limit) or ""


def allowed_case_commands(case: dict, role: str = "operator", dept: str | None = None) -> list[str]:
    """What the state machine and the role allow on this case now (for offering actions);
    `dept`: a department account's own department (its parts of joint cases)."""
    perms = PERMISSIONS.get(role, frozenset())
    out = []
    for name, (froms, _ev) in CASE_TRANSITIONS.items():
        if name in perms and case["status"] in froms:
            if name == "case.dept_sign" and (case.get("dept_signed") or not case.get("department")):
                continue
            if role == "department" and name in ("case.progress", "case.feedback") and not case.get("dept_signed"):
                continue
            if role == "field" and case["status"] == "transferred":
                continue
            if name == "case.escalate" and ladders.next_step(case) is None:
                continue
            if name == "case.reopen" and case.get("merged_into"):
                continue
            if name in ("case.rate", "case.rating_link") and (case.get("rating") is not None
                                                              or case.get("merged_into")):
                continue
            if name == "case.callback" and not cb.awaiting(case):
                continue
            if name == "case.reinforce" and not case.get("team_id"):
                continue
            if name == "case.release" and not active_support(case):
                continue
            if name in ("case.part_feedback", "case.part_cancel") and not joint.open_parts(case):
                continue
            if name == "case.unlink" and not case.get("linked_to"):
                continue
            if name == "case.close" and joint.open_parts(case):
                continue
            if (role == "department" and name not in ("case.part_feedback", "case.note", "case.attach")
                    and case.get("department") != dept):
                continue
            if role == "department" and name == "case.part_feedback" and not any(
                    p["department"] == dept for p in joint.open_parts(case)):
                continue
            out.append(name)
    return out


def active_support(case: dict) -> list[dict]:
    """The supporting squads still on the case (case.reinforce; not released)."""
    return [s for s in case.get("support") or () if not s.get("released")]


def squads_on(case: dict) -> list[str]:
    """Every squad on the case now: the lead first, then the supporting squads."""
    lead = [case["team_id"]] if case.get("team_id") else []
    return lead + [s["team_id"] for s in active_support(case)]


# ---- argument checks ----------------------------------------------------------

def _str(args, key, *, required=True, max_len=200):
    v = args.get(key)
    if v is None:
        if required:
            raise CommandError("invalid", f"'{key}' is required")
        return None
    if not isinstance(v, str):
        raise CommandError("invalid", f"'{key}' must be a string")
    v = v.strip()
    if required and not v:
        raise CommandError("invalid", f"'{key}' must not be empty", field=key)
    if len(v) > max_len:
        raise CommandError("invalid", f"'{key}' is longer than {max_len} characters", field=key)
    return v


def _num(v, key, lo, hi):
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not (lo <= v <= hi):
        raise CommandError("invalid", f"'{key}' must be a number from {lo} to {hi}")
    return float(v)


def _bool(args, key):
    v = args.get(key)
    if not isinstance(v, bool):
        raise CommandError("invalid", f"'{key}' must be true or false")
    return v


def _case_of(state, args):
    cid = _str(args, "case_id", max_len=ID_LIMIT)
    case = state["cases"].get(cid)
    if case is None:
        raise CommandError("not_found", f"no case {cid}")
    return case


def _team_of(state, args, key="team_id"):
    tid = _str(args, key, max_len=ID_LIMIT)
    team = state["teams"].get(tid)
    if team is None:
        raise CommandError("not_found", f"no squad {tid}")
    return team


def check_report(state, args, now: float | None = None) -> dict:
    """The checked fields of a `case.report` (raises CommandError, with `field` when one
    field is at fault): the server's rule, which the new-case form applies before sending.
    `now` bounds the time of the call (not checked without it)."""
    return _check_report(state, args, now)


def _called_at(args, now: float | None) -> str | None:
    v = args.get("called_at")
    if v is None:
        return None
    try:
        if not isinstance(v, str) or len(v) > 40:
            raise ValueError
        t = epoch(v)
    except (ValueError, TypeError):
        raise CommandError("invalid", "'called_at' must be an ISO 8601 time such as 2024-05-01T08:30:00.000Z",
                           field="called_at") from None
    if now is not None:
        if t > now + CALL_SKEW_S:
            raise CommandError("invalid", f"'called_at' is {t - now:.0f} s in the future", field="called_at")
        if t < now - CALL_MAX_AGE_S:
            raise CommandError("invalid", f"'called_at' is more than {CALL_MAX_AGE_S / 3600:.0f} h ago",
                               field="called_at")
    return iso(t)


# who may report a case with its `history` (a former system's case: when it was reported, and
# when and how it was closed there): the intake accounts an import runs as (server/intake.py)
HISTORY_ROLES = frozenset({"intake"})


_WIRE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def _history_time(h: dict, key: str, now: float | None) -> tuple[float, str] | None:
    """(epoch, the protocol's ISO text) of a history time; a time already in that form is
    kept as it is (formatting a time of another second is most of the cost of a row)."""
    v = h.get(key)
    if v is None:
        return None
    try:
        if not isinstance(v, str) or len(v) > 40:
            raise ValueError
        t = datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()
    except (ValueError, TypeError):
        raise CommandError("invalid", f"'history.{key}' must be an ISO 8601 time such as 2024-05-01T08:30:00.000Z",
                           field=f"history.{key}") from None
    if now is not None and t > now + CALL_SKEW_S:
        raise CommandError("invalid", f"'history.{key}' is {t - now:.0f} s in the future", field=f"history.{key}")
    return t, (v if _WIRE_TIME.fullmatch(v) else iso(t))


def _check_history(args, now: float | None) -> dict:
    """A report's `history` (an import of a former system's case): `reported_at` (required;
    the SLA clocks run from it, however long ago), `closed_at` (optional: the case was closed
    there then, with `resolution`). Returns the report data's `called_at` and `closed`."""
    h = args.get("history")
    if not isinstance(h, dict):
        raise CommandError("invalid", "'history' must be an object {reported_at, closed_at, resolution}",
                           field="history")
    reported = _history_time(h, "reported_at", now)
    if reported is None:
        raise CommandError("invalid", "'history.reported_at' is required", field="history.reported_at")
    out: dict = {"called_at": reported[1]}
    closed = _history_time(h, "closed_at", now)
    if closed is not None:
        if closed[0] < reported[0]:
            raise CommandError("invalid", "'history.closed_at' is before 'history.reported_at'",
                               field="history.closed_at")
        resolution = h.get("resolution") or ""
        if not isinstance(resolution, str) or len(resolution) > TEXT_LIMIT:
            raise CommandError("invalid", f"'history.resolution' must be a text of at most {TEXT_LIMIT} characters",
                               field="history.resolution")
        out["closed"] = {"at": closed[1], "resolution": resolution}
    return out


def _check_location(state, loc) -> dict:
    """A location as reported or amended: the address, and grid/area/lat/lon resolved from
    the street when not given."""
    if not isinstance(loc, dict):
        raise CommandError("invalid", "'location' must be an object with an 'address'")
    address = _str(loc, "address", max_len=FIELD_LIMITS["address"])
    location = {"address": address}
    street = state.get("street") or {}
    for key in ("grid", "area"):
        if loc.get(key) is not None:
            location[key] = _str(loc, key, max_len=40)
    if "grid" in location and street and location["grid"] not in {g["id"] for g in street["grids"]}:
        raise CommandError("invalid", f"unknown grid {location['grid']}")
    if "area" in location and street and location["area"] not in {a["id"] for a in street["areas"]}:
        raise CommandError("invalid", f"unknown patrol area {location['area']}")
    if loc.get("lat") is not None or loc.get("lon") is not None:
        location["lat"] = _num(loc.get("lat"), "location.lat", -90, 90)
        location["lon"] = _num(loc.get("lon"), "location.lon", -180, 180)
    if street and ("grid" not in location or "lat" not in location):
        hit = resolve_address(street, address)
        if hit:
            for k in ("lat", "lon", "grid", "area"):
                if location.get(k) is None and hit.get(k) is not None:
                    location[k] = hit[k]
    if street and "grid" in location and "area" not in location:
        g = next((g for g in street["grids"] if g["id"] == location["grid"]), None)
        if g and g.get("area"):
            location["area"] = g["area"]
    return location


def _check_report(state, args, now: float | None = None) -> dict:
    title = _str(args, "title", max_len=FIELD_LIMITS["title"])
    category = args.get("category")
    if category not in CATEGORIES:
        raise CommandError("invalid", f"'category' must be one of {', '.join(CATEGORIES)}")
    source = args.get("source")
    if source not in SOURCES:
        raise CommandError("invalid", f"'source' must be one of {', '.join(SOURCES)}")
    priority = args.get("priority", 3)
    if isinstance(priority, bool) or priority not in PRIORITIES:
        raise CommandError("invalid", "'priority' must be 1 (most urgent) to 4")
    location = _check_location(state, args.get("location"))
    data = {"title": title, "category": category, "source": source, "priority": priority,
            "location": location, "description": _str(args, "description", required=False,
                                                                   max_len=FIELD_LIMITS["description"]) or ""}
    reporter = args.get("reporter")
    if reporter is not None:
        if isinstance(reporter, str):
            reporter = {"name": reporter}
        if not isinstance(reporter, dict):
            raise CommandError("invalid", "'reporter' must be an object {name, phone} or a name")
        try:
            data["reporter"] = {
                "name": _str(reporter, "name", required=False, max_len=FIELD_LIMITS["reporter.name"]) or "",
                "phone": _str(reporter, "phone", required=False, max_len=FIELD_LIMITS["reporter.phone"]) or ""}
        except CommandError as e:
            e.field = f"reporter.{e.field}" if e.field else e.field
            raise
    subtags = args.get("subtags", [])
    if (not isinstance(subtags, list) or len(subtags) > 10
            or not all(isinstance(s, str) and len(s) <= FIELD_LIMITS["subtag"] for s in subtags)):
        raise CommandError("invalid", "'subtags' must be a list of at most 10 short strings")
    data["subtags"] = subtags
    parties = args.get("parties", [])
    if not isinstance(parties, list) or len(parties) > 20 or not all(isinstance(p, dict) for p in parties):
        raise CommandError("invalid", "'parties' must be a list of objects {name, phone}")
    data["parties"] = [{"name": _str(p, "name", required=False, max_len=FIELD_LIMITS["party.name"]) or "",
                        "phone": _str(p, "phone", required=False, max_len=FIELD_LIMITS["party.phone"]) or ""} for p in parties]
    business = _str(args, "business", required=False, max_len=FIELD_LIMITS["business"])
    if business:
        data["business"] = business
    called = _called_at(args, now)
    if called is not None:
        data["called_at"] = called
    return data


# ---- decide -------------------------------------------------------------------

def owns(actor: Actor, case: dict) -> bool:
    """Whether a bound account (field, department, community) may act on this case: its
    squad's, transferred to its department, or in one of its grids. Other roles: yes.
    An account without its binding owns nothing (None == None is not ownership)."""
    role = actor.role
    if role == "field":
        return bool(actor.team_id) and case.get("team_id") == actor.team_id
    if role == "department":
        return bool(actor.department) and (case.get("department") == actor.department
                                           or actor.department in joint.part_departments(case))
    if role == "community":
        return bool(actor.grids) and (case.get("location") or {}).get("grid") in actor.grids
    if role == "intake":
        return reported_by(case) == actor.name
    return True


def reported_by(case: dict) -> str | None:
    """The account that reported the case (its first timeline entry's actor)."""
    tl = case.get("timeline") or []
    return tl[0].get("actor") if tl and tl[0].get("name") == "case.reported" else None


def decide(state: dict, actor: Actor, name: str, args: dict, now: float | None = None,
           files: Mapping[str, Mapping] | None = None) -> list[tuple[str, dict]]:
    """`now`: the server's clock, for the checks that need one (a report's time of call).
    `files`: the server's metadata of the uploaded files the command names (attachment id ->
    {id, kind, type, size, name, width, height, duration, taken_at, gps}); a file not in it
    has not been uploaded (server/hub.py looks them up before deciding)."""
    if not isinstance(name, str) or name not in ALL_COMMANDS:
        raise CommandError("bad_request", f"unknown command {name!r}")
    if not isinstance(args, dict):
        raise CommandError("bad_request", "'args' must be an object")
    if name not in PERMISSIONS.get(actor.role, frozenset()):
        raise CommandError("forbidden", f"role {actor.role} may not {name}")
    if state.get("street") is None:
        raise CommandError("conflict", "the street is not loaded yet")

    if name == "case.report":
        data = _check_report(state, args, now)
        if args.get("history") is not None:
            if actor.role not in HISTORY_ROLES:
                raise CommandError("forbidden", f"role {actor.role} may not report a case with its history "
                                                "(an import runs as an intake account)", field="history")
            if args.get("merge_into") is not None:
                raise CommandError("invalid", "a case reported with its history cannot be merged", field="history")
            data.update(_check_history(args, now))
        if actor.role == "community" and data["location"].get("grid") not in actor.grids:
            where = data["location"].get("grid") or "no grid"
            raise CommandError("forbidden", f"{data['location']['address']} is in {where}, not one of your grids "
                                            f"({', '.join(actor.grids) or 'none'})", field="location.address")
        wanted = evidence.report_evidence(args)
        no = state["next_case_no"]
        cid = f"C{no:06d}"
        events = [("case.reported", {"case_id": cid, "no": no, **data})]
        for req in wanted:
            events.append(("case.attached", {"case_id": cid,
                                             "attachment": evidence.attachment(_file(files, req), cid, req)}))
        if args.get("merge_into") is not None:
            # a repeat call: reported and merged into the open case it repeats, atomically
            target = state["cases"].get(args["merge_into"]) if isinstance(args["merge_into"], str) else None
            if target is None:
                raise CommandError("not_found", f"no case {args['merge_into']!r} to merge into")
            if target["status"] not in OPEN_STATUSES:
                raise CommandError("conflict", f"case {target['id']} is closed; report a new case instead")
            events.append(("case.merged", {"case_id": cid, "into": target["id"]}))
        return events

    if name in CASE_TRANSITIONS:
        return _decide_case(state, actor, name, args, files, now)
    if name in TEAM_COMMANDS:
        return _decide_team(state, actor, name, args, now)

    if name == "mode.set":
        mode = args.get("mode")
        if mode not in MODES:
            raise CommandError("invalid", f"'mode' must be one of {', '.join(MODES)}")
        if mode == state["mode"]:
            raise CommandError("conflict", f"already in {mode} mode")
        street = state["street"]
        # back in peacetime: the street's profile as the leader last chose it (sla.set), else the street's own
        profile = street.get("wartime_profile", "wartime") if mode == "wartime" else (
            state.get("street_profile") or street.get("sla_profile", "1310"))
        return [("mode.changed", {"mode": mode, "profile": profile})]
    if name == "sla.set":
        profile = args.get("profile")
        if profile not in PROFILES:
            raise CommandError("invalid", f"'profile' must be one of {', '.join(PROFILES)}")
        data = {"profile": profile}
        if state["mode"] == "wartime" and profile != "wartime":
            # the street's profile, for after wartime: the wartime limits stay in force now
            if profile == state.get("street_profile"):
                raise CommandError("conflict", f"the street's profile is already {profile}")
            data["after_wartime"] = True
        elif profile == state.get("sla_profile"):
            raise CommandError("conflict", f"profile {profile} is already in force")
        return [("sla.profile_changed", data)]
    if name == "alert.ack":
        kind = args.get("kind")
        if kind not in ALERT_KINDS:
            raise CommandError("invalid", f"'kind' must be one of {', '.join(ALERT_KINDS)}")
        ids = args.get("case_ids")
        if ids is None and args.get("case_id") is not None:
            ids = [args.get("case_id")]
        if (not isinstance(ids, list) or not ids or len(ids) > MAX_ACK_CASES
                or not all(isinstance(i, str) and len(i) <= 40 for i in ids)):
            raise CommandError("invalid", f"'case_ids' must be a list of 1 to {MAX_ACK_CASES} case ids")
        cases = state["cases"]
        missing = [i for i in ids if i not in cases]
        if missing:
            raise CommandError("not_found", f"no case {missing[0]}")
        fresh = list(dict.fromkeys(i for i in ids if kind not in (cases[i].get("acks") or {})))
        if not fresh:
            raise CommandError("conflict", "already acknowledged")
        # one event per case: every holder of a case (caches, windows) follows its `case_id`
        return [("alert.acknowledged", {"case_id": cid, "kind": kind}) for cid in fresh]
    if name == "shift.handover":
        note = _text(args, name)
        to = _str(args, "to", required=False, max_len=60) or ""
        open_ = [c for c in state["cases"].values() if c["status"] in OPEN_STATUSES]
        open_cases = [c["id"] for c in open_]
        # the open items carry over with their owners: the squads on the case, or its department
        items = [{"case_id": c["id"], "status": c["status"], "priority": c["priority"],
                  "owner": ",".join(squads_on(c)) if c.get("team_id") and c["status"] != "transferred"
                  else (c.get("department") or "")}
                 for c in sorted(open_, key=lambda c: (c["priority"], c["id"]))[:HANDOVER_ITEMS]]
        return [("shift.handover", {"note": note, "to": to, "open_cases": open_cases[:2000],
                                    "open_count": len(open_cases), "items": items})]
    if name == "team.mobilise":
        return _mobilise(state, args)
    if name == "team.stand_down":
        return _stand_down(state, args)
    if name == "shift.change":
        return _shift_change(state, args)
    if name == "rota.override":
        return _rota_override(state, actor, args, now)
    if name == "road.assign":
        return _road_assign(state, args)
    if name == "guidance.set":
        return _decide_guidance(state, args)
    if name == "warning.ack":
        return _decide_warning_ack(state, args)
    if name == "shift.ack":
        last = state.get("handover")
        if not last:
            raise CommandError("conflict", "there is no handover to acknowledge")
        if last.get("acked"):
            raise CommandError("conflict", f"the handover was already acknowledged by {last['acked']['by']}")
        if last.get("by") == actor.name:
            raise CommandError("conflict", "you recorded this handover: the incoming leader acknowledges it")
        return [("shift.handover_acknowledged", {"handover_seq": last["seq"], "note": _text(args, name)})]
    raise CommandError("bad_request", f"unknown command {name!r}")  # pragma: no cover


def _file(files: Mapping[str, Mapping] | None, req: dict) -> Mapping:
    meta = (files or {}).get(req["attachment"])
    if meta is None:
        raise CommandError("not_found", f"no uploaded file {req['attachment'][:12]}…; upload it first (POST /files)",
                           field="attachment")
    if meta.get("damaged"):
        raise CommandError("invalid", f"file {req['attachment'][:12]}… is damaged and was not attached: "
                                      f"{str(meta['damaged'])[:300]}", field="attachment")
    return meta


def _needs_evidence(state, case, name) -> None:
    missing = evidence.missing_evidence(state, case, name)
    if missing:
        what = " and ".join(f"an '{label}' photo" for label in missing)
        raise CommandError("conflict", f"case {case['id']} ({case['category']}) needs {what} before "
                                       f"{name.split('.')[1]}: attach one first")


def _needs_checklist(state, case) -> None:
    missing = guidance.required_missing(state, case)
    if missing:
        raise CommandError("conflict", f"case {case['id']} ({case['category']}) needs its checklist's required "
                                       f"items ticked before feedback: {'; '.join(i.zh for i in missing)}")


def _check_item(state, case, args) -> dict:
    """An item of the case's handling checklist ticked (`done`, default true) or unticked."""
    g = guidance.guide_for(case["category"], state)
    if g is None:
        raise CommandError("conflict", f"there is no handling guide for the category {case['category']}")
    iid = _str(args, "item", max_len=40)
    item = g.item(iid or "")
    if item is None:
        raise CommandError("not_found", f"no item {iid} in the {case['category']} checklist", field="item")
    done = args.get("done", True)
    if not isinstance(done, bool):
        raise CommandError("invalid", "'done' must be true or false", field="done")
    if done == (iid in guidance.ticked(case)):
        raise CommandError("conflict", f"'{item.zh}' is already {'ticked' if done else 'not ticked'} "
                                       f"on case {case['id']}", field="item")
    return {"item": iid, "item_text": item.zh, "ticked": done}


def _decide_guidance(state, args) -> list[tuple[str, dict]]:
    """An administrator's edit of a category's handling guide and checklist (or `reset`: back
    to the shipped one)."""
    category = args.get("category")
    if category not in CATEGORIES:
        raise CommandError("invalid", f"'category' must be one of {', '.join(CATEGORIES)}", field="category")
    edited = (state.get("guidance") or {}).get(category)
    if args.get("reset") is True:
        if edited is None:
            raise CommandError("conflict", f"the {category} guide is already the shipped one")
        # the shipped guide goes with it: a terminal holds guides, not the shipped file
        shipped = guidance.GUIDES.get(category)
        return [("guidance.changed", {"category": category, "reset": True,
                                      "guide": shipped.to_dict() if shipped else None})]
    try:
        guide = guidance.check_guide(category, args.get("guide"))
    except ValueError as e:
        field, _, why = str(e).partition(": ")
        raise CommandError("invalid", why or str(e), field=field if why else None) from None
    current = guidance.guide_for(category, state)
    if current is not None and current.to_dict() == guide:
        raise CommandError("conflict", f"the {category} guide is already so: nothing changed")
    return [("guidance.changed", {"category": category, "guide": guide})]


def _decide_case(state, actor, name, args, files=None, now=None):
    case = _case_of(state, args)
    supporters = {s["team_id"] for s in active_support(case)}
    if not owns(actor, case) and not (actor.role == "field" and actor.team_id in supporters
                                      and name in SUPPORT_COMMANDS):
        whose = {"field": "assigned to your squad", "department": "transferred to your department",
                 "community": "in your grids", "intake": "one this account reported"}[actor.role]
        raise CommandError("forbidden", f"case {case['id']} is not {whose}")
    if name in ("case.sign", "case.arrive"):
        # a supporting squad's own stamps: the case's status is the lead's
        tid = actor.team_id if actor.role == "field" else args.get("team_id")
        if tid is not None and tid != case.get("team_id"):
            if tid not in supporters:
                raise CommandError("conflict", f"squad {tid} is not on case {case['id']}")
            entry = next(s for s in active_support(case) if s["team_id"] == tid)
            stamp = "signed" if name == "case.sign" else "arrived"
            if entry.get(stamp):
                raise CommandError("conflict", f"squad {tid} has already {'signed for' if stamp == 'signed' else 'arrived at'} "
                                               f"case {case['id']}")
            return [(CASE_TRANSITIONS[name][1], {"case_id": case["id"], "team_id": tid, "support": True,
                                                 "by_role": actor.role})]
    froms, ev = CASE_TRANSITIONS[name]
    verb = name.split(".")[1].replace("_", " ")
    if name == "case.close":
        try:
            joint.refuse_close(case)        # the parts still open, named, before anything else
        except joint.JointError as e:
            raise CommandError(e.code, e.message) from None
    if case["status"] not in froms:
        raise CommandError("conflict", f"cannot {verb} a case that is {case['status']}")
    if name in _JOINT:
        try:
            return _decide_joint(state, actor, name, case, args)
        except joint.JointError as e:
            raise CommandError(e.code, e.message, e.field) from None
    if actor.role == "field" and case["status"] == "transferred":
        raise CommandError("conflict", f"case {case['id']} was transferred to a department")
    if actor.role == "department" and case.get("department") != actor.department:
        # its part of a joint case: its feedback (above), a note and its photos; not the case's steps
        if name not in ("case.note", "case.attach"):
            raise CommandError("conflict", f"your department has a part of case {case['id']}: feed back your part "
                                           "(case.part_feedback)")
    elif actor.role == "department":
        if case["status"] != "transferred":
            raise CommandError("conflict", f"case {case['id']} is {case['status']}, no longer with your department")
        if name in ("case.progress", "case.feedback") and not case.get("dept_signed"):
            raise CommandError("conflict", f"sign for case {case['id']} first (case.dept_sign)")
    data = {"case_id": case["id"]}
    if name in STAMPED:
        data["by_role"] = actor.role
    if name == "case.dispatch":
        team = _team_of(state, args)
        if not team["on_duty"]:
            raise CommandError("conflict", f"squad {team['id']} is off duty")
        if team["id"] == case.get("team_id") and case["status"] in WITH_SQUAD:
            raise CommandError("conflict", f"case {case['id']} is already with squad {team['id']}")
        data["team_id"] = team["id"]
    elif name in ("case.feedback", "case.progress", "case.follow_up"):
        data["note"] = _text(args, name)
        _needs_evidence(state, case, name)
        if name == "case.feedback" and actor.role != "department":
            _needs_checklist(state, case)
    elif name == "case.check":
        data.update(_check_item(state, case, args))
    elif name == "case.dept_sign":
        if not case.get("department"):
            raise CommandError("conflict", f"case {case['id']} is with no department")
        if case.get("dept_signed"):
            raise CommandError("conflict", f"case {case['id']} is already signed for by {case['department']}")
        data["department"] = case["department"]
    elif name == "case.confirm":
        outcome = args.get("outcome", "confirmed")
        if outcome not in CONFIRM_OUTCOMES:
            raise CommandError("invalid", f"'outcome' must be one of {', '.join(CONFIRM_OUTCOMES)}")
        data["outcome"] = outcome
        if args.get("note"):
            data["note"] = _text(args, name)
    elif name == "case.close":
        data["resolution"] = _text(args, name)
        _needs_evidence(state, case, name)
        data["on_scene_closure"] = case["status"] in ("on_scene", "resolved") and case["escalation"] < 0 \
            and "transferred" not in case["times"]
    elif name == "case.transfer":
        to = _str(args, "to", max_len=ID_LIMIT)
        if to not in {d["id"] for d in state["street"]["departments"]}:
            raise CommandError("invalid", f"unknown department {to}")
        data["to"] = to
        if args.get("note"):
            data["note"] = _text(args, name)
    elif name == "case.escalate":
        ladder = ladders.ladder_of(case)
        if ladder is None:
            raise CommandError("conflict", f"no escalation ladder for the category {case['category']} "
                                           "(resources/escalation_ladders.toml)")
        nxt = ladders.next_step(case)
        if nxt is None:
            raise CommandError("conflict", "the case is already at the top of the ladder")
        level, step = nxt
        data.update({"level": level, "to": step.to, "ladder": ladder.key, "hours": step.hours})
    elif name in ("case.return", "case.reopen"):
        data["reason"] = _text(args, name)
        if name == "case.reopen" and case.get("merged_into"):
            raise CommandError("conflict", "a merged case cannot be reopened; reopen the case it joined")
    elif name in ("case.supervise", "case.note"):
        data["note"] = _text(args, name)
    elif name == "case.rate":
        r = args.get("rating")
        if isinstance(r, bool) or r not in (1, 2, 3, 4, 5):
            raise CommandError("invalid", "'rating' must be 1 to 5")
        if case.get("rating") is not None:
            raise CommandError("conflict", "the case is already rated")
        data["rating"] = r
    elif name == "case.callback":
        return _decide_callback(case, args)
    elif name == "case.rating_link":
        return _decide_rating_link(case, actor, data, now)
    elif name == "case.resident_rate":
        return _decide_resident_rate(case, args, data, now)
    elif name == "case.reinforce":
        data["team_ids"] = _reinforcements(state, case, args)
        # the lead squad's request for reinforcement on this case is answered by it
        lead = state["teams"].get(case["team_id"]) or {}
        req = lead.get("reinforcement")
        if req and req.get("case_id") in (None, case["id"]):
            return [(ev, data), ("team.reinforcement_acknowledged", {"team_id": lead["id"], "case_id": case["id"]})]
    elif name == "case.release":
        tid = _str(args, "team_id", max_len=ID_LIMIT)
        if tid == case.get("team_id"):
            raise CommandError("conflict", f"squad {tid} leads case {case['id']}: feedback, closure or another "
                                           "dispatch frees it")
        if tid not in supporters:
            raise CommandError("conflict", f"squad {tid} is not supporting case {case['id']}")
        data["team_id"] = tid
    elif name == "case.amend":
        changes = _check_amend(state, case, args)
        if not changes:
            raise CommandError("invalid", "nothing to amend: give a new title, category, priority or location")
        data["changes"] = changes
    elif name == "case.attach":
        if case.get("merged_into"):
            raise CommandError("conflict", f"case {case['id']} was merged into {case['merged_into']}; attach it there")
        req = evidence.check_attach_args(args)
        if req["label"] == "alert-frame" and actor.role in ("field", "department", "community"):
            raise CommandError("forbidden", "alert frames come from the video platform, not a terminal")
        for a in evidence.live_attachments(case):
            if a["id"] == req["attachment"]:
                raise CommandError("conflict", f"already attached to {case['id']} as {a['label']}")
        data["attachment"] = evidence.attachment(_file(files, req), case["id"], req)
        if actor.role in ("field", "department", "community"):
            data["by_role"] = actor.role          # the timeline marks a terminal's photo as such
    elif name == "case.detach":
        att = args.get("attachment")
        if not any(a["id"] == att for a in evidence.live_attachments(case)):
            raise CommandError("not_found", f"no file {str(att)[:12]}… on {case['id']}", field="attachment")
        data["attachment"] = att
        data["reason"] = _text(args, name)
    elif name == "case.merge":
        into = state["cases"].get(_str(args, "into", max_len=ID_LIMIT))
        if into is None:
            raise CommandError("not_found", f"no case {args.get('into')}")
        if into["id"] == case["id"] or into["status"] not in OPEN_STATUSES:
            raise CommandError("conflict", "a case merges into another open case")
        if case.get("links") or joint.open_parts(case):
            raise CommandError("conflict", f"case {case['id']} leads linked cases or has parts: link it instead")
        data["into"] = into["id"]
    if name == "case.close" and case.get("links"):
        return [(ev, data), *joint.close_linked(state, case, data["resolution"])]
    return [(ev, data)]


_JOINT = frozenset({"case.part_add", "case.part_feedback", "case.part_cancel", "case.link", "case.unlink"})


def _decide_joint(state, actor, name, case, args) -> list[tuple[str, dict]]:
    """Joint handling and linked cases (models/joint.py)."""
    cid = case["id"]
    if name in ("case.part_add", "case.link") and case.get("merged_into"):
        raise CommandError("conflict", f"case {cid} was merged into {case['merged_into']}")
    if name == "case.part_add":
        if case.get("linked_to"):
            raise CommandError("conflict", f"case {cid} is linked to {case['linked_to']}: its lead is handled, "
                                           "add the parts there")
        return joint.part_events(case, joint.check_parts(state, case, args.get("parts")))
    if name == "case.part_feedback":
        part = joint.part_of(case, args.get("part_id"))
        if actor.role == "department" and part["department"] != actor.department:
            raise CommandError("forbidden", f"part {part['id']} of case {cid} is {part['department']}'s, not yours")
        if part.get("done"):
            raise CommandError("conflict", f"part {part['id']} of case {cid} is already done "
                                           f"({part['done'].get('by') or '?'})")
        return [("case.part_done", {"case_id": cid, "part_id": part["id"], "department": part["department"],
                                    "note": _text(args, name), "by_role": actor.role})]
    if name == "case.part_cancel":
        part = joint.part_of(case, args.get("part_id"))
        if part.get("done"):
            raise CommandError("conflict", f"part {part['id']} of case {cid} is done: it stays on the record")
        return [("case.part_cancelled", {"case_id": cid, "part_id": part["id"], "department": part["department"],
                                         "reason": _text(args, name)})]
    if name == "case.unlink":
        if not case.get("linked_to"):
            raise CommandError("conflict", f"case {cid} is not linked to a lead")
        return [("case.unlinked", {"case_id": cid, "lead": case["linked_to"]})]
    # case.link: the cases under this lead, perhaps a warning's (handled by it), perhaps with parts
    ids = joint.check_link(state, case, args.get("case_ids"))
    data: dict = {"case_id": cid, "case_ids": ids}
    wid = args.get("warning")
    if wid is not None:
        if (not isinstance(wid, str) or len(wid) > early_warning.WARNING_ID_LIMIT
                or not wid.startswith(("place:", "business:"))):
            raise CommandError("invalid", "'warning' must be a warning's id (place:… or business:…)", field="warning")
        data["warning"] = wid
        data["covers"] = list(dict.fromkeys([cid, *args["case_ids"]]))
    elif not ids:
        raise CommandError("conflict", f"those cases are already linked to {cid}")
    events: list[tuple[str, dict]] = [("case.linked", data)]
    if args.get("parts"):
        events += joint.part_events(case, joint.check_parts(state, case, args["parts"]))
    return events


def _decide_warning_ack(state, args) -> list[tuple[str, dict]]:
    """An early warning acknowledged with a note: handled for the cases it has now."""
    wid = args.get("warning")
    if (not isinstance(wid, str) or len(wid) > early_warning.WARNING_ID_LIMIT
            or not wid.startswith(("place:", "business:"))):
        raise CommandError("invalid", "'warning' must be a warning's id (place:… or business:…)", field="warning")
    ids = args.get("case_ids")
    if (not isinstance(ids, list) or not ids or len(ids) > joint.MAX_LINKS
            or not all(isinstance(i, str) and len(i) <= ID_LIMIT for i in ids)):
        raise CommandError("invalid", f"'case_ids' must be a list of 1 to {joint.MAX_LINKS} case ids",
                           field="case_ids")
    missing = [i for i in ids if i not in state["cases"]]
    if missing:
        raise CommandError("not_found", f"no case {missing[0]}", field="case_ids")
    note = _text(args, "warning.ack")
    ids = list(dict.fromkeys(ids))
    prev = (state.get("warnings") or {}).get(wid)
    if prev and set(ids) <= set(prev["case_ids"]):
        raise CommandError("conflict", f"the warning was already handled by {prev.get('by') or '?'} at {prev['at']}; "
                                       "it is raised again when a new case comes in")
    return [("warning.acknowledged", {"warning": wid, "case_ids": ids, "note": note})]


def _decide_callback(case, args, rules: cb.CallbackRules = cb.RULES) -> list[tuple[str, dict]]:
    """A call to the reporter of a closed case (回访): reached with a rating 1-5, or not
    reached. A dissatisfied rating takes the case on, atomically: reopened or supervised,
    with the reason (`note`)."""
    if case.get("merged_into"):
        raise CommandError("conflict", "a merged case is called back through the case it joined")
    if case.get("rating") is not None:
        raise CommandError("conflict", "the case is already rated")
    if not ((case.get("reporter") or {}).get("phone") or "").strip():
        raise CommandError("conflict", "the case has no reporter's number to call")
    state_ = cb.callback_state(case)
    if state_["outcome"] == "unreachable" or state_["attempts"] >= rules.max_attempts:
        raise CommandError("conflict", f"the reporter was tried {state_['attempts']} times; no more calls")
    outcome = args.get("outcome")
    if outcome not in cb.OUTCOMES:
        raise CommandError("invalid", f"'outcome' must be one of {', '.join(cb.OUTCOMES)}", field="outcome")
    note = _text(args, "case.callback")
    attempt = state_["attempts"] + 1
    data: dict = {"case_id": case["id"], "outcome": outcome, "attempt": attempt}
    if note:
        data["note"] = note
    if outcome == "not_reached":
        if args.get("rating") is not None or args.get("follow_up") is not None:
            raise CommandError("invalid", "a call not reached carries no rating or follow-up")
        if attempt >= rules.max_attempts:
            data["last_try"] = True
        return [("case.called_back", data)]
    r = args.get("rating")
    if isinstance(r, bool) or r not in (1, 2, 3, 4, 5):
        raise CommandError("invalid", "'rating' must be 1 to 5", field="rating")
    data["rating"] = r
    events = [("case.called_back", data)]
    follow = args.get("follow_up")
    if rules.dissatisfied(r):
        if follow not in cb.FOLLOW_UPS:
            raise CommandError("invalid", f"a rating of {r} is dissatisfied: 'follow_up' must be reopen or supervise",
                               field="follow_up")
        if not note:
            raise CommandError("invalid", "a dissatisfied callback needs the reason ('note')", field="note")
        if follow == "reopen":
            events.append(("case.reopened", {"case_id": case["id"], "reason": note}))
        else:
            events.append(("case.supervised", {"case_id": case["id"], "note": note}))
    elif follow is not None:
        raise CommandError("invalid", f"a rating of {r} is not dissatisfied: no follow-up", field="follow_up")
    return events


def _decide_rating_link(case, actor, data, now, rules: rating.RatingRules = rating.RULES) -> list[tuple[str, dict]]:
    """A one-time rating link for the case's resident (扫码打分): made once; while it works,
    asking again shows the same link (nothing is appended)."""
    if now is None:
        raise CommandError("invalid", "a rating link needs the server's clock")
    if case.get("merged_into"):
        raise CommandError("conflict", f"case {case['id']} was merged into {case['merged_into']}; "
                                       "its resident rates that case")
    if case.get("rating") is not None:
        raise CommandError("conflict", f"case {case['id']} is already rated ({case['rating']} of 5)")
    if rating.link_state(case, now) == "active":
        return []
    data["expires"] = iso(now + rules.link_hours * 3600.0)
    data["by_role"] = actor.role
    return [("case.rating_link_issued", data)]


def _decide_resident_rate(case, args, data, now) -> list[tuple[str, dict]]:
    """The resident's rating through the case's link (`link`: the seq that made it): once,
    before the link expires; a rating by any other path first makes the link void."""
    if now is None:
        raise CommandError("invalid", "a resident's rating needs the server's clock")
    link = rating.link_of(case)
    if link is None or args.get("link") != link["seq"] or isinstance(args.get("link"), bool):
        raise CommandError("conflict", f"this rating link is no longer the one for case {case['id']}", field="link")
    if case.get("rating") is not None:
        raise CommandError("conflict", f"case {case['id']} is already rated", field="link")
    if case.get("merged_into"):
        raise CommandError("conflict", f"case {case['id']} was merged into another case", field="link")
    if now >= epoch(link["expires"]):
        raise CommandError("conflict", f"the rating link expired at {link['expires']}", field="link")
    r = args.get("rating")
    if isinstance(r, bool) or r not in (1, 2, 3, 4, 5):
        raise CommandError("invalid", "'rating' must be 1 to 5", field="rating")
    data.update({"rating": r, "source": "resident", "link": link["seq"]})
    note = _text(args, "case.resident_rate")
    if note:
        data["note"] = note
    return [("case.rated", data)]


def reserve(state: dict, area: str | None = None) -> tuple[list[str], list[tuple[str, str]]]:
    """The off-duty reserve: (squads off duty, (squad, member) off duty in a squad on duty),
    of one patrol area or the whole street."""
    teams = [t for t in sorted(state["teams"].values(), key=lambda t: t["id"]) if area is None or t["area"] == area]
    squads = [t["id"] for t in teams if not t["on_duty"]]
    members = [(t["id"], m["id"]) for t in teams for m in t["members"] if not m.get("on_duty", True)]
    return squads, members


def standing_by(state: dict, area: str | None = None) -> list[tuple[str, str]]:
    """The reserve (备勤力量, the rota file's [[reserve]]) not called up: (person, the squad they join)."""
    teams = state["teams"]
    return [(r["id"], r["team_id"]) for r in rota_mod.reserve_people(state)
            if not r.get("on_duty") and r["team_id"] in teams and (area is None or teams[r["team_id"]]["area"] == area)]


MOBILISE_POOLS = ("all", "reserve")


def _area_arg(state, args):
    area = _str(args, "area", required=False, max_len=ID_LIMIT)
    if area is not None and area not in {a["id"] for a in state["street"].get("areas", [])}:
        raise CommandError("invalid", f"unknown patrol area {area}", field="area")
    return area


def _mobilise(state, args) -> list[tuple[str, dict]]:
    """Mass mobilisation (of `area`, or the street), in one command. `pool` "reserve": the
    reserve list only (备勤力量, each person to their squad); "all" (the default): the reserve,
    and every off-duty squad and member; each event marked `mobilised`."""
    area = _area_arg(state, args)
    pool = args.get("pool", "all")
    if pool not in MOBILISE_POOLS:
        raise CommandError("invalid", f"'pool' must be one of {', '.join(MOBILISE_POOLS)}", field="pool")
    people = standing_by(state, area)
    squads, members = reserve(state, area) if pool == "all" else ([], [])
    if not squads and not members and not people:
        raise CommandError("conflict", "nobody is standing by: the reserve is already out" if pool == "reserve"
                           else "nobody is off duty: the reserve is already out")
    called = ([("reserve.called_up", {"people": [list(p) for p in people],
                                      "team_ids": sorted({tid for _p, tid in people})})] if people else [])
    return (called + [("team.duty_changed", {"team_id": tid, "on_duty": True, "mobilised": True}) for tid in squads]
            + [("team.member_duty_changed", {"team_id": tid, "member_id": mid, "on_duty": True, "mobilised": True})
               for tid, mid in members])


def _stand_down(state, args) -> list[tuple[str, dict]]:
    """The reserve called up goes home (of `area`, or the street), and the members called up
    out of their shift go off duty; the shift's own crew stays."""
    area = _area_arg(state, args)
    teams = state["teams"]
    people = [[r["id"], r["team_id"]] for r in rota_mod.reserve_people(state)
              if r.get("on_duty") and (area is None or (teams.get(r["team_id"]) or {}).get("area") == area)]
    cur = rota_mod.current(state) if rota_mod.has_rota(state) else None
    crew = rota_mod.on_shift(state, cur["date"], cur["shift"]) if cur else None
    members = [(t["id"], m["id"]) for t in sorted(teams.values(), key=lambda t: t["id"])
               if area is None or t["area"] == area
               for m in t["members"] if m.get("mobilised") and m.get("on_duty", True)
               and (crew is None or (t["id"], m["id"]) not in crew)]
    if not people and not members:
        raise CommandError("conflict", "nobody called up is on duty")
    return (([("reserve.stood_down", {"people": people, "team_ids": sorted({tid for _p, tid in people})})]
             if people else [])
            + [("team.member_duty_changed", {"team_id": tid, "member_id": mid, "on_duty": False, "stood_down": True})
               for tid, mid in members])


def _rota_of(state):
    if not rota_mod.has_rota(state):
        raise CommandError("conflict", "the street has no rota (its street file names no rota_file)")
    return state["street"]["rota"]


def _day_shift(state, args):
    rota = _rota_of(state)
    day = _str(args, "date", max_len=10)
    try:
        rota_mod.parse_day(day)
    except ValueError:
        raise CommandError("invalid", "'date' must be a day such as 2026-12-02", field="date") from None
    shift = args.get("shift")
    if shift not in [s["id"] for s in rota["shifts"]]:
        raise CommandError("invalid", f"'shift' must be one of {', '.join(s['id'] for s in rota['shifts'])}",
                           field="shift")
    return rota, day, shift


def _shift_change(state, args) -> list[tuple[str, dict]]:
    """The server starts the shift (date, shift) at its time: who comes on and goes off."""
    rota, day, shift = _day_shift(state, args)
    cur = rota_mod.current(state)
    if cur and rota_mod.order(rota, cur["date"], cur["shift"]) >= rota_mod.order(rota, day, shift):
        raise CommandError("conflict", f"the shift {cur['date']} {cur['shift']} has already started")
    return [("shift.changed", rota_mod.change(state, day, shift, iso(rota_mod.shift_start(rota, day, shift))))]


def _rota_override(state, actor, args, now) -> list[tuple[str, dict]]:
    """The leader changes the rota for one shift: a member on or off duty in it, or the
    shift's leader; with the reason. For the shift in force it applies at once."""
    rota, day, shift = _day_shift(state, args)
    cur = rota_mod.current(state)
    today = cur["date"] if cur else (rota_mod.today(now) if now else None)
    if cur and rota_mod.order(rota, day, shift) < rota_mod.order(rota, cur["date"], cur["shift"]):
        raise CommandError("conflict", f"the shift {day} {shift} is over", field="date")
    if today and not rota_mod.in_window(day, today):
        raise CommandError("invalid", f"the rota can be changed from today to {rota_mod.OVERRIDE_DAYS_AHEAD} days "
                                      "ahead", field="date")
    data: dict = {"date": day, "shift": shift, "reason": _text(args, "rota.override")}
    plan = rota_mod.planned(state, day, shift)
    if args.get("leader") is not None:
        leader = _str(args, "leader", max_len=60)
        if leader == plan["leader"]:
            raise CommandError("conflict", f"{leader} already leads that shift")
        data["leader"] = leader
        return [("rota.overridden", data)]
    team = _team_of(state, args)
    mid = _str(args, "member_id", max_len=ID_LIMIT)
    if not any(m["id"] == mid for m in team["members"]):
        raise CommandError("not_found", f"member {mid} is not in squad {team['id']}")
    on = _bool(args, "on_duty")
    if (mid in plan["members"].get(team["id"], [])) == on:
        raise CommandError("conflict", f"member {mid} is already {'on' if on else 'off'} that shift")
    data.update({"team_id": team["id"], "member_id": mid, "on_duty": on})
    return [("rota.overridden", data)]


def _road_assign(state, args) -> list[tuple[str, dict]]:
    """A road's stretch in a patrol area gets its responsible squad and member."""
    road = _str(args, "road", max_len=60)
    roads = {r["name"] for r in state["street"].get("roads", [])}
    if road not in roads:
        raise CommandError("invalid", f"unknown road {road}", field="road")
    area = _str(args, "area", max_len=ID_LIMIT)
    if area not in {a["id"] for a in state["street"].get("areas", [])}:
        raise CommandError("invalid", f"unknown patrol area {area}", field="area")
    team = _team_of(state, args)
    if team["area"] != area:
        raise CommandError("invalid", f"squad {team['id']} patrols the {team['area']} area, not {area}",
                           field="team_id")
    mid = _str(args, "member_id", required=False, max_len=ID_LIMIT)
    if mid is not None and not any(m["id"] == mid for m in team["members"]):
        raise CommandError("not_found", f"member {mid} is not in squad {team['id']}", field="member_id")
    old = rota_mod.assignments(state).get(rota_mod.road_key(road, area)) or {}
    if old.get("team_id") == team["id"] and old.get("member_id") == mid:
        raise CommandError("conflict", f"{road} ({area}) is already assigned so")
    data = {"road": road, "area": area, "team_id": team["id"], "member_id": mid}
    reason = _text(args, "road.assign")
    if reason:
        data["reason"] = reason
    return [("road.assigned", data)]


def _radio_message(actor, args) -> dict:
    """A radio message's text (typed, or a canned `phrase` of resources/radio_phrases.toml),
    who spoke, and whether it came from the room (`from_room`) or from the squad."""
    data: dict = {"by": _str(args, "by", required=False, max_len=60) or actor.name}
    text = _text(args, "radio.transmit")
    phrase = args.get("phrase")
    if phrase is not None:
        if phrase not in radio.PHRASES:
            raise CommandError("invalid", f"unknown radio phrase {phrase!r}", field="phrase")
        data["phrase"] = phrase
        text = text or radio.PHRASES[phrase].zh
    data["text"] = text
    data["from_room"] = actor.role != "field"
    return data


def _decide_talkgroup(state, actor, args) -> list[tuple[str, dict]]:
    """One message to every squad on a talkgroup (the room only)."""
    if actor.role == "field":
        raise CommandError("forbidden", "a squad talks on its own channel; the room calls a talkgroup")
    tg = _str(args, "talkgroup", max_len=ID_LIMIT)
    squads = radio.talkgroups(state).get(tg)
    if not squads:
        raise CommandError("not_found", f"no talkgroup {tg}")
    data = {"talkgroup": tg, "team_ids": squads, **_radio_message(actor, args)}
    if not data["text"]:
        raise CommandError("invalid", "a message to a talkgroup needs 'text' or a 'phrase'", field="text")
    return [("radio.transmitted", data)]


def _reinforcements(state, case, args) -> list[str]:
    """The squads `case.reinforce` adds (`team_ids`, or one `team_id`): on duty, not yet on the case."""
    if not case.get("team_id"):
        raise CommandError("conflict", f"case {case['id']} has no lead squad to reinforce")
    ids = args.get("team_ids")
    if ids is None and args.get("team_id") is not None:
        ids = [args.get("team_id")]
    if (not isinstance(ids, list) or not ids or len(ids) > MAX_REINFORCE
            or not all(isinstance(i, str) and len(i) <= ID_LIMIT for i in ids)):
        raise CommandError("invalid", f"'team_ids' must be a list of 1 to {MAX_REINFORCE} squad ids", field="team_ids")
    ids = list(dict.fromkeys(ids))
    on = set(squads_on(case))
    for tid in ids:
        team = state["teams"].get(tid)
        if team is None:
            raise CommandError("not_found", f"no squad {tid}")
        if not team["on_duty"]:
            raise CommandError("conflict", f"squad {tid} is off duty")
        if tid in on:
            raise CommandError("conflict", f"squad {tid} is already on case {case['id']}")
    return ids


def _check_amend(state, case, args) -> dict:
    """{field: [old, new]} for each amendable field given with a value that differs."""
    changes = {}
    if args.get("title") is not None:
        title = _str(args, "title", max_len=FIELD_LIMITS["title"])
        if title != case["title"]:
            changes["title"] = [case["title"], title]
    if args.get("category") is not None:
        if args["category"] not in CATEGORIES:
            raise CommandError("invalid", f"'category' must be one of {', '.join(CATEGORIES)}")
        if args["category"] != case["category"]:
            changes["category"] = [case["category"], args["category"]]
    if args.get("priority") is not None:
        p = args["priority"]
        if isinstance(p, bool) or p not in PRIORITIES:
            raise CommandError("invalid", "'priority' must be 1 (most urgent) to 4")
        if p != case["priority"]:
            changes["priority"] = [case["priority"], p]
    if args.get("location") is not None:
        loc = _check_location(state, args["location"])
        if loc != case["location"]:
            changes["location"] = [case["location"], loc]
    return changes


def _decide_team(state, actor, name, args, now=None):
    if name == "team.member_move":
        src = _team_of(state, args, "from")
        dst = _team_of(state, args, "to")
        mid = _str(args, "member_id", max_len=ID_LIMIT)
        if not any(m["id"] == mid for m in src["members"]):
            raise CommandError("not_found", f"member {mid} is not in squad {src['id']}")
        if src["id"] == dst["id"]:
            raise CommandError("conflict", "the member is already in that squad")
        return [("team.member_moved", {"member_id": mid, "from": src["id"], "to": dst["id"]})]
    if name == "radio.transmit" and args.get("talkgroup") is not None and args.get("team_id") is None:
        return _decide_talkgroup(state, actor, args)
    team = _team_of(state, args)
    if actor.role == "field" and (not actor.team_id or team["id"] != actor.team_id):
        raise CommandError("forbidden", f"squad {team['id']} is not yours")
    data: dict = {"team_id": team["id"]}
    if name == "team.status":
        status = args.get("status")
        if status not in TEAM_STATUSES:
            raise CommandError("invalid", f"'status' must be one of {', '.join(TEAM_STATUSES)}")
        if status == "off_duty" or not team["on_duty"]:
            raise CommandError("conflict", "use team.duty to put a squad on or off duty")
        if actor.role == "field" and status not in FIELD_TEAM_STATUSES:
            # en route and on scene follow its cases (dispatch, arrival)
            raise CommandError("invalid", f"a squad sets itself {' or '.join(FIELD_TEAM_STATUSES)}; "
                                          f"{status} follows its cases")
        data["status"] = status
        data["by_role"] = actor.role          # not "field": set by the room on the squad's behalf
    elif name == "team.position":
        data["lat"] = _num(args.get("lat"), "lat", -90, 90)
        data["lon"] = _num(args.get("lon"), "lon", -180, 180)
        if actor.role == "field":
            data["by_role"] = "field"
            last = team.get("position_at")
            if now is not None and last and now - epoch(last) < POSITION_EVERY_S:
                return []           # acknowledged, not recorded: the squad's position is recent
    elif name == "team.request_reinforcement":
        data["by"] = actor.name
        data["note"] = _text(args, name)
        if args.get("case_id") is not None:
            case = _case_of(state, args)
            if case.get("team_id") != team["id"]:
                raise CommandError("invalid", f"case {case['id']} is not with squad {team['id']}")
            data["case_id"] = case["id"]
        count = args.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10:
            raise CommandError("invalid", "'count' must be 1 to 10 (squads wanted)")
        data["count"] = count
    elif name == "team.reinforcement_ack":
        if not team.get("reinforcement"):
            raise CommandError("conflict", f"squad {team['id']} has no reinforcement request to acknowledge")
    elif name == "team.presence":
        online = args.get("online")
        if isinstance(online, bool) or not isinstance(online, int) or online < 0:
            raise CommandError("invalid", "'online' must be a count of terminals")
        data["online"] = online
    elif name == "team.duty":
        on = _bool(args, "on_duty")
        if on == team["on_duty"]:
            raise CommandError("conflict", f"squad {team['id']} is already {'on' if on else 'off'} duty")
        if not on and team["cases"]:
            raise CommandError("conflict", f"squad {team['id']} still has open cases: {', '.join(team['cases'])}")
        data["on_duty"] = on
    elif name == "team.member_duty":
        mid = _str(args, "member_id", max_len=ID_LIMIT)
        if not any(m["id"] == mid for m in team["members"]):
            raise CommandError("not_found", f"member {mid} is not in squad {team['id']}")
        data["member_id"] = mid
        data["on_duty"] = _bool(args, "on_duty")
    elif name == "radio.transmit":
        data.update(_radio_message(actor, args))
    elif name == "radio.emergency":
        data["by"] = _str(args, "by", required=False, max_len=60) or actor.name
        data[COMMAND_SPECS[name].text or ""] = _text(args, name)
    elif name == "radio.ack":
        if not team.get("emergency"):
            raise CommandError("conflict", f"squad {team['id']} has no emergency call to acknowledge")
    return [(TEAM_COMMANDS[name], data)]
