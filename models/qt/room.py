"""RoomState: the cockpit's view-model of the whole room.

Holds the state the link keeps current and tells views what changed, coalesced so a burst
of events makes at most one update per frame. Views take a RoomState and subscribe.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

from models import kpi
from models.domain import OPEN_STATUSES
from models.sla import PROFILES, Profile
from models.state import empty_state

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
        self._flush_timer = QTimer(self, singleShot=True, interval=FRAME_MS, timeout=self._flush)
        self._tick = QTimer(self, interval=1000, timeout=self.sig_tick.emit)
        self._tick.start()

    def now(self) -> float:
        """The server's notion of now (corrected for this machine's clock skew)."""
        return time.time() + self.clock_offset

    @property
    def profile(self) -> Profile:
        return PROFILES.get(self.state.get("sla_profile"), PROFILES["1310"])

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

    def _welcome(self, welcome: dict) -> None:
        self.user, self.role, self.team_id = welcome.get("user"), welcome.get("role"), welcome.get("team_id")
        if welcome.get("server_time"):
            self.clock_offset = welcome["server_time"] - time.time()
            if abs(self.clock_offset) < 1.0:
                self.clock_offset = 0.0

    def reset(self, state: dict, age=None) -> None:
        self.state = state
        self.age = age
        self.open_ids = {cid for cid, c in state["cases"].items() if c["status"] in OPEN_STATUSES}
        week = kpi.working_set(state, self.now(), kpi.WORKING_DAYS)
        self._recent = {kpi.WORKING_DAYS: set(week["cases"]),
                        0: set(kpi.working_set(week, self.now(), 0)["cases"])}
        self._changed.clear(), self._new.clear(), self._teams.clear(), self._events.clear()
        self._room = False
        self.sig_reset.emit()

    def feed(self, events: list[dict]) -> None:
        """Events already applied to `state` by the link; note what they touched."""
        self.age = None
        for ev in events:
            d = ev.get("data") or {}
            name = ev["name"]
            if name == "view.update":      # a filtered view (server/views.py): whole objects
                for c in d.get("cases") or ():
                    self._changed[c["id"]] = None
                for cid in d.get("removed") or ():
                    self._changed[cid] = None
                for t in d.get("teams") or ():
                    self._teams[t["id"]] = None
            elif name == "case.reported":
                self._new[d["case_id"]] = None
            elif "case_id" in d:
                self._changed[d["case_id"]] = None
                if name == "case.merged":
                    self._changed[d["into"]] = None
            if "team_id" in d:
                self._teams[d["team_id"]] = None
            if name == "team.member_moved":
                self._teams[d["from"]] = None
                self._teams[d["to"]] = None
            if name.startswith("case.") and name in ("case.dispatched", "case.feedback", "case.closed",
                                                     "case.transferred", "case.escalated", "case.returned",
                                                     "case.merged", "case.arrived"):
                for t in self.state["teams"].values():      # a squad's current case may have changed
                    if d.get("case_id") in t["cases"] or t.get("case_id") is None:
                        self._teams[t["id"]] = None
            if name in ("mode.changed", "sla.profile_changed", "street.loaded"):
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
            self._changed.clear(), self._new.clear()
            self.sig_cases.emit(changed, new)
        if self._teams:
            teams = list(self._teams)
            self._teams.clear()
            self.sig_teams.emit(teams)
        if events:
            self.sig_events.emit(events)


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
