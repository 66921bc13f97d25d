"""The server process's memory given back to the system (glibc on Linux; elsewhere nothing).

A window's snapshot is tens of MB in pages of up to 512 KiB, built on worker threads. glibc
serves blocks that large with mmap at first, but raises its threshold after each one is
freed (up to 32 MiB), so later snapshots' pages land in the threads' heaps and the process
keeps their memory after they are let go. `fixed_mmap_threshold()` sets the threshold once
(large blocks are always mapped, and unmapped when freed); `trim()` hands back the heaps'
free pages (after a built snapshot is dropped).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys
from functools import lru_cache

log = logging.getLogger("xiaonao.server")

M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
MMAP_THRESHOLD = 256 * 1024     # bytes: blocks from this size up are mapped on their own
ARENA_MAX = 2                   # heaps the threads share (glibc's default: 8 per core)


@lru_cache(maxsize=1)
def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt, libc.malloc_trim         # noqa: B018  (glibc, not musl)
    except (OSError, AttributeError):
        return None
    return libc


def fixed_mmap_threshold(size: int = MMAP_THRESHOLD) -> bool:
    """Also: the worker threads share ARENA_MAX heaps. Each thread that builds a snapshot or
    the window's compact form would otherwise get a heap of its own, where what it keeps
    (the cases' compact JSON) pins the pages of everything it let go."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, ARENA_MAX)
    return bool(libc is not None and libc.mallopt(M_MMAP_THRESHOLD, size))


def trim() -> None:
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
