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


if __name__ == "__main__":
    main()
