"""Backup and restore of a server's database, and the log's identity.

`xiaonao-server backup --db URL --out FILE`:
- SQLite: SQLite's online backup API, in one step (a consistent copy of the database as
  of one moment, taken while the server keeps writing: WAL readers do not block it). The
  file is a SQLite database.
- PostgreSQL: `pg_dump --format=custom` where it is installed, else (or with
  `--format export`) a consistent export: every table read in one REPEATABLE READ
  transaction into a gzip'd JSON-lines file. The export also works from SQLite.

`xiaonao-server restore --db URL --from FILE` reads any of the three (a SQLite file, a
pg_dump archive, an export) into an empty database (or over one with `--force`, with the
server stopped), and gives the restored log a **new identity**: the restored history is
not the one cockpits may have followed past the backup, so a cockpit whose cached seq came
from the old identity takes a snapshot instead of resuming (the identity is in the
welcome, `log_id`).
"""
from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import time
import uuid
from pathlib import Path

from sqlalchemy import Boolean, MetaData, Table, insert, select, text
from sqlalchemy.engine import make_url

from .store import Base, EventStore, StoreError

LOG_ID_KEY = "log_id"
FILES_SUFFIX = ".files.tar"       # the evidence files' companion archive: FILE.files.tar beside FILE
MANIFEST_SUFFIX = ".files.json"   # which archive holds each file the backup FILE names: FILE.files.json
MANIFEST_MAGIC = "xiaonao-files"
# what the archive may hold (names relative to the data directory): nothing else is extracted
_MEMBER = re.compile(r"(objects/[0-9a-f]{2}/[0-9a-f]{64}(\.thumb\.jpg|\.preview\.jpg|\.damaged)?"
                     r"|checking/[0-9a-f]{64})")
EXPORT_MAGIC = "xiaonao-export"
EXPORT_VERSION = 1
BATCH = 2000


# ---- the log's identity ---------------------------------------------------------

def log_id(store: EventStore) -> str:
    """The log's identity, made on first use (a database from before it had none)."""
    with store.engine.begin() as c:
        row = c.execute(text("SELECT value FROM meta WHERE key = :k"), {"k": LOG_ID_KEY}).first()
        if row:
            return row[0]
        new = uuid.uuid4().hex
        c.execute(text("INSERT INTO meta (key, value) VALUES (:k, :v)"), {"k": LOG_ID_KEY, "v": new})
        return new


def new_log_id(store: EventStore) -> str:
    new = uuid.uuid4().hex
    with store.engine.begin() as c:
        c.execute(text("DELETE FROM meta WHERE key = :k"), {"k": LOG_ID_KEY})
        c.execute(text("INSERT INTO meta (key, value) VALUES (:k, :v)"), {"k": LOG_ID_KEY, "v": new})
    return new


# ---- backup -------------------------------------------------------------------

def _sqlite_path(url: str) -> str | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return None
    if not u.database or u.database == ":memory:":
        raise StoreError("an in-memory SQLite database cannot be backed up")
    return u.database


def backup(url: str, out: str | Path, fmt: str = "auto") -> str:
    """Write a consistent backup of the database at `url` to `out`; returns the format used
    ("sqlite", "pg_dump" or "export")."""
    out = Path(out)
    store = EventStore(url)
    try:
        store.check_initialised()
        log_id(store)           # so the backup carries the identity it was taken from
    finally:
        store.dispose()
    tmp = out.with_name(out.name + ".partial")
    path = _sqlite_path(url)
    if fmt == "auto":
        fmt = "sqlite" if path else ("pg_dump" if shutil.which("pg_dump") else "export")
    if fmt == "sqlite":
        if not path:
            raise StoreError("--format sqlite backs up a SQLite database; use pg_dump or export")
        _sqlite_backup(path, tmp)
    elif fmt == "pg_dump":
        if path or not shutil.which("pg_dump"):
            raise StoreError("pg_dump backs up PostgreSQL and must be installed; use --format export")
        _pg(["pg_dump", "--format=custom", "--no-owner", "--file", str(tmp)], url)
    elif fmt == "export":
        _export(url, tmp)
    else:
        raise StoreError(f"unknown backup format {fmt!r}: auto, sqlite, pg_dump or export")
    os.replace(tmp, out)
    return fmt


def files_archive_of(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(out.name + FILES_SUFFIX)


def files_manifest_of(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(out.name + MANIFEST_SUFFIX)


def _read_manifest(path: Path) -> dict | None:
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(m, dict) or m.get("format") != MANIFEST_MAGIC or not isinstance(m.get("files"), dict):
        return None
    return m


def _previous_manifest(folder: Path, log: str, skip: Path) -> tuple[Path, dict] | None:
    """The newest manifest in `folder` of a backup of the same log (the chain goes on from it)."""
    best: tuple[float, Path, dict] | None = None
    with contextlib.suppress(OSError):
        for p in folder.glob("*" + MANIFEST_SUFFIX):
            if p == skip:
                continue
            m = _read_manifest(p)
            if m is None or m.get("log_id") != log:
                continue
            at = float(m.get("created") or 0)
            if best is None or at > best[0]:
                best = (at, p, m)
    return (best[1], best[2]) if best else None


def backup_files(url: str, data_dir: str | Path, out: str | Path, full: bool = False) -> dict:
    """The evidence files the database names, for the backup `out`: written into
    `FILE.files.tar` beside it (an uncompressed tar: photos and clips are compressed already)
    are only the files that **no earlier backup in the same folder holds**; `FILE.files.json`,
    the manifest, names for every file the archive it is in (this one or an earlier one), so
    `restore` gives back every file from the chain. The earlier backup is the newest manifest
    of the same log in the folder whose archives are all there (a file whose archive is gone
    is written again); `full`: every file into this archive, a new chain.

    Taken **after** the database backup: a file's bytes are durable before its row is
    committed, so every file the backup names is on disk by then (files added meanwhile come
    along too: harmless). Returns {"written", "bytes", "files", "base"}: files and bytes
    written into this archive, files the manifest names, the manifest it went on from (None:
    a full one)."""
    from sqlalchemy.orm import Session

    from .store import FileRow
    data = Path(data_dir)
    store = EventStore(url)
    try:
        with Session(store.engine) as s:
            ids = list(s.scalars(select(FileRow.id)))
        log = log_id(store)
    finally:
        store.dispose()
    dest = files_archive_of(out)
    manifest_path = files_manifest_of(out)
    folder = dest.parent
    held: dict[str, str] = {}               # file id -> the earlier archive that holds it
    base = None if full else _previous_manifest(folder, log, manifest_path)
    if base is not None:
        there: dict[str, bool] = {}
        for fid, arch in base[1]["files"].items():
            if not isinstance(arch, str) or "/" in arch or arch == dest.name:
                continue                  # (this backup's own name, written again: its old archive is replaced)
            if arch not in there:
                there[arch] = (folder / arch).is_file()
            if there[arch]:
                held[fid] = arch
    tmp = dest.with_name(dest.name + ".partial")
    names: dict[str, str] = {}
    n = total = 0
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        for fid in ids:
            if fid in held:
                names[fid] = held[fid]
                continue
            base_name = f"objects/{fid[:2]}/{fid}"
            found = False
            # a photo still being checked is in checking/ (it may move into objects/ meanwhile)
            for name in (base_name, f"checking/{fid}", base_name):
                path = data / name
                with contextlib.suppress(FileNotFoundError):
                    tar.add(path, arcname=name, recursive=False)
                    total += path.stat().st_size
                    found = True
                    break
            if not found:
                continue
            n += 1
            names[fid] = dest.name
            for ext in (".thumb.jpg", ".preview.jpg", ".damaged"):
                with contextlib.suppress(FileNotFoundError):
                    tar.add(data / (base_name + ext), arcname=base_name + ext, recursive=False)
    os.chmod(tmp, 0o600)
    os.replace(tmp, dest)
    manifest = {"format": MANIFEST_MAGIC, "version": 1, "log_id": log, "created": time.time(),
                "backup": Path(out).name, "archive": dest.name,
                "base": base[0].name if base is not None else None,
                "archives": sorted(set(names.values())), "files": names}
    mtmp = manifest_path.with_name(manifest_path.name + ".partial")
    mtmp.write_text(json.dumps(manifest), encoding="utf-8")
    os.chmod(mtmp, 0o600)
    os.replace(mtmp, manifest_path)
    return {"written": n, "bytes": total, "files": len(names), "base": base[0].name if base is not None else None}


def missing_archives(src: str | Path) -> list[str]:
    """The archives the backup `src`'s manifest needs that are not beside it (a chain cut by
    deleting old backups): restore refuses before it touches anything."""
    m = _read_manifest(files_manifest_of(src))
    if m is None:
        return []
    folder = Path(src).parent
    return sorted(a for a in set(m["files"].values()) if not (folder / a).is_file())


def restore_files(src: str | Path, data_dir: str | Path) -> tuple[int, int] | None:
    """Put the evidence files of the backup `src` back under `data_dir`: with its manifest
    (`FILE.files.json`), every file it names from the archive that holds it (this backup's
    or an earlier one's in the same folder); without one (a backup from before manifests),
    all of `FILE.files.tar`. A file already there is left (the same name is the same bytes).
    Only the store's own names are extracted (no links, no paths out of the folder). Returns
    (files, bytes) extracted, or None when the backup has no files archive."""
    src = Path(src)
    manifest = _read_manifest(files_manifest_of(src))
    if manifest is None:
        arch = files_archive_of(src)
        if not arch.exists():
            return None
        return _extract(arch, Path(data_dir), None)
    missing = missing_archives(src)
    if missing:
        raise StoreError(f"the backup's files are also in {', '.join(missing)}, which are not beside {src}: "
                         "copy them back there (or restore from a later full backup)")
    by_archive: dict[str, set[str]] = {}
    for fid, arch in manifest["files"].items():
        by_archive.setdefault(arch, set()).add(fid)
    n = total = 0
    for name, ids in sorted(by_archive.items()):
        got = _extract(src.parent / name, Path(data_dir), ids)
        n, total = n + got[0], total + got[1]
    return n, total


def _extract(arch: Path, data: Path, ids: set[str] | None) -> tuple[int, int]:
    """The store's own members of the archive `arch` (those of `ids` only, when given) into `data`."""
    n = total = 0
    with tarfile.open(arch, "r") as tar:
        for m in tar:
            if not (m.isfile() and _MEMBER.fullmatch(m.name)):
                continue
            fid = Path(m.name).name[:64]
            if ids is not None and fid not in ids:
                continue
            dest = data / m.name
            if dest.exists() or (m.name.startswith("checking/") and (data / "objects" / fid[:2] / fid).exists()):
                continue              # (a photo checked since: its checked copy is the one kept)
            dest.parent.mkdir(parents=True, exist_ok=True)
            part = dest.with_name(dest.name + ".restoring")
            f = tar.extractfile(m)
            assert f is not None
            with f, open(part, "wb") as out:
                shutil.copyfileobj(f, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            os.replace(part, dest)
            if not m.name.endswith((".jpg", ".damaged")):
                n += 1
                total += m.size
    return n, total


def _sqlite_backup(src_path: str, dst: Path) -> None:
    if dst.exists():
        dst.unlink()
    src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True, timeout=30)
    try:
        dest = sqlite3.connect(str(dst))
        try:
            src.backup(dest)    # all pages in one step: one consistent moment of the source
        finally:
            dest.close()
    finally:
        src.close()
    os.chmod(dst, 0o600)


def _pg_env(url: str) -> tuple[list[str], dict]:
    u = make_url(url)
    args = ["--host", u.host or "localhost", "--port", str(u.port or 5432), "--dbname", u.database or ""]
    if u.username:
        args += ["--username", u.username]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return args, env


def _pg(cmd: list[str], url: str) -> None:
    args, env = _pg_env(url)
    r = subprocess.run(cmd + args, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise StoreError(f"{cmd[0]} failed: {r.stderr.strip()[-500:]}")


def _tables(engine) -> list[Table]:
    """The schema's tables that exist in this database, parents first."""
    md = MetaData()
    md.reflect(engine)
    return [t for t in Base.metadata.sorted_tables if t.name in md.tables]


def _export(url: str, out: Path) -> None:
    store = EventStore(url)
    try:
        tables = _tables(store.engine)
        with store.engine.connect() as c, gzip.open(out, "wt", encoding="utf-8", compresslevel=5) as f:
            if store.engine.dialect.name == "postgresql":
                c.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            else:
                c.exec_driver_sql("BEGIN")      # one read transaction: one moment of the log
            f.write(json.dumps({"format": EXPORT_MAGIC, "version": EXPORT_VERSION,
                                "tables": [t.name for t in tables]}) + "\n")
            for t in tables:
                cols = [col.name for col in t.columns]
                for row in c.execute(select(t)).yield_per(BATCH):
                    f.write(json.dumps({"t": t.name, "r": dict(zip(cols, row))}, ensure_ascii=False) + "\n")
            c.rollback()
    finally:
        store.dispose()
    os.chmod(out, 0o600)


# ---- restore ------------------------------------------------------------------

def _kind(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    if head.startswith(b"PGDMP"):
        return "pg_dump"
    if head.startswith(b"\x1f\x8b"):
        return "export"
    raise StoreError(f"{path} is not a Xiaonao backup (a SQLite file, a pg_dump archive or an export)")


def _lease_holder(url: str) -> str | None:
    """Who serves the database now (the server's lease, issue 13 item 13), if anyone."""
    store = EventStore(url)
    try:
        fn = getattr(store, "lease_holder", None)
        try:
            return fn() if callable(fn) else None
        except Exception:      # no database there yet: nobody serves it
            return None
    finally:
        store.dispose()


def _has_events(url: str) -> bool:
    store = EventStore(url)
    try:
        try:
            return store.head() > 0
        except Exception:      # no schema yet
            return False
    finally:
        store.dispose()


def restore(url: str, src: str | Path, force: bool = False) -> tuple[int, str]:
    """Restore the backup `src` into the database at `url`; returns (head seq, new log id)."""
    src = Path(src)
    if not src.exists():
        raise StoreError(f"no backup file {src}")
    kind = _kind(src)
    holder = _lease_holder(url)
    if holder:
        raise StoreError(f"a server holds database {url!r} ({holder}): stop it before restoring into it")
    if _has_events(url) and not force:
        raise StoreError(f"database {url!r} already holds a log; restore into an empty one, or stop "
                         "its server and add --force to replace it")
    path = _sqlite_path(url)
    if kind == "sqlite" and path:
        _sqlite_restore(src, path)
    elif kind == "pg_dump":
        if path:
            raise StoreError("a pg_dump archive restores into PostgreSQL; use an export for SQLite")
        _pg_restore(src, url)
    else:
        _copy_rows(src, kind, url)
    store = EventStore(url)
    try:
        store.check_initialised()
        return store.head(), new_log_id(store)
    finally:
        store.dispose()


def _pg_restore(src: Path, url: str) -> None:
    args, env = _pg_env(url)
    r = subprocess.run(["pg_restore", "--no-owner", "--clean", "--if-exists", "--exit-on-error", *args, str(src)],
                       env=env,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise StoreError(f"pg_restore failed: {r.stderr.strip()[-500:]}")


def _sqlite_restore(src: Path, dst_path: str) -> None:
    s = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        d = sqlite3.connect(dst_path, timeout=30)
        try:
            s.backup(d)
            d.execute("PRAGMA journal_mode=WAL")
        finally:
            d.close()
    finally:
        s.close()
    os.chmod(dst_path, 0o600)


def _drop_all(url: str) -> None:
    store = EventStore(url)
    try:
        Base.metadata.drop_all(store.engine)
    finally:
        store.dispose()


def _rows(src: Path, kind: str):
    """(table name, row dict) from a SQLite backup file or an export, a row at a time."""
    if kind == "sqlite":
        con = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
        try:
            names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            for t in Base.metadata.sorted_tables:
                if t.name not in names:
                    continue
                cur = con.execute(f'SELECT * FROM "{t.name}"')
                cols = [d[0] for d in cur.description]
                for row in cur:
                    yield t.name, dict(zip(cols, row))
        finally:
            con.close()
        return
    with gzip.open(src, "rt", encoding="utf-8") as f:
        head = json.loads(f.readline() or "{}")
        if head.get("format") != EXPORT_MAGIC:
            raise StoreError(f"{src} is not a Xiaonao export")
        for line in f:
            rec = json.loads(line)
            yield rec["t"], rec["r"]


def _copy_rows(src: Path, kind: str, url: str) -> None:
    _drop_all(url)
    store = EventStore(url)
    try:
        Base.metadata.create_all(store.engine)
        try:
            from .schema import stamp_head
        except ImportError:             # a release before Alembic
            pass
        else:
            stamp_head(store.engine)    # the rows below are this release's schema's
        tables = {t.name: t for t in Base.metadata.sorted_tables}
        with store.engine.begin() as c:
            batch: list[dict] = []
            current = ""
            for name, row in _rows(src, kind):
                t = tables.get(name)
                if t is None:
                    continue
                if name != current and batch:
                    c.execute(insert(tables[current]), batch)
                    batch = []
                current = name
                cols = {col.name: col for col in t.columns}
                fixed = {}
                for k, v in row.items():
                    if k in cols:
                        if v is not None and isinstance(cols[k].type, Boolean):
                            v = bool(v)
                        fixed[k] = v
                batch.append(fixed)
                if len(batch) >= BATCH:
                    c.execute(insert(t), batch)
                    batch = []
            if batch:
                c.execute(insert(tables[current]), batch)
            from . import searchindex
            searchindex.rebuild(c)          # (plain inserts: the search index learns the cases here)
            from . import kpihours
            kpihours.rebuild(c)             # (and the hours' sums: an export may come from before them)
            if c.dialect.name == "postgresql":
                # the autoincrement sequences continue after the restored rows
                for t in tables.values():
                    for col in t.columns:
                        if col.autoincrement is True and col.primary_key:
                            c.execute(text(f"SELECT setval(pg_get_serial_sequence('{t.name}', '{col.name}'), "
                                           f"COALESCE((SELECT MAX({col.name}) FROM {t.name}), 0) + 1, false)"))
    finally:
        store.dispose()
