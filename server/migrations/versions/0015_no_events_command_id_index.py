"""The log's `command_id` index goes: nothing reads the log by command id (a resend is found
in `commands`, keyed by account and id), and every event paid for an entry in it: one more
B-tree insert an event (a string key of ~45 bytes); a 1M import's file 2,658 -> 2,624 MiB.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04
"""
from __future__ import annotations

from alembic import op
from sqlalchemy import inspect

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    if any(ix["name"] == "ix_events_command_id" for ix in inspect(conn).get_indexes("events")):
        op.drop_index("ix_events_command_id", table_name="events")


def downgrade() -> None:
    raise NotImplementedError("the server database is migrated forward only; restore a backup to go back")
