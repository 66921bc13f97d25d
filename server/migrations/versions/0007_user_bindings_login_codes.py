"""Accounts bound to a department or to grids (the `department` and `community` roles), and
one-time login codes (`xiaonao-server user code`): a short code, stored hashed, that logs a
phone in once before it expires.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()                      # safe to run again (see 0008)
    have = {c["name"] for c in sa.inspect(conn).get_columns("users")}
    if "department" not in have:
        op.add_column("users", sa.Column("department", sa.String(40), nullable=True))
    if "grids" not in have:
        op.add_column("users", sa.Column("grids", sa.String(400), nullable=True))
    if "login_codes" in sa.inspect(conn).get_table_names():
        return
    op.create_table(
        "login_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("user", sa.String(60), sa.ForeignKey("users.name", ondelete="CASCADE"), nullable=False),
        sa.Column("created", sa.Float(), nullable=False),
        sa.Column("expires", sa.Float(), nullable=False),
        sa.Column("used", sa.Float(), nullable=True),
    )


def downgrade() -> None:
    raise NotImplementedError("the server database is migrated forward only; restore a backup to go back")
