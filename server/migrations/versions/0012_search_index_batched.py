"""The archive's search index learns new cases from the statement that wrote them
(server/searchindex.py `index_new`, one INSERT ... SELECT a batch) instead of a row trigger
on insert (FTS5 flushed its pending terms for each: an import's third). SQLite only: the
insert trigger of 0005 goes (the delete and update triggers stay). Idempotent.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""
from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        from server import searchindex
        if searchindex.indexed(conn):
            searchindex.install(conn, build=False)     # (drops the insert trigger; the others are there)


def downgrade() -> None:
    raise NotImplementedError("the server database is migrated forward only; restore a backup to go back")
