"""What an operator must be able to trust for a shift (issue 12, items 1–11): deadline alerts
after a warm start, nothing typed lost to a refusal, history judged by the profile in force
then, the call time of a report taken offline, outcomes in words, the UI following the role."""
from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QSettings

from app.embedded import DEMO_USER, EmbeddedServer
from client.qtlink import LinkService
from models.commands import CALL_MAX_AGE_S, FIELD_LIMITS, Actor, CommandError, decide
from models.qt.room import RoomState, Selection
from models.sla import OVERDUE, PROFILES, case_clock, case_sla
from models.state import apply, empty_state
from models.timeutil import epoch, iso

from .qtasync import QtLoop

LEAD = Actor("lead", "leader")
REALISTIC_PHONE = "13812345678 / 0571-86001234 ext 123"


@pytest.fixture
def loop(qapp):
    lp = QtLoop(qapp)
    yield lp
    lp.close()


@pytest.fixture
def demo_server(tmp_path):
    srv = EmbeddedServer(tmp_path / "street.db", simulate=False).start()
    yield srv
    srv.stop()


def open_window(demo_server, tmp_path, qtbot, loop, cache="cache.db"):
    from app import i18n
    from app.mainwindow import MainWindow
    i18n.install("en")
    link = LinkService(demo_server.url, DEMO_USER, None, demo_server.tokens[DEMO_USER],
                       cache_path=tmp_path / cache)
    room, sel = RoomState(), Selection()
    room.user = DEMO_USER
    room.attach(link)
    win = MainWindow(room, link, sel, QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    link.start()
    loop.wait(lambda: link.status.state == "online" and room.state["teams"], what="online")
    loop.pump(0.1)
    return win


def close_window(win, loop):
    win.close()
    loop.run(win.link.shutdown())


def street_state():
    from models.street import load_street
    st = empty_state()
    apply(st, {"seq": 1, "at": iso(1_700_000_000.0), "name": "street.loaded", "actor": "admin",
               "command_id": None, "data": {"street": load_street("demo")}})
    return st


def run(state, actor, name, args, at):
    out = decide(state, actor, name, args, now=at)
    for ev_name, data in out:
        apply(state, {"seq": state["seq"] + 1, "at": iso(at), "name": ev_name, "actor": actor.name,
                      "command_id": None, "data": data})
    return out


REPORT = {"title": "噪音扰民", "category": "dispute", "source": "110", "priority": 3,
          "location": {"address": "九堡大道88号"}}


# ---- 1: deadline alerts after a warm start ------------------------------------------

def test_a_warm_start_from_the_cache_still_raises_the_deadline_alert(demo_server, tmp_path, qtbot, loop):
    win = open_window(demo_server, tmp_path, qtbot, loop)
    # a call taken 57 s ago: its 1-minute dispatch deadline falls a few seconds from now
    win.link.submit("case.report", REPORT | {"called_at": iso(time.time() - 57)})
    loop.wait(lambda: len(win.room.state["cases"]) == 1, what="the case")
    cid = next(iter(win.room.state["cases"]))
    close_window(win, loop)
    # the cockpit starts again from its cache and resumes (no snapshot: nothing resets)
    win = open_window(demo_server, tmp_path, qtbot, loop)
    assert win.link.link.state["cases"][cid]
    assert cid in win.room.open_ids
    loop.wait(lambda: any(a.kind == "overdue" and a.key == cid for a in win.alerts.alerts), timeout=15,
              what="the deadline alert")
    assert win.banner.isVisible() and cid in win.banner.label.text()
    close_window(win, loop)


# ---- 2: a refused report loses nothing --------------------------------------------

def test_the_form_checks_the_servers_limits_and_keeps_what_was_typed(demo_server, tmp_path, qtbot, loop):
    win = open_window(demo_server, tmp_path, qtbot, loop)
    win.open_new_case()
    dlg = win._dialog
    dlg.title.setText("一个很长的电话")
    dlg.address.setText("九堡大道88号")
    dlg.phone.setText("1" * (FIELD_LIMITS["reporter.phone"] + 1))
    dlg.submit()
    assert dlg.isVisible() and dlg.phone.property("invalid")
    assert "Caller's phone" in dlg.error.text() and str(FIELD_LIMITS["reporter.phone"]) in dlg.error.text()
    assert dlg.phone.text() == "1" * (FIELD_LIMITS["reporter.phone"] + 1)
    dlg.title.setText("x" * (FIELD_LIMITS["title"] + 1))
    dlg.submit()
    assert dlg.isVisible() and dlg.title.property("invalid")
    loop.pump(0.3)
    assert win.room.state["cases"] == {}
    # a realistic phone field (two numbers and an extension) goes through
    dlg.title.setText("一个很长的电话")
    dlg.phone.setText(REALISTIC_PHONE)
    assert not dlg.phone.property("invalid")
    dlg.submit()
    loop.wait(lambda: len(win.room.state["cases"]) == 1, what="the report")
    case = next(iter(win.room.state["cases"].values()))
    assert case["reporter"]["phone"] == REALISTIC_PHONE
    close_window(win, loop)


def test_a_refused_report_opens_from_the_outbox_edited_and_sent_again(demo_server, tmp_path, qtbot, loop):
    win = open_window(demo_server, tmp_path, qtbot, loop)
    outbox = win.panels["outbox"]
    # a report the server refuses (sent around the form: an older cockpit, an import)
    win.link.submit("case.report", REPORT | {"title": "t" * 300, "reporter": {"name": "王", "phone": REALISTIC_PHONE}})
    loop.wait(lambda: outbox.refused() == 1, what="the refusal")
    item = outbox.list.item(0)
    assert "refused" in item.text() and "invalid" not in item.text()       # in words, not a code
    outbox.open_entry(item)
    dlg = win._dialog
    assert dlg.title.text() == "t" * 300 and dlg.phone.text() == REALISTIC_PHONE   # nothing lost
    dlg.submit()
    assert dlg.isVisible() and dlg.title.property("invalid")
    dlg.title.setText("楼道堆物")
    dlg.submit()
    loop.wait(lambda: len(win.room.state["cases"]) == 1, what="the corrected report")
    loop.wait(lambda: outbox.refused() == 0, what="the refused entry replaced")
    close_window(win, loop)


def test_a_note_stays_in_its_field_until_acknowledged_and_after_a_refusal(demo_server, tmp_path, qtbot, loop):
    win = open_window(demo_server, tmp_path, qtbot, loop)
    detail = win.panels["detail"]
    win.link.submit("case.report", REPORT)
    loop.wait(lambda: len(win.room.state["cases"]) == 1)
    cid = next(iter(win.room.state["cases"]))
    win.queue.show_case(cid)
    detail.text.setText("x" * (FIELD_LIMITS["note"] + 1))      # refused by the server
    detail.act("case.note")
    assert detail.text.text() == "x" * (FIELD_LIMITS["note"] + 1)
    loop.wait(lambda: "refused" in detail.error.text().lower(), what="the refusal shown by the button")
    assert detail.text.text() == "x" * (FIELD_LIMITS["note"] + 1)
    detail.text.setText("居民已劝离")
    detail.act("case.note")
    assert detail.text.text() == "居民已劝离"                     # not before the acknowledgement
    loop.wait(lambda: detail.text.text() == "", what="the field cleared on the acknowledgement")
    assert any(n.get("note") == "居民已劝离" for n in win.room.state["cases"][cid]["timeline"])
    close_window(win, loop)


# ---- 4: a mode switch does not re-judge history -------------------------------------

def test_a_case_is_judged_by_the_profile_in_force_when_it_was_reported():
    st = street_state()
    t0 = 1_800_000_000.0
    run(st, LEAD, "case.report", REPORT, t0)
    old = next(iter(st["cases"]))
    run(st, LEAD, "case.dispatch", {"case_id": old, "team_id": "W01"}, t0 + 50)
    peace = PROFILES[st["sla_profile"]]
    before = [(c.key, c.deadline, c.state) for c in case_clock(st["cases"][old], peace, t0 + 400)]
    run(st, LEAD, "mode.set", {"mode": "wartime"}, t0 + 100)
    war = PROFILES[st["sla_profile"]]
    assert war.name != peace.name
    after = [(c.key, c.deadline, c.state) for c in case_clock(st["cases"][old], war, t0 + 400)]
    assert after == before                       # the old case keeps its deadlines and verdicts
    run(st, LEAD, "case.report", REPORT | {"title": "战时新案"}, t0 + 110)
    new = max(st["cases"])
    assert [c.key for c in case_clock(st["cases"][new], war, t0 + 120)] == [s.key for s in war.stages]
    run(st, LEAD, "mode.set", {"mode": "peacetime"}, t0 + 200)
    assert [c.key for c in case_clock(st["cases"][new], PROFILES[st["sla_profile"]], t0 + 220)] == \
        [s.key for s in war.stages]
    # the dashboard counts what the queue shows
    from models import kpi
    now = t0 + 30 * 60
    overdue = [c for c in st["cases"].values() if case_sla(c, PROFILES[st["sla_profile"]], now)[0] == OVERDUE]
    assert kpi.kpis(st, now)["overdue"] == len(overdue)


# ---- 5: the time of the call ------------------------------------------------------

def test_the_time_of_the_call_is_kept_bounded_and_starts_the_clocks():
    st = street_state()
    now = 1_800_000_000.0
    called = now - 600                                    # taken offline ten minutes ago
    run(st, LEAD, "case.report", REPORT | {"called_at": iso(called)}, now)
    case = next(iter(st["cases"].values()))
    assert epoch(case["times"]["reported"]) == called and epoch(case["received"]) == now
    clocks = case_clock(case, PROFILES[st["sla_profile"]], now)
    assert clocks[0].deadline == called + 60 and clocks[0].state == OVERDUE
    for bad in (iso(now + 600), iso(now - CALL_MAX_AGE_S - 60), "yesterday", 12):
        with pytest.raises(CommandError) as e:
            decide(st, LEAD, "case.report", REPORT | {"called_at": bad}, now=now)
        assert e.value.code == "invalid" and e.value.field == "called_at"
    # without it, the server's time of receipt
    run(st, LEAD, "case.report", REPORT, now + 5)
    latest = max(st["cases"].values(), key=lambda c: c["no"])
    assert latest["times"]["reported"] == latest["received"] == iso(now + 5)
