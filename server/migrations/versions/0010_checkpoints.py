"""Replay checkpoints: the room without its cases (mode, profile, squads) every half hour of
the log's time, so that a past shift is replayed from the newest one before it
(server/replay.py), not from the log's start.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "checkpoints" in sa.inspect(op.get_bind()).get_table_names():
        return                                # safe to run again (see 0008)
    op.create_table(
        "checkpoints",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.String(length=30), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_checkpoints_at", "checkpoints", ["at"])


def downgrade() -> None:
    raise NotImplementedError("the server database is migrated forward only; restore a backup to go back")
