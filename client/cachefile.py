"""The local cache file's location and its first read, with no SQLAlchemy.

Start-up reads the hot part of the cache (open cases, the last day) for the first frame
through the standard library's sqlite3 driver, the one SQLAlchemy itself uses underneath:
importing SQLAlchemy costs 0.3-0.5 s on this class of machine, so `client.cache` (the
SQLAlchemy side, which does everything else) is imported just after the first frame.
`client.cache.Cache.load_hot` runs the same function on its own connection.
"""
from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

import orjson
from platformdirs import user_data_dir

from models.timeutil import epoch

HOT_WINDOW = 86400.0          # closed cases updated within this many seconds load with the first frame
COLD_PAGE = 5000              # the older cases page in this many at a time after it


def default_cache_path(server_url: str, user: str) -> Path:
    key = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{server_url.split('://')[-1]}-{user}").strip("_")
    return Path(user_data_dir("xiaonao", appauthor=False)) / "cache" / f"{key}.db"


def last_update(case: dict) -> float:
    """When a case last changed (epoch seconds): what the cache's `updated` column holds and
    the window is judged by."""
    return epoch(case.get("updated") or case["times"]["reported"])


def hot_state(conn, now: float, since: float | None) -> tuple[dict | None, float | None]:
    """The cached state with its hot cases only (open, or updated within HOT_WINDOW and not
    before `since`, the start of the cockpit's window), and when it was last saved; (None,
    None) when the file holds no state. `conn` is a DB-API sqlite3 connection."""
    start = now - HOT_WINDOW if since is None else max(since, now - HOT_WINDOW)
    meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('seq', 'head', 'street', 'saved_at')"))
    if "head" not in meta:
        return None, None
    state = json.loads(meta["head"])
    state["seq"] = int(meta["seq"])
    state["street"] = json.loads(meta["street"]) if meta.get("street") else None
    loads = orjson.loads
    rows = conn.execute("SELECT body FROM cases WHERE open = 1 OR updated >= ?", (start,))
    state["cases"] = {c["id"]: c for c in (loads(r[0]) for r in rows)}
    return state, float(meta.get("saved_at") or 0) or None


def read_hot(path, now: float | None = None, since: float | None = None) -> tuple[dict | None, float | None]:
    """`hot_state` straight from the file, read-only; (None, None) if there is no usable
    cache there (missing, an older schema, damaged): the Cache class deals with those."""
    now = time.time() if now is None else now
    p = Path(path)
    if not p.exists():
        return None, None
    try:
        conn = sqlite3.connect(f"file:{p}?mode=ro", uri=True, timeout=3)
    except sqlite3.Error:
        return None, None
    try:
        return hot_state(conn, now, since)
    except (sqlite3.Error, ValueError, KeyError):
        return None, None
    finally:
        conn.close()
