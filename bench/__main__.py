"""`python -m bench [fanout|queue|archive|dashboard|startup|catchup|painted|import|reports|window|flood|field|
evidence|evidence_detail|terminals|workflows|warnings|replay|resident|instructions]`:
run benchmarks, print figures."""
from __future__ import annotations

import sys

from . import (
    archive,
    catchup,
    dashboard,
    evidence,
    evidence_detail,
    fanout,
    field,
    flood,
    importer,
    instructions,
    painted,
    queue,
    replay,
    reports,
    resident,
    startup,
    terminals,
    window,
    workflows,
)

ALL = {"fanout": fanout.main, "queue": queue.main, "archive": archive.entry,
       "dashboard": dashboard.main, "startup": startup.main,
       "catchup": catchup.main, "painted": painted.main, "import": importer.main, "reports": reports.main,
       "window": window.main, "flood": flood.main, "field": field.main, "evidence": evidence.main,
       "evidence_detail": evidence_detail.main, "terminals": terminals.main,
       "workflows": workflows.main, "warnings": workflows.warnings, "replay": replay.main,
       "resident": resident.main, "instructions": instructions.main}

if __name__ == "__main__":
    names = [a for a in sys.argv[1:] if a in ALL] or list(ALL)
    for name in names:
        ALL[name]()
