"""The archive's search index over the cases projection's `words` (id, title, address, grid,
squad, business, pinyin initials; server/projection.py).

A search word is a substring of `words`. Without an index, a word that few cases have (or
none) reads the whole words index: at 1M cases 0.7-2.7 s. With it:

- SQLite: an FTS5 table with the trigram tokenizer over `cases.words` (external content:
  the text stays in `cases`, the table holds the trigrams). A deleted row and a changed
  `words` are kept by triggers on `cases`; new rows are indexed by the statement that
  wrote them, all at once (`index_new`: `EventStore`'s upsert, which every writer of the
  projection goes through: the hub, `catch_up`, the bench generators; a restore rebuilds).
  A row trigger on insert cost ~30 us a row (FTS5 flushes its pending terms for each
  trigger statement), one INSERT ... SELECT for a batch ~10 us: an import's third;
- PostgreSQL: a GIN index of `words` with pg_trgm's trigram operator class (the extension
  is created if the server's account may; if not, searches scan as before and the
  migration logs a warning naming what a superuser runs).

Trigrams index words of 3 characters or more; a shorter word is checked on the candidates
of the longer ones, or, alone, by the scan (newest first: a short word is common, so the
scan stops early). On SQLite `store.search_cases` first looks for a page among the newest
`EventStore.PROBE` cases (the reported index alone: a common word's page is there), then
asks the FTS table for the candidates (at most `CANDIDATES`) and reads, sorts and pages those; more candidates than that means a
common word, and the newest-first scan finds a page quickly. On PostgreSQL the words are
`LIKE` conditions the GIN index serves, and the planner chooses between it and the
newest-first scan from pg_trgm's statistics.
"""
from __future__ import annotations

import logging

from sqlalchemy import text

log = logging.getLogger("xiaonao.server")

FTS = "cases_fts"
TRGM_INDEX = "ix_cases_words_trgm"
MIN_WORD = 3                 # trigrams: a shorter word cannot be looked up
CANDIDATES = 2000            # more than this from the index: a common word, scan newest first

_SQLITE_DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(words, content='cases', content_rowid='rowid', "
    "tokenize='trigram')",
    # (new rows: `index_new`; the insert trigger of migration 0005 goes, migration 0012)
    f"DROP TRIGGER IF EXISTS {FTS}_ai",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_ad AFTER DELETE ON cases BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, words) VALUES ('delete', old.rowid, old.words); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_au AFTER UPDATE OF words ON cases WHEN old.words IS NOT new.words BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, words) VALUES ('delete', old.rowid, old.words); "
    f"INSERT INTO {FTS}(rowid, words) VALUES (new.rowid, new.words); END",
]


def install(conn, build: bool = True) -> bool:
    """Create the index on this connection (in its transaction); `build`: index the rows
    already in `cases` (a migration; an empty table needs nothing). Returns whether there is
    an index now."""
    if conn.dialect.name == "sqlite":
        for ddl in _SQLITE_DDL:
            conn.execute(text(ddl))
        if build:
            conn.execute(text(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')"))
        return True
    if conn.dialect.name == "postgresql":
        try:
            with conn.begin_nested():
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except Exception as e:  # no privilege, or the extension is not installed
            log.warning("the archive's search index needs PostgreSQL's pg_trgm extension, which could not be "
                        "created (%s); searches scan the cases instead. A superuser can run "
                        "'CREATE EXTENSION pg_trgm' in this database, then 'xiaonao-server upgrade' "
                        "(docs/operations.md)", str(e).splitlines()[0])
            return False
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON cases USING gin (words gin_trgm_ops)"))
        return True
    return False


def last_rowid(conn) -> int:
    """SQLite: the newest row of `cases` (rows inserted after it get greater rowids)."""
    from .store import driver_sql
    return driver_sql(conn, "SELECT max(rowid) FROM cases").fetchone()[0] or 0


def index_new(conn, after: int) -> None:
    """SQLite: index the rows of `cases` inserted after rowid `after` (in the writer's
    transaction, after its insert)."""
    from .store import driver_sql
    driver_sql(conn, f"INSERT INTO {FTS}(rowid, words) SELECT rowid, words FROM cases WHERE rowid > ?", (after,))


def rebuild(conn) -> None:
    """SQLite: index every row of `cases` again (after rows were copied in by plain inserts)."""
    if conn.dialect.name == "sqlite" and indexed(conn):
        conn.execute(text(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')"))


def indexed(conn) -> bool:
    """Whether this database has the search index."""
    if conn.dialect.name == "sqlite":
        return conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = :n"), {"n": FTS}).first() is not None
    if conn.dialect.name == "postgresql":
        return conn.execute(text("SELECT 1 FROM pg_indexes WHERE indexname = :n"), {"n": TRGM_INDEX}).first() \
            is not None
    return False


def include_name(name, type_, parent_names) -> bool:
    """For Alembic's comparisons: the index's own objects are not the models' (server/store.py)."""
    if type_ == "table" and name and (name == FTS or name.startswith(FTS + "_")):
        return False
    return not (type_ == "index" and name == TRGM_INDEX)


def fts_query(words: list[str]) -> str:
    """An FTS5 query: every word as a phrase (its trigrams in a row: a substring)."""
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in words)


def like_pattern(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
