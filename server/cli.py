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

from .auth import (
    CODE_TTL,
    CODE_TTL_MAX,
    PolicyError,
    check_binding,
    check_name,
    check_password,
    code_hash,
    format_code,
    hash_password,
    new_login_code,
)
from .store import EventStore, StoreError

DEFAULT_DB = "sqlite:///xiaonao.db"
# s: the serving process's GIL switch interval (Python's default is 0.005). The database
# thread gives the GIL up around every SQLite step (each row of each statement of a commit)
# and, while the loop's thread computes, waits a whole interval to have it back each time:
# a commit of 6 commands' events took 15-22 ms (up to 90) instead of 1.2-1.6 ms beside a
# busy loop, for the same ~1 ms of CPU; at 1 ms, 9 ms (up to 21). During a burst whole
# commits waited 50-155 ms so (docs/benchmarks.md, session 10).
SWITCH_INTERVAL = 0.001


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
        from .backup import log_id
        log_id(store)
        return 1
    finally:
        store.dispose()


def _store(url: str) -> EventStore:
    """The store of an existing database (a mistyped SQLite path is said, not created empty)."""
    from pathlib import Path

    from sqlalchemy.engine import make_url
    try:
        u = make_url(url)
    except Exception:  # noqa: BLE001 - EventStore says what is wrong with the URL
        u = None
    if u is not None and u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:") \
            and not Path(u.database).exists():
        raise StoreError(f"no database at {u.database}: create one with "
                         f"`xiaonao-server init --db {url} --street demo` (or check the path)")
    store = EventStore(url)
    try:
        store.check_initialised()
    except Exception:
        store.dispose()
        raise
    return store


def _street(store: EventStore) -> dict | None:
    """The street the database was initialised with (event 1)."""
    first = store.events_after(0, 1, 1)
    return (first[0]["data"].get("street") or None) if first else None


def _binding(store: EventStore, role: str, team_id, department, grids):
    try:
        return check_binding(role, team_id, department, grids, _street(store))
    except PolicyError as e:
        raise StoreError(str(e)) from None


def add_user(url: str, name: str, role: str, password: str, team_id: str | None = None,
             department: str | None = None, grids: str | list[str] | None = None) -> None:
    """Add (or update) a user. A field user needs its squad (`team_id`), a department user
    its department, a community user its grids, each one of the street's."""
    if role not in ROLES:
        raise StoreError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    try:
        check_name(name)
        check_password(password, role, name)
        check_binding(role, team_id, department, grids)      # what is missing, before the database
    except PolicyError as e:
        raise StoreError(str(e)) from None
    store = _store(url)
    try:
        team_id, department, gl = _binding(store, role, team_id, department, grids)
        store.add_user(name, role, hash_password(password), team_id, department, gl)
    finally:
        store.dispose()


def parse_ttl(text: str) -> float:
    """'10m', '2h', '90s', '1d' or seconds -> seconds (60 s to 7 days)."""
    t = (text or "").strip().lower()
    scale = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(t[-1:], None)
    try:
        v = float(t[:-1] if scale else t) * (scale or 1)
    except ValueError:
        raise StoreError(f"--ttl {text!r}: give a time such as 10m, 2h or 1d") from None
    if not 60 <= v <= CODE_TTL_MAX:
        raise StoreError(f"--ttl {text!r}: from 1 minute to {CODE_TTL_MAX / 86400:.0f} days")
    return v


def login_code(url: str, name: str, ttl: float = CODE_TTL) -> tuple[str, float, dict]:
    """A one-time login code for `name` (stored hashed; audited): (code, expires, user)."""
    store = _store(url)
    try:
        user = store.get_user(name)
        if user is None:
            raise StoreError(f"no user {name!r}")
        if user["disabled"]:
            raise StoreError(f"user {name!r} is disabled: enable it first")
        code = new_login_code()
        expires = time.time() + ttl
        store.add_login_code(code_hash(code), name, expires)
        store.audit("cli", "admin.user.code", f"{name} until {iso(expires)}", "cli")
        return code, expires, user
    finally:
        store.dispose()


def code_link(base: str, code: str) -> str:
    """The terminal's address with the code in its fragment (#…: a browser never sends it
    to a server, so it is in no access log)."""
    return f"{base.rstrip('/')}/m/#code={code}"


def default_code_url(db_url: str) -> str:
    """Where phones reach the server when `user code` is given no --url: the embedded demo
    server's address when a running cockpit publishes one beside this SQLite database
    (`server.json`: it listens on a free port, not 8765), else the default serve port."""
    import json
    import os
    from pathlib import Path
    fallback = "http://127.0.0.1:8765"
    if not db_url.startswith("sqlite:///"):
        return fallback
    try:
        info = json.loads((Path(db_url[len("sqlite:///"):]).parent / "server.json").read_text(encoding="utf-8"))
        url, pid = str(info["url"]), int(info.get("pid", 0))
        if pid:
            os.kill(pid, 0)                 # the cockpit that wrote it is still running
    except (OSError, ValueError, KeyError, TypeError):
        return fallback
    if not url.startswith(("ws://", "wss://")):
        return fallback
    base = "http" + url[2:]
    return base[: -len("/ws")] if base.endswith("/ws") else base


def _print_code(args) -> None:
    import segno
    ttl = parse_ttl(args.ttl)
    code, expires, user = login_code(args.db, args.name, ttl)
    link = code_link(args.url or default_code_url(args.db), code)
    bound = {"field": f"squad {user.get('team_id')}", "department": f"department {user.get('department')}",
             "community": f"grids {','.join(user.get('grids') or [])}"}.get(user["role"])
    print(f"one-time login for {args.name} ({user['role']}{', ' + bound if bound else ''}): "
          f"valid once, until {time.strftime('%Y-%m-%d %H:%M', time.localtime(expires))}")
    print(f"  {link}")
    print(f"  code: {format_code(code)}")
    qr = segno.make(link, error="m")
    if args.png:
        qr.save(args.png, scale=8, border=4)
        print(f"  QR code written to {args.png}")
    if args.svg:
        qr.save(args.svg, scale=8, border=4)
        print(f"  QR code written to {args.svg}")
    if not args.no_qr:
        qr.terminal(out=sys.stdout, compact=True)


def set_password(url: str, name: str, password: str) -> None:
    """A new password; the user's tokens stop working and a running server ends their
    live sessions within a second."""
    store = _store(url)
    try:
        user = store.get_user(name)
        if user is None:
            raise StoreError(f"no user {name!r}")
        try:
            check_password(password, user["role"], name)
        except PolicyError as e:
            raise StoreError(str(e)) from None
        store.set_password(name, hash_password(password))
        store.audit("cli", "admin.user.passwd", name, "cli")
    finally:
        store.dispose()


def upgrade_db(url: str) -> tuple[str | None, str]:
    store = EventStore(url)
    try:
        return store.upgrade()
    finally:
        store.dispose()


def set_disabled(url: str, name: str, disabled: bool) -> None:
    store = _store(url)
    try:
        store.set_disabled(name, disabled)
        store.audit("cli", "admin.user." + ("disable" if disabled else "enable"), name, "cli")
    finally:
        store.dispose()


def set_role(url: str, name: str, role: str, team_id: str | None, department: str | None = None,
             grids: str | list[str] | None = None) -> None:
    if role not in ROLES:
        raise StoreError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    try:
        check_binding(role, team_id, department, grids)
    except PolicyError as e:
        raise StoreError(str(e)) from None
    store = _store(url)
    try:
        team_id, department, gl = _binding(store, role, team_id, department, grids)
        store.set_role(name, role, team_id, department, gl)
        store.audit("cli", "admin.user.role", f"{name} -> {role}", "cli")
    finally:
        store.dispose()


def list_users(url: str) -> list[dict]:
    store = _store(url)
    try:
        return store.list_users()
    finally:
        store.dispose()


def _read_password(args, confirm: bool = True) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    import getpass
    pw = getpass.getpass(f"password for {args.name}: ")
    if confirm and sys.stdin.isatty() and getpass.getpass("again: ") != pw:
        raise StoreError("the two passwords differ")
    return pw


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
    pa.add_argument("--department", help="the department of a department user (e.g. police)")
    pa.add_argument("--grids", help="the grids of a community user, comma-separated (e.g. G01,G02)")
    pa.add_argument("--db", default=DEFAULT_DB)
    pa.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    pp = usub.add_parser("passwd", help="set a user's password (ends their sessions)")
    pp.add_argument("name")
    pp.add_argument("--db", default=DEFAULT_DB)
    pp.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    for verb, text in (("disable", "disable a user (ends their sessions)"), ("enable", "enable a disabled user")):
        pd = usub.add_parser(verb, help=text)
        pd.add_argument("name")
        pd.add_argument("--db", default=DEFAULT_DB)
    pr = usub.add_parser("role", help="change a user's role (their sessions reconnect with it)")
    pr.add_argument("name")
    pr.add_argument("role", choices=ROLES)
    pr.add_argument("--team", help="the squad of a field user")
    pr.add_argument("--department", help="the department of a department user")
    pr.add_argument("--grids", help="the grids of a community user, comma-separated")
    pr.add_argument("--db", default=DEFAULT_DB)
    pc = usub.add_parser("code", help="a one-time login link and QR code for the mobile terminal (/m/)")
    pc.add_argument("name")
    pc.add_argument("--ttl", default="10m", help="how long the code works, once (default %(default)s; up to 7d)")
    pc.add_argument("--url", default=None,
                    help="the server's address as phones reach it (default: the running demo cockpit's "
                         "embedded server on this database, else http://127.0.0.1:8765)")
    pc.add_argument("--png", help="also write the QR code to this PNG file")
    pc.add_argument("--svg", help="also write the QR code to this SVG file")
    pc.add_argument("--no-qr", action="store_true", help="print the link and code only")
    pc.add_argument("--db", default=DEFAULT_DB)
    pl = usub.add_parser("list", help="list the users")
    pl.add_argument("--db", default=DEFAULT_DB)
    ps = sub.add_parser("serve", help="serve cockpits over WebSockets")
    ps.add_argument("--db", default=DEFAULT_DB)
    ps.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback only)")
    ps.add_argument("--port", type=int, default=8765)
    ps.add_argument("--cert", help="TLS certificate (PEM) for wss://")
    ps.add_argument("--key", help="TLS private key (PEM)")
    ps.add_argument("--public-url", help="the address residents' phones reach this server at, e.g. "
                                         "https://room.example.cn (the rating links' QR codes); default: the "
                                         "address the terminal asking for one used")
    ps.add_argument("--simulate", action="store_true", help="run the demo-street simulator")
    ps.add_argument("--speed", type=float, default=1.0, help="simulation speed factor")
    ps.add_argument("--seed", type=int, default=1, help="simulation seed")
    ps.add_argument("--no-rota", action="store_true",
                    help="do not start the shifts by the street's rota (on and off duty only by hand)")
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
    ps.add_argument("--keep-days", type=float, default=30.0,
                    help="closed cases updated within this many days stay in memory (default %(default)s); "
                         "older ones are read from the database on demand")
    _retention_args(ps)
    ps.add_argument("--data-dir", help="where evidence files are stored (default: beside a SQLite database, "
                                       "'NAME-files'; for PostgreSQL the user's data folder, xiaonao-server/files)")
    ps.add_argument("--max-photo-mb", type=float, default=20.0, help="largest photo upload (default %(default)s)")
    ps.add_argument("--max-clip-mb", type=float, default=200.0, help="largest clip upload (default %(default)s)")
    ps.add_argument("--max-document-mb", type=float, default=20.0, help="largest PDF upload (default %(default)s)")
    pcs = sub.add_parser("case-sheet", help="print one case on A4 (PDF): its particulars, SLA stages, timeline and "
                                            "evidence thumbnails")
    pcs.add_argument("case_id", help="the case's id, e.g. C000123")
    pcs.add_argument("--out", default=".", help="a folder or a .pdf file to write (default: here)")
    pcs.add_argument("--db", default=DEFAULT_DB)
    pcs.add_argument("--data-dir", help="the server's data directory, where the evidence thumbnails are (default: "
                                        "as serve's)")
    pcs.add_argument("--lang", default="zh_CN", choices=("zh_CN", "en"))
    pcs.add_argument("--personal", action="store_true",
                     help="show names and phones (needs --as-user, a leader or admin; audited)")
    pcs.add_argument("--as-user", help="the account printing the sheet (recorded in the audit log)")
    pk = sub.add_parser("prune", help="remove what the retention settings let go: old closed cases, positions, "
                                      "audit records past their time (docs/operations.md)")
    pk.add_argument("--db", default=DEFAULT_DB)
    pk.add_argument("--keep-days", type=float, default=30.0,
                    help="the serving server's window (its --keep-days; default %(default)s): never pruned")
    _retention_args(pk)
    pup = sub.add_parser("upgrade", help="migrate the database's schema to this release's")
    pup.add_argument("--db", default=DEFAULT_DB)
    pb = sub.add_parser("backup", help="a consistent backup of the database, taken while the server runs")
    pb.add_argument("--db", default=DEFAULT_DB)
    pb.add_argument("--out", required=True, help="the backup file to write")
    pb.add_argument("--format", default="auto", choices=("auto", "sqlite", "pg_dump", "export"),
                    help="auto: SQLite's online backup for SQLite, pg_dump for PostgreSQL where installed, "
                         "else a consistent export of every table")
    pb.add_argument("--data-dir", help="the server's evidence files (its --data-dir; default: beside a SQLite "
                                       "database, NAME-files/): copied into OUT.files.tar after the database")
    pb.add_argument("--no-files", action="store_true", help="the database only, not the evidence files")
    pb.add_argument("--full-files", action="store_true",
                    help="every evidence file into OUT.files.tar (default: only those no earlier backup in OUT's "
                         "folder holds; OUT.files.json names where each file is)")
    prs = sub.add_parser("restore", help="restore a backup into a database (with a new log identity)")
    prs.add_argument("--db", default=DEFAULT_DB)
    prs.add_argument("--from", dest="src", required=True, help="the backup file")
    prs.add_argument("--force", action="store_true",
                     help="replace a database that already holds a log (stop its server first)")
    prs.add_argument("--no-files", action="store_true", help="the database only, not the evidence files")
    prs.add_argument("--data-dir", help="where the evidence files go back (the server's --data-dir; default: "
                                        "beside a SQLite database, NAME-files/), from FROM.files.tar")
    pim = sub.add_parser("import", help="report cases from a JSON-lines or CSV file")
    pim.add_argument("file")
    pim.add_argument("--db", default=DEFAULT_DB, help="write this database directly (no server may hold it)")
    pim.add_argument("--as-user", default="import", help="with --db: the actor recorded for the imported cases")
    pim.add_argument("--data-dir", help="with --db: the server's data directory, where the rows' files are stored "
                                        "(default as for serve)")
    pim.add_argument("--server", help="send the rows through this running server (ws://HOST:PORT/ws), "
                                      "so every console sees them live")
    pim.add_argument("--user", help="with --server: the intake account to report as")
    pim.add_argument("--password-stdin", action="store_true", help="with --server: read the password from stdin")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.cmd != "upgrade":
        # Alembic's schema check says at INFO which plugins it set up: noise between a table's rows
        logging.getLogger("alembic").setLevel(logging.WARNING)

    try:
        if args.cmd == "init":
            init_db(args.db, args.street)
            print(f"initialised {args.db} with street {args.street}")
        elif args.cmd == "user":
            if args.ucmd == "add":
                add_user(args.db, args.name, args.role, _read_password(args), args.team, args.department,
                         args.grids)
                print(f"user {args.name} ({args.role}) saved")
            elif args.ucmd == "passwd":
                set_password(args.db, args.name, _read_password(args))
                print(f"password of {args.name} changed; their sessions are ended")
            elif args.ucmd in ("disable", "enable"):
                set_disabled(args.db, args.name, args.ucmd == "disable")
                print(f"user {args.name} {args.ucmd}d" + ("; their sessions are ended" if args.ucmd == "disable" else ""))
            elif args.ucmd == "role":
                set_role(args.db, args.name, args.role, args.team, args.department, args.grids)
                print(f"user {args.name} is now {args.role}; their sessions reconnect with it")
            elif args.ucmd == "code":
                _print_code(args)
            elif args.ucmd == "list":
                users = list_users(args.db)          # read first: an error prints no header
                print(f"{'name':20} {'role':10} {'bound to':16} {'state':9} sessions")
                for u in users:
                    bound = u["team_id"] or u.get("department") or ",".join(u.get("grids") or []) or "-"
                    print(f"{u['name']:20} {u['role']:10} {bound:16} "
                          f"{'disabled' if u['disabled'] else 'active':9} {u['tokens']}")
        elif args.cmd == "prune":
            from .retention import Retention, RetentionError, prune
            try:
                ret = (_retention(args) or Retention()).check(args.keep_days)
            except RetentionError as e:
                raise StoreError(str(e)) from None
            store = _store(args.db)
            try:
                store.check_initialised()
                done = prune(store, ret, time.time())
            finally:
                store.dispose()
            print(f"pruned from {args.db}: {done}")
        elif args.cmd == "upgrade":
            before, after = upgrade_db(args.db)
            if before == after:
                print(f"{args.db} is up to date (schema revision {after})")
            else:
                print(f"upgraded {args.db}: schema revision {before or 'none'} -> {after}")
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
        elif args.cmd == "case-sheet":
            from .reports import export_case_sheet
            print(export_case_sheet(args.db, args.case_id, args.out, args.lang, args.personal, args.as_user,
                                    data_dir=args.data_dir))
        elif args.cmd == "backup":
            from .backup import backup
            fmt = backup(args.db, args.out, args.format)
            print(f"backed up {args.db} to {args.out} ({fmt})")
            if not args.no_files:
                from .backup import backup_files, files_archive_of
                from .http_files import default_data_dir
                data_dir = args.data_dir or str(default_data_dir(args.db))
                got = backup_files(args.db, data_dir, args.out, full=args.full_files)
                print(f"backed up {got['written']} evidence files ({got['bytes'] / 1e6:.1f} MB) from {data_dir} to "
                      f"{files_archive_of(args.out)}" + (f"; {got['files'] - got['written']} more are in earlier "
                                                          f"backups since {got['base']}" if got["base"] else ""))
        elif args.cmd == "restore":
            from .backup import missing_archives, restore
            gone = [] if args.no_files else missing_archives(args.src)
            if gone:
                raise StoreError(f"the backup's evidence files are also in {', '.join(gone)}, which are not beside "
                                 f"{args.src}: copy them back there, restore from a later full backup, or the "
                                 "database alone with --no-files; nothing was restored")
            head, new_id = restore(args.db, args.src, args.force)
            print(f"restored {args.src} into {args.db}: head seq {head}, new log identity {new_id}")
            if args.no_files:
                return 0
            from .backup import files_archive_of, restore_files
            from .http_files import default_data_dir
            data_dir = args.data_dir or str(default_data_dir(args.db))
            back = restore_files(args.src, data_dir)
            if back is None:
                print(f"{files_archive_of(args.src)} is not there: no evidence files restored (copy the "
                      f"files folder back into {data_dir} yourself)")
            else:
                print(f"restored {back[0]} evidence files ({back[1] / 1e6:.1f} MB) into {data_dir}")
        elif args.cmd == "import":
            from .intake import ImportError_, import_file, import_via_server

            def rejected(row: int, why: str) -> None:
                print(f"row {row}: rejected: {why}", flush=False)
            try:
                if args.server:
                    if not args.user:
                        raise StoreError("--server needs --user (an intake account)")
                    if args.password_stdin:
                        password = sys.stdin.readline().rstrip("\n")
                    else:
                        import getpass
                        password = getpass.getpass(f"password for {args.user}: ")
                    report = import_via_server(args.server, args.user, password, args.file, rejected)
                else:
                    report = import_file(args.db, args.file, args.as_user, rejected, args.data_dir)
            except ImportError_ as e:
                raise StoreError(str(e)) from None
            print(report.summary())
            return 0 if report.accepted or not report.rejected else 1
    except (StoreError, StreetError, FileNotFoundError, ReportError) as e:
        print(f"xiaonao-server: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0


def _retention_args(p) -> None:
    p.add_argument("--retain-days", type=float, default=None,
                   help="closed cases last updated longer ago leave the database (their events are blanked); "
                        "at least --keep-days (default: kept)")
    p.add_argument("--retain-positions-days", type=float, default=None,
                   help="squads' positions (team.moved events) older than this are blanked (default: kept)")
    p.add_argument("--retain-audit-days", type=float, default=None,
                   help="logins and command ids older than this go; at least 183 (six months, MLPS level 3; "
                        "default 365)")


def _retention(args):
    """The Retention the arguments ask for, or None when none was given (serve then prunes nothing)."""
    from .retention import AUDIT_DEFAULT_DAYS, Retention
    if args.retain_days is None and args.retain_positions_days is None and args.retain_audit_days is None:
        return None
    return Retention(args.retain_days, args.retain_positions_days,
                     AUDIT_DEFAULT_DAYS if args.retain_audit_days is None else args.retain_audit_days)


async def _serve(args) -> int:
    from .app import XiaonaoServer
    from .retention import RetentionError
    try:
        retention = _retention(args)
        if retention is not None:
            retention.check(args.keep_days)
    except RetentionError as e:
        print(f"xiaonao-server: {e}", file=sys.stderr)
        return 2
    schedule = None
    if args.report_dir:
        from .reports import DailySchedule
        schedule = DailySchedule(args.db, args.report_dir, args.report_at, args.report_lang)
    clock = None
    if args.simulate:
        from .simulator import SimClock
        clock = SimClock(speed=args.speed)        # the server stamps events in simulated time
    from .files import MB, FileLimits
    files = {"data_dir": args.data_dir,
             "file_limits": FileLimits(photo=int(args.max_photo_mb * MB), clip=int(args.max_clip_mb * MB),
                                       document=int(args.max_document_mb * MB))}
    server = (XiaonaoServer(args.db, args.host, args.port, args.cert, args.key, keep_days=args.keep_days,
                            clock=clock, retention=retention, public_url=args.public_url,
                            follow_rota=not args.no_rota, **files) if clock else
              XiaonaoServer(args.db, args.host, args.port, args.cert, args.key, keep_days=args.keep_days,
                            retention=retention, public_url=args.public_url, follow_rota=not args.no_rota, **files))
    sys.setswitchinterval(SWITCH_INTERVAL)
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
        sim = Simulator(server.hub, seed=args.seed, clock=clock, resident=server.resident)
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
