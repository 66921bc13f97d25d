"""An operator at the real window: a phone call becomes a case, D and Enter dispatch it, a
too-long field keeps the form open, a double-click on a squad tile dispatches to that squad.
Outcomes are checked on the server, through the test's own protocol client."""
from __future__ import annotations

import re
import time

from .conftest import wait_until

QUIET = ("--demo-hours", "0", "--no-simulate")


def report(probe, title, **kw):
    args = {"title": title, "category": "dispute", "source": "110", "priority": 3,
            "location": {"address": "九堡大道88号"}} | kw
    ack = probe.command("case.report", args)
    assert ack["type"] == "ack", ack
    return probe.wait_event(lambda e: e["name"] == "case.reported" and e["data"]["title"] == title)["data"]["case_id"]


def click_first_row(cockpit):
    cockpit.wait_widget("QueueCount", lambda w: re.fullmatch(r"\D*1\D*", w["text"]) is not None)   # "1 cases", "共 1 件"
    q = cockpit.wait_widget("CaseQueue")
    cockpit.display.click(q["x"] + q["w"] // 2, q["y"] + 40)


def fill_new_case(cockpit, title, address, phone=None):
    cockpit.key("ctrl+n")
    cockpit.wait_widget("NewCaseDialog")
    wait_until(lambda: cockpit.snapshot()["focus"] == "NewCase.title", 10, "the title field to have the keys")
    cockpit.type(title)
    cockpit.wait_widget("NewCase.title", lambda w: w["text"] == title)
    cockpit.type_into("NewCase.address", address)
    if phone is not None:
        cockpit.type_into("NewCase.phone", phone)


def test_new_case_then_d_enter_dispatches_the_new_case(launch, embedded, probe, home, shots):
    cockpit = launch(*QUIET)
    cockpit.focus()
    # at start the queue has the keys (D acts, it does not type "d" into the search box)
    wait_until(lambda: cockpit.snapshot()["focus"] == "CaseQueue", 10, "the queue to have the focus")
    info = embedded(home)
    p = probe(info["url"], token=info["tokens"]["demo"])
    older = report(p, "older case on screen")
    # the operator is looking at the older case
    click_first_row(cockpit)
    cockpit.wait_widget("CaseDetail.header", lambda w: older in w["text"])
    # a phone call: Ctrl+N, type, Enter
    fill_new_case(cockpit, "phone call: noise", "九堡大道100号")
    cockpit.key("Return")
    new = p.wait_event(lambda e: e["name"] == "case.reported" and e["data"]["title"] == "phone call: noise",
                       what="the reported case on the server")["data"]["case_id"]
    cockpit.wait_gone("NewCaseDialog")
    cockpit.wait_widget("CaseDetail.header", lambda w: new in w["text"])
    # D, then Enter: the new case goes to the recommended squad
    cockpit.key("d")
    dlg = cockpit.wait_widget("DispatchDialog")
    assert new in dlg["title"], dlg
    cockpit.screenshot(shots / "dispatch_new_case_en.png")
    cockpit.key("Return")
    ev = p.wait_event(lambda e: e["name"] == "case.dispatched", what="a dispatch on the server")
    assert ev["data"]["case_id"] == new, f"dispatched {ev['data']['case_id']}, not the new case {new}"
    time.sleep(0.5)
    assert [e["data"]["case_id"] for e in p.named("case.dispatched")] == [new]


def test_too_long_phone_keeps_the_dialog_open_and_creates_nothing(launch, embedded, probe, home, shots):
    cockpit = launch(*QUIET)
    info = embedded(home)
    p = probe(info["url"], token=info["tokens"]["demo"])
    too_long = "13812345678 / 0571-86001234 ext 123 / 0571-86001235 ext 4567 / 0571-86001236 ext 89"
    fill_new_case(cockpit, "caller with many numbers", "九堡大道1号", phone=too_long)
    cockpit.key("Return")
    phone = cockpit.wait_widget("NewCase.phone", lambda w: w.get("invalid"))
    assert phone["text"] == too_long                     # nothing typed is lost
    assert cockpit.widget("NewCaseDialog") is not None
    err = cockpit.widget("NewCase.error")
    assert err and "phone" in err["text"].lower(), err
    cockpit.screenshot(shots / "new_case_phone_too_long_en.png")
    time.sleep(1.0)
    assert p.named("case.reported") == []
    # a realistic phone field (two numbers and an extension) is taken as it is
    cockpit.type_into("NewCase.phone", "13812345678 / 0571-86001234 ext 123")
    cockpit.key("Return")
    ev = p.wait_event(lambda e: e["name"] == "case.reported", what="the case on the server")
    assert ev["data"]["reporter"]["phone"] == "13812345678 / 0571-86001234 ext 123"
    cockpit.wait_gone("NewCaseDialog")


def test_double_click_on_a_tile_dispatches_to_that_squad(launch, embedded, probe, home, shots):
    cockpit = launch(*QUIET, lang="zh_CN")            # the same in Chinese: nothing here depends on words
    info = embedded(home)
    p = probe(info["url"], token=info["tokens"]["demo"])
    cid = report(p, "for the squad I double-click")
    click_first_row(cockpit)
    cockpit.wait_widget("CaseDetail.header", lambda w: cid in w["text"])
    time.sleep(1.0)
    shown = cockpit.widgets()
    full = {n[len("tile-"):] for n, w in shown.items() if n.startswith("tile-") and w["visible"][2:] == [w["w"], w["h"]]}
    target = next(t for t in ("W04", "W05", "W03") if t in full)   # not W01, which dispatch recommends anyway
    cockpit.double_click(f"tile-{target}")
    dlg = cockpit.wait_widget("DispatchDialog")
    cockpit.screenshot(shots / "dispatch_from_tile_zh_CN.png")
    cockpit.key("Return")
    ev = p.wait_event(lambda e: e["name"] == "case.dispatched", what="a dispatch on the server")
    assert (ev["data"]["case_id"], ev["data"]["team_id"]) == (cid, target), (
        dlg, shown[f"tile-{target}"], cockpit.display.xdotool("getmouselocation"))
