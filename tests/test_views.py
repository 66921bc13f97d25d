"""Issue 13 item 8: each role gets the view it needs, decided on the server.

Real server on a loopback port, real clients: a raw protocol client per role and the
cockpit's own link. Each client's state, built only from what it received (snapshot,
catch-up, live) with the shared reducer, must be exactly the server's view for its role,
every seq must arrive (placeholders for the ones outside the view), and no frame may
carry another squad's case, someone else's report or an unmasked phone.
"""
from __future__ import annotations

import asyncio
import json

import pytest

from client.session import ServerLink
from models.commands import Actor
from models.state import apply, from_wire
from server.app import XiaonaoServer
from server.cli import add_user
from server.store import StoreError
from server.views import view_for

from .conftest import RawClient, make_db, ws_url
from .helpers import until

PHONE_A, PHONE_B, PHONE_C = "13811112222", "13933334444", "13755556666"
SECRET = "身份证号330104199001011234"


def report(title, phone, address="九堡大道88号"):
    return {"title": title, "category": "dispute", "source": "110", "priority": 2,
            "location": {"address": address}, "description": f"{title} {SECRET}",
            "reporter": {"name": "王小明", "phone": phone}}


class Watcher:
    """A raw client that keeps every frame and a state reduced from them."""

    def __init__(self, client: RawClient, state=None):
        self.c = client
        self.raw: list[str] = []
        self.state = state
        self.seqs: list[int] = []
        self.task = asyncio.create_task(self._run())

    async def _run(self):
        snap = None
        async for raw in self.c.ws:
            self.raw.append(raw)
            m = json.loads(raw)
            if m["type"] == "snapshot":
                snap = m
                if m.get("pages", 0) == 0:
                    self.state, snap = from_wire(m["state"]), None
                    self.state["seq"] = m["seq"]
            elif m["type"] == "snapshot.page":
                snap["state"]["cases"].extend(m["cases"])
                if m["page"] == snap["pages"]:
                    self.state, snap = from_wire(snap["state"]), None
            elif m["type"] == "event":
                self.seqs.append(m["seq"])
                apply(self.state, m)        # raises SeqGap if a seq is missing

    def text(self) -> str:
        return "\n".join(self.raw)

    async def close(self):
        await self.c.close()
        try:
            await asyncio.wait_for(self.task, 5)
        except Exception:
            pass


async def watch(srv, user, resume: Watcher | None = None) -> Watcher:
    """A client of `user`; resuming from what `resume` holds when given."""
    state = json.loads(json.dumps(resume.state)) if resume else None
    return Watcher(await RawClient.connect(ws_url(srv), user, resume_from=state["seq"] if state else None), state)


def view_of(srv, user, role, team=None) -> tuple[dict, dict]:
    """The server's state as `user` may see it: (cases by id, teams by id)."""
    v = view_for(Actor(user, role, team))
    st = srv.hub.state
    return {c["id"]: c for c in v.cases(st)}, {t["id"]: t for t in v.state_head(st)["teams"]}


def same(a, b):
    return json.loads(json.dumps(a, sort_keys=True)) == json.loads(json.dumps(b, sort_keys=True))


async def test_each_role_sees_only_its_view_in_snapshot_catch_up_and_live(tmp_path):
    url = make_db(tmp_path)
    srv = XiaonaoServer(url, "127.0.0.1", 0)
    await srv.start()
    try:
        op = await RawClient.connect(ws_url(srv), "op")
        await op.recv()
        intake = await RawClient.connect(ws_url(srv), "intake")
        await intake.recv()
        (a, _), (b, _) = [await op.command("case.report", report(t, p)) for t, p in (("A", PHONE_A), ("B", PHONE_B))]
        c_ack, _ = await intake.command("case.report", report("C", PHONE_C))
        cases = sorted(srv.hub.state["cases"])
        ca, cb, cc = cases
        for cid, team in ((ca, "W01"), (cb, "E01")):
            ack, _ = await op.command("case.dispatch", {"case_id": cid, "team_id": team})
            assert ack["type"] == "ack"

        # snapshot: each role gets its view
        wall, field, field_e, intake_w = (await watch(srv, "wall"), await watch(srv, "w01"),
                                          await watch(srv, "e01"), await watch(srv, "intake"))
        await until(lambda: all(w.state is not None for w in (wall, field, field_e, intake_w)), what="snapshots")
        assert set(field.state["cases"]) == {ca} and set(field.state["teams"]) == {"W01"}
        assert set(field_e.state["cases"]) == {cb} and set(field_e.state["teams"]) == {"E01"}
        assert set(intake_w.state["cases"]) == {cc} and not intake_w.state["teams"]
        assert set(wall.state["cases"]) == {ca, cb, cc} and len(wall.state["teams"]) == 18
        assert wall.state["cases"][ca]["reporter"]["phone"] == "138****2222"
        # the field squad needs its reporter's number to call back: its own case is whole
        assert field.state["cases"][ca]["reporter"]["phone"] == PHONE_A

        # live: cases move between squads, notes are written, squads talk
        await op.command("case.accept", {"case_id": cc})
        await op.command("case.dispatch", {"case_id": cc, "team_id": "W01"})     # into W01's view
        await op.command("case.note", {"case_id": cc, "note": f"回访 {PHONE_C} {SECRET}"})
        await op.command("case.dispatch", {"case_id": ca, "team_id": "E01"})     # out of W01's view
        await op.command("radio.transmit", {"team_id": "E01", "text": "收到"})
        await op.command("team.status", {"team_id": "W01", "status": "busy"})
        await op.command("case.report", report("E", "13500008888"))
        ce = max(srv.hub.state["cases"])
        await op.command("case.transfer", {"case_id": ce, "to": "police", "note": f"报警人 {PHONE_A}"})
        ack, _ = await op.command("case.close", {"case_id": ce, "resolution": f"已联系 {PHONE_A} 王小明"})
        assert ack["type"] == "ack"
        last, _ = await op.command("case.note", {"case_id": cb, "note": "x"})
        head = last["seq"]
        await until(lambda: all(w.state["seq"] == head for w in (wall, field, field_e, intake_w)),
                    what="every view at the head")
        assert set(field.state["cases"]) == {cc} and set(field_e.state["cases"]) == {ca, cb}

        # catch-up: the wall resumes by events, the field terminal from a snapshot of its view
        await wall.close(), await field.close()
        await op.command("case.dispatch", {"case_id": cb, "team_id": "W01"})
        await op.command("case.report", report("D", "13600007777"))
        last, _ = await op.command("case.note", {"case_id": cb, "note": f"电话 {PHONE_B}"})
        wall2, field2 = await watch(srv, "wall", wall), await watch(srv, "w01", field)
        # the server marks W01's terminal offline, then online again (team.presence events)
        await until(lambda: (srv.hub.state["teams"]["W01"]["terminal"] or {}).get("online") == 1
                    and srv.hub.head > last["seq"], what="W01's terminal back online")
        head = srv.hub.head
        await until(lambda: all(w.state is not None and w.state["seq"] == head for w in (wall2, field_e, intake_w))
                    and field2.state is not None and field2.state["seq"] == head, what="caught up")
        assert not any(json.loads(r)["type"] == "snapshot" for r in wall2.raw)      # resumed by events

        # every client holds exactly its view of the server's state, every seq arrived
        for w, user, role, team in ((wall2, "wall", "wall", None), (field2, "w01", "field", "W01"),
                                    (field_e, "e01", "field", "E01"), (intake_w, "intake", "intake", None)):
            want_cases, want_teams = view_of(srv, user, role, team)
            assert same(w.state["cases"], want_cases), user
            assert same(w.state["teams"], want_teams), user
        for w in (field_e, intake_w):
            assert w.seqs == list(range(w.seqs[0], head + 1))     # placeholders keep every seq
        assert set(field2.state["cases"]) == {cc, cb}
        # a wall connecting now gets a snapshot whose masked cases were encoded before the
        # changes (kept between snapshots): the changed ones are encoded again
        wall3 = await watch(srv, "wall")
        await until(lambda: wall3.state is not None, what="a fresh wall's snapshot")
        want_cases, want_teams = view_of(srv, "wall", "wall")
        assert same(wall3.state["cases"], want_cases) and same(wall3.state["teams"], want_teams)
        assert PHONE_B not in wall3.text() and SECRET not in wall3.text()
        await wall3.close()

        # no frame ever carried what the role may not see
        for phone in (PHONE_A, PHONE_B, PHONE_C, "13500008888"):
            assert phone not in wall.text() + wall2.text()
        assert "王小明" not in wall.text() + wall2.text()
        assert SECRET not in wall.text() + wall2.text()
        assert PHONE_B not in field.text() and PHONE_A not in intake_w.text() + field2.text()
        assert PHONE_B not in intake_w.text() and "13600007777" not in intake_w.text()
        assert "E01" not in json.dumps(field2.state["teams"])
        for w in (field_e, intake_w):
            assert '"name":"hidden"' in w.text().replace(" ", "")
        for w in (wall, wall2, field, field_e, field2, intake_w):
            await w.close()
        await op.close(), await intake.close()
    finally:
        await srv.stop()


async def test_a_field_user_without_a_squad_owns_nothing(tmp_path):
    url = make_db(tmp_path)
    with pytest.raises(StoreError, match="--team"):
        add_user(url, "nosquad", "field", "nosquad-password")
    with pytest.raises(StoreError, match="no squad"):
        add_user(url, "nosquad", "field", "nosquad-password", "ZZ99")
    # one stored before the CLI refused it (an old database): it may not touch an unassigned case
    from server.auth import hash_password
    from server.store import EventStore
    st = EventStore(url)
    st.add_user("legacy", "field", hash_password("legacy-password"), None)
    st.dispose()
    srv = XiaonaoServer(url, "127.0.0.1", 0)
    await srv.start()
    try:
        op = await RawClient.connect(ws_url(srv), "op")
        await op.recv()
        await op.command("case.report", report("A", PHONE_A))
        cid = next(iter(srv.hub.state["cases"]))
        legacy = await RawClient.connect(ws_url(srv), "legacy")
        snap = await legacy.recv()
        assert snap["state"]["cases"] == [] and snap["state"]["teams"] == []
        ans, _ = await legacy.command("case.note", {"case_id": cid, "note": "mine?"})
        assert ans["type"] == "error" and ans["code"] == "forbidden"
        assert not srv.hub.state["cases"][cid]["notes"]
        await legacy.close(), await op.close()
    finally:
        await srv.stop()


async def test_the_cockpit_link_applies_a_filtered_view(tmp_path):
    """The cockpit's own link, logged in as a squad terminal, follows placeholders and
    whole-object updates and shows exactly its squad's cases."""
    url = make_db(tmp_path)
    srv = XiaonaoServer(url, "127.0.0.1", 0)
    await srv.start()
    link = ServerLink(ws_url(srv), "w01", "w01-password")
    task = asyncio.create_task(link.run())
    try:
        await until(lambda: link.status.state == "online", what="online")
        op = await RawClient.connect(ws_url(srv), "op")
        await op.recv()
        for t, p in (("A", PHONE_A), ("B", PHONE_B)):
            await op.command("case.report", report(t, p))
        ca, cb = sorted(srv.hub.state["cases"])
        await op.command("case.dispatch", {"case_id": ca, "team_id": "W01"})
        await op.command("case.dispatch", {"case_id": cb, "team_id": "E01"})
        sign, _ = await op.command("case.note", {"case_id": cb, "note": "x"})
        await until(lambda: link.state["seq"] == sign["seq"], what="the link at the head")
        want_cases, want_teams = view_of(srv, "w01", "field", "W01")
        assert same(link.state["cases"], want_cases) and set(link.state["cases"]) == {ca}
        assert same(link.state["teams"], want_teams)
        # the squad works its case from the terminal
        cid = await link.submit("case.sign", {"case_id": ca})
        await until(lambda: link.state["cases"][ca]["status"] == "signed", what="signed")
        assert cid not in link.outbox
        await op.close()
    finally:
        task.cancel()
        await link.stop()
        await srv.stop()
