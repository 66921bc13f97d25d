"""Baseline: the schema as the first release made it (`meta.schema` = 1, no alembic_version).

A database from before Alembic is recognised by its tables and stamped with this revision
by `xiaonao-server upgrade` before the later revisions run.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(30), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("actor", sa.String(60), nullable=True),
        sa.Column("command_id", sa.String(80), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
    )
    op.create_index("ix_events_command_id", "events", ["command_id"])
    op.create_table(
        "commands",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(60), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("peer", sa.String(80), nullable=True),
        sa.Column("at", sa.String(30), nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("name", sa.String(60), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("team_id", sa.String(40), nullable=True),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.Float(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user", sa.String(60), sa.ForeignKey("users.name", ondelete="CASCADE"), nullable=False),
        sa.Column("expires", sa.Float(), nullable=False),
    )
    op.create_table(
        "snapshots",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("state", sa.Text(), nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float(), nullable=False),
        sa.Column("user", sa.String(60), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("peer", sa.String(80), nullable=True),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the server database is migrated forward only; restore a backup to go back")
