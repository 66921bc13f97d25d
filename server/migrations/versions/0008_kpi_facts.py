"""The KPI facts in the cases projection (models.kpi.case_facts): whether a case was
dispatched within its limit, the seconds from the call to on scene, its repeat calls; and
the indexes the aggregates read instead of the cases (ix_cases_stats with those columns,
ix_cases_closed with the reported time). The columns are worked out here from each case's
JSON with the same function the server uses (about a minute at 1M cases).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    import orjson

    from models.sla import PROFILES
    from server.projection import kpi_columns
    from server.store import STATS_COLUMNS
    conn = op.get_bind()
    have = {c["name"] for c in sa.inspect(conn).get_columns("cases")}
    for col in (sa.Column("dispatch_ok", sa.Boolean(), nullable=True), sa.Column("arrival_s", sa.Float(), nullable=True),
                sa.Column("repeat_calls", sa.Integer(), nullable=True)):
        if col.name not in have:          # (a run cut short may have added them already)
            op.add_column("cases", col)
    head = conn.execute(sa.text("SELECT head FROM room WHERE id = 1")).scalar()
    profile = PROFILES.get((orjson.loads(head).get("sla_profile") if head else None) or "1310", PROFILES["1310"])
    cases = sa.table("cases", sa.column("id"), sa.column("body"), sa.column("dispatch_ok"),
                     sa.column("arrival_s"), sa.column("repeat_calls"))
    upd = sa.update(cases).where(cases.c.id == sa.bindparam("cid")).values(
        dispatch_ok=sa.bindparam("dispatch_ok"), arrival_s=sa.bindparam("arrival_s"),
        repeat_calls=sa.bindparam("repeat_calls"))
    last = ""
    while True:
        rows = conn.execute(sa.select(cases.c.id, cases.c.body).where(cases.c.id > last, cases.c.repeat_calls.is_(None))
                            .order_by(cases.c.id).limit(5000)).all()
        if not rows:
            break
        conn.execute(upd, [{"cid": cid, **kpi_columns(orjson.loads(body), profile)} for cid, body in rows])
        last = rows[-1][0]
    op.execute("DROP INDEX IF EXISTS ix_cases_stats")
    op.create_index("ix_cases_stats", "cases", list(STATS_COLUMNS))
    op.execute("DROP INDEX IF EXISTS ix_cases_closed")
    op.create_index("ix_cases_closed", "cases", ["closed", "reported"])


def downgrade() -> None:
    raise NotImplementedError("the server database is migrated forward only; restore a backup to go back")
