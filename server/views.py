"""What each role may see: a pure function of the actor, the event and the server's state.

`view_for(actor)` returns the actor's `View`. The hub calls it wherever a frame is made, the
snapshot, the catch-up from the log and the live publish, so all three follow one rule:

- `operator`, `leader`, `admin`: everything, as it is (`FULL`; frames are shared with the
  unfiltered path, nothing is copied).
- `wall`: every case and squad, with personal data masked: the reporter's and parties'
  names and phones masked (`张*`, `138****5678`), the description, every free-text
  note, resolution and reason emptied, squad members' phones masked. Events are the real events, masked the same
  way, so a wall resumes by seq like any cockpit.
- `field`: the cases of its own squad (`case.team_id == actor.team_id`, kept after closing)
  and its own squad only. A field account without a squad sees no case and no squad: no
  `None == None` ever counts as ownership.
- `department`: the cases transferred to its department (`case.department == actor.department`,
  kept after closing; a return, a re-dispatch or a transfer elsewhere takes them away), whole
  (the liaison calls the reporter); no squad; the street without the squads' members.
- `community`: the cases located in its grids (`case.location.grid in actor.grids`), whole;
  no squad; the street without the squads' members.
- `intake`: only the cases it reported itself (their outcomes), no squads, no street.
- any other role: nothing but the room's mode and SLA profile.

Field, department, community and intake are *filtered*: a case can come into the view
(dispatched to the squad, transferred to the department) or
leave it, so for them each event that touches something in the view is sent as a
`view.update` event carrying the touched objects whole, as they are when the frame is made
(`{"cases": [...], "teams": [...], "removed": [case ids]}`), which the shared reducer
applies by replacing them. Every other seq is sent as a placeholder,
`{"type": "event", "seq": n, "at": ..., "name": "hidden", "data": {}}`, which the reducer
applies as "nothing changed" so the client still sees every seq and detects a lost frame.
A filtered view always starts from a snapshot of the view (it is small; see app.py), since
the whole objects it receives are "as of now", not "as of seq n".
"""
from __future__ import annotations

from dataclasses import dataclass, field

from models import protocol
from models.commands import Actor
from models.evidence import DEFAULT_RULES, private_categories

FULL_ROLES = frozenset({"operator", "leader", "admin"})
_DEFAULT_PRIVATE = private_categories({"street": {"evidence": DEFAULT_RULES}})

HIDDEN = "hidden"            # the placeholder event's name
VIEW_UPDATE = "view.update"  # whole objects replacing the client's copies

# events on a case that can take it away from a squad (its team_id changes)
_LEAVES_SQUAD = frozenset({"case.dispatched", "case.returned", "case.reopened"})
# ... from a department (its department changes) and from a community (its grid changes)
_LEAVES = {"field": _LEAVES_SQUAD,
           "department": frozenset({"case.dispatched", "case.returned", "case.transferred", "case.escalated",
                                    "case.part_cancelled"}),
           "community": frozenset({"case.amended"})}
BOUND_KINDS = frozenset({"field", "department", "community"})
# events with a free-text `note` in their data
_NOTE_EVENTS = frozenset({"case.noted", "case.feedback", "case.supervised", "case.transferred", "case.called_back",
                          "case.progressed", "case.followed_up", "case.confirmed", "shift.handover",
                          "shift.handover_acknowledged", "case.part_done", "warning.acknowledged", "case.rated"})
# events with a free-text resolution or reason
_REASON_EVENTS = frozenset({"case.closed", "case.returned", "case.reopened", "case.detached", "case.part_cancelled",
                            "rota.overridden", "road.assigned"})
# the room's duty state (models/rota.py): the rota and its overrides, the road assignments, the
# reserve; the full views and the wall (masked) have them, the bound and the other views do not
DUTY_KEYS = ("rota", "reserve", "roads")
# room-wide events every view gets as they are
_ROOM_EVENTS = frozenset({"mode.changed", "sla.profile_changed", "guidance.changed"})


def mask_phone(phone) -> str:
    """138****5678: the first three and last four digits of a long number, stars between."""
    s = str(phone or "")
    if len(s) >= 8:
        return s[:3] + "*" * (len(s) - 7) + s[-4:]
    return "*" * len(s)


def mask_name(name) -> str:
    s = str(name or "")
    return s[:1] + "*" * min(len(s) - 1, 2) if s else ""


def _mask_person(p):
    if isinstance(p, dict):
        return {**p, "name": mask_name(p.get("name")), "phone": mask_phone(p.get("phone"))}
    if isinstance(p, str):
        return mask_name(p)
    return p


_FREE_TEXT = ("note", "resolution", "reason")     # the timeline's free-text keys


# what the wall keeps of an attachment it may not show (so its reducer's state stays the masked state)
_HIDDEN_KEYS = ("id", "label", "kind", "seq", "at", "by", "removed")


def wall_attachment(a: dict, private: bool) -> dict:
    """An attachment as the wall sees it: a showable one (`wall: true`, its case's category not
    private) without its note, file name and GPS; any other only as a hidden stub (no type,
    size, links). The same function masks the snapshot's cases and the live events."""
    if a.get("wall") and not private:
        out = {**a, "note": "", "name": "", "gps": None}
    else:
        out = {k: a[k] for k in _HIDDEN_KEYS if k in a}
        out["wall"], out["hidden"] = False, True
    if isinstance(out.get("removed"), dict):
        out["removed"] = {**out["removed"], "reason": ""}
    return out


def _strip_notes_in_timeline(timeline: list) -> list:
    return [({**e, **{k: "" for k in _FREE_TEXT if k in e}} if any(k in e for k in _FREE_TEXT) else e)
            for e in timeline]


@dataclass(frozen=True)
class View:
    """One role's view. `key` is equal for actors who see exactly the same frames (so an
    event is encoded once per distinct view); `FULL.key` is None."""
    kind: str                       # "full", "wall", "field", "department", "community", "intake", "none"
    owner: str | tuple[str, ...] | None = None   # the squad (field), department, grids (community), account (intake)
    # categories whose evidence the wall never shows (models/evidence.py: the street's rules)
    private: frozenset[str] = field(default=_DEFAULT_PRIVATE, compare=False)

    @property
    def key(self):
        return None if self.kind == "full" else (self.kind, self.owner)

    @property
    def full(self) -> bool:
        return self.kind == "full"

    @property
    def filtered(self) -> bool:
        """Cases come and go: events are sent as view.update/placeholders, and a client of
        this view starts from a snapshot."""
        return self.kind in ("field", "department", "community", "intake", "none")

    # ---- objects ---------------------------------------------------------------
    def case(self, case: dict) -> dict | None:
        """The case as this view shows it, or None when it is outside the view."""
        k = self.kind
        if k == "full":
            return case
        if k == "wall":
            return {**case, "reporter": _mask_person(case.get("reporter")),
                    "parties": [_mask_person(p) for p in case.get("parties") or []],
                    "description": "", "notes": [{**n, "text": ""} for n in case.get("notes") or []],
                    "resolution": None if case.get("resolution") is None else
                    ("merged" if case.get("merged_into") else ""),
                    "timeline": _strip_notes_in_timeline(case.get("timeline") or []),
                    **({"parts": [_wall_part(p) for p in case["parts"]]} if case.get("parts") else {}),
                    **({"attachments": [wall_attachment(a, case.get("category") in self.private)
                                        for a in case["attachments"]]} if case.get("attachments") else {})}
        if k == "field":
            # its squad leads the case, or supports it (case.reinforce; kept after release)
            if self.owner is None or not (case.get("team_id") == self.owner or any(
                    s.get("team_id") == self.owner for s in case.get("support") or ())):
                return None
            return _without_removed(case)
        if k == "department":
            if self.owner is None:
                return None
            if case.get("department") != self.owner:
                # a joint case where it has a part: that part whole, the others' tasks and feedback not
                if not any(p.get("department") == self.owner for p in case.get("parts") or ()):
                    return None
                return _own_part_only(_without_removed(case), str(self.owner))
            return _without_removed(case)
        if k == "community":
            if not self.owner or (case.get("location") or {}).get("grid") not in self.owner:
                return None
            return _without_removed(case)
        if k == "intake":
            tl = case.get("timeline") or []
            if not (self.owner is not None and tl and tl[0].get("name") == "case.reported"
                    and tl[0].get("actor") == self.owner):
                return None
            # the outcome of its own report: not what the room wrote about it
            return _without_removed({**case, "notes": [], "timeline": _strip_notes_in_timeline(tl),
                                     **({"parts": [_wall_part(p) for p in case["parts"]]} if case.get("parts") else {})})
        return None

    def needles(self) -> tuple[bytes, ...] | None:
        """Byte strings one of which the JSON of every case in this view holds (None: no such
        test): a case the server keeps as its JSON (server/casemap.py) is parsed only when
        it may be in the view, so a squad's snapshot does not parse the whole window."""
        import orjson
        k, o = self.kind, self.owner
        if k in ("full", "wall"):
            return None
        if k == "field":
            return () if o is None else (b'"team_id":' + orjson.dumps(o),)
        if k == "department":
            return () if o is None else (b'"department":' + orjson.dumps(o),)
        if k == "community":
            return tuple(b'"grid":' + orjson.dumps(g) for g in o or ())
        if k == "intake":
            return () if o is None else (b'"actor":' + orjson.dumps(o),)
        return ()

    def team(self, team: dict) -> dict | None:
        k = self.kind
        if k == "full":
            return team
        if k == "wall":
            return {**team, "members": [{**m, "phone": mask_phone(m.get("phone"))} if "phone" in m else m
                                        for m in team.get("members") or []]}
        if k == "field":
            return team if self.owner is not None and team.get("id") == self.owner else None
        return None

    def street(self, street):
        if street is None or self.kind in ("full", "field"):
            return street
        if self.kind in ("department", "community"):
            # the map, grids and departments; not who is in which squad, nor the rota and reserve
            return {**{k: v for k, v in street.items() if k not in ("rota", "reserve")},
                    "squads": [{**sq, "members": []} for sq in street.get("squads") or []]}
        if self.kind == "wall":
            return {**street, "squads": [{**sq, "members": [{**m, "phone": mask_phone(m.get("phone"))}
                                                            if "phone" in m else m
                                                            for m in sq.get("members") or []]}
                                         for sq in street.get("squads") or []],
                    **({"reserve": [{**r, "phone": mask_phone(r.get("phone"))} for r in street["reserve"]]}
                       if street.get("reserve") else {})}
        return None

    def state_head(self, state: dict) -> dict:
        """Everything of the state but the cases, as the snapshot's head carries it."""
        head = {k: v for k, v in state.items() if k not in ("cases", "teams", "street", "handover", "warnings",
                                                            *DUTY_KEYS)}
        if self.kind == "full":
            head.update({k: state[k] for k in DUTY_KEYS if k in state})
        elif self.kind == "wall":
            head.update(mask_duty(state))
        if self.kind in ("full", "wall") and state.get("warnings"):
            # the early warnings the room handled: the room's; the wall's without the notes
            head["warnings"] = state["warnings"] if self.kind == "full" else {
                k: {**w, "note": ""} for k, w in state["warnings"].items()}
        if self.kind in ("full", "wall") and state.get("handover"):
            # the last handover: the room's; the wall's without its notes (its events are masked the same way)
            head["handover"] = state["handover"] if self.kind == "full" else _mask_handover(state["handover"])
        if self.kind in ("field", "department", "community"):
            # the handling guides a terminal shows (执法手册): the shipped ones with the admin's edits
            from models.guidance import effective_guides
            head["guides"] = effective_guides(state)
        head["street"] = self.street(state.get("street"))
        head["teams"] = [t for t in (self.team(t) for t in state["teams"].values()) if t is not None]
        return head

    def cases(self, state: dict) -> list[dict]:
        if self.kind == "full":
            return list(state["cases"].values())
        return [c for c in (self.case(c) for c in state["cases"].values()) if c is not None]

    # ---- events ----------------------------------------------------------------
    def _privacy_flips(self, ev: dict, state: dict) -> bool:
        d = ev.get("data") or {}
        change = (d.get("changes") or {}).get("category")
        case = state["cases"].get(d.get("case_id"))
        return (isinstance(change, list) and len(change) == 2 and case is not None and bool(case.get("attachments"))
                and (change[0] in self.private) != (change[1] in self.private))

    def event(self, ev: dict, state: dict) -> dict:
        """The frame this view gets for event `ev` (already applied to `state`): the event,
        a masked copy, a view.update, or a placeholder. Never another squad's case."""
        k = self.kind
        if k == "full":
            return ev
        name = ev["name"]
        if k == "wall":
            if name == "case.amended" and self._privacy_flips(ev, state):
                # its evidence is shown differently now (a category made private, or no longer):
                # the case as the wall sees it replaces the wall's copy
                case = state["cases"].get((ev.get("data") or {}).get("case_id"))
                return {"type": "event", "seq": ev["seq"], "at": ev.get("at"), "name": VIEW_UPDATE,
                        "actor": ev.get("actor"), "command_id": ev.get("command_id"),
                        "data": {"cases": [self.case(case)] if case is not None else [], "teams": [], "removed": []}}
            return _mask_event(ev, self.private, state)
        if name in _ROOM_EVENTS:
            return ev
        if name == "street.loaded":
            if k == "field":
                # the street, then its own squad as it now is (street.loaded resets teams)
                return ev
            return placeholder(ev)
        d = ev.get("data") or {}
        cases_now = state["cases"]
        shown, removed = [], []
        if name.startswith("case."):
            for cid in (d.get("case_id"), d.get("into"), d.get("lead"),
                        *(d.get("case_ids") or () if name == "case.linked" else ())):
                if not isinstance(cid, str):
                    continue
                case = cases_now.get(cid)
                v = self.case(case) if case is not None else None
                if v is not None:
                    shown.append(v)
                elif name in _LEAVES.get(k, ()):
                    removed.append(cid)     # it may have been ours: the client drops it if it has it
        teams = []
        if k == "field" and self.owner is not None:
            touched = ({d.get("team_id"), d.get("from"), d.get("to"), *(d.get("team_ids") or ())}
                       if name.startswith(("team.", "radio.", "shift.", "rota.", "reserve.")) else set())
            if shown or removed or self.owner in touched:
                own = state["teams"].get(self.owner)
                if own is not None:
                    teams.append(own)
        if not (shown or removed or teams):
            return placeholder(ev)
        return {"type": "event", "seq": ev["seq"], "at": ev.get("at"), "name": VIEW_UPDATE,
                "actor": ev.get("actor"), "command_id": ev.get("command_id"),
                "data": {"cases": shown, "teams": teams, "removed": removed}}


def window_items(state: dict) -> list[tuple[str, object]]:
    """The cases as (id, JSON bytes or dict) pairs, taken at once: a case the server keeps as
    its JSON (server/casemap.py) as those bytes, any other as its dict. The hub replaces a
    case's dict when an event changes it and never changes one in place, so the pairs can be
    read on another thread while the loop goes on."""
    cases = state["cases"]
    cold = getattr(cases, "cold", None)
    if cold is None:
        return list(cases.items())
    return list(cases.hot.items()) + list(cold.items())


def case_texts(view: View, items, dumps, cache: dict | None = None):
    """The JSON (UTF-8 bytes) of each case in the view, from `window_items` (`dumps` gives a
    case's JSON as text or as UTF-8 bytes: models.compact.compact_text for the compact
    form). With `cache`
    (case id -> (version, JSON)), a case is encoded again only when it changed: every event
    on a case adds to its timeline, so the timeline's length is its version; a case the
    server keeps as its JSON (server/casemap.py) has that JSON's hash as its version, and is
    parsed only when that changed."""
    import orjson
    needles = view.needles()
    for cid, v in items:
        case = None
        version: object
        if isinstance(v, bytes):
            if needles is not None and not any(n in v for n in needles):
                continue                      # not in this view (no need to parse it)
            version = ("j", hash(v))
        else:
            case = v
            version = len(case.get("timeline") or ())
        if cache is not None:
            hit = cache.get(cid)
            if hit is not None and hit[0] == version:
                if hit[1] is not None:
                    yield hit[1]
                continue
        if case is None:
            case = orjson.loads(v)
        shown = view.case(case)
        text = None
        if shown is not None:
            out = dumps(shown)
            text = out if isinstance(out, bytes) else out.encode()
        if cache is not None:
            cache[cid] = (version, text)
        if text is not None:
            yield text


def snapshot_frames(view: View, state: dict, max_frame: int, dumps, cache: dict | None = None) -> list[bytes]:
    """The view's state as a `snapshot` frame and `snapshot.page` frames, each under
    max_frame bytes (the same paging as the full snapshot's)."""
    return protocol.snapshot_frames_utf8(state["seq"], dumps(view.state_head(state)),
                                         case_texts(view, window_items(state), dumps, cache), max_frame)


def mask_duty(state: dict) -> dict:
    """The wall's duty state: the reserve's phones masked, the reasons of the leader's changes
    to the rota and the roads emptied (as their events are)."""
    out: dict = {}
    if "rota" in state:
        rota = state["rota"]
        out["rota"] = {**rota, "overrides": {
            k: {**({"leader": {**o["leader"], "reason": ""}} if o.get("leader") else {}),
                **({"members": {mk: {**mv, "reason": ""} for mk, mv in o["members"].items()}}
                   if o.get("members") else {})}
            for k, o in (rota.get("overrides") or {}).items()}}
    if "roads" in state:
        out["roads"] = {k: ({**v, "reason": ""} if "reason" in v else v) for k, v in state["roads"].items()}
    if "reserve" in state:
        out["reserve"] = {k: {**v, "phone": mask_phone(v.get("phone"))} for k, v in state["reserve"].items()}
    return out


def _mask_handover(h: dict) -> dict:
    return {**h, "note": "", "acked": {**h["acked"], "note": ""} if h.get("acked") else None}


def _wall_part(p: dict) -> dict:
    """A part of a joint case as the wall sees it: who and what, not the feedback's words."""
    out = dict(p)
    if isinstance(p.get("done"), dict):
        out["done"] = {**p["done"], "note": ""}
    if isinstance(p.get("cancelled"), dict):
        out["cancelled"] = {**p["cancelled"], "reason": ""}
    return out


_PART_EVENTS = frozenset({"case.part_added", "case.part_done", "case.part_cancelled"})


def _own_part_only(case: dict, dept: str) -> dict:
    """A joint case as a department with a part of it sees it: its own part whole; of the
    others the department, deadline and whether done, not their task or feedback."""
    others = {p["id"] for p in case.get("parts") or () if p.get("department") != dept}
    parts = [p if p["id"] not in others else
             {"id": p["id"], "department": p["department"], "at": p.get("at"), "due": p.get("due"),
              "task": "", "done": {"at": p["done"]["at"], "note": ""} if p.get("done") else None,
              **({"cancelled": {"at": p["cancelled"]["at"], "reason": ""}} if p.get("cancelled") else {})}
             for p in case.get("parts") or ()]
    timeline = [({k: v for k, v in e.items() if k not in ("note", "task", "reason")}
                 if e.get("name") in _PART_EVENTS and e.get("part_id") in others else e)
                for e in case.get("timeline") or ()]
    return {**case, "parts": parts, "timeline": timeline}


def placeholder(ev: dict) -> dict:
    return {"type": "event", "seq": ev["seq"], "at": ev.get("at"), "name": HIDDEN, "data": {}}


def _mask_event(ev: dict, private: frozenset[str] = frozenset(), state: dict | None = None) -> dict:
    name = ev["name"]
    d = ev.get("data") or {}
    if name == "case.reported":
        d = {**d, "reporter": _mask_person(d.get("reporter")) if d.get("reporter") is not None else None,
             "parties": [_mask_person(p) for p in d.get("parties") or []], "description": ""}
        if d["reporter"] is None:
            del d["reporter"]
        if isinstance(d.get("closed"), dict):        # an imported case's resolution (free text)
            d["closed"] = {**d["closed"], "resolution": ""}
    elif name in _NOTE_EVENTS and "note" in d:
        d = {**d, "note": ""}
    elif name in _REASON_EVENTS and any(k in d for k in ("resolution", "reason")):
        d = {**d, **{k: "" for k in ("resolution", "reason") if k in d}}
    elif name == "street.loaded" and isinstance(d.get("street"), dict):
        d = {**d, "street": View("wall").street(d["street"])}
    elif name == "case.attached" and isinstance(d.get("attachment"), dict):
        case = (state or {}).get("cases", {}).get(d.get("case_id")) or {}
        d = {**d, "attachment": wall_attachment(d["attachment"], case.get("category") in private)}
    else:
        return ev
    return {**ev, "data": d}


FULL = View("full")


def _without_removed(case: dict) -> dict:
    """Attachments taken off a case are shown to operators, leaders and admins only."""
    atts = case.get("attachments")
    if not atts or not any(a.get("removed") for a in atts):
        return case
    return {**case, "attachments": [a for a in atts if not a.get("removed")]}


def view_for(actor: Actor, private: frozenset[str] | None = None) -> View:
    """`private`: the categories whose evidence the wall never shows (the street's evidence
    rules: models.evidence.private_categories(state)); the shipped rules' when not given."""
    role = actor.role
    if role in FULL_ROLES:
        return FULL
    if role == "wall":
        return View("wall", private=_DEFAULT_PRIVATE if private is None else private)
    if role == "field":
        return View("field", actor.team_id or None)
    if role == "department":
        return View("department", actor.department or None)
    if role == "community":
        return View("community", tuple(sorted(actor.grids)) or None)
    if role == "intake":
        return View("intake", actor.name)
    return View("none")
