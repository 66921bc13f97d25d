"""Start-up: from launching a fresh process to the first frame showing 100k cached cases,
with the server unreachable (the cockpit must start on its cache). Imports count: the
cockpit runs in bench/startup_child.py, timed from just before the parent starts it."""
from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from .common import header


def main(n: int = 100_000):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from client.cache import Cache

    from .synth import synth_state
    header(f"start-up: launch to the first frame showing {n:,} cached cases (server unreachable)")
    d = Path(tempfile.mkdtemp())
    cache = Cache(d / "cache.db")
    st = synth_state(n, span_days=29)      # all inside the cockpit's 30-day window
    t = time.perf_counter()
    cache.save_state(st)
    print(f"(writing the cache snapshot took {time.perf_counter() - t:.2f} s)")
    cache.close()
    del st
    import json
    import subprocess
    import sys

    from .common import ROOT
    for _ in range(3):
        launched = time.time()
        r = subprocess.run([sys.executable, "-m", "bench.startup_child", str(d / "cache.db"), repr(launched), str(n)],
                           cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        if r.returncode:
            print(r.stderr[-3000:])
            return
        m = json.loads(r.stdout.strip().splitlines()[-1])
        print(f"launch -> first frame {m['first_frame']:.2f} s ({m['hot_cases']:,} hot cases; the top 40 rows "
              f"{'are' if m['same_top_rows'] else 'are NOT'} the final ones) | on the way: interpreter "
              f"{m['interpreter']:.2f}, Qt and link {m['qt_and_link']:.2f}, imports {m['imports']:.2f}, "
              f"window {m['window']:.2f}, cached state shown {m['shown']:.2f} | all {n:,} cases in the queue "
              f"{m['all']:.2f} s",
              flush=True)


if __name__ == "__main__":
    main()
