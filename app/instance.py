"""One embedded demo server per data folder.

The first `xiaonao` (or `xiaonao --wall`) started without `--server` takes a lock file in
the demo's folder and runs the embedded server; once it serves, it writes `server.json`
beside the database: the server's address and a login token for each local user, readable
only by the user who owns the folder (whoever can read the folder can read the database
anyway). A second cockpit or wall on the same folder finds the lock taken and joins that
server with those tokens instead of starting its own: one database, one writer, one room.

The same file tells tests (tests/acceptance/) where the embedded server listens.
"""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("xiaonao.instance")

INFO_NAME = "server.json"
LOCK_NAME = "server.lock"


@dataclass
class Joined:
    """The running embedded server another process started."""
    url: str
    tokens: dict[str, str]
    pid: int


def info_path(db_path: Path) -> Path:
    return Path(db_path).parent / INFO_NAME


def write_info(db_path: Path, url: str, tokens: dict[str, str]) -> Path:
    """Publish the embedded server's address and tokens (0600, written atomically)."""
    path = info_path(db_path)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"url": url, "tokens": tokens, "pid": os.getpid(), "started": time.time()}, f)
    os.replace(tmp, path)
    return path


def read_info(db_path: Path) -> Joined | None:
    try:
        d = json.loads(info_path(db_path).read_text(encoding="utf-8"))
        return Joined(str(d["url"]), dict(d["tokens"]), int(d.get("pid", 0)))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove_info(db_path: Path) -> None:
    path = info_path(db_path)
    d = read_info(db_path)
    if d is not None and d.pid == os.getpid():
        try:
            path.unlink()
        except OSError:
            pass


class InstanceLock:
    """The lock that makes one process the owner of a demo folder's embedded server.

    Built on QLockFile: a lock left behind by a process that died is taken over."""

    def __init__(self, db_path: Path):
        from PySide6.QtCore import QLockFile
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = QLockFile(str(self.db_path.parent / LOCK_NAME))
        self._lock.setStaleLockTime(0)      # stale only when its process is gone, never by age

    def try_lock(self) -> bool:
        return bool(self._lock.tryLock(0))

    def owner_pid(self) -> int | None:
        info: tuple = tuple(self._lock.getLockInfo())    # (pid, host, app); older PySide: (ok, pid, host, app)
        pid = info[1] if len(info) == 4 and info[0] else info[0] if len(info) == 3 else 0
        return int(pid) if isinstance(pid, int) and pid > 0 else None

    def unlock(self) -> None:
        if self._lock.isLocked():
            self._lock.unlock()


def own_or_join(db_path: Path, timeout: float = 90.0, poll: float = 0.1) -> tuple[InstanceLock | None, Joined | None]:
    """Either this process owns the folder (the lock, held until `unlock`) and starts the
    embedded server, or another one does and this returns its server once it serves (it
    may still be playing the demo's history)."""
    lock = InstanceLock(db_path)
    deadline = time.monotonic() + timeout
    while True:
        if lock.try_lock():
            return lock, None
        info = read_info(lock.db_path)
        owner = lock.owner_pid()
        if info is not None and owner is not None and info.pid == owner:
            log.info("joining the embedded server of xiaonao pid %d at %s", owner, info.url)
            return None, info
        if time.monotonic() > deadline:
            raise RuntimeError(f"another xiaonao (pid {owner}) holds {lock.db_path.parent} "
                               f"but its embedded server did not come up")
        time.sleep(poll)
