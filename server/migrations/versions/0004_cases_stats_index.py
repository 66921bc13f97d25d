"""A covering index for the archive's aggregates (reported, category, area, squad, status,
sla, rating, on_scene): a year's figures read the index, not the cases' rows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_cases_stats", "cases",
                    ["reported", "category", "area", "squad", "status", "sla", "rating", "on_scene"])


def downgrade() -> None:
    raise NotImplementedError("the server database is migrated forward only; restore a backup to go back")
