"""The closed cases' index covers what the aggregates count of them (merged, on scene,
rating, and the category, area and squad they are grouped by): a year of closings is read
from the index, not the cases' rows.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""
from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from server.store import CLOSED_COLUMNS
    op.execute("DROP INDEX IF EXISTS ix_cases_closed")
    op.create_index("ix_cases_closed", "cases", list(CLOSED_COLUMNS))


def downgrade() -> None:
    raise NotImplementedError("the server database is migrated forward only; restore a backup to go back")
