"""`xiaonao-server`: init a database, manage users, import cases, serve."""
from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import sys
import time

from models.domain import ROLES
from models.reports import ReportError
from models.street import StreetError, load_street
from models.timeutil import iso

from .auth import hash_password
from .store import EventStore, StoreError

DEFAULT_DB = "sqlite:///xiaonao.db"


def init_db(url: str, street_path: str | None) -> int:
    """Create the schema and append the street as event 1. Returns the head seq."""
    street = load_street(street_path)
    store = EventStore(url)
    try:
        store.create()
        head = store.head()
        if head:
            raise StoreError(f"database {url!r} is already initialised (head seq {head})")
        store.append([{"seq": 1, "at": iso(time.time()), "name": "street.loaded", "actor": "admin",
                       "command_id": None, "data": {"street": street}}], [])
        return 1
    finally:
        store.dispose()


def add_user(url: str, name: str, role: str, password: str, team_id: str | None = None) -> None:
    if role not in ROLES:
        raise StoreError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if len(password) < 8:
        raise StoreError("the password must have at least 8 characters")
    if role == "field" and not (team_id or "").strip():
        raise StoreError("a field user needs its squad: add --team SQUAD (e.g. --team W01)")
    store = EventStore(url)
    try:
        store.check_initialised()
        if role == "field":
            first = store.events_after(0, 1, 1)
            squads = [sq["id"] for sq in (first[0]["data"].get("street") or {}).get("squads", [])] if first else []
            if squads and team_id not in squads:
                raise StoreError(f"no squad {team_id!r} in this street; one of {', '.join(squads)}")
        store.add_user(name, role, hash_password(password), team_id)
    finally:
        store.dispose()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="xiaonao-server", description="Xiaonao central server")
    sub = p.add_subparsers(dest="cmd", required=True)
    pi = sub.add_parser("init", help="create the database and load a street")
    pi.add_argument("--db", default=DEFAULT_DB, help="database URL (default %(default)s)")
    pi.add_argument("--street", default="demo", help="street TOML file, or 'demo'")
    pu = sub.add_parser("user", help="manage users")
    usub = pu.add_subparsers(dest="ucmd", required=True)
    pa = usub.add_parser("add", help="add or update a user")
    pa.add_argument("name")
    pa.add_argument("--role", required=True, choices=ROLES)
    pa.add_argument("--team", help="the squad of a field user")
    pa.add_argument("--db", default=DEFAULT_DB)
    pa.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    ps = sub.add_parser("serve", help="serve cockpits over WebSockets")
    ps.add_argument("--db", default=DEFAULT_DB)
    ps.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback only)")
    ps.add_argument("--port", type=int, default=8765)
    ps.add_argument("--cert", help="TLS certificate (PEM) for wss://")
    ps.add_argument("--key", help="TLS private key (PEM)")
    ps.add_argument("--simulate", action="store_true", help="run the demo-street simulator")
    ps.add_argument("--speed", type=float, default=1.0, help="simulation speed factor")
    ps.add_argument("--seed", type=int, default=1, help="simulation seed")
    ps.add_argument("--report-dir", help="write yesterday's daily report (PDF and XLSX) here each day")
    ps.add_argument("--report-at", default="06:00", help="local time of the daily report (default %(default)s)")
    ps.add_argument("--report-lang", default="zh_CN", choices=("zh_CN", "en"))
    pr = sub.add_parser("report", help="write a daily, weekly, monthly report or a bulletin (通报)")
    pr.add_argument("kind", choices=("daily", "weekly", "monthly", "bulletin"))
    pr.add_argument("--date", help="a day in the period, YYYY-MM-DD (default: yesterday)")
    pr.add_argument("--format", default="pdf", help="pdf, xlsx or both: pdf,xlsx (default %(default)s)")
    pr.add_argument("--out", default=".", help="folder to write to (default: here)")
    pr.add_argument("--db", default=DEFAULT_DB)
    pr.add_argument("--lang", default="zh_CN", choices=("zh_CN", "en"))
    pr.add_argument("--personal", action="store_true",
                    help="show names and phones (needs --as-user, a leader or admin; audited)")
    pr.add_argument("--as-user", help="the account exporting the report (recorded in the audit log)")
    pim = sub.add_parser("import", help="report cases from a JSON-lines or CSV file")
    pim.add_argument("file")
    pim.add_argument("--db", default=DEFAULT_DB)
    pim.add_argument("--as-user", default="import", help="the actor recorded for the imported cases")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    try:
        if args.cmd == "init":
            init_db(args.db, args.street)
            print(f"initialised {args.db} with street {args.street}")
        elif args.cmd == "user":
            if args.password_stdin:
                password = sys.stdin.readline().rstrip("\n")
            else:
                import getpass
                password = getpass.getpass(f"password for {args.name}: ")
            add_user(args.db, args.name, args.role, password, args.team)
            print(f"user {args.name} ({args.role}) saved")
        elif args.cmd == "serve":
            if bool(args.cert) != bool(args.key):
                raise StoreError("--cert and --key go together")
            return asyncio.run(_serve(args))
        elif args.cmd == "report":
            from models.reports import parse_date

            from .reports import export, yesterday
            day = parse_date(args.date) if args.date else yesterday()
            formats = [f.strip() for f in args.format.split(",") if f.strip()]
            for path in export(args.db, args.kind, day, formats, args.out, args.lang, args.personal,
                               args.as_user):
                print(path)
        elif args.cmd == "import":
            from .intake import import_file
            report = import_file(args.db, args.file, args.as_user)
            for line in report.lines():
                print(line)
            return 0 if report.accepted or not report.rejected else 1
    except (StoreError, StreetError, FileNotFoundError, ReportError) as e:
        print(f"xiaonao-server: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


async def _serve(args) -> int:
    from .app import XiaonaoServer
    schedule = None
    if args.report_dir:
        from .reports import DailySchedule
        schedule = DailySchedule(args.db, args.report_dir, args.report_at, args.report_lang)
    clock = None
    if args.simulate:
        from .simulator import SimClock
        clock = SimClock(speed=args.speed)        # the server stamps events in simulated time
    server = XiaonaoServer(args.db, args.host, args.port, args.cert, args.key,
                           **({"clock": clock} if clock else {}))
    try:
        await server.start()
    except OSError as e:
        if e.errno in (errno.EADDRINUSE, errno.EACCES):
            print(f"xiaonao-server: port {args.port} on {args.host} is in use or not allowed; "
                  "choose another with --port", file=sys.stderr)
            return 2
        raise
    print(f"xiaonao-server listening on {server.url}", flush=True)
    sim = None
    if args.simulate:
        from .simulator import Simulator
        sim = Simulator(server.hub, seed=args.seed, clock=clock)
        sim.start()
    if schedule:
        schedule.start()
    try:
        await asyncio.Future()
    finally:
        if schedule:
            await schedule.stop()
        if sim:
            await sim.stop()
        await server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
