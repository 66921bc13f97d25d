"""Escalation ladders per category, as data: each step's owner and deadline (decide + apply,
no server), the data's checks, and the command through the real server."""
from __future__ import annotations

import pytest

from models.commands import CommandError, allowed_case_commands
from models.ladders import LADDERS, ladder_of, load_ladders, next_step, step_due
from models.timeutil import epoch

from .conftest import RawClient, ws_url
from .test_domain import OP, World, report


def test_the_dispute_ladder_is_kept():
    assert [s.to for s in LADDERS["dispute"].steps] == ["community", "peacemaker", "justice", "legal_aid", "court"]
    assert [s.name_zh for s in LADDERS["dispute"].steps] == ["社区调委会", "和事佬工作室", "司法所", "法律援助", "法院"]


def test_city_management_goes_up_its_own_ladder_each_step_with_its_deadline():
    w = World()
    cid = report(w, category="city_management", title="占道经营")
    case = w.state["cases"][cid]
    assert ladder_of(case).key == "city_management" and "case.escalate" in allowed_case_commands(case)
    owners = []
    for level, step in enumerate(LADDERS["city_management"].steps):
        w.run(OP, "case.escalate", {"case_id": cid})
        ev = w.log[-1]
        assert ev["data"]["level"] == level and ev["data"]["ladder"] == "city_management"
        assert case["department"] == step.to and case["status"] == "transferred" and case["escalation"] == level
        assert step_due(case) == epoch(ev["at"]) + step.hours * 3600
        owners.append(case["department"])
    assert owners == ["grid_worker", "co_governance", "citymgmt"]
    assert "case.escalate" not in allowed_case_commands(case) and next_step(case) is None
    with pytest.raises(CommandError) as e:
        w.run(OP, "case.escalate", {"case_id": cid})
    assert e.value.code == "conflict" and "top" in e.value.message


def test_two_rounds_and_categories_without_a_ladder():
    w = World()
    cid = report(w, category="market", title="无证经营")
    w.run(OP, "case.escalate", {"case_id": cid})
    case = w.state["cases"][cid]
    assert case["ladder"] == "two_rounds" and case["department"] == "quick_handling"
    # a case that changes category keeps the ladder it is on
    w.run(OP, "case.amend", {"case_id": cid, "category": "fire"})
    w.run(OP, "case.escalate", {"case_id": cid})
    assert case["department"] == "street_office" and case["escalation"] == 1
    fire = report(w, category="fire", title="楼道堆物")
    assert "case.escalate" not in allowed_case_commands(w.state["cases"][fire])
    with pytest.raises(CommandError) as e:
        w.run(OP, "case.escalate", {"case_id": fire})
    assert e.value.code == "conflict" and "no escalation ladder" in e.value.message


@pytest.mark.parametrize("text,message", [
    ('[ladders.dispute]\ncategories=["dispute"]\nsteps=[{to="community",name="c",hours=1}]\n', "dispute ladder"),
    ('[ladders.a]\ncategories=["fire"]\nsteps=[{to="x",name="x",hours=1}]\n'
     '[ladders.b]\ncategories=["fire"]\nsteps=[{to="y",name="y",hours=1}]\n', "two ladders"),
    ('[ladders.a]\ncategories=["fire"]\nsteps=[{to="x",name="x",hours=0}]\n', "deadline"),
    ('[ladders.a]\ncategories=["no_such"]\nsteps=[{to="x",name="x",hours=1}]\n', "unknown category"),
])
def test_bad_ladder_data_is_refused_with_a_reason(tmp_path, text, message):
    p = tmp_path / "ladders.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as e:
        load_ladders(p)
    assert message in str(e.value)


async def test_escalation_through_the_server_stamps_the_step_and_its_deadline(server):
    op = await RawClient.connect(ws_url(server), "op")
    await op.recv()
    ack, seen = await op.command("case.report", {"title": "店外堆物", "category": "city_management", "source": "grid",
                                                 "priority": 3, "location": {"address": "九堡大道88号"}})
    cid = next(e for e in seen if e["name"] == "case.reported")["data"]["case_id"]
    ack, seen = await op.command("case.escalate", {"case_id": cid})
    assert ack["type"] == "ack"
    assert seen[-1]["data"] == {"case_id": cid, "level": 0, "to": "grid_worker", "ladder": "city_management",
                                     "hours": 24.0}
    case = server.hub.state["cases"][cid]
    assert case["department"] == "grid_worker" and case["escalation_due"]
    ack, _ = await op.command("case.escalate", {"case_id": "C999999"})
    assert ack["type"] == "error" and ack["code"] == "not_found"
    await op.close()
