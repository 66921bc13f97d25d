"""Reports: a monthly report for a street with 15,000 cases in the month (and as many in the
same month a year before, for the comparison), built, then written to PDF and to XLSX."""
from __future__ import annotations

import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from . import common  # noqa: F401  (puts the project on the path)


def month_state(n: int = 15_000) -> tuple[dict, date]:
    from bench.synth import synth_state
    day = date(2026, 11, 15)
    end = datetime(2026, 12, 1).timestamp() - 60
    st = synth_state(n, open_fraction=0.02, now=end, span_days=29.9, seed=1)
    last = synth_state(n, open_fraction=0.0, now=end - 365 * 86400, span_days=29.9, seed=2)
    for cid, c in last["cases"].items():
        c = dict(c, id="Y" + cid[1:])
        st["cases"][c["id"]] = c
    return st, day


def main() -> None:
    from models.reports import build_report
    from reporting.pdf import write_pdf
    from reporting.xlsx import write_xlsx
    st, day = month_state()
    out = Path(tempfile.mkdtemp(prefix="xiaonao-bench-reports-"))
    for lang in ("zh_CN", "en"):
        c0, t0 = time.process_time(), time.perf_counter()
        r = build_report("monthly", st, day, lang, now=datetime(2026, 12, 1).timestamp())
        c1, t1 = time.process_time(), time.perf_counter()
        pdf = write_pdf(r, out / f"monthly-{lang}.pdf")
        c2, t2 = time.process_time(), time.perf_counter()
        xlsx = write_xlsx(r, out / f"monthly-{lang}.xlsx")
        c3, t3 = time.process_time(), time.perf_counter()
        reported = r.table("summary").rows[0][1]["v"]
        print(f"reports: monthly {lang}, {reported:,} cases in the month ({len(st['cases']):,} in the state): "
              f"figures {t1 - t0:.2f} s (CPU {c1 - c0:.2f}), +PDF {t2 - t1:.2f} s (CPU {c2 - c1:.2f}, "
              f"{pdf.stat().st_size // 1024} KiB), +XLSX {t3 - t2:.2f} s (CPU {c3 - c2:.2f}, "
              f"{xlsx.stat().st_size // 1024} KiB)")


    server_path(st, day)


def server_path(st: dict, day: date) -> None:
    """The server's way to the same report: the state at the month's end rebuilt from the
    cases projection (server/reports.py past_state: the period's cases, not the log), then
    the report and its files."""
    from models.reports import build_report, load_definition, period_bounds
    from reporting.pdf import write_pdf
    from reporting.xlsx import write_xlsx
    from server.cli import init_db
    from server.projection import case_row
    from server.reports import past_state
    from server.store import EventStore
    d = Path(tempfile.mkdtemp(prefix="xiaonao-bench-reports-db-"))
    url = f"sqlite:///{d}/r.db"
    init_db(url, "demo")
    store = EventStore(url)
    try:
        rows = [case_row(c, 1, "1310") for c in st["cases"].values()]
        from server.projection import room_head, team_texts
        store.write_projection(rows, 1, room_head(st), st["street"], team_texts(st))
        defn = load_definition("monthly")
        hi = period_bounds(defn["period"], day)[1]
        c0, t0 = time.process_time(), time.perf_counter()
        state, handovers = past_state(store, defn, day, hi)
        c1, t1 = time.process_time(), time.perf_counter()
        r = build_report("monthly", state, day, "zh_CN", handovers=handovers, now=datetime(2026, 12, 1).timestamp())
        c2, t2 = time.process_time(), time.perf_counter()
        pdf = write_pdf(r, d / "monthly.pdf")
        c3, t3 = time.process_time(), time.perf_counter()
        write_xlsx(r, d / "monthly.xlsx")
        c4, t4 = time.process_time(), time.perf_counter()
        print(f"reports (server, from the projection, zh_CN): state at the month's end {t1 - t0:.2f} s "
              f"(CPU {c1 - c0:.2f}, {len(state['cases']):,} cases read), figures {t2 - t1:.2f} s (CPU {c2 - c1:.2f}), "
              f"+PDF {t3 - t2:.2f} s (CPU {c3 - c2:.2f}, {pdf.stat().st_size // 1024} KiB), "
              f"+XLSX {t4 - t3:.2f} s (CPU {c4 - c3:.2f})")
    finally:
        store.dispose()


if __name__ == "__main__":
    main()
