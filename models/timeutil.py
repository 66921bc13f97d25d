"""Timestamps on the wire are ISO 8601 UTC with milliseconds and a Z."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache

_second: tuple[int, str] = (-1 << 62, "")     # the last whole second formatted: (second, its text to the ".")


def iso(ts: float) -> str:
    # the second's text is formatted once (strftime is most of the cost; a batch of an
    # import stamps hundreds of events within one second); one tuple, so threads agree
    global _second
    whole = int(ts // 1)
    ms = int(round((ts - whole) * 1e6)) // 1000
    if ms >= 1000:          # (as datetime rounds to the microsecond: 0.9999996 is the next second)
        whole, ms = whole + 1, 0
    sec = _second
    if sec[0] != whole:
        sec = _second = (whole, datetime.fromtimestamp(whole, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S."))
    return f"{sec[1]}{ms:03d}Z"


@lru_cache(maxsize=200_000)
def epoch(s: str) -> float:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
