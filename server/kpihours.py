"""The KPI facts of the cases projection added up by UTC hour (table `kpi_hours`), so that a
year's aggregates by day read ~17,500 rows, not the index entries of ~180,000 cases twice
(on PostgreSQL under load 1.6-2.1 s: two hourly groupings sorted on disk, then folded).

Two cohorts, as `EventStore.kpi_counts` counts them: `r`, the cases *reported* in the hour
(how many, closed since, repeat calls, dispatched and within the limit, arrived and within
3/5/8/10 minutes: every shipped profile's on-scene target, on-scene closures, SLA met and
judged, rated, satisfied, the sum of ratings) and `c`, the cases *closed* in it (not merged,
those on scene, rated, satisfied).

Kept in the same transaction as the projection rows it sums: `EventStore`'s upsert of case
rows (every writer goes through it: the hub, `catch_up`, the bench generators) reads the
rows' old facts, then adds the differences (an import's batch of 500 new cases: one or two
hours, one or two rows); retention subtracts the cases it deletes; a restore from an export
rebuilds it. Migration 0013 builds it from the cases. A profile whose target is not one of
the four, or a time zone off the whole hour, is counted from the cases as before.

The same facts are also kept per group and UTC day (table `kpi_group_days`: for each of
category, area and squad, the day's sums of each value), for the aggregates by group: a year
by squad reads ~13,000 small rows instead of the index entries of ~180,000 cases (SQLite
0.6-2.9 s under load). A day, not an hour: a group's figures are over the whole span, so
only its two ends (a part of a day each) are counted from the cases; by hour the table
would hold about as many rows as there are cases. Kept by the same writers in the same
transaction; a case that changes group (re-dispatched to another squad) leaves the old
group's day and joins the new one. Migration 0014 builds it from the cases in batches. A
case without the value (a squad never dispatched) is kept under the key '' and read as
None.
"""
from __future__ import annotations

import operator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, and_, bindparam, case, cast, func, insert, literal, select, text
from sqlalchemy.sql import column, table

TABLE = "kpi_hours"
GROUPS = "kpi_group_days"
DIMS = ("category", "area", "squad")   # the projection's columns the aggregates group by
TARGETS = (180, 300, 480, 600)          # s: the on-scene targets counted (every shipped profile's)
FIELDS = ("n", "n_closed", "repeat_calls", "dispatched", "dispatch_ok", "arrived", "arr180", "arr300", "arr480",
          "arr600", "on_scene", "sla_met", "sla_judged", "rated", "satisfied", "rating_sum")
FACTS = ("id", "reported", "closed", "status", "repeat_calls", "dispatch_ok", "arrival_s", "on_scene", "sla", "rating",
         "merged", *DIMS)
_ZERO = (0,) * len(FIELDS)


def reported_facts(r: dict) -> tuple[int, ...]:
    """A projection row's part of its reported hour (FIELDS)."""
    a, rating, ok = r.get("arrival_s"), r.get("rating"), r.get("dispatch_ok")
    arrived = a is not None
    return (1, int(r.get("status") == "closed"), int(r.get("repeat_calls") or 0), int(ok is not None),
            int(ok is True or ok == 1), int(arrived), *(int(a is not None and a <= t) for t in TARGETS),
            int(r.get("on_scene") is True or r.get("on_scene") == 1), int(r.get("sla") == "met"),
            int(r.get("sla") in ("met", "late")), int(rating is not None), int(rating is not None and rating >= 4),
            int(rating or 0))


def closed_facts(r: dict) -> tuple[int, ...]:
    """A projection row's part of its closed hour (n: not merged; on_scene: and on scene)."""
    done = not r.get("merged")
    rating = r.get("rating")
    f = dict.fromkeys(FIELDS, 0)
    f["n_closed"] = 1                   # (every closed case, merged too: an hour that has one is there)
    f["n"] = int(done)
    f["on_scene"] = int(done and (r.get("on_scene") is True or r.get("on_scene") == 1))
    f["rated"] = int(rating is not None)
    f["satisfied"] = int(rating is not None and rating >= 4)
    return tuple(f[k] for k in FIELDS)


def _add(acc: dict, key: tuple[str, ...], facts: tuple[int, ...], sign: int) -> None:
    sums = acc.get(key)
    if sums is None:
        acc[key] = facts if sign == 1 else tuple(-f for f in facts)
    else:                               # (map over the tuples: half the time of a loop over the fields)
        acc[key] = tuple(map(operator.add if sign == 1 else operator.sub, sums, facts))


def contributions(rows, sign: int, acc: dict, groups: dict | None = None) -> None:
    """Add (sign 1) or take away (-1) rows' facts into acc: (kind, hour) -> FIELDS, and
    into `groups` if given: (day, kind, category, area, squad) -> FIELDS (`apply` adds them
    to each of the three groups: one sum a row here, not three)."""
    for r in rows:
        rep = r.get("reported")
        if rep:
            f = reported_facts(r)
            _add(acc, ("r", rep[:13]), f, sign)
            if groups is not None:
                _add(groups, (rep[:10], "r", r.get("category") or "", r.get("area") or "", r.get("squad") or ""),
                     f, sign)
        closed = r.get("closed")
        if closed:
            f = closed_facts(r)
            _add(acc, ("c", closed[:13]), f, sign)
            if groups is not None:
                _add(groups, (closed[:10], "c", r.get("category") or "", r.get("area") or "", r.get("squad") or ""),
                     f, sign)


def present(conn) -> bool:
    from sqlalchemy import inspect
    return inspect(conn).has_table(TABLE)


def groups_present(conn) -> bool:
    from sqlalchemy import inspect
    return inspect(conn).has_table(GROUPS)


def old_facts(conn, ids: list[str]) -> list[dict]:
    """The facts the projection holds now for these case ids (those it has): the driver's
    own statement (the expanding IN's compilation was most of the cost of a small batch's)."""
    out: list[dict] = []
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        sql = f"SELECT {', '.join(FACTS)} FROM cases WHERE id IN ({', '.join([mark] * len(part))})"
        if conn.dialect.name == "sqlite":
            from .store import driver_sql
            found = driver_sql(conn, sql, tuple(part))
        else:
            found = conn.exec_driver_sql(sql, tuple(part))
        out += [dict(zip(FACTS, r)) for r in found]
    return out


_PARTS: dict[str, tuple[str, str]] = {}     # a table: its INSERT (...) and ON CONFLICT ... parts
_KEYS = {TABLE: ("kind", "hour"), GROUPS: ("dim", "day", "kind", "key")}


def _upsert_add(conn, name: str, rows: list[tuple]) -> None:
    """INSERT the rows (the table's key, then FIELDS), or add their FIELDS to those there: the
    driver's own statement with tuples (SQLAlchemy's binding of each row's parameters was
    ~20 us a row, the most of an import batch's sums); on SQLite multi-row statements
    (`store.sqlite_rows`: the driver stepped, and waited for the GIL, once a row)."""
    parts = _PARTS.get(name)
    if parts is None:
        keys = _KEYS[name]
        parts = _PARTS[name] = (
            f"INSERT INTO {name} ({', '.join((*keys, *FIELDS))})",
            f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
            + ", ".join(f"{f} = {name}.{f} + excluded.{f}" for f in FIELDS))
    head, tail = parts
    if conn.dialect.name == "sqlite":
        from .store import sqlite_rows
        sqlite_rows(conn, head, tail, len(rows[0]), [v for r in rows for v in r])
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(f"{head} VALUES ({', '.join([mark] * len(rows[0]))}){tail}", rows)


def apply(conn, acc: dict, groups: dict | None = None) -> None:
    """Add the differences in acc (and groups) to the tables (rows that change nothing are
    left out)."""
    rows = [(*k, *v) for k, v in acc.items() if any(v)]
    if rows:
        _upsert_add(conn, TABLE, rows)
    if groups:
        by_dim: dict = {}
        for (day, kind, *values), v in groups.items():
            if any(v):
                for dim, value in zip(DIMS, values):
                    _add(by_dim, (dim, day, kind, value), v, 1)
        rows = [(*k, *v) for k, v in by_dim.items() if any(v)]
        if rows:
            _upsert_add(conn, GROUPS, rows)


def written(conn, rows: list[dict], groups: bool = True, after: int | None = None) -> None:
    """Before case rows are upserted (in the same transaction): their differences from what
    the projection holds for them, into the hours (and the groups' days, if `groups`: the
    database has them). `after` (SQLite: the greatest rowid of `cases` before the upsert):
    the rows of ids the projection does not hold yet are left out here, for `added` to sum
    once they are in (an import's new cases: SQLite adds them up, not Python)."""
    last = {r["id"]: r for r in rows}           # (the last row of an id is the one that stays)
    acc: dict = {}
    by_group: dict | None = {} if groups else None
    old = old_facts(conn, list(last))
    contributions(old, -1, acc, by_group)
    if after is None:
        contributions(last.values(), 1, acc, by_group)
    elif old:
        held = {r["id"] for r in old}
        contributions([r for k, r in last.items() if k in held], 1, acc, by_group)
    apply(conn, acc, by_group)


# (SQLite) each cohort's FIELDS as sums over the rows of `cases`, as reported_facts and
# closed_facts count a row: `added`'s statements
def _when(cond: str) -> str:
    return f"count(CASE WHEN {cond} THEN 1 END)"


_REPORTED_SUMS = ("count(*)", _when("status = 'closed'"), "coalesce(sum(repeat_calls), 0)", "count(dispatch_ok)",
                  _when("dispatch_ok = 1"), "count(arrival_s)", *(_when(f"arrival_s <= {t}") for t in TARGETS),
                  _when("on_scene = 1"), _when("sla = 'met'"), _when("sla IN ('met', 'late')"), "count(rating)",
                  _when("rating >= 4"), "coalesce(sum(rating), 0)")
_CLOSED_SUMS = {"n": _when("NOT merged"), "n_closed": "count(*)", "on_scene": _when("NOT merged AND on_scene = 1"),
                "rated": "count(rating)", "satisfied": _when("rating >= 4")}
_ADDED: dict[bool, list[str]] = {}


def _added_sql(groups: bool) -> list[str]:
    """A statement for the hours and one a dimension of the groups, each cohort's part of it
    a SELECT of a UNION ALL (two parameters: the rowid, twice). (The three dimensions in one
    statement, the cases joined to their names, took 4 % more instructions than these.)"""
    out = _ADDED.get(groups)
    if out is not None:
        return out
    sums = {"r": ", ".join(_REPORTED_SUMS), "c": ", ".join(_CLOSED_SUMS.get(f, "0") for f in FIELDS)}

    def statement(name: str, part) -> str:
        keys = _KEYS[name]
        return (f"INSERT INTO {name} ({', '.join((*keys, *FIELDS))}) "
                + " UNION ALL ".join(part(kind, when) for kind, when in (("r", "reported"), ("c", "closed")))
                + f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
                + ", ".join(f"{f} = {name}.{f} + excluded.{f}" for f in FIELDS))

    def new(when: str) -> str:
        return f"c.rowid > ? AND c.{when} IS NOT NULL AND c.{when} <> ''"
    out = [statement(TABLE, lambda kind, when: f"SELECT '{kind}', substr(c.{when}, 1, 13), {sums[kind]} "
                                               f"FROM cases c WHERE {new(when)} GROUP BY 2")]
    for dim in (DIMS if groups else ()):
        out.append(statement(GROUPS, lambda kind, when, dim=dim: (
            f"SELECT '{dim}', substr(c.{when}, 1, 10), '{kind}', coalesce(c.{dim}, ''), {sums[kind]} "
            f"FROM cases c WHERE {new(when)} GROUP BY 2, 4")))
    _ADDED[groups] = out
    return out


def added(conn, after: int, groups: bool = True) -> None:
    """SQLite, after case rows were upserted: the sums of the new ones (rowid > `after`, the
    rows `written` left out) added to the hours (and the groups' days), by SQLite: a statement
    for the hours and one a dimension of the groups (an import's batch: the Python sums were
    ~1/3 of its commit's instructions)."""
    from .store import driver_sql
    for sql in _added_sql(groups):
        driver_sql(conn, sql, (after, after))


def deleted(conn, ids: list[str], groups: bool = True) -> None:
    """Before case rows are deleted: their facts leave the hours (and the groups' days)."""
    acc: dict = {}
    by_group: dict | None = {} if groups else None
    contributions(old_facts(conn, ids), -1, acc, by_group)
    apply(conn, acc, by_group)


def _sums(c, when) -> dict[str, Any]:
    """FIELDS as SQL sums over the cases' columns: the reported cohort (`when` is
    c.reported) or the closed one (c.closed), as reported_facts / closed_facts count them."""
    def n(cond) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)
    if when is c.c.reported:
        return dict(zip(FIELDS, (
            func.count(), n(c.c.status == "closed"), func.coalesce(func.sum(c.c.repeat_calls), 0),
            func.count(c.c.dispatch_ok), n(c.c.dispatch_ok == True), func.count(c.c.arrival_s),  # noqa: E712
            *(n(c.c.arrival_s <= float(t)) for t in TARGETS), n(c.c.on_scene == True),  # noqa: E712
            n(c.c.sla == "met"), n(c.c.sla.in_(("met", "late"))), func.count(c.c.rating), n(c.c.rating >= 4),
            func.coalesce(func.sum(cast(c.c.rating, Integer)), 0))))
    done = c.c.merged == False  # noqa: E712
    zero = literal(0, Integer)
    by_name = {"n_closed": func.count(), "n": n(done), "on_scene": n(and_(done, c.c.on_scene == True)),  # noqa: E712
               "rated": func.count(c.c.rating), "satisfied": n(c.c.rating >= 4)}
    return {f: by_name.get(f, zero) for f in FIELDS}


def rebuild(conn) -> None:
    """The hours worked out again from every case (a migration, a restore); the groups'
    days too where the database has them (rebuild_groups)."""
    conn.execute(text(f"DELETE FROM {TABLE}"))
    c = table("cases", *(column(n) for n in FACTS))
    kh = table(TABLE, *(column(n) for n in ("kind", "hour", *FIELDS)))
    for kind, when in (("r", c.c.reported), ("c", c.c.closed)):
        hour = func.substr(when, 1, 13)
        sums = _sums(c, when)
        q = select(literal(kind, String), hour, *(sums[f] for f in FIELDS)).where(when.is_not(None)).group_by(hour)
        conn.execute(insert(kh).from_select(["kind", "hour", *FIELDS], q))
    if groups_present(conn):
        rebuild_groups(conn)


BATCH = 50_000


def rebuild_groups(conn, batch: int = BATCH, progress=None) -> None:
    """The groups' days worked out again from every case, `batch` cases (in id order) at a
    time: each batch's sums by (dim, day, kind, key) added to the table in one statement
    (no grouping of the whole history at once: memory and sort space stay those of a batch)."""
    conn.execute(text(f"DELETE FROM {GROUPS}"))
    c = table("cases", *(column(n) for n in FACTS))
    g = table(GROUPS, *(column(n) for n in (*_KEYS[GROUPS], *FIELDS)))
    from sqlalchemy.dialects import postgresql, sqlite
    upsert: Any = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statements = []
    for dim in DIMS:
        key = func.coalesce(c.c[dim], "")
        for kind, when in (("r", c.c.reported), ("c", c.c.closed)):
            day = func.substr(when, 1, 10)
            sums = _sums(c, when)
            q = (select(literal(dim, String), day, literal(kind, String), key, *(sums[f] for f in FIELDS))
                 .where(when.is_not(None), c.c.id > bindparam("lo"), c.c.id <= bindparam("hi"))
                 .group_by(day, key))
            ins: Any = upsert(g).from_select([*_KEYS[GROUPS], *FIELDS], q)
            statements.append(ins.on_conflict_do_update(
                index_elements=list(_KEYS[GROUPS]), set_={f: g.c[f] + ins.excluded[f] for f in FIELDS}))
    lo = ""
    done = 0
    while True:
        hi = conn.execute(text("SELECT id FROM cases WHERE id > :lo ORDER BY id LIMIT 1 OFFSET :k"),
                          {"lo": lo, "k": batch - 1}).scalar()
        last = hi is None
        if last:
            hi = conn.execute(text("SELECT MAX(id) FROM cases")).scalar()
            if hi is None or hi <= lo:
                return
        for st in statements:
            conn.execute(st, {"lo": lo, "hi": hi})
        done += batch
        if progress is not None:
            progress(done)
        if last:
            return
        lo = hi


# ---- reading -------------------------------------------------------------------------

def split(lo: str, hi: str) -> tuple[str, str] | None:
    """The whole UTC hours [h1, h2) inside [lo, hi) (ISO bounds), as 13-character keys; the
    rest, [lo, h1) and [h2, hi), is counted from the cases. None when there are none."""
    try:
        start = datetime.strptime(lo[:13], "%Y-%m-%dT%H") if len(lo) >= 13 else \
            datetime.strptime(lo[:10], "%Y-%m-%d") - timedelta(hours=1)
        end = datetime.strptime(hi[:13], "%Y-%m-%dT%H") if len(hi) >= 13 else datetime.strptime(hi[:10], "%Y-%m-%d")
    except ValueError:
        return None
    h1 = (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H")
    h2 = end.strftime("%Y-%m-%dT%H")
    return (h1, h2) if h1 < h2 else None


def _names(target_s: float) -> tuple[str, ...]:
    """The sums in `EventStore.kpi_counts`' order for the reported cohort."""
    return ("n", "n_closed", "repeat_calls", "dispatched", "dispatch_ok", "arrived", "arr480",
            f"arr{int(target_s)}", "on_scene", "sla_met", "sla_judged", "rated", "satisfied", "rating_sum")


def hours(conn, h1: str, h2: str, target_s: float, tz_minutes: int) -> tuple[list[tuple], list[tuple]]:
    """The table's hours in [h1, h2) added up by local day (at tz_minutes from UTC, whole
    hours) in the database, as `EventStore.kpi_counts` gives its rows but keyed by the day
    (YYYY-MM-DD): (reported rows, closed rows). A year: ~730 rows."""
    if conn.dialect.name == "postgresql":
        day = f"to_char(CAST(hour || ':00:00' AS timestamp) + {int(tz_minutes)} * interval '1 minute', 'YYYY-MM-DD')"
    else:
        day = f"strftime('%Y-%m-%d', hour || ':00:00', '{int(tz_minutes):+d} minutes')"
    q = text(f"SELECT kind, {day} AS day, {', '.join(f'SUM({f})' for f in _names(target_s))} FROM {TABLE} "
             "WHERE kind IN ('r', 'c') AND hour >= :a AND hour < :b GROUP BY kind, day")
    rep, shut = [], []
    for r in conn.execute(q, {"a": h1, "b": h2}).all():
        f = [int(x or 0) for x in r[2:]]
        if not any(f):                   # (a day whose cases all left: as if it had none)
            continue
        if r[0] == "r":
            rep.append((r[1], None, *f))
        else:
            shut.append((r[1], None, f[0], f[8], f[11], f[12]))     # n, on_scene, rated, satisfied
    return rep, shut


def span_sums(conn, h1: str, h2: str, target_s: float) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The table's hours in [h1, h2) added up: (the reported cohort's sums in
    `EventStore.kpi_counts`' order, the closed cohort's: n, on_scene, rated, satisfied)."""
    q = text(f"SELECT kind, {', '.join(f'SUM({f})' for f in _names(target_s))} FROM {TABLE} "
             "WHERE kind IN ('r', 'c') AND hour >= :a AND hour < :b GROUP BY kind")
    rep: tuple[int, ...] = (0,) * 14
    shut: tuple[int, ...] = (0,) * 4
    for r in conn.execute(q, {"a": h1, "b": h2}).all():
        f = tuple(int(x or 0) for x in r[1:])
        if r[0] == "r":
            rep = f
        else:
            shut = (f[0], f[8], f[11], f[12])
    return rep, shut


def split_days(lo: str, hi: str) -> tuple[str, str] | None:
    """The whole UTC days [d1, d2) inside [lo, hi) (ISO bounds), as 10-character keys (a
    case's ISO time t is in them exactly when d1 <= t < d2 as strings); the rest, [lo, d1)
    and [d2, hi), is counted from the cases. None when there are none."""
    try:
        start = datetime.strptime(lo[:10], "%Y-%m-%d")
        datetime.strptime(hi[:10], "%Y-%m-%d")
    except ValueError:
        return None
    d1 = lo[:10] if len(lo) == 10 else (start + timedelta(days=1)).strftime("%Y-%m-%d")
    d2 = hi[:10]
    return (d1, d2) if d1 < d2 else None


def group_sums(conn, dim: str, d1: str, d2: str, target_s: float) -> tuple[list[tuple], list[tuple]]:
    """The groups' days in [d1, d2) added up by the `dim` column's value (category, area or
    squad), as `EventStore.kpi_counts` gives its rows for `by=dim` without time: (reported
    rows, closed rows), keyed by the value (None for a case without one)."""
    if dim not in DIMS:
        raise ValueError(dim)
    q = text(f"SELECT kind, key, {', '.join(f'SUM({f})' for f in _names(target_s))} FROM {GROUPS} "
             "WHERE dim = :d AND day >= :a AND day < :b GROUP BY kind, key")
    rep, shut = [], []
    for r in conn.execute(q, {"d": dim, "a": d1, "b": d2}).all():
        f = [int(x or 0) for x in r[2:]]
        if not any(f):                   # (a group whose cases all left: as if it had none)
            continue
        key = r[1] or None
        if r[0] == "r":
            rep.append((None, key, *f))
        else:
            shut.append((None, key, f[0], f[8], f[11], f[12]))     # n, on_scene, rated, satisfied
    return rep, shut


def usable(target_s: float) -> bool:
    return float(target_s).is_integer() and int(target_s) in TARGETS
