"""Reports (issue 18): golden figures from a hand-built history, the dashboard's numbers for the
same period, the PDF's text and fonts, the workbook read back, the CLI on a real database
written through the real server, and the daily schedule."""
from __future__ import annotations

import asyncio
import subprocess
from datetime import date, datetime
from pathlib import Path

import pytest

from models import kpi
from models.commands import Actor
from models.reports import KINDS, ReportError, Text, build_report, load_definition, period_bounds
from models.timeutil import epoch

from .helpers import server_cli
from .test_domain import World

ROOT = Path(__file__).resolve().parent.parent
DAY = date(2026, 11, 23)
D0 = datetime(2026, 11, 23).timestamp()          # local midnight: reports count local days
M = 60.0
OP, LEAD, INTAKE = Actor("op", "operator"), Actor("lead", "leader"), Actor("intake", "intake")
BUSINESS = "某培训学校"

# (seconds from midnight of DAY, actor, command, args); case ids follow the order of reports
HISTORY = [
    # the day before: one case, closed that day (in the previous period's figures only)
    (-14 * 3600, OP, "case.report", {"title": "旧案", "category": "traffic", "source": "110", "priority": 3,
                                     "location": {"address": "杭海路10号"}}),
    (-14 * 3600 + 30, OP, "case.dispatch", {"case_id": "C000001", "team_id": "E01"}),
    (-14 * 3600 + 130, OP, "case.transfer", {"case_id": "C000001", "to": "traffic"}),
    (-14 * 3600 + 230, OP, "case.close", {"case_id": "C000001", "resolution": "ok"}),
    # A 08:00: dispatched in 30 s, on scene at 5 min, closed on scene, rated 5 (W01)
    (8 * 3600, OP, "case.report", {"title": "A 邻里纠纷", "category": "dispute", "source": "110", "priority": 2,
                                   "location": {"address": "九和路1号"}}),
    (8 * 3600 + 30, OP, "case.dispatch", {"case_id": "C000002", "team_id": "W01"}),
    (8 * 3600 + 60, OP, "case.sign", {"case_id": "C000002"}),
    (8 * 3600 + 5 * M, OP, "case.arrive", {"case_id": "C000002"}),
    (8 * 3600 + 9 * M, OP, "case.close", {"case_id": "C000002", "resolution": "done"}),
    (8 * 3600 + 10 * M, OP, "case.rate", {"case_id": "C000002", "rating": 5}),
    # B 08:10: dispatched after 2 min (late), on scene after 15 min, transferred, closed, rated 2 (W02)
    (8 * 3600 + 10 * M, OP, "case.report", {"title": "B 预付卡退费", "category": "market", "source": "12345",
                                            "priority": 3, "location": {"address": "九和路2号"}, "business": BUSINESS}),
    (8 * 3600 + 12 * M, OP, "case.dispatch", {"case_id": "C000003", "team_id": "W02"}),
    (8 * 3600 + 13 * M, OP, "case.sign", {"case_id": "C000003"}),
    (8 * 3600 + 25 * M, OP, "case.arrive", {"case_id": "C000003"}),
    (8 * 3600 + 26 * M, OP, "case.transfer", {"case_id": "C000003", "to": "market"}),
    (8 * 3600 + 30 * M, OP, "case.close", {"case_id": "C000003", "resolution": "refunded"}),
    (8 * 3600 + 31 * M, OP, "case.rate", {"case_id": "C000003", "rating": 2}),
    # C 08:20: dispatched in 40 s, never contacted that day: overdue at midnight
    (8 * 3600 + 20 * M, OP, "case.report", {"title": "C 预付卡退费", "category": "market", "source": "12345",
                                            "priority": 3, "location": {"address": "九和路3号"}, "business": BUSINESS}),
    (8 * 3600 + 20 * M + 40, OP, "case.dispatch", {"case_id": "C000004", "team_id": "W03"}),
    # D 08:30: urgent, still new at midnight: overdue, notable
    (8 * 3600 + 30 * M, OP, "case.report", {"title": "D 预付卡退费", "category": "market", "source": "12345",
                                            "priority": 1, "location": {"address": "九和路4号"}, "business": BUSINESS,
                                            "reporter": {"name": "张三丰", "phone": "13812345678"}}),
    (9 * 3600, LEAD, "shift.handover", {"note": "交班：C、D 待处理", "to": "李队"}),
    # the next day, C is closed: the daily report of DAY still shows it open at midnight
    (24 * 3600 + 3500, OP, "case.sign", {"case_id": "C000004"}),
    (24 * 3600 + 3600, OP, "case.contact", {"case_id": "C000004"}),
    (24 * 3600 + 3650, OP, "case.feedback", {"case_id": "C000004", "note": "已退费"}),
    (24 * 3600 + 3700, OP, "case.close", {"case_id": "C000004", "resolution": "ok"}),
]


def world_until(t_end: float) -> World:
    w = World()
    for dt, actor, name, args in HISTORY:
        t = D0 + dt
        if t > t_end:
            break
        w.now = t
        w.run(actor, name, args, advance=0)
    return w


def summary(report) -> dict:
    from models.reports import _SUMMARY_FIGURES
    t = report.table("summary")
    return {k[0]: row[1]["v"] for k, row in zip(_SUMMARY_FIGURES, t.rows)}


def test_the_daily_report_shows_the_dashboards_numbers_for_the_same_day():
    now = D0 + 8 * 3600 + 40 * M                   # the dashboard's now, during the day
    w = world_until(now)
    report = build_report("daily", w.state, DAY, "en", now=now, generated=now)
    dash = kpi.kpis(w.state, now)
    got = summary(report)
    dash.pop("arrival_target_min")          # the profile's limit, said in the figure's caption
    for k, v in dash.items():
        assert got[k] == v, k
    assert got["today"] == 4 and got["open"] == 2 and got["overdue"] == 2


def test_golden_figures_of_the_day_at_midnight():
    end = epoch(period_bounds("day", DAY)[1])
    w = world_until(end - 1)
    r = build_report("daily", w.state, DAY, "en", now=end, generated=end + 3600,
                     handovers=[e for e in w.log if e["name"] == "shift.handover"])
    s = summary(r)
    assert s["today"] == 4 and s["closed_today"] == 2
    assert s["closure_rate"] == pytest.approx(2 / 4)
    assert s["dispatch_in_sla"] == pytest.approx(2 / 3)       # A 30 s and C 40 s of A, B, C
    assert s["arrival_8min"] == pytest.approx(1 / 2)          # A of A, B
    assert s["on_scene_closure"] == pytest.approx(1 / 2)
    assert s["satisfaction"] == pytest.approx(1 / 2)
    assert s["open"] == 2 and s["overdue"] == 2               # C and D at midnight
    src = {row[0]: row[1] for row in r.table("by_source").rows}
    assert src == {"12345 hotline": 3, "110 diverted": 1}
    cat = {row[0]: row[1] for row in r.table("by_category").rows}
    assert cat == {"Market supervision": 3, "Dispute": 1}
    stages = {row[0]: row[2:7] for row in r.table("stages").rows}   # met, late, overdue, pending, skipped
    assert stages["Dispatch"] == [2, 1, 1, 0, 0]              # D never dispatched
    assert stages["Contacting the party"] == [0, 2, 2, 0, 0]  # A and B contacted late (implied by arrival)
    assert stages["Arrival on scene"] == [1, 1, 2, 0, 0]
    overdue = r.table("overdue").column("title")
    assert overdue == ["C 预付卡退费", "D 预付卡退费"]
    notable = r.table("notable")
    assert notable.column("title") == ["D 预付卡退费"] and "P1" in notable.column("reason")[0]
    hand = r.table("handovers")
    assert hand.rows[0][1] == "lead" and hand.rows[0][2] == "李队" and hand.rows[0][4] == "交班：C、D 待处理"
    assert hand.rows[0][3] == 2                               # C and D open at the handover


def test_weekly_report_compares_with_the_previous_week_and_ranks_squads():
    end = epoch(period_bounds("week", DAY)[1])
    w = world_until(end)
    r = build_report("weekly", w.state, DAY, "en", now=end, generated=end)
    s = r.table("summary")
    reported = s.rows[0]
    assert reported[1]["v"] == 4                              # the week of Monday 23 Nov
    assert reported[2]["v"] == 1 and reported[3]["v"] == 3    # the previous week: Sunday's case; change +3
    rank = r.table("rank_squads")
    assert rank.rows[0][1] == world_until(0).state["teams"]["W01"]["call_sign"] and rank.rows[0][7] == 100.0
    warnings = r.table("warnings")
    assert warnings.rows[0][0] == BUSINESS and warnings.rows[0][2] == 3 and warnings.rows[0][5] == 2   # C closed later
    trend = {row[0]: row[1:] for row in r.table("trend").rows}
    assert len(trend) == 7 and trend["2026-11-23"] == [4, 2] and trend["2026-11-24"] == [0, 1]
    dep = {row[1]: row[2:4] for row in r.table("rank_department").rows}
    assert dep == {"Market supervision office": [1, 1]}


def test_bulletin_names_the_bottom_squads_with_their_overdue_cases():
    end = epoch(period_bounds("day", DAY)[1]) - 1
    w = world_until(end)
    r = build_report("bulletin", w.state, DAY, "en", now=end, generated=end)
    bottom = r.table("bottom")
    assert len(bottom.rows) == 3
    overdue = r.table("bottom_overdue")
    assert overdue.column("title") == ["C 预付卡退费"]        # W03's; D has no squad
    assert r.table("rank_squads").highlight == [15, 16, 17]


def test_every_report_string_has_its_chinese():
    end = epoch(period_bounds("month", DAY)[1])
    w = world_until(end)
    import tempfile

    from reporting.casesheet import write_case_sheet
    for kind in KINDS:
        r = build_report(kind, w.state, DAY, "zh_CN", now=end, generated=end,
                         handovers=[e for e in w.log if e["name"] == "shift.handover"])
        assert r.title in ("日报", "周报", "月报", "通报")
    t = Text("zh_CN")
    import models.reports as R
    for s in ["Summary", *[x[1] for x in R._SUMMARY_FIGURES], *R._BREAKDOWN_TITLES.values(), *R._STAGE_NAMES.values(),
              *R._GROUP_TITLES.values(), *R._GROUP_LABEL.values()]:
        t(s)
    with tempfile.TemporaryDirectory() as d:
        write_case_sheet(w.state["cases"]["C000002"], w.state, Path(d) / "c.pdf", "zh_CN", now=end)
    # the strings each build asked for
    import re
    src = (ROOT / "models" / "reports.py").read_text(encoding="utf-8") + \
        (ROOT / "reporting" / "casesheet.py").read_text(encoding="utf-8")
    asked = set(re.findall(r'\bt\("((?:[^"\\]|\\.)*)"', src))
    from reporting.casesheet import EVENT_LABELS, STATE_LABELS
    asked |= set(EVENT_LABELS.values()) | set(STATE_LABELS.values())
    for s in asked:
        t(s)
    assert not t.untranslated, sorted(t.untranslated)


def test_unknown_kind_or_date_is_a_clear_error():
    from models.reports import parse_date
    with pytest.raises(ReportError, match="unknown report"):
        build_report("yearly", {"cases": {}, "teams": {}}, DAY)
    with pytest.raises(ReportError, match="YYYY-MM-DD"):
        parse_date("23/11/2026")


# ---- the files ---------------------------------------------------------------------------

def pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def midnight_report(lang, kind="daily"):
    end = epoch(period_bounds("day", DAY)[1])
    w = world_until(end - 1)
    return build_report(kind, w.state, DAY, lang, now=end, generated=end + 3600,
                        handovers=[e for e in w.log if e["name"] == "shift.handover"])


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_pdf_has_the_headings_and_figures_in_an_embedded_cjk_font(tmp_path, lang):
    from reporting.pdf import write_pdf
    path = write_pdf(midnight_report(lang), tmp_path / "daily.pdf")
    text = pdftotext(path)
    if lang == "zh_CN":
        for s in ("日报", "主要指标", "受理数", "事件来源分布", "各环节时限达标情况", "期末超期事件", "交接班记录",
                  "九堡街道", "第 1 页", "个人信息已脱敏", "交班：C、D 待处理"):
            assert s in text, s
    else:
        for s in ("Daily report", "Summary", "Cases reported", "SLA compliance per stage", "Page 1 of"):
            assert s in text, s
    assert "50.0%" in text and "66.7%" in text                  # closure, dispatch within the SLA
    assert "张**" in text and "138***" in text and "张三丰" not in text and "13812345678" not in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert any("WenQuanYi" in line for line in rows)
    assert rows and all(line.split()[-5] == "yes" for line in rows), fonts   # every font embedded
    pages = subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")],
                           capture_output=True)
    assert pages.returncode == 0 and list(tmp_path.glob("p*.png"))


def test_xlsx_read_back_has_numbers_dates_frozen_headers_and_charts(tmp_path):
    import openpyxl

    from reporting.xlsx import write_xlsx
    path = write_xlsx(midnight_report("zh_CN"), tmp_path / "daily.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "概览" and "主要指标" in wb.sheetnames and "事件来源分布" in wb.sheetnames
    ws = wb["主要指标"]
    assert ws.freeze_panes == "A2"
    rows = {r[0]: r[1] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["受理数"] == 4 and isinstance(rows["受理数"], int)
    assert rows["办结率（按受理事件）"] == pytest.approx(0.5)
    assert ws.cell(row=4, column=2).number_format == "0.0%"
    od = wb["期末超期事件"]
    assert od.freeze_panes == "B2"
    reported = od.cell(row=2, column=2).value
    assert isinstance(reported, datetime) and reported == datetime.fromtimestamp(D0 + 8 * 3600 + 20 * M)
    assert len(wb["事件来源分布"]._charts) == 1 and len(wb["事件类别分布"]._charts) == 1


def test_case_sheet_is_one_case_on_a4_with_its_timeline(tmp_path):
    from reporting.casesheet import write_case_sheet
    end = epoch(period_bounds("day", DAY)[1]) + 86400
    w = world_until(end)
    case = w.state["cases"]["C000004"]
    case["reporter"] = {"name": "张三丰", "phone": "13812345678"}
    path = write_case_sheet(case, w.state, tmp_path / "case.pdf", "zh_CN", now=end)
    text = pdftotext(path)
    for s in ("事件处置单", "C 预付卡退费", "时限环节", "处置经过", "已派单", "已签收", "办结", "现场证据", "张**",
              "138****5678", "已退费"):
        assert s in text, s
    assert "张三丰" not in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "595.276 x 841.89 pts (A4)" in info


# ---- the server: replayed from the log, the CLI, the schedule ----------------------------

class Clock:
    def __init__(self, t):
        self.t = t

    def __call__(self):
        return self.t


async def play_history_through_the_server(url) -> None:
    """Every command of HISTORY through the real server on a loopback port, stamped at its time."""
    from server.app import XiaonaoServer

    from .conftest import RawClient
    clock = Clock(D0 - 20 * 3600)
    srv = XiaonaoServer(url, "127.0.0.1", 0, clock=clock)
    await srv.start()
    try:
        clients = {}
        for dt, actor, name, args in HISTORY:
            if actor.name not in clients:
                clients[actor.name] = await RawClient.connect(f"ws://127.0.0.1:{srv.port}/ws", actor.name)
            clock.t = D0 + dt
            ans, _ = await clients[actor.name].command(name, args)
            assert ans["type"] == "ack", ans
        for c in clients.values():
            await c.close()
    finally:
        await srv.stop()


def play_history(url: str) -> None:
    asyncio.run(play_history_through_the_server(url))


@pytest.fixture
def history_db(tmp_path):
    """The test's own copy of the history played once a session (tests/conftest.py: template_db)."""
    from .conftest import template_db
    return template_db(tmp_path, "reports-history", play_history)


def cli(*args):
    return server_cli(*args)


@pytest.mark.slow
def test_report_cli_writes_the_day_as_it_stood_at_midnight(history_db, tmp_path):
    out = tmp_path / "out"
    r = cli("report", "daily", "--date", "2026-11-23", "--format", "pdf,xlsx", "--out", str(out), "--db", history_db)
    assert r.returncode == 0, r.stderr
    pdf, xlsx = out / "xiaonao-daily-2026-11-23-zh_CN.pdf", out / "xiaonao-daily-2026-11-23-zh_CN.xlsx"
    assert r.stdout.split() == [str(pdf), str(xlsx)]
    import openpyxl
    ws = openpyxl.load_workbook(xlsx)["主要指标"]
    rows = {row[0]: row[1] for row in ws.iter_rows(min_row=2, values_only=True)}
    # C was closed the next day, yet at midnight it was open and overdue
    assert rows["受理数"] == 4 and rows["办结数"] == 2 and rows["期末未办结"] == 2 and rows["期末超期事件"] == 2
    text = pdftotext(pdf)
    assert "日报" in text and "交班：C、D 待处理" in text and "张**" in text and "张三丰" not in text
    r = cli("report", "weekly", "--date", "2026-11-23", "--format", "xlsx", "--out", str(out), "--db", history_db,
            "--lang", "en")
    assert r.returncode == 0, r.stderr
    ws = openpyxl.load_workbook(next(out.glob("xiaonao-weekly-*-en.xlsx")))["Summary"]
    assert ws.cell(row=2, column=1).value == "Cases reported" and ws.cell(row=2, column=2).value == 4
    # the export is audited
    from server.store import EventStore
    store = EventStore(history_db)
    audit = [a for a in store.audit_rows() if a["action"] == "report.export"]
    store.dispose()
    assert len(audit) == 2 and "daily 2026-11-23 pdf,xlsx zh_CN masked" in audit[-1]["detail"]


@pytest.mark.slow
def test_personal_data_only_for_a_leader_who_asks(history_db, tmp_path):
    r = cli("report", "daily", "--date", "2026-11-23", "--out", str(tmp_path), "--db", history_db, "--personal")
    assert r.returncode == 2 and "leader or admin" in r.stderr and not list(tmp_path.glob("*.pdf"))
    r = cli("report", "daily", "--date", "2026-11-23", "--out", str(tmp_path), "--db", history_db, "--personal",
            "--as-user", "op")
    assert r.returncode == 2 and not list(tmp_path.glob("*.pdf"))
    r = cli("report", "daily", "--date", "2026-11-23", "--out", str(tmp_path), "--db", history_db, "--personal",
            "--as-user", "lead")
    assert r.returncode == 0, r.stderr
    text = pdftotext(next(tmp_path.glob("*.pdf")))
    assert "张三丰" in text and "138***" not in text and "含个人信息" in text
    from server.store import EventStore
    store = EventStore(history_db)
    audit = [a for a in store.audit_rows() if a["action"] == "report.export"]
    store.dispose()
    assert audit[0]["user"] == "lead" and "personal data shown" in audit[0]["detail"]


@pytest.mark.slow
def test_report_cli_refuses_bad_input_clearly(history_db, tmp_path):
    r = cli("report", "daily", "--date", "yesterday", "--out", str(tmp_path), "--db", history_db)
    assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr
    r = cli("report", "daily", "--format", "docx", "--out", str(tmp_path), "--db", history_db)
    assert r.returncode == 2 and "unknown format" in r.stderr
    r = cli("report", "daily", "--db", f"sqlite:///{tmp_path}/none.db", "--out", str(tmp_path))
    assert r.returncode == 2 and "not initialised" in r.stderr


def test_a_past_periods_report_is_the_logs_without_replaying_it(history_db, monkeypatch):
    """Every report of a past period, built from the cases projection and the period's cases'
    own events (bounded by the period, not the history), is the report the whole log
    replayed to the period's end gives: C, closed the next day, still open and overdue at
    midnight. The log is not replayed (state_at is not called)."""
    from server import reports as R
    from server.store import EventStore
    store = EventStore(history_db)
    try:
        want = {}
        for kind in KINDS:
            d = load_definition(kind)
            hi = period_bounds(d["period"], DAY)[1]
            state, handovers = R.state_at(store, hi)
            want[kind] = build_report(kind, state, DAY, "zh_CN", handovers=handovers, generated=D0,
                                      now=epoch(hi)).to_dict()

        def no_replay(*_a, **_k):
            raise AssertionError("the whole log was replayed")
        monkeypatch.setattr(R, "state_at", no_replay)
        for kind in KINDS:
            d = load_definition(kind)
            hi = period_bounds(d["period"], DAY)[1]
            state, handovers = R.past_state(store, d, DAY, hi)
            got = build_report(kind, state, DAY, "zh_CN", handovers=handovers, generated=D0, now=epoch(hi)).to_dict()
            assert got == want[kind], kind
        s = summary(R.make_report(store, "daily", DAY, "zh_CN", now=D0 + 3 * 86400))
        assert s["today"] == 4 and s["closed_today"] == 2 and s["open"] == 2 and s["overdue"] == 2
    finally:
        store.dispose()


@pytest.mark.slow
def test_case_sheet_from_the_cli(history_db, tmp_path):
    """`xiaonao-server case-sheet ID`: the case on A4 from the database (masked unless a leader
    asks), audited; an unknown id is a clear error."""
    r = cli("case-sheet", "c000004", "--out", str(tmp_path), "--db", history_db)
    assert r.returncode == 0, r.stderr
    path = tmp_path / "xiaonao-case-C000004-zh_CN.pdf"
    assert r.stdout.strip() == str(path)
    text = pdftotext(path)
    for s in ("事件处置单", "C 预付卡退费", "时限环节", "处置经过", "已派单", "办结", "已退费"):
        assert s in text, s
    r = cli("case-sheet", "C000005", "--out", str(tmp_path), "--db", history_db)       # D: a reporter
    text = pdftotext(tmp_path / "xiaonao-case-C000005-zh_CN.pdf")
    assert "D 预付卡退费" in text and "张**" in text and "张三丰" not in text
    r = cli("case-sheet", "C000005", "--out", str(tmp_path / "d.pdf"), "--db", history_db, "--lang", "en",
            "--personal", "--as-user", "lead")
    assert r.returncode == 0, r.stderr
    text = pdftotext(tmp_path / "d.pdf")
    assert "Case sheet" in text and "张三丰" in text
    r = cli("case-sheet", "C000005", "--out", str(tmp_path), "--db", history_db, "--personal", "--as-user", "op")
    assert r.returncode == 2 and "leader or admin" in r.stderr
    r = cli("case-sheet", "C999999", "--out", str(tmp_path), "--db", history_db)
    assert r.returncode == 2 and "no case 'C999999'" in r.stderr
    from server.store import EventStore
    store = EventStore(history_db)
    audit = [a["detail"] for a in store.audit_rows() if a["action"] == "report.export"]
    store.dispose()
    assert any("case sheet C000004 zh_CN masked" in d for d in audit)
    assert any("case sheet C000005 en personal data shown" in d for d in audit)


async def test_the_schedule_writes_yesterdays_daily_report_once(history_db, tmp_path):
    from server.reports import DailySchedule
    clock = Clock(D0 + 24 * 3600 + 5 * 3600)          # 05:00 the next day: not yet
    sched = DailySchedule(history_db, tmp_path / "daily", "06:00", "zh_CN", clock=clock)
    assert not sched.due_now()
    clock.t += 3600 + 60                             # 06:01
    assert sched.due_now()
    paths = await sched.run_once()
    assert sorted(p.name for p in paths) == ["xiaonao-daily-2026-11-23-zh_CN.pdf", "xiaonao-daily-2026-11-23-zh_CN.xlsx"]
    assert not sched.due_now()                       # written: a restart does not write it again
    assert "受理数" in pdftotext(paths[0])
    await sched.stop()


def test_serve_refuses_a_bad_report_time(tmp_path):
    r = server_cli("serve", "--db", f"sqlite:///{tmp_path}/x.db", "--report-dir", str(tmp_path), "--report-at", "25:00",
                   "--port", "0", refused=True)
    assert r.returncode == 2 and "HH:MM" in r.stderr


# ---- queries over the wire ----------------------------------------------------------------

async def query(client, msg, timeout=30.0):
    import json
    import uuid
    qid = str(uuid.uuid4())
    await client.ws.send(json.dumps({"id": qid, **msg}))
    while True:
        m = await client.recv(timeout)
        if m.get("id") == qid:
            return m


async def test_a_cockpit_asks_the_server_for_reports_and_aggregates(history_db):
    from server.app import XiaonaoServer

    from .conftest import RawClient
    srv = XiaonaoServer(history_db, "127.0.0.1", 0, clock=Clock(D0 + 2 * 86400))
    await srv.start()
    try:
        url = f"ws://127.0.0.1:{srv.port}/ws"
        op = await RawClient.connect(url, "op")
        m = await query(op, {"type": "query.report", "kind": "daily", "date": "2026-11-23", "lang": "en"})
        assert m["type"] == "query.result" and m["query"] == "report", m
        from models.reports import Report
        r = Report.from_dict(m["data"])
        s = summary(r)
        assert s["today"] == 4 and s["closed_today"] == 2 and s["open"] == 2 and s["overdue"] == 2   # at midnight
        assert r.masked and r.table("notable").rows[0][-1].startswith("张*")
        # personal data: refused to an operator, given to a leader who asks; each answer audited
        m = await query(op, {"type": "query.report", "kind": "daily", "date": "2026-11-23", "personal": True})
        assert m["type"] == "error" and m["code"] == "forbidden"
        lead = await RawClient.connect(url, "lead")
        m = await query(lead, {"type": "query.report", "kind": "daily", "date": "2026-11-23", "personal": True})
        assert m["type"] == "query.result"
        assert Report.from_dict(m["data"]).table("notable").rows[0][-1] == "张三丰 13812345678"
        audit = [a for a in srv.store.audit_rows() if a["action"] == "report.export"]
        assert [a["user"] for a in audit] == ["lead", "op"] and "personal data shown" in audit[0]["detail"]
        # months with the same month a year before
        m = await query(op, {"type": "query.aggregates", "unit": "month", "count": 3, "until": "2026-11-23"})
        rows = m["data"]["rows"]
        assert [r["period"] for r in rows] == ["2026-09", "2026-10", "2026-11"]
        nov = rows[-1]
        assert nov["reported"] == 5 and nov["closed"] == 4 and nov["last_year"]["reported"] == 0
        assert nov["closure_rate"] == pytest.approx(4 / 5) and nov["last_year"]["closure_rate"] is None
        # the same figures as the dashboard's code gives for that month
        w = world_until(D0 + 3 * 86400)
        lo, hi = period_bounds("month", DAY)
        k = kpi.period_kpis(w.state, lo, hi, epoch(hi))
        assert (nov["reported"], nov["closed"], nov["satisfaction"]) == (k["today"], k["closed_today"], k["satisfaction"])
        m = await query(op, {"type": "query.aggregates", "unit": "year", "count": 2})
        assert [r["period"] for r in m["data"]["rows"]] == ["2025", "2026"] and m["data"]["rows"][1]["reported"] == 5
        # bad input and roles
        m = await query(op, {"type": "query.aggregates", "unit": "week"})
        assert m["type"] == "error" and m["code"] == "invalid" and "month or year" in m["message"]
        m = await query(op, {"type": "query.report", "kind": "daily", "date": "tomorrow"})
        assert m["type"] == "error" and m["code"] == "invalid" and "YYYY-MM-DD" in m["message"]
        wall = await RawClient.connect(url, "wall")
        m = await query(wall, {"type": "query.aggregates", "unit": "month"})
        assert m["type"] == "error" and m["code"] == "forbidden"
        for c in (op, lead, wall):
            await c.close()
    finally:
        await srv.stop()


async def test_one_kpi_code_path_the_archives_aggregates_are_the_dashboards(history_db):
    """The hand-built history through the server: the archive's aggregates (archive.stats by
    day and by category, query.aggregates by month), read from the cases projection's KPI
    columns, give the figures the dashboard's code (kpi.period_kpis) gives for the same
    cases and period."""
    from models import protocol
    from server.app import XiaonaoServer
    from server.reports import AGGREGATE_KEYS

    from .conftest import RawClient
    now = D0 + 3 * 86400
    w = world_until(now)                                   # the whole history, as the server holds it now
    srv = XiaonaoServer(history_db, "127.0.0.1", 0, clock=Clock(now))
    await srv.start()
    try:
        op = await RawClient.connect(f"ws://127.0.0.1:{srv.port}/ws", "op")
        tz = int(datetime.fromtimestamp(D0).astimezone().utcoffset().total_seconds() // 60)
        lo, hi = period_bounds("day", DAY)
        want = kpi.period_kpis(w.state, lo, hi, now)
        for k in ("open", "overdue"):                      # the state now, not the period's
            want.pop(k)
        assert want["today"] == 4 and want["closed_today"] == 2 and want["closure_rate"] == 3 / 4   # C: closed since

        async def ask(frame):
            await op.ws.send(frame)
            while True:
                m = await op.recv()
                if m.get("id") == "s":
                    return m
        m = await ask(protocol.archive_stats("s", lo, period_bounds("month", DAY)[1], by="day", tz_minutes=tz))
        day = next(r for r in m["rows"] if r["key"] == DAY.isoformat())
        assert day["kpi"] == want and day["reported"] == 4
        m = await ask(protocol.archive_stats("s", lo, hi, by="category"))
        for row in m["rows"]:
            only = {**w.state, "cases": {c: x for c, x in w.state["cases"].items() if x["category"] == row["key"]}}
            k = kpi.period_kpis(only, lo, hi, now)
            assert row["kpi"] == {x: v for x, v in k.items() if x not in ("open", "overdue")}, row["key"]
        m = await query(op, {"type": "query.aggregates", "unit": "month", "count": 1, "until": "2026-11-23"})
        nov = m["data"]["rows"][0]
        mlo, mhi = period_bounds("month", DAY)
        k = kpi.period_kpis(w.state, mlo, mhi, now)
        names = {"today": "reported", "closed_today": "closed"}
        assert {names.get(x, x): k[x] for x in AGGREGATE_KEYS} == {x: nov[x] for x in nov
                                                                 if x not in ("period", "from", "to", "last_year")}
        await op.close()
    finally:
        await srv.stop()


def test_serve_writes_yesterdays_daily_report_on_schedule(history_db, tmp_path):
    import time as _time

    from .helpers import ServerProcess
    out = tmp_path / "daily"
    srv = ServerProcess(history_db, extra=["--report-dir", str(out), "--report-at", "00:00", "--report-lang", "en"])
    srv.start()
    try:
        deadline = _time.monotonic() + 60
        while _time.monotonic() < deadline and len(list(out.glob("xiaonao-daily-*-en.*"))) < 2:
            _time.sleep(0.2)
        names = sorted(p.suffix for p in out.glob("xiaonao-daily-*-en.*"))
        assert names == [".pdf", ".xlsx"]                  # 00:00 has passed today: yesterday's is due at once
    finally:
        srv.stop()


async def test_a_period_not_over_is_read_from_the_cases_projection(history_db):
    """Today's report comes from the server's cases projection (not a replay), and equals the
    dashboard's figures over the same state at the same moment."""
    from models.reports import Report
    from server.app import XiaonaoServer

    from .conftest import RawClient
    now = D0 + 12 * 3600
    srv = XiaonaoServer(history_db, "127.0.0.1", 0, clock=Clock(now))
    await srv.start()
    try:
        op = await RawClient.connect(f"ws://127.0.0.1:{srv.port}/ws", "op")
        m = await query(op, {"type": "query.report", "kind": "daily", "date": "2026-11-23", "lang": "en"})
        r = Report.from_dict(m["data"])
        w = world_until(D0 + 3 * 86400)               # the projection holds every event: C closed since
        dash = kpi.kpis(w.state, now)
        got = summary(r)
        for k in ("today", "closed_today", "open", "overdue", "closure_rate", "dispatch_in_sla", "satisfaction"):
            assert got[k] == dash[k], k
        assert got["today"] == 4 and got["open"] == 1
        assert r.table("handovers").rows[0][4] == "交班：C、D 待处理"
        await op.close()
    finally:
        await srv.stop()
