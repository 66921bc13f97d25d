"""The KPI facts in the cases projection (models.kpi.case_facts): whether a case was
dispatched within its limit, the seconds from the call to on scene, its repeat calls; and
the indexes the aggregates read instead of the cases (ix_cases_stats with those columns,
ix_cases_closed with the reported time). The columns are worked out here from each case's
JSON with the same function the server uses (about a minute at 1M cases).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    import orjson

    from models.sla import PROFILES
    from server.projection import kpi_columns
    from server.store import STATS_COLUMNS
    op.add_column("cases", sa.Column("dispatch_ok", sa.Boolean(), nullable=True))
    op.add_column("cases", sa.Column("arrival_s", sa.Float(), nullable=True))
    op.add_column("cases", sa.Column("repeat_calls", sa.Integer(), nullable=True))
    conn = op.get_bind()
    head = conn.execute(sa.text("SELECT head FROM room WHERE id = 1")).scalar()
    profile = PROFILES.get((orjson.loads(head).get("sla_profile") if head else None) or "1310", PROFILES["1310"])
    cases = sa.table("cases", sa.column("id"), sa.column("body"), sa.column("dispatch_ok"),
                     sa.column("arrival_s"), sa.column("repeat_calls"))
    upd = sa.update(cases).where(cases.c.id == sa.bindparam("cid")).values(
        dispatch_ok=sa.bindparam("dispatch_ok"), arrival_s=sa.bindparam("arrival_s"),
        repeat_calls=sa.bindparam("repeat_calls"))
    last = ""
    while True:
        rows = conn.execute(sa.select(cases.c.id, cases.c.body).where(cases.c.id > last)
                            .order_by(cases.c.id).limit(5000)).all()
        if not rows:
            break
        conn.execute(upd, [{"cid": cid, **kpi_columns(orjson.loads(body), profile)} for cid, body in rows])
        last = rows[-1][0]
    op.drop_index("ix_cases_stats", table_name="cases")
    op.create_index("ix_cases_stats", "cases", list(STATS_COLUMNS))
    op.drop_index("ix_cases_closed", table_name="cases")
    op.create_index("ix_cases_closed", "cases", ["closed", "reported"])


def downgrade() -> None:
    raise NotImplementedError("the server database is migrated forward only; restore a backup to go back")
