"""The groups' days (server/kpihours.py): the cases' KPI facts added up by category, area and
squad per UTC day, kept with the case rows, so that a year's aggregates by group read ~13,000
small rows instead of a year of cases' index entries. Built here from the cases, 50,000 at a
time in id order (each batch's sums added to the table: no sort of the whole history at
once). Idempotent: the table is made if missing and its sums worked out again.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""
from __future__ import annotations

import logging

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

log = logging.getLogger("xiaonao.migrations")


def upgrade() -> None:
    from server import kpihours
    from server.store import Base
    conn = op.get_bind()
    Base.metadata.tables[kpihours.GROUPS].create(conn, checkfirst=True)
    kpihours.rebuild_groups(conn, progress=lambda n: log.info("the groups' days: %d cases counted", n))


def downgrade() -> None:
    raise NotImplementedError("the server database is migrated forward only; restore a backup to go back")
