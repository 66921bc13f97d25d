"""The server database's schema version, through Alembic (migrations in server/migrations).

- `init` creates the current schema and stamps it with the newest revision;
- `xiaonao-server upgrade --db URL` runs the migrations a database is missing (a database
  made before Alembic, recognised by its tables, is stamped with the baseline first);
- `serve` (and every other command) refuses a database that is behind or ahead of this
  release's migrations, naming what to run.
"""
from __future__ import annotations

import functools
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"


class SchemaMismatch(Exception):
    """The database's schema is not the one this release speaks; the message names the fix."""


def alembic_config(url: str | None = None, connection: Connection | None = None):
    """Alembic's configuration for the migrations in server/migrations/ (tools, tests)."""
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@functools.lru_cache(maxsize=1)
def _scripts():
    """server/migrations/ read once a process: Alembic's ScriptDirectory loads every revision's
    file to know the head (~7 ms each time, and every server start, CLI command and database
    check asked again)."""
    from alembic.script import ScriptDirectory
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None, "server/migrations has a revision"
    return head


def current_revision(conn: Connection) -> str | None:
    """The database's revision; BASELINE for a database made before Alembic; None for an
    empty database."""
    from alembic.runtime.migration import MigrationContext
    rev = MigrationContext.configure(conn).get_current_revision()
    if rev is None and inspect(conn).has_table("events"):
        return BASELINE
    return rev


def _known(rev: str) -> bool:
    from alembic.util import CommandError
    try:
        return _scripts().get_revision(rev) is not None
    except CommandError:
        return False


def check(engine: Engine, url: str) -> None:
    """Raise SchemaMismatch unless the database is at this release's newest revision."""
    with engine.connect() as conn:
        rev = current_revision(conn)
    head = head_revision()
    if rev is None or rev == head:
        return                      # (an empty database: check_initialised says what to do)
    if _known(rev):
        raise SchemaMismatch(f"database {url!r} has an older schema (revision {rev}, this server needs {head}): "
                             f"run 'xiaonao-server upgrade --db {url}' first (back it up before)")
    raise SchemaMismatch(f"database {url!r} has schema revision {rev}, newer than this server knows "
                         f"(newest {head}): it was upgraded by a newer xiaonao-server; run that release")


def stamp_head(engine: Engine) -> None:
    """Mark a database just made by create_all as current."""
    from alembic import command
    with engine.begin() as conn:
        command.stamp(alembic_config(connection=conn), "head")


def upgrade(engine: Engine, url: str) -> tuple[str | None, str]:
    """Run the missing migrations; returns (revision before, revision after)."""
    from alembic import command
    with engine.connect() as conn:
        before = current_revision(conn)
    if before is not None and not _known(before):
        raise SchemaMismatch(f"database {url!r} has schema revision {before}, newer than this server knows; "
                             "it was upgraded by a newer xiaonao-server")
    with engine.begin() as conn:
        cfg = alembic_config(connection=conn)
        from alembic.runtime.migration import MigrationContext
        if before == BASELINE and MigrationContext.configure(conn).get_current_revision() is None:
            command.stamp(cfg, BASELINE)        # made before Alembic: it is the baseline
        command.upgrade(cfg, "head")
    return before, head_revision()
