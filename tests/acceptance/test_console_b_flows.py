"""Issue 12 items 12 and 18 through the real windows: an alert acknowledged in one cockpit
clears on the wall (and the server has it); clicking a KPI tile filters the queue."""
from __future__ import annotations

from .conftest import wait_until

QUIET = ("--demo-hours", "0", "--no-simulate")


def _report(p, title, priority=3):
    ans = p.command("case.report", {"title": title, "category": "fire", "source": "119", "priority": priority,
                                    "location": {"address": "九和路120号"}})
    assert ans["type"] == "ack", ans
    return p.wait_event(lambda e: e["name"] == "case.reported" and e["data"]["title"] == title,
                        what=f"{title} reported")["data"]["case_id"]


def test_an_alert_acknowledged_in_the_cockpit_clears_on_the_wall(launch, embedded, probe, home, shots):
    cockpit = launch(*QUIET)
    info = embedded(home)
    wall = launch("--wall", *QUIET, "--rotate", "600")
    p = probe(info["url"], token=info["tokens"]["demo"])
    cid = _report(p, "gas leak in the stairwell", priority=1)
    cockpit.wait_widget("AlertText", lambda w: cid in w["text"])
    wall.wait_widget("AlertText", lambda w: cid in w["text"])
    wall.screenshot(shots / "wall_p1_alert_en.png")
    cockpit.focus()                                 # the full-screen wall came up over it
    cockpit.wait_widget("AlertAck")
    cockpit.click("AlertAck")                       # a person clicks Acknowledge
    ev = p.wait_event(lambda e: e["name"] == "alert.acknowledged" and e["data"]["case_id"] == cid,
                      what="the acknowledgement on the server")
    assert ev["data"]["kind"] == "p1" and ev["actor"] == "demo"
    wall.wait_gone("AlertText", timeout=15)         # the wall's alert (and its count) cleared
    cockpit.wait_gone("AlertText", timeout=15)
    wall.focus()
    wall.screenshot(shots / "wall_after_ack_en.png")


def test_clicking_a_kpi_tile_filters_the_queue_to_its_cases(launch, embedded, probe, home, shots):
    cockpit = launch(*QUIET)
    info = embedded(home)
    p = probe(info["url"], token=info["tokens"]["demo"])
    ids = [_report(p, f"case {i}") for i in range(3)]
    # one of them is finished: transferred and closed by the department
    assert p.command("case.transfer", {"case_id": ids[0], "to": "police"})["type"] == "ack"
    assert p.command("case.close", {"case_id": ids[0], "resolution": "done"})["type"] == "ack"
    cockpit.wait_widget("QueueCount", lambda w: w["text"].startswith("3 "))
    cockpit.wait_widget("kpi-open", timeout=30)
    cockpit.click("kpi-open")
    cockpit.wait_widget("QueueCount", lambda w: w["text"].startswith("2 "))
    chip = cockpit.wait_widget("DrillChip", lambda w: "2" in w["text"])
    assert "Open" in chip["text"]
    cockpit.screenshot(shots / "kpi_open_drill_en.png")
    cockpit.click("DrillChip")                      # the chip shows every case again
    cockpit.wait_widget("QueueCount", lambda w: w["text"].startswith("3 "))
    wait_until(lambda: cockpit.widget("DrillChip") is None, 10, "the chip to go")
