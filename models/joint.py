"""Joint handling (一件事) and linked cases: the rules `decide` applies and the reducer's
handlers, Qt-free (docs/protocol.md "Joint handling", docs/state-machine.md).

A *joint case* has parts (`case["parts"]`): each a sub-task of one department of the street,
with its deadline and, once done, the department's feedback. It is closed only when every
part is done or cancelled. When the last part is done on a case nobody in the field holds
(new, accepted, returned), the case is resolved: the departments' feedback is its handling.

*Linked cases* (same address, same business) are handled as one under a lead:
`case["linked_to"]` names the lead, the lead's `case["links"]` its linked cases. Closing the
lead closes every linked case still open, in the same command, each with the lead's
resolution and `with_lead` (each keeps its own reporter, so each is called back). Reopening
the lead reopens none of them; unlinking one leaves it as it is.
"""
from __future__ import annotations

from .domain import OPEN_STATUSES
from .timeutil import epoch, iso

MAX_PARTS = 12           # parts on one case
MAX_LINKS = 200          # cases linked under one lead
TASK_LIMIT = 200         # a part's task
PART_HOURS_MAX = 24 * 30.0
DEFAULT_PART_HOURS = 24.0
# where the last part's feedback resolves the case: nobody in the field holds it
RESOLVES_FROM = frozenset({"new", "accepted", "returned"})


class JointError(Exception):
    """Raised by the checks here; models.commands turns it into a CommandError."""

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


# ---- reading a case ---------------------------------------------------------------

def parts(case: dict) -> list[dict]:
    """The case's parts that count: not cancelled."""
    return [p for p in case.get("parts") or () if not p.get("cancelled")]


def open_parts(case: dict) -> list[dict]:
    return [p for p in parts(case) if not p.get("done")]


def progress(case: dict) -> tuple[int, int]:
    """(parts done, parts): "2/3 parts done"."""
    ps = parts(case)
    return sum(1 for p in ps if p.get("done")), len(ps)


def overdue_parts(case: dict, now: float) -> list[dict]:
    return [p for p in open_parts(case) if p.get("due") and epoch(p["due"]) < now]


def part_departments(case: dict) -> set[str]:
    """The departments with a part on the case (cancelled ones no longer)."""
    return {p["department"] for p in parts(case)}


def is_joint(case: dict) -> bool:
    return bool(parts(case))


def open_joint_cases(state: dict) -> list[dict]:
    """Open cases with parts, the one with the most open parts first."""
    out = [c for c in state["cases"].values() if c["status"] in OPEN_STATUSES and parts(c)]
    out.sort(key=lambda c: (-len(open_parts(c)), c["id"]))
    return out


# ---- checks -----------------------------------------------------------------------

def check_parts(state: dict, case: dict, given) -> list[dict]:
    """The parts a command adds: [{department, task, hours}], each department at most once
    among the case's open parts."""
    if not isinstance(given, list) or not given:
        raise JointError("invalid", "'parts' must be a list of {department, task, hours}", "parts")
    depts = {d["id"] for d in state["street"]["departments"]}
    have = {p["department"] for p in open_parts(case)}
    if len(parts(case)) + len(given) > MAX_PARTS:
        raise JointError("invalid", f"a case has at most {MAX_PARTS} parts", "parts")
    out = []
    for i, p in enumerate(given):
        if not isinstance(p, dict):
            raise JointError("invalid", "each part must be an object {department, task, hours}", "parts")
        dept = p.get("department")
        if dept not in depts:
            raise JointError("invalid", f"part {i + 1}: unknown department {str(dept)[:40]!r}", "parts")
        if dept in have:
            raise JointError("conflict", f"{dept} already has an open part on case {case['id']}", "parts")
        task = p.get("task")
        if not isinstance(task, str) or not task.strip():
            raise JointError("invalid", f"part {i + 1} ({dept}): say what the department is to do ('task')", "parts")
        if len(task.strip()) > TASK_LIMIT:
            raise JointError("invalid", f"part {i + 1}: 'task' is longer than {TASK_LIMIT} characters", "parts")
        hours = p.get("hours", DEFAULT_PART_HOURS)
        if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 0 < hours <= PART_HOURS_MAX:
            raise JointError("invalid", f"part {i + 1}: 'hours' must be more than 0 and at most {PART_HOURS_MAX:g}",
                             "parts")
        have.add(dept)
        out.append({"department": dept, "task": task.strip(), "hours": float(hours)})
    return out


def part_events(case: dict, checked: list[dict]) -> list[tuple[str, dict]]:
    n = len(case.get("parts") or ())
    return [("case.part_added", {"case_id": case["id"], "part_id": f"P{n + i + 1}", **p})
            for i, p in enumerate(checked)]


def part_of(case: dict, part_id) -> dict:
    p = next((p for p in case.get("parts") or () if p["id"] == part_id), None)
    if p is None:
        raise JointError("not_found", f"no part {str(part_id)[:12]} on case {case['id']}", "part_id")
    if p.get("cancelled"):
        raise JointError("conflict", f"part {p['id']} of case {case['id']} was cancelled", "part_id")
    return p


def refuse_close(case: dict) -> None:
    """A joint case closes when every part is done: otherwise a refusal naming them."""
    left = open_parts(case)
    if left:
        done, total = progress(case)
        names = ", ".join(f"{p['id']} {p['department']} ({p['task'][:30]})" for p in left)
        raise JointError("conflict", f"case {case['id']} is a joint case with {total - done} of {total} parts still "
                                     f"open: {names}; each department feeds back its part first")


def check_link(state: dict, lead: dict, ids) -> list[str]:
    if lead.get("merged_into"):
        raise JointError("conflict", f"case {lead['id']} was merged into {lead['merged_into']}")
    if lead["status"] not in OPEN_STATUSES:
        raise JointError("conflict", f"case {lead['id']} is closed: an open case leads linked cases")
    if lead.get("linked_to"):
        raise JointError("conflict", f"case {lead['id']} is linked to {lead['linked_to']}: link to that lead instead")
    if (not isinstance(ids, list) or not ids or len(ids) > MAX_LINKS
            or not all(isinstance(i, str) and len(i) <= 40 for i in ids)):
        raise JointError("invalid", f"'case_ids' must be a list of 1 to {MAX_LINKS} case ids", "case_ids")
    out = []
    cases = state["cases"]
    for cid in dict.fromkeys(ids):
        if cid == lead["id"]:
            continue
        c = cases.get(cid)
        if c is None:
            raise JointError("not_found", f"no case {cid}", "case_ids")
        if c.get("linked_to") == lead["id"]:
            continue                         # already with this lead
        if c.get("linked_to"):
            raise JointError("conflict", f"case {cid} is already linked to {c['linked_to']}", "case_ids")
        if c.get("links"):
            raise JointError("conflict", f"case {cid} leads linked cases of its own ({len(c['links'])})", "case_ids")
        if c.get("merged_into"):
            raise JointError("conflict", f"case {cid} was merged into {c['merged_into']}", "case_ids")
        if open_parts(c):
            raise JointError("conflict", f"case {cid} is a joint case with open parts: it cannot follow a lead",
                             "case_ids")
        out.append(cid)
    if len(set(lead.get("links") or ()) | set(out)) > MAX_LINKS:
        raise JointError("invalid", f"a lead has at most {MAX_LINKS} linked cases", "case_ids")
    return out


def close_linked(state: dict, lead: dict, resolution: str) -> list[tuple[str, dict]]:
    """The lead's closure closes its linked cases still open (each its own case.closed)."""
    cases = state["cases"]
    return [("case.closed", {"case_id": cid, "resolution": resolution, "on_scene_closure": False,
                             "with_lead": lead["id"]})
            for cid in lead.get("links") or () if cid in cases and cases[cid]["status"] in OPEN_STATUSES]


# ---- the reducer's handlers (models.state registers them) -----------------------------

def apply_part_added(state, case, ev, d) -> None:
    due = iso(epoch(ev["at"]) + float(d["hours"]) * 3600.0) if d.get("hours") else None
    case.setdefault("parts", []).append({"id": d["part_id"], "department": d["department"], "task": d["task"],
                                         "at": ev["at"], "by": ev.get("actor"), "due": due, "done": None})


def apply_part_done(state, case, ev, d) -> None:
    p = next(p for p in case["parts"] if p["id"] == d["part_id"])
    p["done"] = {"at": ev["at"], "by": ev.get("actor"), "note": d.get("note", ""), "by_role": d.get("by_role")}
    _resolve_when_done(case, ev)


def _resolve_when_done(case, ev) -> None:
    """Every part that counts is done, on a case nobody in the field holds: resolved."""
    if parts(case) and not open_parts(case) and case["status"] in RESOLVES_FROM:
        case["status"] = "resolved"
        case["times"].setdefault("resolved", ev["at"])


def apply_part_cancelled(state, case, ev, d) -> None:
    p = next(p for p in case["parts"] if p["id"] == d["part_id"])
    p["cancelled"] = {"at": ev["at"], "by": ev.get("actor"), "reason": d.get("reason", "")}
    _resolve_when_done(case, ev)


def apply_linked(state, case, ev, d) -> None:
    links = case.setdefault("links", [])
    for cid in d["case_ids"]:
        other = state["cases"][cid]
        other["linked_to"] = case["id"]
        if cid not in links:
            links.append(cid)
    if d.get("warning"):
        handled = state.setdefault("warnings", {})
        handled[d["warning"]] = {"id": d["warning"], "at": ev["at"], "by": ev.get("actor"), "seq": ev["seq"],
                                 "note": "", "lead": case["id"],
                                 "case_ids": list(dict.fromkeys([case["id"], *d.get("covers", ()), *d["case_ids"]]))}
        prune_warnings(state, ev["at"])


def apply_unlinked(state, case, ev, d) -> None:
    lead = state["cases"].get(d["lead"])
    case["linked_to"] = None
    if lead is not None and case["id"] in (lead.get("links") or ()):
        lead["links"].remove(case["id"])


def apply_warning_ack(state, ev, d) -> None:
    handled = state.setdefault("warnings", {})
    handled[d["warning"]] = {"id": d["warning"], "at": ev["at"], "by": ev.get("actor"), "seq": ev["seq"],
                             "note": d.get("note", ""), "lead": None, "case_ids": list(d["case_ids"])}
    prune_warnings(state, ev["at"])


def prune_warnings(state, at: str, keep_days: float = 60.0) -> None:
    """Handled warnings older than keep_days leave the state (their cases have left the window)."""
    lo = iso(epoch(at) - keep_days * 86400)
    handled = state.get("warnings") or {}
    for k in [k for k, w in handled.items() if w["at"] < lo]:
        del handled[k]
