"""The cases projection (one row per case, indexed for the window, search and aggregates),
the room row (the state without its cases) and the squads' rows, and an index on commands.seq (the newest ids are
read at start). The projection is built by replaying the log from the newest snapshot blob;
the blobs are then deleted (the projection replaces them).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("no", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("category", sa.String(40), nullable=True),
        sa.Column("source", sa.String(20), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=True),
        sa.Column("area", sa.String(40), nullable=True),
        sa.Column("grid", sa.String(40), nullable=True),
        sa.Column("squad", sa.String(40), nullable=True),
        sa.Column("reported", sa.String(30), nullable=False),
        sa.Column("closed", sa.String(30), nullable=True),
        sa.Column("updated", sa.String(30), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("sla", sa.String(10), nullable=True),
        sa.Column("on_scene", sa.Boolean(), nullable=True),
        sa.Column("merged", sa.Boolean(), nullable=False),
        sa.Column("words", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_cases_status_updated", "cases", ["status", "updated"])
    op.create_index("ix_cases_reported_words", "cases", ["reported", "id", "words"])
    op.create_index("ix_cases_closed", "cases", ["closed"])
    op.create_table(
        "room",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("head", sa.Text(), nullable=False),
        sa.Column("street", sa.Text(), nullable=True),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("body", sa.Text(), nullable=False),
    )
    op.create_index("ix_commands_seq", "commands", ["seq"])
    # build the projection from the log (the same code the server's start runs for a
    # projection that is behind), on this migration's connection
    from server.projection import catch_up
    from server.store import EventStore
    store = EventStore.on_connection(op.get_bind())
    catch_up(store)
    op.execute("DELETE FROM snapshots")


def downgrade() -> None:
    raise NotImplementedError("the server database is migrated forward only; restore a backup to go back")
