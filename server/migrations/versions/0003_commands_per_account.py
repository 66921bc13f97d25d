"""Command ids scoped per account: the commands table is keyed by (actor, id) and keeps a
digest of each command's name and arguments (a resend has the same digest; the same
account reusing an id for another command gets `conflict`). Rows from before have no
digest: a resend of them is acknowledged as before.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":        # SQLite cannot change a primary key in place
        op.drop_index("ix_commands_seq", table_name="commands")
        op.rename_table("commands", "commands_v2")
        op.create_table(
            "commands",
            sa.Column("actor", sa.String(60), nullable=False),
            sa.Column("id", sa.String(80), nullable=False),
            sa.Column("seq", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(60), nullable=False),
            sa.Column("peer", sa.String(80), nullable=True),
            sa.Column("at", sa.String(30), nullable=False),
            sa.Column("digest", sa.String(40), nullable=True),
            sa.PrimaryKeyConstraint("actor", "id"),
        )
        op.execute("INSERT INTO commands (actor, id, seq, name, peer, at) "
                   "SELECT actor, id, seq, name, peer, at FROM commands_v2")
        op.drop_table("commands_v2")
        op.create_index("ix_commands_seq", "commands", ["seq"])
        return
    op.execute("ALTER TABLE commands DROP CONSTRAINT commands_pkey")
    op.execute("ALTER TABLE commands ADD PRIMARY KEY (actor, id)")
    op.add_column("commands", sa.Column("digest", sa.String(40), nullable=True))


def downgrade() -> None:
    # fails if two accounts used the same id since the upgrade (ids were global before)
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_commands_seq", table_name="commands")
        op.rename_table("commands", "commands_v3")
        op.create_table(
            "commands",
            sa.Column("id", sa.String(80), primary_key=True),
            sa.Column("seq", sa.Integer(), nullable=False),
            sa.Column("actor", sa.String(60), nullable=False),
            sa.Column("name", sa.String(60), nullable=False),
            sa.Column("peer", sa.String(80), nullable=True),
            sa.Column("at", sa.String(30), nullable=False),
        )
        op.execute("INSERT INTO commands (id, seq, actor, name, peer, at) "
                   "SELECT id, seq, actor, name, peer, at FROM commands_v3")
        op.drop_table("commands_v3")
        op.create_index("ix_commands_seq", "commands", ["seq"])
        return
    op.drop_column("commands", "digest")
    op.execute("ALTER TABLE commands DROP CONSTRAINT commands_pkey")
    op.execute("ALTER TABLE commands ADD PRIMARY KEY (id)")
