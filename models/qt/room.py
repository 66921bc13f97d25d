"""RoomState: the cockpit's view-model of the whole room.

Holds the state the link keeps current and tells views what changed, coalesced so a burst
of events makes at most one update per frame. Views take a RoomState and subscribe.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from models import kpi
from models.commands import PERMISSIONS
from models.domain import OPEN_STATUSES
from models.sla import PROFILES, Profile
from models.state import empty_state, touched

FRAME_MS = 16


class RoomState(QObject):
    """Signals:
        sig_reset(): the whole state was replaced (cache, snapshot, resync).
        sig_cases(list, list): ids of changed cases, ids of new cases (one batch per frame).
        sig_teams(list): ids of changed squads.
        sig_room(): mode, SLA profile or street changed.
        sig_events(list): the events of this frame, in seq order (timelines, alerts).
        sig_history(list): ids of older, closed cases paged in from the local cache after
            the first frame, or brought back from the archive (the queue shows them; they
            are no news to anyone else).
        sig_archived(list): ids of closed cases that aged out of the window, no longer in
            `state` (the local cache keeps them: search_archive brings them back).
        sig_archive_found(str, list, bool): an archive search's text, the ids it found,
            whether there were more.
        sig_tick(): once a second, for clocks and countdowns.
        sig_live(bool): the shown state became live (online) or stopped being live.
        sig_role(str): logged in with this role (the welcome's): views show only what it may do.

    Reports the operator made while offline, which wait in the outbox, are in
    `state["cases"]` at once as provisional cases (`pending: True`, id "…" + a number), so
    the queue shows them; each goes when the link is back (the server's case takes its
    place) or the report is refused (the Outbox keeps it).
    """
    sig_reset = Signal()
    sig_cases = Signal(object, object)
    sig_teams = Signal(object)
    sig_room = Signal()
    sig_events = Signal(object)
    sig_history = Signal(object)
    sig_archived = Signal(object)
    sig_archive_found = Signal(str, object, bool)
    sig_tick = Signal()
    sig_live = Signal(bool)
    sig_role = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.state: dict = empty_state()
        self.age: float | None = None       # seconds the shown state is behind, None when live
        self.user: str | None = None
        self.role: str | None = None
        self.team_id: str | None = None
        self.clock_offset = 0.0
        self.open_ids: set[str] = set()     # open cases: the only ones whose SLA lights still move
        # per window of days, a superset of the cases its figures need (see working_set)
        self._recent: dict[int, set[str]] = {kpi.WORKING_DAYS: set(), 0: set()}
        self._changed: dict[str, None] = {}
        self._new: dict[str, None] = {}
        self._teams: dict[str, None] = {}
        self._room = False
        self._events: list[dict] = []
        self._link = None
        self.live = False
        self._provisional: dict[str, str] = {}     # report command id -> provisional case id
        self._prov_no = 0
        self._flush_timer = QTimer(self, singleShot=True, interval=FRAME_MS)
        self._flush_timer.timeout.connect(self._flush)
        self._tick = QTimer(self, interval=1000)
        self._tick.timeout.connect(self.sig_tick.emit)
        self._tick.start()

    def now(self) -> float:
        """The server's notion of now (corrected for this machine's clock skew)."""
        return time.time() + self.clock_offset

    @property
    def profile(self) -> Profile:
        return PROFILES.get(self.state.get("sla_profile") or "1310", PROFILES["1310"])

    def may(self, command: str) -> bool:
        """Whether the logged-in role may issue this command (the server decides; the UI
        follows: what a role may not do is hidden or disabled). Before the welcome, as an
        operator."""
        return command in PERMISSIONS.get(self.role or "operator", frozenset())

    @property
    def street(self) -> dict:
        return self.state.get("street") or {}

    def attach(self, link) -> None:
        """Follow a LinkService."""
        link.sig_reset.connect(self.reset)
        link.sig_events.connect(self.feed)
        link.sig_history.connect(self.add_history)
        link.sig_archived.connect(self.archive)
        link.sig_archive_found.connect(self.sig_archive_found)
        self._link = link
        link.sig_welcome.connect(self._welcome)
        link.sig_link.connect(self._link_status)
        link.sig_command.connect(self._command)

    def _link_status(self, status) -> None:
        live = status.state == "online"
        if live != self.live:
            self.live = live
            self._sync_provisional()
            self.sig_live.emit(live)

    # ---- reports not yet acknowledged: provisional cases ----------------------------
    def _pending_reports(self) -> dict[str, dict]:
        outbox = getattr(getattr(self._link, "link", None), "outbox", None) or {}
        return {cid: r for cid, r in outbox.items() if r.get("name") == "case.report" and r.get("status") == "pending"}

    def _command(self, cid: str, outcome: str, detail: dict) -> None:
        if detail.get("name") == "case.report":
            self._sync_provisional()

    def provisional_case(self, command_id: str) -> str | None:
        """The provisional case shown for a report not yet acknowledged."""
        return self._provisional.get(command_id)

    def _sync_provisional(self, emit: bool = True) -> None:
        # only while offline: online, the server's case follows within milliseconds
        want = {} if self.live else self._pending_reports()
        cases = self.state["cases"]
        gone = [self._provisional.pop(c) for c in list(self._provisional) if c not in want]
        for pid in gone:
            cases.pop(pid, None)
        added = []
        for cmd, row in want.items():
            if cmd in self._provisional and self._provisional[cmd] in cases:
                continue
            self._prov_no += 1
            pid = f"…{self._prov_no}"
            case = provisional_case(pid, row.get("args") or {}, row.get("created"), self.state)
            if case is None:
                continue
            cases[pid] = case
            self._provisional[cmd] = pid
            added.append(pid)
        if not emit:
            return
        if gone:
            self.archive(gone)               # the queue drops them through its usual path
        for pid in added:
            self._new[pid] = None
        if added and not self._flush_timer.isActive():
            self._flush_timer.start()

    def _welcome(self, welcome: dict) -> None:
        role_before = self.role
        self.user, self.role, self.team_id = welcome.get("user"), welcome.get("role"), welcome.get("team_id")
        if self.role != role_before:
            self.sig_role.emit(self.role or "")
        if welcome.get("server_time"):
            self.clock_offset = welcome["server_time"] - time.time()
            if abs(self.clock_offset) < 1.0:
                self.clock_offset = 0.0

    def reset(self, state: dict, age=None) -> None:
        self.state = state
        self.age = age
        self._provisional.clear()
        self._sync_provisional(emit=False)
        self.open_ids = {cid for cid, c in state["cases"].items() if c["status"] in OPEN_STATUSES}
        week = kpi.working_set(state, self.now(), kpi.WORKING_DAYS)
        self._recent = {kpi.WORKING_DAYS: set(week["cases"]),
                        0: set(kpi.working_set(week, self.now(), 0)["cases"])}
        self._changed.clear()
        self._new.clear()
        self._teams.clear()
        self._events.clear()
        self._room = False
        self.sig_reset.emit()

    def feed(self, events: list[dict]) -> None:
        """Events already applied to `state` by the link; note what they touched."""
        self.age = None
        for ev in events:
            d = ev.get("data") or {}
            name = ev["name"]
            touch = touched(ev)
            if touch.new:
                self._new[touch.new] = None
            for cid in touch.cases:
                if cid != touch.new:
                    self._changed[cid] = None
            for tid in touch.teams:
                self._teams[tid] = None
            if name.startswith("case.") and name in ("case.dispatched", "case.feedback", "case.closed",
                                                     "case.transferred", "case.escalated", "case.returned",
                                                     "case.merged", "case.arrived", "case.released"):
                for t in self.state["teams"].values():      # a squad's current case may have changed
                    if d.get("case_id") in t["cases"] or t.get("case_id") is None:
                        self._teams[t["id"]] = None
            if touch.room:
                self._room = True
            self._events.append(ev)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def add_history(self, case_ids: list[str]) -> None:
        """Older cases paged in from the cache (closed, so no SLA light moves)."""
        for days, ids in self._recent.items():
            ids.update(kpi.working_set(self.state, self.now(), days, ids=case_ids)["cases"])
        self.sig_history.emit(case_ids)

    def archive(self, case_ids: list[str]) -> None:
        """Closed cases that aged out of memory (the link already took them out of state)."""
        gone = set(case_ids)
        for ids in self._recent.values():
            ids -= gone
        self.open_ids -= gone
        for cid in case_ids:
            self._changed.pop(cid, None)
            self._new.pop(cid, None)
        self.sig_archived.emit(case_ids)

    @property
    def archive_days(self) -> float | None:
        """Closed cases older than this many days are in the archive, not in `state`; None
        when there is no archive (no local cache)."""
        return self._link.retain_days if self._link is not None else None

    def search_archive(self, text: str) -> None:
        """Look for older cases in the archive; they join the state (sig_history) and
        sig_archive_found reports what was found."""
        if self._link is not None:
            self._link.search_archive(text)

    def working_set(self, days: int = kpi.WORKING_DAYS) -> dict:
        """The state cut to what the figures of the last `days` (WORKING_DAYS or 0: today)
        need, from the recent cases kept here: no pass over all history."""
        ws = kpi.working_set(self.state, self.now(), days, ids=self._recent[days])
        self._recent[days] = set(ws["cases"])      # the days moved on: drop what fell out
        return ws

    def _flush(self) -> None:
        events, self._events = self._events, []
        if self._room:
            self._room = False
            self.sig_room.emit()
        if self._changed or self._new:
            changed = [c for c in self._changed if c not in self._new]
            new = list(self._new)
            cases = self.state["cases"]
            for cid in changed + new:
                if cid in cases and cases[cid]["status"] in OPEN_STATUSES:
                    self.open_ids.add(cid)
                else:
                    self.open_ids.discard(cid)
            for ids in self._recent.values():       # touched now: perhaps in a window
                ids.update(c for c in new + changed if c in cases)
            self._changed.clear()
            self._new.clear()
            self.sig_cases.emit(changed, new)
        if self._teams:
            teams = list(self._teams)
            self._teams.clear()
            self.sig_teams.emit(teams)
        if events:
            self.sig_events.emit(events)


def provisional_case(pid: str, args: dict, created: float | None, state: dict) -> dict | None:
    """A report's case as it will look once the server has it, marked pending."""
    from models.state import _reported
    from models.timeutil import iso
    try:
        at = args.get("called_at") or iso(created or time.time())
        scratch = {"cases": {}, "next_case_no": 0, "sla_profile": state.get("sla_profile", "1310")}
        data = {"case_id": pid, "no": None, "title": args["title"], "category": args["category"],
                "source": args["source"], "priority": args.get("priority", 3),
                "location": dict(args.get("location") or {}), "description": args.get("description", ""),
                "reporter": args.get("reporter"), "called_at": at}
        _reported(scratch, {"seq": 0, "at": at, "name": "case.reported", "actor": None, "data": data}, data)
    except (KeyError, TypeError, ValueError):
        return None
    case = scratch["cases"][pid]
    case["pending"] = True
    return case


class Selection(QObject):
    """What the operator is looking at: the current case and squad, shared by the panels.

    Signals:
        sig_case(str): the current case changed ("" for none).
        sig_team(str): the current squad changed ("" for none).
        sig_dispatch_requested(str): the operator asked to dispatch this case.
        sig_dispatch_to(str, str): ... this case to this squad (a double-click on its tile).
    """
    sig_case = Signal(str)
    sig_team = Signal(str)
    sig_dispatch_requested = Signal(str)
    sig_dispatch_to = Signal(str, str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.case_id = ""
        self.team_id = ""

    def set_case(self, cid: str | None) -> None:
        cid = cid or ""
        if cid != self.case_id:
            self.case_id = cid
            self.sig_case.emit(cid)

    def set_team(self, tid: str | None) -> None:
        tid = tid or ""
        if tid != self.team_id:
            self.team_id = tid
            self.sig_team.emit(tid)
