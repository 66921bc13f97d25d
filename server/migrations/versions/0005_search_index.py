"""The archive's search index (server/searchindex.py): on SQLite an FTS5 trigram table over
cases.words kept by triggers, on PostgreSQL a pg_trgm GIN index of cases.words (the
extension created if this account may; otherwise searches keep scanning, and the server
says so). The rows already in `cases` are indexed here (about a minute at 1M cases).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from server import searchindex
    searchindex.install(op.get_bind(), build=True)


def downgrade() -> None:
    raise NotImplementedError("the server database is migrated forward only; restore a backup to go back")
