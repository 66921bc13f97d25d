"""The KPI hours (server/kpihours.py): the cases' KPI facts added up by UTC hour, kept with the
case rows, so that a year's aggregates by day read ~17,500 rows instead of ~180,000 cases'
index entries twice. Built here from the cases (one grouping pass: seconds at 1M cases).
Idempotent: the table is made if missing and its sums worked out again.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""
from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from server import kpihours
    from server.store import Base
    conn = op.get_bind()
    Base.metadata.tables[kpihours.TABLE].create(conn, checkfirst=True)
    kpihours.rebuild(conn)


def downgrade() -> None:
    raise NotImplementedError("the server database is migrated forward only; restore a backup to go back")
