"""The room as a whole, through the real windows: two cockpits on one data folder share one
embedded server and one mode; a report taken while the server is down reaches it once with
the time of the call; a cockpit started again from its cache still rings for a deadline."""
from __future__ import annotations

import time

from models.timeutil import epoch, iso

from .conftest import wait_until

QUIET = ("--demo-hours", "0", "--no-simulate")


def test_a_second_xiaonao_joins_the_first_ones_server_and_both_show_wartime(launch, embedded, probe, home, shots):
    first = launch(*QUIET)
    info = embedded(home)
    second = launch(*QUIET)
    assert "joining the embedded server" in second.log()
    assert "server listening" not in second.log()            # it did not start a server of its own
    second.place(700, 250, 1200, 800)
    p = probe(info["url"], token=info["tokens"]["demo"])
    first.key("ctrl+l")
    first.wait_widget("CommandLine", lambda w: True)
    first.type("war")
    first.key("Return")
    p.wait_event(lambda e: e["name"] == "mode.changed" and e["data"]["mode"] == "wartime", what="wartime")
    for c in (first, second):
        c.wait_widget("ModeLabel", lambda w: "Wartime" in w["text"])
    first.wait_widget("CommandResult", lambda w: "acknowledged" in w["text"])
    first.screenshot(shots / "two_cockpits_wartime_en.png")
    # the wall joins the same server too and shows the same mode
    wall = launch("--wall", *QUIET)
    wall.wait_widget("ModeLabel", lambda w: "Wartime" in w["text"] or "战时" in w["text"])
    assert "joining the embedded server" in wall.log()
    seqs = [e["seq"] for e in p.events]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))    # one writer: no gap, no repeat
    # the first one quits, and its server with it: the others say loudly that they are not live
    assert first.quit() == 0
    wall.wait_widget("OfflineBanner", timeout=30)
    second.wait_widget("OfflineBanner", timeout=30)
    wall.screenshot(shots / "wall_offline_en.png")


def test_a_case_reported_while_the_server_is_down_arrives_once_with_its_call_time(launch, server_process, probe,
                                                                                   shots):
    srv = server_process()
    cockpit = launch("--server", srv.url, "--user", "op", "--password-stdin", stdin="op-password\n")
    cockpit.wait_widget("tile-W01")
    srv.kill9()
    cockpit.wait_widget("OfflineBanner", timeout=20)
    called = time.time()
    cockpit.key("ctrl+n")
    cockpit.wait_widget("NewCaseDialog")
    wait_until(lambda: cockpit.snapshot()["focus"] == "NewCase.title", 10, "the title field to have the keys")
    cockpit.type("reported offline")
    cockpit.wait_widget("NewCase.title", lambda w: w["text"] == "reported offline")
    cockpit.type_into("NewCase.address", "Jiubao Avenue 88")
    cockpit.key("Return")
    cockpit.wait_gone("NewCaseDialog")
    # at once in the queue, marked as waiting to be sent
    cockpit.wait_widget("QueueCount", lambda w: w["text"].startswith("1 "))
    cockpit.wait_widget("PendingLabel", lambda w: "waiting" in w["text"])
    cockpit.screenshot(shots / "offline_report_pending_en.png")
    time.sleep(3)
    srv.start()
    p = probe(srv.url, user="lead", password="lead-password")
    ev = p.wait_event(lambda e: e["name"] == "case.reported", timeout=30, what="the offline report on the server")
    assert ev["data"]["title"] == "reported offline"
    t_call = epoch(ev["data"]["called_at"])
    assert called - 1 <= t_call <= called + 10, (iso(called), ev["data"]["called_at"])
    assert epoch(ev["at"]) >= t_call + 3                  # received after the server came back
    cockpit.wait_gone("OfflineBanner", timeout=20)
    time.sleep(2)
    assert len(p.named("case.reported")) == 1             # once, however often it was resent
    wait_until(lambda: "waiting" not in (cockpit.widget("PendingLabel") or {}).get("text", ""), 20,
               "the outbox to empty")


def test_a_warm_start_from_the_cache_rings_for_a_deadline(launch, server_process, probe, home):
    srv = server_process()
    args = ("--server", srv.url, "--user", "op", "--password-stdin")
    first = launch(*args, stdin="op-password\n")
    first.wait_widget("tile-W01")
    p = probe(srv.url, user="lead", password="lead-password")
    # a call taken 30 s ago: its 1-minute dispatch deadline comes after the cockpit restarts
    ack = p.command("case.report", {"title": "due in 30 s", "category": "dispute", "source": "110", "priority": 3,
                                    "location": {"address": "九堡大道88号"}, "called_at": iso(time.time() - 30)})
    assert ack["type"] == "ack", ack
    first.wait_widget("QueueCount", lambda w: w["text"].startswith("1 "))
    time.sleep(1.0)                                      # the cache is written every 0.3 s
    assert first.quit() == 0
    second = launch(*args, stdin="op-password\n")        # same home: starts from the cache, resumes
    second.wait_widget("QueueCount", lambda w: w["text"].startswith("1 "))
    banner = second.wait_widget("AlertText", lambda w: "Deadline missed" in w["text"], timeout=60)
    assert "due in 30 s" in banner["text"]
