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

from .conftest import demo_db
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
    srv = EmbeddedServer(demo_db(tmp_path), simulate=False).start()
    yield srv
    if srv.running:    # a test may have stopped it already
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
    dlg = win.dialog
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
    dlg = win.dialog
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
    detail.text.setText("现场已处理完毕")
    detail.act("case.close")                       # a new case cannot be closed: refused by the server
    assert detail.text.text() == "现场已处理完毕"
    loop.wait(lambda: "refused" in detail.error.text().lower(), what="the refusal shown by the button")
    assert "not possible in the case's or squad's current state" in detail.error.text()
    assert detail.text.text() == "现场已处理完毕"
    detail.text.setText("居民已劝离")
    detail.act("case.note")
    assert detail.text.text() == "居民已劝离"                     # not before the acknowledgement
    loop.wait(lambda: detail.text.text() == "", what=f"the field cleared on the acknowledgement ({detail.error.text()})")
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


# ---- 8, 9: outcomes in words where the operator acted; the UI follows the role -------------

def test_an_operator_sees_no_leader_controls_and_no_false_success(tmp_path, qtbot, loop):
    from app import i18n
    from app.mainwindow import MainWindow
    from server.app import XiaonaoServer

    from .conftest import make_db
    i18n.install("en")
    srv = XiaonaoServer(make_db(tmp_path), "127.0.0.1", 0)
    loop.run(srv.start())
    link = LinkService(f"ws://127.0.0.1:{srv.port}/ws", "op", "op-password", cache_path=tmp_path / "op.db")
    room, sel = RoomState(), Selection()
    room.attach(link)
    win = MainWindow(room, link, sel, QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    link.start()
    loop.wait(lambda: link.status.state == "online" and room.role == "operator", what="online as operator")
    leader = win.panels["leader"]
    assert not leader.mode.isEnabled() and not leader.duty_box.isEnabled() and not leader.move_btn.isEnabled()
    assert not leader.role_note.isHidden() and "operator" in leader.role_note.text()
    # the command line says at once that the role may not, and sends nothing
    win.cmdline.edit.setText("war")
    win.cmdline.run()
    assert "refused: your role may not do this" in win.cmdline.result.text()
    assert not [r for r in link.link.outbox.values() if r["name"] == "mode.set"]
    # what the server refuses shows as refused where it was typed, never as success
    link.submit("case.report", REPORT)
    loop.wait(lambda: len(room.state["cases"]) == 1)
    cid = next(iter(room.state["cases"]))
    win.cmdline.edit.setText(f"c {int(cid[1:])} done")
    win.cmdline.run()
    assert "sent" in win.cmdline.result.text() and "acknowledged" not in win.cmdline.result.text()
    loop.wait(lambda: "refused" in win.cmdline.result.text(), what="the refusal on the command line")
    assert "not possible in the case's or squad's current state" in win.cmdline.result.text()
    win.cmdline.edit.setText(f"a {int(cid[1:])}")
    win.cmdline.run()
    loop.wait(lambda: "acknowledged" in win.cmdline.result.text(), what="the acknowledgement")
    win.close()
    loop.run(link.shutdown())
    loop.run(srv.stop())


# ---- 11: one SLA state, on the tick, everywhere -----------------------------------------

def test_a_missed_stage_shows_while_the_case_is_open():
    st = street_state()
    t0 = 1_800_000_000.0
    run(st, LEAD, "case.report", REPORT, t0)
    cid = next(iter(st["cases"]))
    run(st, LEAD, "case.dispatch", {"case_id": cid, "team_id": "W01"}, t0 + 90)     # 30 s late
    case, prof = st["cases"][cid], PROFILES[st["sla_profile"]]
    from models.sla import LATE, case_light
    assert case_light(case_clock(case, prof, t0 + 100))[0] == LATE
    assert case_sla(case, prof, t0 + 100)[0] == LATE
    assert case_sla(case, prof, t0 + 100)[1] == case_clock(case, prof, t0 + 100)[1].deadline   # next deadline kept
    assert case_sla(case, prof, t0 + 3600)[0] == OVERDUE                                       # then overdue


def test_the_detail_header_follows_the_clock(demo_server, tmp_path, qtbot, loop):
    win = open_window(demo_server, tmp_path, qtbot, loop)
    detail = win.panels["detail"]
    win.link.submit("case.report", REPORT | {"called_at": iso(time.time() - 58)})
    loop.wait(lambda: len(win.room.state["cases"]) == 1)
    cid = next(iter(win.room.state["cases"]))
    win.queue.show_case(cid)
    assert "Overdue" not in detail.header.text()
    loop.wait(lambda: "Overdue" in detail.header.text(), timeout=10, what="the header to turn overdue on the tick")
    assert detail.stages.item(0, 2).text().startswith("Overdue")
    close_window(win, loop)


# ---- both languages: the changed screens, rendered and checked ----------------------------

@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_changed_screens_in_both_languages(demo_server, tmp_path, qtbot, loop, lang):
    from pathlib import Path

    from app import i18n
    out = Path(__file__).resolve().parent.parent / "build" / "shots"
    out.mkdir(parents=True, exist_ok=True)
    win = open_window(demo_server, tmp_path, qtbot, loop)
    i18n.install(lang)
    from app.mainwindow import MainWindow
    room, link = win.room, win.link
    win.close()
    win = MainWindow(room, link, win.selection, QSettings(str(tmp_path / "s2.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.resize(1920, 1080)
    win.show()
    room.sig_reset.emit()
    loop.pump(0.3)
    # a refused command, in words where it was typed
    link.submit("case.report", REPORT)
    loop.wait(lambda: len(room.state["cases"]) == 1)
    cid = next(iter(room.state["cases"]))
    win.cmdline.edit.setText(f"c {int(cid[1:])} done")
    win.cmdline.run()
    loop.wait(lambda: "refused" in win.cmdline.result.text() or "拒绝" in win.cmdline.result.text())
    zh = lang == "zh_CN"
    assert ("被拒绝" in win.cmdline.result.text()) == zh
    # the form marks a field that is too long, says why, and keeps it
    win.open_new_case()
    dlg = win.dialog
    dlg.title.setText("噪音扰民")
    dlg.address.setText("九堡大道88号")
    dlg.phone.setText("13812345678 / 0571-86001234 ext 123 / 0571-86001235 ext 4567 / 0571-86001236 ext 89")
    dlg.submit()
    assert ("最多" in dlg.error.text()) == zh and dlg.isVisible()
    loop.pump(0.3)
    assert dlg.grab().save(str(out / f"new_case_invalid_{lang}.png"))
    dlg.discard()
    assert win.grab().save(str(out / f"main_refusal_{lang}.png"))
    # the loud offline state
    loop.call(demo_server.stop)
    loop.wait(lambda: win.offline_banner.isVisible(), timeout=20, what="the offline banner")
    assert ("离线" in win.offline_banner.text()) == zh
    loop.pump(1.2)
    assert ("非实时" in win.clock.text()) == zh
    assert win.grab().save(str(out / f"main_offline_{lang}.png"))
    win.close()
    loop.run(link.shutdown())
    i18n.install("en")


# ---- 6: after Ctrl+N, the new case is the one on screen ---------------------------------

def test_the_new_case_is_selected_even_when_the_filter_would_hide_it(demo_server, tmp_path, qtbot, loop):
    win = open_window(demo_server, tmp_path, qtbot, loop)
    win.link.submit("case.report", REPORT | {"title": "older"})
    loop.wait(lambda: len(win.room.state["cases"]) == 1)
    older = next(iter(win.room.state["cases"]))
    win.queue.show_case(older)
    win.queue.search.setText("older")          # a search the new case does not match
    win.queue.apply_filter()
    win.open_new_case()
    dlg = win.dialog
    dlg.title.setText("新的来电")
    dlg.address.setText("九堡大道100号")
    dlg.submit()
    loop.wait(lambda: win.selection.case_id not in ("", older) and not win.selection.case_id.startswith("…"),
              what="the new case selected")
    new = win.selection.case_id
    assert win.room.state["cases"][new]["title"] == "新的来电"
    assert win.queue.search.text() == "" and win.queue.model.row_of(new) >= 0
    assert win.panels["detail"].case_id == new and win.queue.view.hasFocus() or not win.isActiveWindow()
    close_window(win, loop)


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_the_banner_says_connecting_while_the_first_connection_is_made_over_the_cache(qtbot, tmp_path, lang):
    """Joining a running server, the cockpit shows its cache at once: the banner said
    "OFFLINE since --:--" (自 --:-- 起离线) until the link was up."""
    from app import i18n
    from widgets.offline import OfflineBanner
    i18n.install(lang)
    try:
        link = LinkService("ws://127.0.0.1:1/ws", "op", "op-password", cache_path=tmp_path / "c.db")  # never started
        room = RoomState()
        room.reset(street_state(), age=120.0)               # what the cache held, 2 minutes old
        banner = OfflineBanner(link, room)
        qtbot.addWidget(banner)
        assert link.status.state == "connecting" and link.status.offline_since is None
        assert not banner.isHidden()
        text = banner.text()
        assert "--:--" not in text and ("正在连接" in text if lang == "zh_CN" else "CONNECTING" in text), text
    finally:
        i18n.install("en")
