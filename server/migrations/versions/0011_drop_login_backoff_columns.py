"""The login back-off lives in server/auth.py (in memory, per account and network): the
columns the first release kept it in, `users.failed_logins` and `users.locked_until`, go.

SQLite drops them in place (ALTER TABLE ... DROP COLUMN, batch mode without a copy): a
copied `users` table would cascade the delete of the old one to the accounts' tokens and
login codes. Safe to run again (see 0008): a column already gone is left alone.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

GONE = ("failed_logins", "locked_until")


def upgrade() -> None:
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("users")}
    drop = [c for c in GONE if c in have]
    if not drop:
        return
    with op.batch_alter_table("users", recreate="never") as batch:
        for name in drop:
            batch.drop_column(name)


def downgrade() -> None:
    raise NotImplementedError("the server database is migrated forward only; restore a backup to go back")
