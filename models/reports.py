"""Reports the leadership reads (日报, 周报, 月报, 通报), computed without Qt.

A report's definition is data (resources/reports/<kind>.toml): its period (day, week or
month), the periods it is compared with, and its sections in order. `build_report` turns a
definition, a state and a date into a `Report`: plain JSON-able data (title, period, and a
list of tables with typed columns) that the renderers (reporting/xlsx.py, reporting/pdf.py)
lay out without knowing the domain, and that the server can send to a cockpit.

Every figure comes from models/kpi.py, the dashboard's own code: a daily report for today
shows the dashboard's numbers.

`state` is the state as it stood at the end of the period (the server replays its log up to
then, see server/reports.py); `now` is that end, or the present for a period not yet over.
Figures of the periods compared with (previous, same period last year) are the flows of those
periods as the state knows them now; open and overdue are not compared.

Text: English source strings, translated by resources/reports/zh_CN.tsv (context Report)
and, for the domain's labels, the cockpit's own resources/i18n/zh_CN.tsv (context Domain).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from . import kpi
from .domain import CATEGORIES, PRIORITIES, RESOURCES, SOURCES, STATUSES
from .timeutil import epoch, iso

REPORTS_DIR = RESOURCES / "reports"
KINDS = ("daily", "weekly", "monthly", "bulletin")
LANGS = ("zh_CN", "en")
PRIVILEGED_ROLES = ("leader", "admin")     # may ask for personal data unmasked


class ReportError(ValueError):
    """A report that cannot be made as asked, with a message for a person."""


# ---- text -------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _table(lang: str) -> dict[tuple[str, str], str]:
    if lang == "en":
        return {}
    out: dict[tuple[str, str], str] = {}
    for path in (RESOURCES / "i18n" / f"{lang}.tsv", REPORTS_DIR / f"{lang}.tsv"):
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) == 3:
                out[(parts[0], parts[1])] = parts[2]
    return out


class Text:
    """Translations for one language: `t("Daily report")`, `t.domain("Dispute")`."""

    def __init__(self, lang: str):
        if lang not in LANGS:
            raise ReportError(f"unknown language {lang!r}; one of {', '.join(LANGS)}")
        self.lang = lang
        self._t = _table(lang)
        self.untranslated: set[str] = set()     # asked for and not in the table (tests check it)

    def __call__(self, s: str, **kw) -> str:
        out = self._t.get(("Report", s))
        if out is None:
            self.untranslated.add(s)
            out = s
        return out.format(**kw) if kw else out

    def domain(self, s: str) -> str:
        return self._t.get(("Domain", s), s)


# ---- the report's data ------------------------------------------------------------------

@dataclass
class Column:
    key: str
    label: str
    format: str = "text"   # text, int, id (a number, no separators), pct (a ratio 0..1), float, minutes,
    #                        datetime (ISO UTC), num (cells carry their own: {"v": value, "f": format}),
    #                        signed (a change, cells as num)


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list]
    chart: str | None = None           # bar, line, pie: over the first column and the numeric ones
    chart_columns: list[int] = field(default_factory=list)
    note: str = ""
    highlight: list[int] = field(default_factory=list)     # rows to mark (the bottom performers)

    def to_dict(self) -> dict:
        return {"key": self.key, "title": self.title, "chart": self.chart, "chart_columns": self.chart_columns,
                "note": self.note, "highlight": self.highlight, "rows": self.rows,
                "columns": [{"key": c.key, "label": c.label, "format": c.format} for c in self.columns]}

    @classmethod
    def from_dict(cls, d: dict) -> "Table":
        return cls(d["key"], d["title"], [Column(c["key"], c["label"], c["format"]) for c in d["columns"]],
                   d["rows"], d.get("chart"), d.get("chart_columns", []), d.get("note", ""), d.get("highlight", []))

    def column(self, key: str) -> list:
        i = next(i for i, c in enumerate(self.columns) if c.key == key)
        return [r[i] for r in self.rows]

    def row(self, first) -> list | None:
        return next((r for r in self.rows if r and r[0] == first), None)


@dataclass
class Report:
    kind: str
    lang: str
    title: str
    street: str
    period_label: str
    lo: str
    hi: str
    generated: str
    masked: bool
    tables: list[Table]
    labels: dict = field(default_factory=dict)    # header/footer words for the renderers

    def to_dict(self) -> dict:
        return {"kind": self.kind, "lang": self.lang, "title": self.title, "street": self.street,
                "period_label": self.period_label, "lo": self.lo, "hi": self.hi, "generated": self.generated,
                "masked": self.masked, "labels": self.labels, "tables": [t.to_dict() for t in self.tables]}

    @classmethod
    def from_dict(cls, d: dict) -> "Report":
        return cls(d["kind"], d["lang"], d["title"], d["street"], d["period_label"], d["lo"], d["hi"],
                   d["generated"], d["masked"], [Table.from_dict(t) for t in d["tables"]], d.get("labels", {}))

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)

    def file_stem(self) -> str:
        """xiaonao-daily-2026-11-23-zh_CN, xiaonao-weekly-2026-W48-en, xiaonao-monthly-2026-11-zh_CN."""
        from .timeutil import epoch as _epoch
        first = datetime.fromtimestamp(_epoch(self.lo)).date()
        if self.kind == "case":
            key = self.period_label
        elif (datetime.fromtimestamp(_epoch(self.hi)).date() - first).days == 1:
            key = first.isoformat()
        elif (datetime.fromtimestamp(_epoch(self.hi)).date() - first).days == 7:
            y, w, _ = first.isocalendar()
            key = f"{y}-W{w:02d}"
        else:
            key = f"{first.year}-{first.month:02d}"
        return f"xiaonao-{self.kind}-{key}-{self.lang}"


# ---- definitions and periods ------------------------------------------------------------

def load_definition(kind: str) -> dict:
    if kind not in KINDS:
        raise ReportError(f"unknown report {kind!r}; one of {', '.join(KINDS)}")
    d = tomllib.loads((REPORTS_DIR / f"{kind}.toml").read_text(encoding="utf-8"))
    for s in d.get("sections", []):
        if s["key"] not in SECTIONS:
            raise ReportError(f"report {kind}: unknown section {s['key']!r}")
    if d.get("period") not in ("day", "week", "month"):
        raise ReportError(f"report {kind}: period must be day, week or month")
    return d


def _local_midnight(d: date) -> float:
    return datetime(d.year, d.month, d.day).timestamp()


def period_dates(period: str, day: date) -> tuple[date, date]:
    """First day and the day after the last of the day, ISO week (Monday first) or calendar
    month containing `day`."""
    if period == "day":
        return day, day + timedelta(days=1)
    if period == "week":
        first = day - timedelta(days=day.weekday())
        return first, first + timedelta(days=7)
    first = day.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return first, nxt


def shifted(period: str, day: date, which: str) -> date:
    """A day in the previous period, or in the same period a year before."""
    first, _ = period_dates(period, day)
    if which == "previous":
        return first - timedelta(days=1)
    if period == "week":                        # the same ISO week number a year before
        y, w, _ = first.isocalendar()
        try:
            return date.fromisocalendar(y - 1, w, 1)
        except ValueError:
            return date.fromisocalendar(y - 1, 52, 1)
    try:
        return first.replace(year=first.year - 1)
    except ValueError:                          # 29 February
        return first.replace(year=first.year - 1, day=28)


def period_bounds(period: str, day: date) -> tuple[str, str]:
    """ISO (UTC) bounds of the period containing `day`, in local days, as kpi.day_bounds."""
    first, after = period_dates(period, day)
    return iso(_local_midnight(first)), iso(_local_midnight(after))


def period_label(period: str, day: date, t: Text) -> str:
    first, after = period_dates(period, day)
    if period == "day":
        return first.isoformat()
    if period == "week":
        y, w, _ = first.isocalendar()
        return t("{year} week {week} ({first} to {last})", year=y, week=w, first=first.isoformat(),
                 last=(after - timedelta(days=1)).isoformat())
    return f"{first.year}-{first.month:02d}"


# ---- context ----------------------------------------------------------------------------

@dataclass
class Context:
    state: dict
    definition: dict
    day: date
    lo: str
    hi: str
    now: float
    t: Text
    handovers: list[dict]
    masked: bool

    @property
    def street(self) -> dict:
        return self.state.get("street") or {}

    def name_of(self, kind: str, key: str | None) -> str:
        """A label for a source, category, area, grid, department, squad or status."""
        if key in (None, ""):
            return self.t("(none)")
        if kind == "source":
            return self.t.domain(SOURCES.get(key, key))
        if kind == "category":
            return self.t.domain(CATEGORIES.get(key, key))
        if kind == "status":
            return self.t.domain(STATUSES.get(key, key))
        if kind == "squad":
            team = self.state["teams"].get(key)
            return team["call_sign"] if team else key
        if kind == "community":
            return key
        lists = {"area": "areas", "grid": "grids", "department": "departments"}
        for item in self.street.get(lists.get(kind, ""), []):
            if item["id"] == key:
                if self.t.lang == "en" and item.get("name_en"):
                    return item["name_en"]
                return f"{item.get('name', key)}" if kind != "grid" else f"{key} {item.get('name', '')}".strip()
        if kind == "department":
            from .domain import ESCALATION_LADDER
            for k, label in ESCALATION_LADDER:
                if k == key:
                    return self.t.domain(label)
            from .ladders import OWNERS
            if key in OWNERS:
                return OWNERS[key].name if self.t.lang == "en" else OWNERS[key].name_zh
        return key

    def compared(self) -> list[tuple[str, str, str]]:
        """(label, lo, hi) of each period the definition compares with."""
        out = []
        for which in self.definition.get("compare", []):
            d = shifted(self.definition["period"], self.day, which)
            lo, hi = period_bounds(self.definition["period"], d)
            label = self.t("Previous period") if which == "previous" else self.t("Same period last year")
            out.append((label, lo, hi))
        return out


def _mask_name(name: str | None) -> str:
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def reporter_text(case: dict, masked: bool) -> str:
    from .domain import mask_phone
    r = case.get("reporter") or {}
    if isinstance(r, str):
        r = {"name": r}
    name, phone = r.get("name") or "", r.get("phone") or ""
    if masked:
        name, phone = _mask_name(name), mask_phone(phone)
    return " ".join(x for x in (name, phone) if x)


# ---- sections ---------------------------------------------------------------------------

_SUMMARY_FIGURES = [  # (kpi key, label, format, compared)
    ("today", "Cases reported", "int", True),
    ("closed_today", "Cases closed", "int", True),
    ("closure_rate", "Closure rate (of the cases reported)", "pct", True),
    ("dispatch_in_sla", "Dispatched within the SLA", "pct", True),
    ("arrival_8min", "On scene within 8 minutes", "pct", True),
    ("arrival_in_target", "On scene within the SLA limit", "pct", True),
    ("on_scene_closure", "Closed on scene", "pct", True),
    ("satisfaction", "Satisfaction (rated 4 or 5)", "pct", True),
    ("repeat_calls", "Repeat calls", "int", True),
    ("repeat_call_rate", "Repeat-call rate", "pct", True),
    ("open", "Open at the end of the period", "int", False),
    ("overdue", "Overdue at the end of the period", "int", False),
]


# A state's key for the kpi.fold counts of the periods a report compares with, {(lo, hi):
# counts}, as they stood at the report's end (server/reports.py period_state_at): the
# summary's compared columns then need none of those periods' cases in the state.
COMPARED = "report_compared_counts"


def figures_for(state: dict, lo: str, hi: str, now: float) -> dict:
    """The summary's figures: the dashboard's KPIs over the period, and the repeat-call rate."""
    return kpi.period_kpis(state, lo, hi, now)


def flows_of(state: dict, lo: str, hi: str, open_too: bool = False) -> dict:
    """The cases reported or closed in [lo, hi) (and the open ones): all that period_kpis reads,
    as kpi.working_set is for the dashboard; the periods compared with need no open ones
    (their open and overdue are not compared)."""
    from .domain import OPEN_STATUSES
    cases = {cid: c for cid, c in state["cases"].items()
             if lo <= c["times"]["reported"] < hi or lo <= c["times"].get("closed", "") < hi
             or (open_too and c["status"] in OPEN_STATUSES)}
    return {**state, "cases": cases}


def _summary(ctx: Context, spec: dict) -> list[Table]:
    t = ctx.t
    main = figures_for(flows_of(ctx.state, ctx.lo, ctx.hi, open_too=True), ctx.lo, ctx.hi, ctx.now)
    # a period compared with: its kpi.fold counts when the state brings them (COMPARED: the
    # server counts them from the projection's KPI columns instead of reading each case)
    given = ctx.state.get(COMPARED) or {}
    target = kpi.arrival_target_s(kpi.profile_of(ctx.state))
    others = [(label, kpi.figures(given[(lo, hi)], target) if (lo, hi) in given
               else figures_for(flows_of(ctx.state, lo, hi), lo, hi, epoch(hi))) for label, lo, hi in ctx.compared()]
    cols = [Column("figure", t("Figure")), Column("value", t("This period"), "num")]
    for label, _ in others:
        cols.append(Column(f"cmp{len(cols)}", label, "num"))
        cols.append(Column(f"chg{len(cols)}", t("Change"), "signed"))
    rows = []
    for key, label, fmt, comparable in _SUMMARY_FIGURES:
        row: list = [t(label), {"v": main[key], "f": fmt}]
        for _, fig in others:
            if comparable:
                a, b = main[key], fig[key]
                row.append({"v": b, "f": fmt})
                row.append({"v": (a - b) if a is not None and b is not None else None, "f": fmt})
            else:
                row += [None, None]
        rows.append(row)
    return [Table("summary", t("Summary"), cols, rows)]


_BREAKDOWN_TITLES = {"source": "Cases by source", "category": "Cases by category", "area": "Cases by patrol area",
                     "grid": "Cases by grid", "community": "Cases by community"}
_BY_LABEL = {"source": "Source", "category": "Category", "area": "Patrol area", "grid": "Grid",
             "community": "Community"}


def _breakdown(ctx: Context, spec: dict) -> list[Table]:
    t, by = ctx.t, spec["by"]
    counts = kpi.breakdown(ctx.state, ctx.lo, ctx.hi, by)
    total = sum(counts.values())
    rows = [[ctx.name_of(by, k), n, n / total] for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    if spec.get("limit"):
        rows = rows[: spec["limit"]]
    return [Table(f"by_{by}", t(_BREAKDOWN_TITLES[by]),
                  [Column(by, t(_BY_LABEL[by])), Column("cases", t("Cases"), "int"), Column("share", t("Share"), "pct")],
                  rows, spec.get("chart"), [1])]


_STAGE_NAMES = {"dispatched": "Dispatch", "accepted": "Acceptance", "signed": "Signing for it",
                "contacted": "Contacting the party", "on_scene": "Arrival on scene", "resolved": "Feedback",
                "progress": "First progress report", "closed": "Closure"}


def _stages(ctx: Context, spec: dict) -> list[Table]:
    t = ctx.t
    rows = []
    for r in kpi.stage_compliance(ctx.state, ctx.lo, ctx.hi, ctx.now):
        rows.append([t(_STAGE_NAMES.get(r["milestone"], r["milestone"])), r["minutes"], r["met"], r["late"],
                     r["overdue"], r["pending"], r["skipped"], r["compliance"]])
    cols = [Column("stage", t("Stage")), Column("minutes", t("Limit (min)"), "float"), Column("met", t("Met"), "int"),
            Column("late", t("Late"), "int"), Column("overdue", t("Overdue"), "int"),
            Column("pending", t("Pending"), "int"), Column("skipped", t("Skipped"), "int"),
            Column("compliance", t("Compliance"), "pct")]
    return [Table("stages", t("SLA compliance per stage"), cols, rows, spec.get("chart"), [7])]


def _case_row(ctx: Context, c: dict, reason: str = "") -> list:
    row = [c.get("no") or c["id"], c["times"]["reported"], ctx.name_of("category", c["category"]),
           c["title"], c["location"].get("address", ""), ctx.name_of("status", c["status"]),
           ctx.name_of("squad", c["team_id"]) if c.get("team_id") else ctx.name_of("department", c.get("department"))]
    if reason:
        row.append(reason)
    return row


def _case_columns(t: Text, reason: bool = False) -> list[Column]:
    cols = [Column("no", t("No."), "id"), Column("reported", t("Reported"), "datetime"),
            Column("category", t("Category")), Column("title", t("Title")), Column("address", t("Address")),
            Column("status", t("Status")), Column("handler", t("Squad or department"))]
    if reason:
        cols.append(Column("reason", t("Why")))
    return cols


def _overdue(ctx: Context, spec: dict) -> list[Table]:
    t = ctx.t
    cases = kpi.overdue_cases(ctx.state, ctx.now)
    limit = spec.get("limit", 50)
    note = t("{shown} of {total} shown", shown=min(limit, len(cases)), total=len(cases)) if len(cases) > limit else ""
    return [Table("overdue", t("Overdue at the end of the period"), _case_columns(t),
                  [_case_row(ctx, c) for c in cases[:limit]], note=note)]


def _notable(ctx: Context, spec: dict) -> list[Table]:
    """P1 cases, supervised, escalated, reopened and mass-risk cases reported in the period."""
    t = ctx.t
    rows = []
    for c in sorted(kpi.period_cases(ctx.state, ctx.lo, ctx.hi), key=lambda c: c["times"]["reported"]):
        why = []
        if c["priority"] == 1:
            why.append(t.domain(PRIORITIES[1]))
        if c.get("supervision"):
            why.append(t("Supervised"))
        if c.get("escalation", -1) >= 0:
            why.append(t("Escalated"))
        if c.get("reopen_count"):
            why.append(t("Reopened"))
        if c.get("repeat_calls", 0) >= 2:
            why.append(t("Repeat calls"))
        if why:
            rows.append(_case_row(ctx, c, ", ".join(why)) + [reporter_text(c, ctx.masked)])
    limit = spec.get("limit", 30)
    note = t("{shown} of {total} shown", shown=limit, total=len(rows)) if len(rows) > limit else ""
    cols = _case_columns(t, True) + [Column("reporter", t("Reporter"))]
    return [Table("notable", t("Notable cases"), cols, rows[:limit], note=note)]


def _handovers(ctx: Context, spec: dict) -> list[Table]:
    t = ctx.t
    rows = [[h["at"], h.get("actor") or "", (h.get("data") or {}).get("to", ""),
             (h.get("data") or {}).get("open_count", 0), (h.get("data") or {}).get("note", "")]
            for h in ctx.handovers if ctx.lo <= h["at"] < ctx.hi]
    cols = [Column("at", t("Time"), "datetime"), Column("by", t("Handed over by")), Column("to", t("To")),
            Column("open", t("Open cases"), "int"), Column("note", t("Note"))]
    return [Table("handovers", t("Shift handovers"), cols, rows)]


def _trend(ctx: Context, spec: dict) -> list[Table]:
    t = ctx.t
    rows = [[d, rep, clo] for d, rep, clo in kpi.daily_series(ctx.state, ctx.lo, ctx.hi)]
    cols = [Column("day", t("Day")), Column("reported", t("Cases reported"), "int"),
            Column("closed", t("Cases closed"), "int")]
    return [Table("trend", t("Cases per day"), cols, rows, spec.get("chart"), [1, 2])]


def _squad_rows(ctx: Context) -> list[list]:
    rank = kpi.squad_ranking_between(ctx.state, ctx.lo, ctx.hi)
    overdue: dict[str, int] = {}
    for c in kpi.overdue_cases(ctx.state, ctx.now, ctx.lo, ctx.hi):
        if c.get("team_id"):
            overdue[c["team_id"]] = overdue.get(c["team_id"], 0) + 1
    # the dashboard's order; among equal scores, more overdue cases rank lower
    rank = sorted(rank, key=lambda r: (-r["score"], overdue.get(r["team_id"], 0)))
    return [[i + 1, r["call_sign"], r["handled"], (r["avg_arrival_s"] / 60 if r["avg_arrival_s"] is not None else None),
             r["arrival_8min"], r["satisfaction"], overdue.get(r["team_id"], 0), r["score"], r["team_id"]]
            for i, r in enumerate(rank)]


def _squad_columns(t: Text) -> list[Column]:
    return [Column("rank", t("Rank"), "int"), Column("squad", t("Squad")), Column("handled", t("Handled"), "int"),
            Column("avg_arrival", t("Average arrival (min)"), "minutes"),
            Column("arrival_8min", t("On scene within 8 minutes"), "pct"),
            Column("satisfaction", t("Satisfaction"), "pct"), Column("overdue", t("Overdue"), "int"),
            Column("score", t("Score"), "float")]


def _rank_squads(ctx: Context, spec: dict) -> list[Table]:
    t = ctx.t
    rows = [r[:-1] for r in _squad_rows(ctx)]
    bottom = ctx.definition.get("bottom", 0)
    hl = list(range(len(rows) - bottom, len(rows))) if bottom and len(rows) > bottom else []
    return [Table("rank_squads", t("Squad ranking"), _squad_columns(t), rows, spec.get("chart"), [7],
                  note=t("Score = 50 x on scene within 8 min + 30 x satisfaction + 20 x handled / the most handled"),
                  highlight=hl)]


_GROUP_TITLES = {"department": "Department ranking", "grid": "Grid ranking", "community": "Community ranking",
                 "area": "Patrol area ranking"}
_GROUP_LABEL = {"department": "Department", "grid": "Grid", "community": "Community", "area": "Patrol area"}


def _rank_groups(ctx: Context, spec: dict) -> list[Table]:
    t, by = ctx.t, spec["by"]
    rows = [[i + 1, ctx.name_of(by, r["key"]), r["cases"], r["closed"], r["closure_rate"], r["satisfaction"],
             r["overdue"], r["repeat_calls"]]
            for i, r in enumerate(kpi.group_ranking(ctx.state, ctx.lo, ctx.hi, ctx.now, by))]
    if spec.get("limit"):
        rows = rows[: spec["limit"]]
    bottom = ctx.definition.get("bottom", 0)
    hl = list(range(len(rows) - bottom, len(rows))) if bottom and len(rows) > bottom else []
    cols = [Column("rank", t("Rank"), "int"), Column(by, t(_GROUP_LABEL[by])), Column("cases", t("Cases"), "int"),
            Column("closed", t("Closed"), "int"), Column("closure_rate", t("Closure rate"), "pct"),
            Column("satisfaction", t("Satisfaction"), "pct"), Column("overdue", t("Overdue"), "int"),
            Column("repeat_calls", t("Repeat calls"), "int")]
    return [Table(f"rank_{by}", t(_GROUP_TITLES[by]), cols, rows, spec.get("chart"), [4], highlight=hl)]


def _repeat_calls(ctx: Context, spec: dict) -> list[Table]:
    t = ctx.t
    cases = [c for c in kpi.period_cases(ctx.state, ctx.lo, ctx.hi) if c.get("repeat_calls", 0) > 0]
    cases.sort(key=lambda c: (-c["repeat_calls"], c["times"]["reported"]))
    rows = [_case_row(ctx, c) + [c["repeat_calls"]] for c in cases[: spec.get("limit", 20)]]
    return [Table("repeat_calls", t("Cases called in again"), _case_columns(t) + [
        Column("repeat_calls", t("Repeat calls"), "int")], rows)]


def _warnings(ctx: Context, spec: dict) -> list[Table]:
    t = ctx.t
    rows = []
    for w in kpi.early_warnings_between(ctx.state, ctx.lo, ctx.hi):
        h = w.get("handled") or {}
        state = t("Handled") if w["closed"] == w["count"] else t("Open")
        if h.get("lead"):
            state += " · " + t("joint case {lead}", lead=h["lead"])
        elif h:
            state += " · " + t("acknowledged by {who}", who=h.get("by") or "?")
        rows.append([w["key"], ctx.name_of("category", w["category"]), w["count"], w["first"], w["last"], w["closed"],
                     state])
    cols = [Column("key", t("Business or address")), Column("category", t("Category")),
            Column("count", t("Cases"), "int"), Column("first", t("First"), "datetime"),
            Column("last", t("Last"), "datetime"), Column("closed", t("Closed"), "int"),
            Column("state", t("State"))]
    handled = sum(1 for r in rows if r[5] == r[2])
    limit = spec.get("limit", 30)
    note = t("{raised} raised, {handled} handled", raised=len(rows), handled=handled)
    if len(rows) > limit:
        note += "; " + t("{shown} of {total} shown", shown=limit, total=len(rows))
    return [Table("warnings", t("Early warnings raised and handled"), cols, rows[:limit], note=note)]


def _bottom(ctx: Context, spec: dict) -> list[Table]:
    """The bottom squads of the ranking and the overdue cases that put them there."""
    t = ctx.t
    n = ctx.definition.get("bottom", 3)
    squads = _squad_rows(ctx)[-n:] if n else []
    ids = {r[-1] for r in squads}
    cases = [c for c in kpi.overdue_cases(ctx.state, ctx.now, ctx.lo, ctx.hi) if c.get("team_id") in ids]
    limit = spec.get("limit", 30)
    t1 = Table("bottom", t("Bottom performers"), _squad_columns(t), [r[:-1] for r in squads])
    t2 = Table("bottom_overdue", t("Their overdue cases"), _case_columns(t), [_case_row(ctx, c) for c in cases[:limit]])
    return [t1, t2]


_RATING_SOURCES = (("resident", "Resident's QR code (扫码打分)"), ("callback", "Callback (回访)"),
                   ("room", "Entered by the room"))


def _satisfaction(ctx: Context, spec: dict) -> list[Table]:
    """How the cases closed in the period were rated: through the resident's QR code, by a
    callback, or entered by the room; how many, and the share satisfied (4 or 5) of each, as
    the summary's satisfaction counts them (closed in the period, not merged)."""
    from .rating import source_of
    t = ctx.t
    per = {k: [0, 0] for k, _ in _RATING_SOURCES}
    for c in ctx.state["cases"].values():
        closed = c["times"].get("closed")
        src = source_of(c)
        if src is None or not closed or not (ctx.lo <= closed < ctx.hi) or c.get("status") != "closed":
            continue
        per[src][0] += 1
        per[src][1] += c["rating"] >= 4
    total = sum(n for n, _ in per.values())
    rows = [[t(label), per[k][0], per[k][0] / total if total else None,
             per[k][1] / per[k][0] if per[k][0] else None] for k, label in _RATING_SOURCES]
    return [Table("satisfaction", t("Satisfaction by how it was rated"),
                  [Column("source", t("Rated through")), Column("rated", t("Rated"), "int"),
                   Column("share", t("Share"), "pct"), Column("satisfied", t("Satisfied (4 or 5)"), "pct")], rows)]


SECTIONS = {"summary": _summary, "breakdown": _breakdown, "stages": _stages, "overdue": _overdue,
            "notable": _notable, "handovers": _handovers, "trend": _trend, "rank_squads": _rank_squads,
            "rank_groups": _rank_groups, "repeat_calls": _repeat_calls, "warnings": _warnings, "bottom": _bottom,
            "satisfaction": _satisfaction}


# ---- the one entry point ----------------------------------------------------------------

def parse_date(s: str) -> date:
    try:
        return date.fromisoformat(s)
    except (TypeError, ValueError):
        raise ReportError(f"not a date: {s!r} (write it as YYYY-MM-DD, e.g. 2026-11-23)") from None


def build_report(kind: str, state: dict, day: date, lang: str = "zh_CN", now: float | None = None,
                 handovers: list[dict] | None = None, masked: bool = True,
                 generated: float | None = None) -> Report:
    """The report `kind` for the period containing `day`. `state` stands at the period's end
    (or is the present state for a period not over); `now` defaults to the period's end, or
    `generated` (the present) when that is earlier. `handovers` are the shift.handover
    events of the period. Personal data is masked unless `masked` is False."""
    import time
    d = load_definition(kind)
    t = Text(lang)
    lo, hi = period_bounds(d["period"], day)
    generated = time.time() if generated is None else generated
    if now is None:
        now = min(epoch(hi), generated)
    ctx = Context(state, d, day, lo, hi, now, t, handovers or [], masked)
    tables: list[Table] = []
    for spec in d.get("sections", []):
        tables += SECTIONS[spec["key"]](ctx, spec)
    street = ctx.street
    name = (street.get("name_en") if lang == "en" else street.get("name")) or street.get("name") or ""
    labels = {"page": t("Page {page} of {pages}"), "generated": t("Generated"), "period": t("Period"),
              "masked": t("Personal data masked") if masked else t("Personal data shown"),
              "none": t("(none)"), "overview": t("Overview"), "empty": t("Nothing in this period"), "street": t("Street")}
    return Report(kind, lang, t(d["title"]), name, period_label(d["period"], day, t), lo, hi, iso(generated),
                  masked, tables, labels)
