"""The cockpit's bridge from the headless ServerLink to Qt, through qasync.

LinkService is a QObject: widgets connect to its signals and call its slots; they never
await. It owns the ServerLink task and routes its errors to the log.
"""
from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Signal

from .evidence import Evidence, EvidenceListener
from .files import FileError
from .session import RETAIN_DAYS, LinkStatus, ServerLink, SessionListener
from .tasks import TaskSet

log = logging.getLogger("xiaonao.link")


def _alive(callback) -> Callable:
    """`callback`, unless it is a method of a Qt object deleted meanwhile (a dialog closed while
    its query was on the way): then a no-op, rather than "Internal C++ object already deleted"."""
    owner = getattr(callback, "__self__", None)

    def call(*args):
        if isinstance(owner, QObject) and not shiboken6.isValid(owner):
            return None
        return callback(*args)
    return call


class LinkService(QObject, SessionListener, EvidenceListener):
    """Signals:
        sig_reset(dict, object): the whole state was replaced; age in seconds or None when live.
        sig_events(list): events applied to the state (as they arrive; RoomState coalesces).
        sig_history(list): ids of older cases paged in from the cache after the first frame
            (or brought back from the archive).
        sig_archived(list): ids of closed cases that aged out of memory into the archive.
        sig_archive_found(str, list, bool): an archive search's text, the ids it brought
            into the state, and whether there were more than it brings.
        sig_link(object): a LinkStatus.
        sig_command(str, str, dict): command id, outcome (pending/acked/refused), details.
        sig_welcome(dict): logged in (user, role, team_id).
        sig_upload(dict): a file attached to a case is queued, uploading (`progress`),
            attaching, sent or refused (`code`, `message`): client/evidence.py.
    """
    # `object`, never `dict`/`list`: PySide copies those, and the room must hold the link's
    # own state, which the reducer keeps current.
    sig_reset = Signal(object, object)
    sig_events = Signal(object)
    sig_history = Signal(object)
    sig_archived = Signal(object)
    sig_archive_found = Signal(str, object, bool)
    sig_link = Signal(object)
    sig_command = Signal(str, str, object)
    sig_welcome = Signal(object)
    sig_upload = Signal(object)

    def __init__(self, url: str, user: str | None, password: str | None = None, token: str | None = None,
                 cache_path=None, ssl=None, parent: QObject | None = None, retain_days: float | None = RETAIN_DAYS,
                 clock: Callable[[], float] = time.time, ca_file: str | None = None, insecure: bool = False,
                 token_store=None):
        QObject.__init__(self, parent)
        self.link = ServerLink(url, user, password, token, cache_path=cache_path,
                               listener=self, ssl=ssl, retain_days=retain_days, clock=clock, ca_file=ca_file,
                               insecure=insecure, token_store=token_store)
        self.evidence = Evidence(self.link, cache_path=cache_path, listener=self)
        self.link.hold = self.evidence.hold_reason      # a feedback or close waits for its case's photos
        self._task: asyncio.Task | None = None
        self._tasks = TaskSet(lambda e: log.error("link task failed", exc_info=e))

    # SessionListener, called on the loop (= GUI) thread
    def on_reset(self, state, age):
        self.sig_reset.emit(state, age)

    def on_events(self, events):
        self.sig_events.emit(events)

    def on_history(self, case_ids):
        self.sig_history.emit(case_ids)

    def on_archived(self, case_ids):
        self.sig_archived.emit(case_ids)

    def on_link(self, status: LinkStatus):
        if status.state == "online":
            self.evidence.wake()
        self.sig_link.emit(status)

    def on_command(self, cid, outcome, detail):
        self.evidence.command_result(cid, outcome, detail)
        self.sig_command.emit(cid, outcome, dict(detail))

    def on_upload(self, row):
        self.sig_upload.emit(row)

    def on_welcome(self, welcome):
        self.sig_welcome.emit(welcome)

    @property
    def state(self) -> dict:
        return self.link.state

    @property
    def status(self) -> LinkStatus:
        return self.link.status

    @property
    def role(self) -> str | None:
        return self.link.role

    def start(self) -> None:
        """Show the cached state at once, then connect and stay connected."""
        async def go():
            try:
                await self.link.open_cache()
            except Exception:
                log.exception("could not read the local cache; starting empty")
            await self.evidence.open()          # after the outbox: an attach already in it is not sent twice
            self._spawn(self.evidence.run())
            await self.link.run()
        self._task = self._spawn(go())

    def _spawn(self, coro) -> asyncio.Task:
        return self._tasks.spawn(coro)

    def submit(self, name: str, args: dict, cid: str | None = None) -> str:
        """Issue a command; returns its id (its events carry it as `command_id`); its fate
        arrives on sig_command."""
        cid = cid or str(uuid.uuid4())
        self._spawn(self.link.submit(name, args, cid))
        return cid

    @property
    def retain_days(self) -> float | None:
        """Days of closed cases kept in memory; older ones are in the archive (None: no archive)."""
        return self.link.retain_days if self.link.archive_before() is not None else None

    def pin(self, case_id: str) -> None:
        """The case the operator is looking at: it stays in memory, however old."""
        self.link.pinned = {case_id} if case_id else set()

    def search_archive(self, text: str) -> None:
        """Search the archive; the cases found join the state (sig_history), then
        sig_archive_found says what was found."""
        async def go():
            ids, more = await self.link.search_archive(text)
            self.sig_archive_found.emit(text, ids, more)
        self._spawn(go())

    def query(self, kind: str, args: dict, done) -> None:
        """Ask the server a query (docs/protocol.md); `done(data, error)` is called on the Qt
        thread with the data, or None and the QueryFailed."""
        from .session import QueryFailed
        done = _alive(done)

        async def go():
            try:
                data = await self.link.query(kind, args)
            except QueryFailed as e:
                done(None, e)
            else:
                done(data, None)
        self._spawn(go())

    def replay(self, lo: str, hi: str, done, progress=None) -> None:
        """Fetch a past range of the room from the server (client/replay.py, `query.replay`)
        without touching the live state; `done(replay, error)` on the Qt thread with the
        Replay, or None and the QueryFailed; `progress(fraction)` as pages arrive."""
        from .replay import fetch
        from .session import QueryFailed
        done = _alive(done)
        progress = _alive(progress) if progress is not None else None

        async def go():
            try:
                rp = await fetch(lambda args: self.link.query("query.replay", args, timeout=60.0), lo, hi, progress)
            except QueryFailed as e:
                done(None, e)
            else:
                done(rp, None)
        self._spawn(go())

    def dismiss(self, cid: str) -> None:
        self._spawn(self.link.dismiss(cid))

    def relogin(self, user: str, password: str) -> None:
        self.link.set_credentials(user, password)

    def admin(self, name: str, args: dict, done) -> None:
        """An account operation (admin role); done(result or None, code, message, details) on the
        GUI thread (details: what the server said of a refusal, e.g. its policy's `reason`)."""
        done = _alive(done)

        async def go():
            from .session import AdminRefused
            try:
                result = await self.link.admin(name, args)
            except AdminRefused as e:
                done(None, e.code, e.message, e.details)
            else:
                done(result, "", "", {})
        self._spawn(go())

    def logout(self, done=None) -> None:
        """End the session on the server; the link stops; then done() if given."""
        async def go():
            try:
                await self.link.logout()
            finally:
                if done is not None:
                    done()
        self._spawn(go())

    # ---- evidence (client/evidence.py) ---------------------------------------------
    def fetch_thumbnail(self, att: dict, case_id: str, done, rendition: str = "thumb") -> None:
        """A thumbnail's bytes, from the local cache or the server: done(bytes, "") or
        done(None, why) on the Qt thread."""
        async def go():
            try:
                body = await self.evidence.thumbnail(att, case_id, rendition)
            except FileError as e:
                done(None, e.message or e.code)
            else:
                done(body, "")
        self._spawn(go())

    def cached_thumbnails(self, att_ids: list[str], done) -> None:
        """What the local cache holds of these thumbnails, in one read: done({id: bytes})."""
        async def go():
            try:
                got = await self.evidence.thumbnails_cached(att_ids)
            except Exception:
                log.exception("could not read thumbnails from the local cache")
                got = {}
            done(got)
        self._spawn(go())

    def fetch_original(self, att: dict, case_id: str, done, rendition: str = "original") -> None:
        """The original (or preview) as a local file: done(path, "") or done("", why)."""
        async def go():
            try:
                path = await self.evidence.original(att, case_id, rendition)
            except FileError as e:
                done("", e.message or e.code)
            except OSError as e:
                done("", e.strerror or str(e))
            else:
                done(str(path), "")
        self._spawn(go())

    def attach_file(self, case_id: str, label: str, source, name: str | None = None, note: str = "",
                    done=None) -> None:
        """Queue a file (a path, or bytes such as a pasted image) for the case; its fate is
        on sig_upload. done(row or None, why) once it is safely queued (or could not be read)."""
        async def go():
            try:
                row = await self.evidence.attach(case_id, label, source, name=name, note=note)
            except OSError as e:
                if done is not None:
                    done(None, e.strerror or str(e))
            else:
                if done is not None:
                    done(row, "")
        self._spawn(go())

    def uploads(self, case_id: str | None = None) -> list[dict]:
        return self.evidence.pending(case_id)

    def dismiss_upload(self, cid: str) -> None:
        self._spawn(self.evidence.dismiss(cid))

    async def shutdown(self) -> None:
        await self.evidence.close()
        await self.link.stop()
        if self._task:
            self._task.cancel()
