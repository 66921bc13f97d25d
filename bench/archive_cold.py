"""Archive searches and aggregates with the database out of the page cache: its files only
are dropped from the cache (posix_fadvise DONTNEED), the server started, dropped again,
then bench/window.py's queries; the first of each query is cold, the fastest warm.

`python -m bench.archive_cold sqlite [PATH]` (default the 1M history of bench/history.py),
`python -m bench.archive_cold postgres [DBNAME]` (default `bench archive server 1000000
postgres`'s database; only the OS cache is dropped, not PostgreSQL's shared buffers).
"""
from __future__ import annotations

import asyncio
import glob
import os
import sys
import time

from .common import ServerProcess
from .window import queries


def files_of(which: str, name: str) -> tuple[str, list[str]]:
    if which == "sqlite":
        return f"sqlite:///{name}", glob.glob(f"{name}*")
    import psycopg
    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={name}") as c:
        row = c.execute("SELECT oid FROM pg_database WHERE datname = %s", (name,)).fetchone()
        ddir = c.execute("SHOW data_directory").fetchone()
    assert row is not None and ddir is not None
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", glob.glob(f"{ddir[0]}/base/{row[0]}/*")


def evict(files: list[str]) -> int:
    n = 0
    for f in files:
        if os.path.isfile(f):
            fd = os.open(f, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
            n += os.path.getsize(f)
    return n


def main() -> None:
    which = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    name = sys.argv[2] if len(sys.argv) > 2 else (
        "/tmp/xiaonao-history-1000000.db" if which == "sqlite" else "xiaonao_archive_1000000")
    url, files = files_of(which, name)
    srv = ServerProcess(url)
    print(f"{evict(files) / 2**20:,.0f} MiB of {which} files out of the page cache; load {os.getloadavg()[0]:.1f}")
    t = time.perf_counter()
    srv.start(timeout=300)
    print(f"start to /healthz {time.perf_counter() - t:.2f} s (cold)")
    try:
        evict(files)
        assert srv.proc is not None
        r = asyncio.run(queries(srv.url, srv.proc.pid))
    finally:
        srv.stop()
    print(f"load average {os.getloadavg()[0]:.1f}")
    for k, (lo, hi, rows, extra, cpu) in r.items():
        print(f"  {k}: warm {lo:.0f} ms, cold (first) {hi:.0f} ms, server CPU {cpu:.0f} ms ({rows} rows, {extra})")


if __name__ == "__main__":
    main()
