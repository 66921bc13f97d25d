"""Evidence files: `files` (one row per stored file, by SHA-256) and `file_uploads` (who
uploaded which bytes).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    have = set(sa.inspect(op.get_bind()).get_table_names())    # safe to run again (see 0008)
    if "files" in have and "file_uploads" in have:
        return
    op.create_table(
        "files",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("name", sa.String(200), nullable=False, server_default=""),
        sa.Column("width", sa.Integer),
        sa.Column("height", sa.Integer),
        sa.Column("duration", sa.Float),
        sa.Column("taken_at", sa.String(30)),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("created_by", sa.String(60), nullable=False),
        sa.Column("case_hint", sa.String(40)),
    )
    op.create_table(
        "file_uploads",
        sa.Column("file_id", sa.String(64), primary_key=True),
        sa.Column("user", sa.String(60), primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the server database is migrated forward only; restore a backup to go back")
