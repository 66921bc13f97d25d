"""A realistic history for tests: cases reported over a span of days, each taken through the
reducer from report to close (and some rated, noted, reopened), stamped the way the server
stamps events. Also writes it as the first release wrote its database (before Alembic and
the cases projection): events, command ids and a whole-state snapshot blob."""
from __future__ import annotations

import json
import random

from models.commands import Actor, decide
from models.state import apply, empty_state, to_wire
from models.street import load_street
from models.timeutil import iso

OP = Actor("op", "operator")
LEAD = Actor("lead", "leader")
TITLES = ["邻里噪音纠纷", "占道经营", "违章停车堵路", "楼道堆放杂物", "餐馆油烟扰民", "独居老人求助"]
ROADS = ["九堡大道", "杭海路", "九环路", "顺福路"]
CATS = ["dispute", "city_management", "market", "traffic", "environment"]


class History:
    def __init__(self, start: float, seed: int = 1):
        self.rng = random.Random(seed)
        self.state = empty_state()
        self.events: list[dict] = []
        self.commands: list[dict] = []
        self.now = start
        self._append("street.loaded", {"street": load_street()}, "admin", None)

    def _append(self, name, data, actor, cid):
        ev = {"type": "event", "seq": self.state["seq"] + 1, "at": iso(self.now), "name": name,
              "actor": actor, "command_id": cid, "data": json.loads(json.dumps(data))}
        apply(self.state, ev)
        self.events.append(ev)

    def run(self, actor, name, args, advance=30.0):
        self.now += advance
        cid = f"h{len(self.commands) + 1}"
        for ev_name, data in decide(self.state, actor, name, args):
            self._append(ev_name, data, actor.name, cid)
        self.commands.append({"id": cid, "seq": self.state["seq"], "actor": actor.name, "name": name,
                              "peer": "test", "at": iso(self.now)})
        return self.state["seq"]

    def case(self, close=True, title=None, address=None) -> str:
        r = self.rng
        self.run(OP, "case.report", {"title": title or r.choice(TITLES), "category": r.choice(CATS),
                                     "source": "12345", "priority": r.randint(1, 4),
                                     "location": {"address": address or f"{r.choice(ROADS)}{r.randint(1, 300)}号"},
                                     "business": None})
        cid = self.events[-1]["data"]["case_id"]
        if not close:
            return cid
        team = r.choice(["W01", "W02", "E01", "E02"])
        for name, args in [("case.accept", {}), ("case.dispatch", {"team_id": team}), ("case.sign", {}),
                           ("case.contact", {}), ("case.arrive", {}), ("case.feedback", {"note": "已处理"}),
                           ("case.close", {"resolution": "已解决"})]:
            self.run(OP, name, {"case_id": cid, **args}, advance=r.uniform(20, 400))
        if r.random() < 0.5:
            self.run(OP, "case.rate", {"case_id": cid, "rating": r.randint(1, 5)})
        return cid

    def spread(self, n_cases: int, until: float) -> list[str]:
        """n_cases closed cases, evenly from now to `until`; returns their ids."""
        step = (until - self.now) / max(1, n_cases)
        ids = []
        for _ in range(n_cases):
            t = self.now
            ids.append(self.case())
            self.now = max(self.now, t + step)
        return ids

    def days(self, n_days: int, per_day: int) -> None:
        for _ in range(n_days):
            day_start = self.now
            for _ in range(per_day):
                self.case()
            self.now = day_start + 86400.0


def write_first_release(url: str, history: History, snapshot_every: int = 400) -> None:
    """The database as the first release's code wrote it: the baseline schema without an
    alembic_version table, `meta.schema` 1, users, events, command ids and whole-state
    snapshot blobs every `snapshot_every` events."""
    from sqlalchemy import text

    from server import schema
    from server.auth import hash_password
    from server.store import make_engine
    engine = make_engine(url)
    from alembic import command
    with engine.begin() as conn:
        command.upgrade(schema.alembic_config(connection=conn), schema.BASELINE)
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("INSERT INTO meta (key, value) VALUES ('schema', '1')"))
        for name, role, team in [("op", "operator", None), ("lead", "leader", None), ("wall", "wall", None)]:
            conn.execute(text("INSERT INTO users (name, role, team_id, password_hash, failed_logins, locked_until,"
                              " disabled) VALUES (:n, :r, :t, :h, 0, 0, false)"),
                         {"n": name, "r": role, "t": team, "h": hash_password(f"{name}-password")})
        conn.execute(text("INSERT INTO events (seq, at, name, actor, command_id, data) VALUES "
                          "(:seq, :at, :name, :actor, :command_id, :data)"),
                     [dict(e, data=json.dumps(e["data"], ensure_ascii=False)) for e in history.events])
        conn.execute(text("INSERT INTO commands (id, seq, actor, name, peer, at) VALUES "
                          "(:id, :seq, :actor, :name, :peer, :at)"), history.commands)
        # a snapshot blob part-way, as the first release's hub wrote them
        replay = empty_state()
        for ev in history.events:
            apply(replay, json.loads(json.dumps(ev)))
            if ev["seq"] % snapshot_every == 0:
                conn.execute(text("INSERT INTO snapshots (seq, state) VALUES (:s, :st)"),
                             {"s": ev["seq"], "st": json.dumps(to_wire(replay), ensure_ascii=False)})
    engine.dispose()
