"""One case on A4 (ReportLab): its particulars, its SLA stages, its timeline, its notes, and its
evidence thumbnails (`write_case_sheet(..., evidence={attachment id: thumbnail bytes})`: the
server reads them from its content store, the cockpit from its thumbnail cache or the server).
Each thumbnail is captioned with its label and file name; removed attachments are left out."""
from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from models.domain import CATEGORIES, PRIORITIES, SOURCES, STATUSES
from models.kpi import profile_of
from models.reports import Report, Text, reporter_text
from models.sla import case_clock
from models.timeutil import iso

from .cells import local_datetime
from .pdf import BLUE, FONT, _numbered_canvas, _styles, register_font

EVENT_LABELS = {
    "case.reported": "Report taken", "case.accepted": "Accepted", "case.dispatched": "Dispatched",
    "case.signed": "Signed for", "case.contacted": "Party contacted", "case.arrived": "Arrived on scene",
    "case.feedback": "Feedback", "case.closed": "Closed", "case.transferred": "Transferred",
    "case.escalated": "Escalated", "case.returned": "Returned", "case.reopened": "Reopened",
    "case.supervised": "Supervised", "case.rated": "Rated", "case.noted": "Note added", "case.merged": "Merged",
    "case.progressed": "Progress report", "case.dept_signed": "Signed for by the department",
    "case.followed_up": "Followed up", "case.confirmed": "Confirmed with the resident",
    "case.part_added": "Department's part added", "case.part_done": "Department's part done",
    "case.part_cancelled": "Department's part cancelled", "case.linked": "Cases linked", "case.unlinked": "Unlinked",
}
# who stamped a step: a terminal's own, or the room on its behalf (the event's `by_role`)
STAMP_LABELS = {"field": "field terminal", "department": "department terminal", "community": "community terminal"}
STATE_LABELS = {"met": "Met", "late": "Late", "overdue": "Overdue", "due_soon": "Due soon", "on_time": "On time",
                "skipped": "Skipped"}
THUMB = 38 * mm
MAX_THUMBS = 12
LABEL_NAMES = {"alert-frame": "Alert frame", "before": "Before", "after": "After", "document": "Document"}


def sheet_attachments(case: dict) -> list[dict]:
    """The case's attachments a sheet shows: not removed, alert frame first, then before, after,
    documents, each in the order attached."""
    order = {k: i for i, k in enumerate(LABEL_NAMES)}
    live = [a for a in case.get("attachments") or [] if not a.get("removed")]
    return sorted(live, key=lambda a: order.get(a.get("label", ""), len(order)))


def _when(s: str | None) -> str:
    return local_datetime(s).strftime("%Y-%m-%d %H:%M:%S") if s else "–"


def _epoch_text(t: float | None) -> str:
    return _when(iso(t)) if t is not None else "–"


def _department(street: dict, dep: str | None, lang: str) -> str:
    d = next((d for d in street.get("departments", []) if d["id"] == dep), None)
    return (d.get("name_en") or d["name"] if lang == "en" else d["name"]) if d else (dep or "")


def case_sheet_rows(case: dict, state: dict, t: Text, masked: bool) -> list[tuple[str, str]]:
    street = state.get("street") or {}
    team = state.get("teams", {}).get(case.get("team_id") or "")
    grid = next((g for g in street.get("grids", []) if g["id"] == case["location"].get("grid")), None)
    area = next((a for a in street.get("areas", []) if a["id"] == case["location"].get("area")), None)
    area_name = (area.get("name_en") if t.lang == "en" else area.get("name")) if area else ""
    rows = [
        (t("No."), str(case.get("no") or case["id"])),
        (t("Title"), case["title"]),
        (t("Category"), t.domain(CATEGORIES.get(case["category"], case["category"]))),
        (t("Source"), t.domain(SOURCES.get(case["source"], case["source"]))),
        (t("Priority"), t.domain(PRIORITIES.get(case["priority"], str(case["priority"])))),
        (t("Status"), t.domain(STATUSES.get(case["status"], case["status"]))),
        (t("Address"), case["location"].get("address", "")),
        (t("Grid"), f"{grid['id']} {grid.get('name', '')}" if grid else (case["location"].get("grid") or "")),
        (t("Patrol area"), area_name or ""),
        (t("Reported"), _when(case["times"]["reported"])),
        (t("Squad"), team["call_sign"] if team else ""),
        (t("Department"), case.get("department") or ""),
        (t("Reporter"), reporter_text(case, masked)),
        (t("Description"), case.get("description") or ""),
        (t("Resolution"), case.get("resolution") or ""),
        (t("Rating"), "" if case.get("rating") is None else str(case["rating"])),
        (t("Repeat calls"), str(case.get("repeat_calls", 0))),
        (t("Supervised"), str(case.get("supervision", 0))),
        (t("Departments' parts"), "; ".join(
            f"{x['id']} {_department(street, x['department'], t.lang)}: {x.get('task') or ''} ("
            + (t("done {at}", at=_when(x["done"]["at"])) if x.get("done") else t("due {at}", at=_when(x.get("due"))))
            + ")" for x in case.get("parts") or () if not x.get("cancelled"))),
        (t("Linked cases"), ", ".join(case.get("links") or ()) or (
            t("linked to lead {lead}", lead=case["linked_to"]) if case.get("linked_to") else "")),
    ]
    return [(k, v) for k, v in rows if v not in ("", None)]


def write_case_sheet(case: dict, state: dict, path: str | Path, lang: str = "zh_CN", masked: bool = True,
                     now: float | None = None, evidence: dict[str, bytes] | None = None) -> Path:
    import time
    register_font()
    t = Text(lang)
    now = time.time() if now is None else now
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    st = _styles()
    street = state.get("street") or {}
    name = (street.get("name_en") if lang == "en" else street.get("name")) or street.get("name") or ""
    title = t("Case sheet")
    no = str(case.get("no") or case["id"])
    header = Report("case", lang, title, name, no, case["times"]["reported"], case["times"]["reported"], iso(now),
                    masked, [], {"page": t("Page {page} of {pages}"), "generated": t("Generated"),
                                 "masked": t("Personal data masked") if masked else t("Personal data shown")})
    width = A4[0] - 30 * mm
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=16 * mm,
                            bottomMargin=17 * mm, title=f"{title} {no}", author="Xiaonao")

    def grid_style(head=True):
        s = [("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 8),
             ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#B0B7C3")), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        if head:
            s += [("BACKGROUND", (0, 0), (-1, 0), BLUE), ("TEXTCOLOR", (0, 0), (-1, 0), colors.white)]
        return TableStyle(s)

    def p(s, style="cell"):
        return Paragraph(escape(str(s)), st[style])

    story = [Paragraph(escape(f"{title}  {no}"), st["h1"]), Paragraph(escape(case["title"]), st["h2"])]
    info = RLTable([[p(k), p(v)] for k, v in case_sheet_rows(case, state, t, masked)],
                   colWidths=[35 * mm, width - 35 * mm])
    info.setStyle(grid_style(False))
    info.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#F3F6FA"))]))
    story += [info, Paragraph(escape(t("SLA stages")), st["h2"])]
    profile = profile_of(state)
    stage_rows = [[p(t("Stage")), p(t("Limit (min)")), p(t("Deadline")), p(t("Reached")), p(t("State"))]]
    from models.reports import _STAGE_NAMES
    for c in case_clock(case, profile, now):
        stage_rows.append([p(t(_STAGE_NAMES.get(c.milestone, c.milestone))),
                           f"{next(s.minutes for s in profile.stages if s.key == c.key):g}",
                           _epoch_text(c.deadline), _epoch_text(c.reached_at), p(t(STATE_LABELS[c.state]))])
    stages = RLTable(stage_rows, colWidths=[45 * mm, 22 * mm, 40 * mm, 40 * mm, width - 147 * mm], repeatRows=1)
    stages.setStyle(grid_style())
    story += [stages, Paragraph(escape(t("Timeline")), st["h2"])]
    tl = [[p(t("Time")), p(t("Event")), p(t("By")), p(t("Details"))]]
    for e in case.get("timeline", []):
        details = "  ".join(_department(street, v, t.lang) if k == "department" else f"{v}"
                            for k, v in e.items() if k in ("part_id", "department", "task", "note", "team_id",
                                                                   "to", "resolution", "reason", "rating", "level",
                                                                   "into", "from_case", "lead", "with_lead"))
        if e.get("case_ids"):
            details += "  " + ", ".join(e["case_ids"])
        by = e.get("actor") or ""
        if e.get("by_role") in STAMP_LABELS:
            by += f" ({t(STAMP_LABELS[e['by_role']])})"
        elif e.get("by_role"):
            by += f" ({t('entered by the room')})"
        tl.append([_when(e["at"]), p(t(EVENT_LABELS.get(e["name"], e["name"]))), p(by), p(details)])
    timeline = RLTable(tl, colWidths=[34 * mm, 30 * mm, 28 * mm, width - 92 * mm], repeatRows=1)
    timeline.setStyle(grid_style())
    story += [timeline]
    if case.get("notes"):
        story.append(Paragraph(escape(t("Notes")), st["h2"]))
        nt = [[p(t("Time")), p(t("By")), p(t("Note"))]] + [
            [_when(n["at"]), p(n.get("by") or ""), p(n.get("text", ""))] for n in case["notes"]]
        notes = RLTable(nt, colWidths=[34 * mm, 28 * mm, width - 62 * mm], repeatRows=1)
        notes.setStyle(grid_style())
        story.append(notes)
    ev_head = Paragraph(escape(t("Evidence")), st["h2"])
    attached = sheet_attachments(case)
    have = evidence or {}
    shown = [(a, have[a["id"]]) for a in attached if have.get(a["id"])][:MAX_THUMBS]
    if shown:
        cells: list = []
        for a, body in shown:
            caption = t(LABEL_NAMES.get(a.get("label", ""), a.get("label", "")))
            if a.get("name"):
                caption += f"  {a['name']}"
            try:
                img = Image(io.BytesIO(body), width=THUMB, height=THUMB, kind="proportional")
            except Exception:  # noqa: BLE001 - a thumbnail ReportLab cannot read: its caption only
                img = p(t("(picture not readable)"), "note")
            cells.append([img, p(caption, "note")])
        rows: list[list] = [cells[i:i + 4] for i in range(0, len(cells), 4)]
        rows[-1] += [""] * (4 - len(rows[-1]))
        ev = RLTable(rows, colWidths=[THUMB + 6 * mm] * 4)
        ev.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        missing = len(attached) - len(shown)
        if missing > 0:
            story_note = t("{n} more attached: not all thumbnails are shown here.", n=missing)
            ev = KeepTogether([ev, p(story_note, "note")])
    else:
        text = (t("No evidence attached to this case.") if not attached else
                t("{n} attached; their thumbnails could not be read here.", n=len(attached)))
        ev = RLTable([[p(text, "note")]], colWidths=[width], rowHeights=[THUMB])
        ev.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT),
                                ("BOX", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                ("ALIGN", (0, 0), (-1, -1), "CENTER")]))
    story += [KeepTogether([ev_head, ev]), Spacer(1, 2 * mm)]
    doc.build(story, canvasmaker=_numbered_canvas(header))
    return path
