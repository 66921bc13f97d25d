"""(For a 1M-case history when bench/history.py's copies are too slow on a shared machine.)
Extend a generated history further back in SQL: the oldest block of cases copied, renumbered
below it, its reported/closed/updated columns moved back by the block's span in days; the
copies' bodies keep the original's times (searches and aggregates read the columns).
`python -m bench.extend_history PATH [DOWN_TO]` extends until case number DOWN_TO (default 1)
exists, then works the KPI sums (kpi_hours, kpi_group_days) out again from every case (the
copies' own sums were not added by the SQL above)."""
import sqlite3
import sys
import time

path = sys.argv[1]
down_to = int(sys.argv[2]) if len(sys.argv) > 2 else 1
c = sqlite3.connect(path)
c.execute("PRAGMA synchronous=OFF")
t0 = time.perf_counter()
while True:
    m = c.execute("SELECT min(no) FROM cases").fetchone()[0]
    if m <= down_to:
        break
    k = min(m - down_to, c.execute("SELECT count(*) FROM cases").fetchone()[0])
    days = max(1, round(k / 500))
    shift = f"-{days} days"

    def moved(col):
        return (f"CASE WHEN {col} IS NULL THEN NULL ELSE "
                f"strftime('%Y-%m-%dT%H:%M:%S', substr({col}, 1, 19), '{shift}') || substr({col}, 20) END")
    c.execute(f"""
        INSERT INTO cases (id, no, seq, status, category, source, priority, area, grid, squad, reported, closed,
                           updated, rating, sla, on_scene, merged, dispatch_ok, arrival_s, repeat_calls,
                           words, body)
        SELECT printf('C%06d', no - {k}), no - {k}, 0, status, category, source, priority, area, grid, squad,
               {moved('reported')}, {moved('closed')}, {moved('updated')}, rating, sla, on_scene, merged,
               dispatch_ok, arrival_s, repeat_calls,
               replace(words, lower(id), lower(printf('C%06d', no - {k}))),
               replace(replace(body, '"id":"' || id || '"', '"id":"' || printf('C%06d', no - {k}) || '"'),
                       '"no":' || no || ',', '"no":' || (no - {k}) || ',')
        FROM cases WHERE no >= {m} AND no < {m + k}""")
    c.commit()
    print(f"  copied {k:,} cases below C{m:06d}, {days} days back, {time.perf_counter() - t0:.0f} s", flush=True)
print(c.execute("SELECT count(*), min(reported), max(reported) FROM cases").fetchone())
t1 = time.perf_counter()
c.close()
sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
from sqlalchemy import create_engine  # noqa: E402

from server import kpihours  # noqa: E402

engine = create_engine(f"sqlite:///{path}")
with engine.begin() as conn:
    if kpihours.present(conn):
        kpihours.rebuild(conn)
print(f"  KPI sums worked out again in {time.perf_counter() - t1:.0f} s", flush=True)
