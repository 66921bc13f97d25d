"""Timestamps on the wire are ISO 8601 UTC with milliseconds and a Z."""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache


def iso(ts: float) -> str:
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


@lru_cache(maxsize=200_000)
def epoch(s: str) -> float:
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
