"""`python -m bench [fanout|queue|archive|dashboard|startup|catchup|painted|reports]`: run benchmarks, print figures."""
from __future__ import annotations

import sys

from . import archive, catchup, dashboard, fanout, painted, queue, reports, startup

ALL = {"fanout": fanout.main, "queue": queue.main, "archive": archive.main,
       "dashboard": dashboard.main, "startup": startup.main,
       "catchup": catchup.main, "painted": painted.main, "reports": reports.main}

if __name__ == "__main__":
    names = sys.argv[1:] or list(ALL)
    for name in names:
        ALL[name]()
