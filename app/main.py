"""`xiaonao`: the cockpit.

    xiaonao                                   embedded demo server + simulator, logged in locally
    xiaonao --server ws://HOST:PORT --user NAME [--password-stdin]
    xiaonao --wall [--screen N]               read-only video-wall mode
    xiaonao --lang zh_CN|en                   language (default: the system's)
    xiaonao --screenshot FILE [--size WxH]    render the first complete frame to PNG and exit

One start-up sequence (logging, Qt application, language, theme, event loop, server or
link, room state, window) and one shutdown path, hooked to the application's quit.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time

log = logging.getLogger("xiaonao")


# the embedded server's and simulator's loggers: a line per command at --verbose only
CHATTY_LOGGERS = ("xiaonao.server", "xiaonao.ws", "xiaonao.sim", "alembic")


def configure_logging(verbose: bool) -> None:
    """INFO for the cockpit; the embedded demo's per-command lines only with --verbose (its
    summary, 'demo history played', is the cockpit's own)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("xiaonao").setLevel(logging.INFO)
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="xiaonao", description="Xiaonao street command-room cockpit")
    p.add_argument("--server", help="ws://HOST:PORT/ws or wss://HOST:PORT/ws of a Xiaonao server "
                                    "(default: an embedded demo)")
    p.add_argument("--ca", metavar="FILE", help="for wss://: trust the server certificates signed by this CA "
                                                 "(PEM) instead of the system's CAs")
    p.add_argument("--insecure", action="store_true",
                   help="allow sending the password over unencrypted ws:// to another machine")
    p.add_argument("--user", help="user name on that server")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.add_argument("--wall", action="store_true", help="read-only video-wall mode")
    p.add_argument("--screen", type=int, default=None, help="screen number for the wall (or the window)")
    p.add_argument("--lang", choices=["zh_CN", "en"], help="language")
    p.add_argument("--screenshot", metavar="FILE", help="render the first complete frame to a PNG and exit")
    p.add_argument("--size", default=None, help="window size for --screenshot, e.g. 1920x1080")
    p.add_argument("--speed", type=float, default=1.0, help="demo simulation speed")
    p.add_argument("--seed", type=int, default=None, help="demo simulation seed")
    p.add_argument("--demo-db", help="database file for the embedded demo")
    p.add_argument("--demo-hours", type=float, default=None,
                   help="hours of demo history played on a fresh demo database (default 6; 0: none)")
    p.add_argument("--simulate", action=argparse.BooleanOptionalAction, default=True,
                   help="run the demo street's simulator (--no-simulate: a quiet room, only what you do)")
    p.add_argument("--rotate", type=float, default=20.0, help="seconds per wall page")
    p.add_argument("--wall-page", type=int, default=1, metavar="N",
                   help="the page the wall shows first (1 today, 2 map and squads, 3 performance)")
    p.add_argument("--verbose", action="store_true",
                   help="log every command the embedded demo server handles (default: a summary)")
    p.add_argument("--cache", help="local cache file (default: per server and user in the data directory)")
    p.add_argument("--keep-days", type=float, default=30.0,
                   help="days of closed cases kept in memory and in the queue; older ones stay in the "
                        "local archive, found with 'Search older cases' (0: keep everything; default 30)")
    p.add_argument("--lock-after", type=float, default=600.0,
                   help="lock the cockpit after this many seconds without input (0: never; default 600)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    configure_logging(args.verbose)
    if args.screenshot and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.server and not args.user:
        print("xiaonao: --server needs --user", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else None

    import qasync
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app import i18n, qtlog
    from widgets.style import apply_theme

    qtlog.install(args.verbose)              # Qt's library-probing lines only with --verbose
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    from app.gc_main import MainThreadGC
    setattr(app, "_gc", MainThreadGC(app))    # kept alive with the app: Qt objects are collected on this thread only
    app.setApplicationName("Xiaonao")
    app.setOrganizationName("Xiaonao")
    settings = QSettings("Xiaonao", "cockpit")
    lang = args.lang or settings.value("language") or i18n.default_language()
    i18n.install(lang)
    apply_theme(app, zoom=float(str(settings.value("zoom", 1.0))))
    from app import automation
    automation.install(app)             # XIAONAO_WIDGET_MAP: where each named widget is (tests)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    controller = Cockpit(app, args, password, settings, lang)
    try:
        controller.start()
    except RuntimeError as e:
        print(f"xiaonao: {e}", file=sys.stderr)
        return 1
    with loop:
        code = loop.run_until_complete(controller.finished)
    if controller.window is not None:
        controller.window.deleteLater()
    controller.window = None
    app.processEvents()
    return code


def check_screen(n: int, screens) -> None:
    """Refuse a screen number that does not exist, naming the screens there are."""
    if not 0 <= n < len(screens):
        names = ", ".join(f"{i}: {s.name() or 'screen'} {s.geometry().width()}x{s.geometry().height()}"
                          for i, s in enumerate(screens))
        raise RuntimeError(f"there is no screen {n}; the screens are {names or 'none'}")


class Cockpit:
    """The start-up sequence and the single shutdown path."""

    def __init__(self, app, args, password, settings, lang):
        self.app, self.args, self.password, self.settings, self.lang = app, args, password, settings, lang
        self.embedded = None
        self.window = None
        self.finished = asyncio.get_event_loop().create_future()

    def start(self) -> None:
        from platformdirs import user_data_dir
        from PySide6.QtGui import QGuiApplication

        from client.cachefile import default_cache_path
        from client.qtlink import LinkService
        from models.qt.room import RoomState, Selection
        args = self.args
        if args.screen is not None:          # before anything starts: a wrong number is a clear error
            check_screen(args.screen, QGuiApplication.screens())
        if not args.server and not args.screenshot:
            self._show_startup_progress()
        token = None
        token_store = None
        if args.server:
            from client.tokens import KeyringTokens
            token_store = KeyringTokens(args.server, args.user)     # the system keyring, never the cache
            url, user = args.server, args.user
            cache = args.cache or default_cache_path(url, user)
        else:
            from app.embedded import DEMO_USER, WALL_USER, EmbeddedServer, demo_db_path
            from app.instance import own_or_join, write_info
            db = args.demo_db or demo_db_path()
            # one embedded server per data folder: the first instance runs it, others join it
            self.instance_lock, joined = own_or_join(db)
            if joined is None:
                try:
                    from app.embedded import BACKFILL_HOURS
                    hours = BACKFILL_HOURS if args.demo_hours is None else args.demo_hours
                    self.embedded = EmbeddedServer(db, speed=args.speed, seed=args.seed, backfill_hours=hours,
                                                   simulate=args.simulate,
                                                   history=args.simulate or args.demo_hours is not None).start()
                except BaseException:
                    if self.instance_lock is not None:
                        self.instance_lock.unlock()
                    raise
                url, tokens = self.embedded.url, self.embedded.tokens
                write_info(db, url, tokens)
            else:
                url, tokens = joined.url, joined.tokens
            user = WALL_USER if args.wall else DEMO_USER
            token = tokens[user]
            cache = args.cache or os.path.join(user_data_dir("xiaonao", appauthor=False), "cache", f"embedded-{user}.db")
        self.link = LinkService(url, user, self.password, token, cache_path=cache,
                                retain_days=args.keep_days if args.keep_days > 0 else None,
                                ca_file=args.ca, insecure=args.insecure, token_store=token_store)
        self.room = RoomState()
        self.room.user = user
        self.room.attach(self.link)
        if getattr(self.app, "_gc", None) is not None:
            self.app._gc.follow(self.room)
        self.selection = Selection()
        self.selection.sig_case.connect(self.link.pin)      # the case on screen is never archived
        self.link.sig_link.connect(self._link_changed)
        self.build_window()
        self._close_startup_progress()
        self.app.setQuitOnLastWindowClosed(False)
        self.app.lastWindowClosed.connect(self.request_quit)
        self.link.start()
        if args.screenshot:
            self._screenshot_deadline = time.monotonic() + 30
            self._wait_for_first_frame()

    def _show_startup_progress(self) -> None:
        """A window at once while the embedded demo starts (its history takes seconds)."""
        from app.embedded import EmbeddedServer
        from app.startup import StartupProgress
        win = StartupProgress()
        win.show()
        win.set_progress(0.0)
        EmbeddedServer.waiting = win.set_progress
        self.startup: StartupProgress | None = win

    def _close_startup_progress(self) -> None:
        win = getattr(self, "startup", None)
        if win is not None:
            from app.embedded import EmbeddedServer
            EmbeddedServer.waiting = None
            win.close()
            win.deleteLater()
            self.startup = None

    def build_window(self) -> None:
        from PySide6.QtGui import QGuiApplication
        if self.window is not None:
            self.window.save_layout() if hasattr(self.window, "save_layout") else None
            self.window.hide()
            self.window.deleteLater()
        args = self.args
        if args.wall:
            from app.wall import WallWindow
            size = self._size()
            scale = (size[1] / 1080 * 1.35) if size else None
            self.window = WallWindow(self.room, self.link, scale=scale, rotate_s=args.rotate)
            self.window.show_page(min(max(args.wall_page, 1), self.window.pages.count()) - 1)
        else:
            from app.mainwindow import MainWindow
            self.window = MainWindow(self.room, self.link, self.selection, self.settings)
            self.window.sig_language.connect(self.switch_language)
            self.window.sig_zoom.connect(lambda _z: self.build_window())   # every panel at the new size
            if args.server and args.lock_after > 0 and not args.screenshot:
                from app.lock import IdleLock
                self.lock = IdleLock(self.window, args.server, args.user, args.lock_after, ssl=self.link.link.ssl,
                                     insecure=args.insecure)
        screens = QGuiApplication.screens()
        if args.screen is not None and 0 <= args.screen < len(screens):
            self.window.setScreen(screens[args.screen])
            self.window.move(screens[args.screen].geometry().topLeft())
        size = self._size()
        if size:
            self.window.resize(*size)
            self.window.show()
        elif args.wall:
            # the screen's size first: without a window manager (a kiosk X session, Xvfb) the
            # full-screen state alone is not acted on and the wall stayed a 1280x720 window
            self.window.setGeometry(self._screen().geometry())
            self.window.showFullScreen()
        elif hasattr(self.window, "has_saved_layout") and not self.window.has_saved_layout():
            self.window.setGeometry(self._screen().availableGeometry())   # the same without a window manager
            self.window.showMaximized()        # the first start: the whole screen (a 1600x950 window overflows 1366x768)
        else:
            self.window.show()
        if self.room.state.get("seq"):
            self.room.sig_reset.emit()

    def _screen(self):
        from PySide6.QtGui import QGuiApplication
        screens = QGuiApplication.screens()
        if self.args.screen is not None and 0 <= self.args.screen < len(screens):
            return screens[self.args.screen]
        return QGuiApplication.primaryScreen()

    def _size(self):
        if self.args.size:
            w, h = self.args.size.lower().split("x")
            return int(w), int(h)
        if self.args.screenshot:
            return (1920, 1080)
        return None

    def switch_language(self, lang: str) -> None:
        from app import i18n
        self.settings.setValue("language", lang)
        i18n.install(lang)
        self.lang = lang
        self.build_window()

    @property
    def login_dialog(self):
        """The login dialog asked last (the server refused the session), None before."""
        return getattr(self, "_login", None)

    def _link_changed(self, status) -> None:
        if status.state == "auth_failed" and not self.args.wall and self.args.server and not self.args.screenshot \
                and status.error != "insecure":                 # a password would not help
            from app.login import LoginDialog
            # the first time it just asks; a red message only after a password was refused
            tried = getattr(self, "_login_tried", False) or self.password is not None
            dlg = LoginDialog(self.args.user, status.message if tried else "", self.window)
            dlg.accepted.connect(lambda: self._relogin(dlg.user(), dlg.password()))
            dlg.open()
            self._login = dlg

    def _relogin(self, user: str, password: str) -> None:
        self._login_tried = True
        self.link.relogin(user, password)

    def _wait_for_first_frame(self) -> None:
        from PySide6.QtCore import QTimer
        ready = bool(self.room.state.get("teams")) and (self.link.status.state == "online" or
                                                         self.room.age is not None)
        if ready or time.monotonic() > self._screenshot_deadline:
            QTimer.singleShot(1500, self._take_screenshot)     # let the coalesced views draw once
        else:
            QTimer.singleShot(100, self._wait_for_first_frame)

    def _take_screenshot(self) -> None:
        from PySide6.QtWidgets import QApplication
        QApplication.processEvents()
        pix = self.window.grab()
        ok = pix.save(self.args.screenshot, "PNG")
        print(f"screenshot {'saved to' if ok else 'FAILED:'} {self.args.screenshot} ({pix.width()}x{pix.height()}); "
              f"showing {len(self.room.state['cases'])} cases and {len(self.room.state['teams'])} squads; "
              f"link {self.link.status.state}", flush=True)
        self._exit_code = 0 if ok else 1
        self.request_quit()

    def request_quit(self) -> None:
        """The one shutdown path: save the layout, close the link (its cache is flushed),
        stop the embedded server, then let the event loop end."""
        if getattr(self, "_quitting", False):
            return
        self._quitting = True
        try:
            self.app.lastWindowClosed.disconnect(self.request_quit)
        except (RuntimeError, TypeError):
            pass
        if self.window is not None and hasattr(self.window, "save_layout"):
            self.window.save_layout()
        if getattr(self, "lock", None) is not None:
            self.lock.stop()

        async def stop():
            try:
                await asyncio.wait_for(self.link.shutdown(), 5)
            except Exception:  # noqa: BLE001
                log.exception("link shutdown")
            if self.embedded:
                from app.instance import remove_info
                remove_info(self.embedded.db_path)
                await asyncio.get_running_loop().run_in_executor(None, self.embedded.stop)
            if getattr(self, "instance_lock", None) is not None:
                self.instance_lock.unlock()
            if not self.finished.done():
                self.finished.set_result(getattr(self, "_exit_code", 0))
        self._stop_task = asyncio.ensure_future(stop())


if __name__ == "__main__":
    sys.exit(main())
