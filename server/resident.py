"""Residents rate the handling of their case through a one-time link or QR code (扫码打分).

The squad's terminal (or the room's cockpit) asks for a case's link (`query.rating_link`):
the server appends `case.rating_link_issued` through the usual pipeline (once; while it
works the same link is shown again) and answers with the link, its QR code and its expiry.
The token is the case's id, the seq of that event and an HMAC of both under a secret kept
in the database's `meta` table: nothing to store, nothing to leak from the log, the same
token each time it is shown, and a forged one is told from a real one without a read.

The resident's phone opens `GET /r/TOKEN` (no login, no script: a server-rendered page,
Chinese first, `?lang=en` for English) with the case's title and date and nothing personal;
`POST /r/TOKEN` (a form: `rating` 1-5, `note`) submits `case.resident_rate` as the role
`resident`: durable before the page says thank you; a second use is refused by the state
(the case is rated) and the page says it was already rated. Every issue, use and refusal is
in the audit log; each network has a request budget (resources/resident_rating.toml).
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import html
import json
import logging
import re
from collections import OrderedDict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from models import rating
from models.commands import Actor, CommandError
from models.timeutil import epoch

from .auth import network_of, peer_host
from .limits import TokenBucket

if TYPE_CHECKING:
    from .app import XiaonaoServer

log = logging.getLogger("xiaonao.resident")

PREFIX = "/r/"
WEB = Path(__file__).resolve().parent / "web" / "r"
STRINGS: dict[str, dict[str, str]] = json.loads((WEB / "strings.json").read_text(encoding="utf-8"))
CSS = (WEB / "r.css").read_bytes()
LANGS = ("zh_CN", "en")
SECRET_KEY = "rating_secret"
MAC_CHARS = 16                       # 80 bits of HMAC in the token
BODY_LIMIT = 16 * 1024
TOKEN_RE = re.compile(r"^(C\d{1,12})-([0-9a-z]{1,12})-([a-z2-7]{16})$")
RESIDENT = Actor("resident", "resident")
CHINA = timezone(timedelta(hours=8))   # the street's clock (the dates residents read)
# the page may load its own style sheet and post its own form; nothing else
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
MAX_NETWORKS = 10_000


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


class ResidentRatings:
    """The rating links of one server: tokens, the query that makes them, the page."""

    def __init__(self, server: XiaonaoServer, rules: rating.RatingRules = rating.RULES,
                 public_url: str | None = None):
        self.server = server
        self.rules = rules
        self.public_url = public_url.rstrip("/") if public_url else None
        self._secret = b""
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    async def start(self) -> None:
        self._secret = (await self.server.hub.run_db(self.server.store.meta_secret, SECRET_KEY)).encode()

    # ---- tokens ----------------------------------------------------------------------
    def _mac(self, case_id: str, seq: int) -> str:
        d = hmac.new(self._secret, f"rate:{case_id}:{seq}".encode(), hashlib.sha256).digest()
        return base64.b32encode(d).decode().lower()[:MAC_CHARS]

    def token(self, case_id: str, seq: int) -> str:
        """The token of the link made by event `seq` on `case_id`: C000123-2n9c-<mac>."""
        return f"{case_id}-{_b36(seq)}-{self._mac(case_id, seq)}"

    def verify(self, token: str) -> tuple[str, int] | None:
        """(case id, seq) of a token this server made; None for anything else."""
        m = TOKEN_RE.match(token or "")
        if m is None:
            return None
        case_id, seq = m.group(1), int(m.group(2), 36)
        if not hmac.compare_digest(self._mac(case_id, seq), m.group(3)):
            return None
        return case_id, seq

    def url(self, token: str, host: str | None = None) -> str:
        """The link a resident opens: the server's public address (serve --public-url), else
        the address the asking terminal reached this server at."""
        base = self.public_url or f"{'https' if self.server.ssl else 'http'}://{host or f'127.0.0.1:{self.server.port}'}"
        return f"{base}{PREFIX}{token}"

    # ---- making a link (query.rating_link) ---------------------------------------------
    async def link(self, actor: Actor, case_id, peer: str, host: str | None = None, qr: bool = True) -> dict:
        """Make (or show again) the case's link: {case_id, token, url, expires, svg}. Raises
        CommandError as the command would (role, case, status, already rated). `qr=False`: no
        QR code drawn (svg None), for the simulator, whose residents never look at one."""
        if not isinstance(case_id, str) or not case_id or len(case_id) > 40:
            raise CommandError("bad_request", "query.rating_link needs a 'case_id'")
        hub = self.server.hub
        before = (hub.state["cases"].get(case_id) or {}).get("rating_link")
        await hub.execute(actor, "case.rating_link", {"case_id": case_id}, None, peer)
        case = hub.state["cases"].get(case_id) or {}
        link = case.get("rating_link")
        if link is None:                                   # (cannot happen: the command made one)
            raise CommandError("conflict", f"case {case_id} has no rating link")
        token = self.token(case_id, link["seq"])
        new = before is None or before.get("seq") != link["seq"]
        await self._audit(actor.name, "rating.link",
                          f"{case_id} link {link['seq']} {'made' if new else 'shown again'} until {link['expires']}",
                          peer)
        url = self.url(token, host)
        # the QR code is drawn off the event loop (segno is pure Python: ~20 ms a code here)
        svg = await asyncio.get_running_loop().run_in_executor(self.server.hub.reads, _qr_svg, url) if qr else None
        return {"case_id": case_id, "token": token, "url": url, "expires": link["expires"], "seq": link["seq"],
                "svg": svg, "new": new}

    # ---- using a link -------------------------------------------------------------------
    def status(self, token: str) -> tuple[str, dict | None, int | None]:
        """(what the link is now, the case, the link's seq): 'invalid' (not a token of this
        server), 'gone' (the case is not held: long closed), 'rated', 'void' (another link
        replaced it, or the case left its closure), 'expired', or 'open'."""
        v = self.verify(token)
        if v is None:
            return "invalid", None, None
        case_id, seq = v
        case = self.server.hub.state["cases"].get(case_id)
        if case is None:
            return "gone", None, seq
        if case.get("rating") is not None:
            return "rated", case, seq
        link = rating.link_of(case)
        if link is None or link["seq"] != seq:
            return "void", case, seq
        st = rating.link_state(case, self.server.hub.clock())
        return {"active": "open", "expired": "expired"}.get(st, "void"), case, seq

    async def rate(self, token: str, value, note: str = "", peer: str = "resident") -> str:
        """The resident's rating through `token`: 'thanks' once it is durable, else why not
        ('invalid', 'gone', 'rated', 'void', 'expired', 'bad', 'too_long', 'unavailable')."""
        st, case, seq = self.status(token)
        if st != "open":
            await self._audit(None, "rating.refused", f"{case['id'] if case else '?'} link {seq}: {st}", peer)
            return st
        assert case is not None
        try:
            r = int(value)
        except (TypeError, ValueError):
            return "bad"
        if not 1 <= r <= 5:
            return "bad"
        note = (note or "").strip()
        if len(note) > self.rules.comment_limit:
            return "too_long"
        args = {"case_id": case["id"], "link": seq, "rating": r, **({"note": note} if note else {})}
        try:
            await self.server.hub.execute(RESIDENT, "case.resident_rate", args, None, peer)
        except CommandError as e:
            if e.code == "unavailable":
                return "unavailable"
            after, _c, _s = self.status(token)
            why = after if after != "open" else ("bad" if e.code == "invalid" else "void")
            await self._audit(None, "rating.refused", f"{case['id']} link {seq}: {why} ({e.message})", peer)
            return why
        await self._audit(None, "rating.used", f"{case['id']} link {seq}: rated {r}", peer)
        return "thanks"

    async def _audit(self, user: str | None, action: str, detail: str, peer: str) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(
                self.server.hub.reads, self.server.store.audit, user, action, detail, peer)
        except Exception as e:  # the audit must not take the page down; the log says so
            log.warning("rating audit not recorded (%s %s): %s", action, detail, e)

    # ---- the page -----------------------------------------------------------------------
    def _allowed(self, peer: str) -> bool:
        net = network_of(peer_host(peer))
        b = self._buckets.get(net)
        if b is None:
            b = self._buckets[net] = TokenBucket(self.rules.per_network_per_minute / 60.0,
                                                 self.rules.per_network_burst)
            while len(self._buckets) > MAX_NETWORKS:
                self._buckets.popitem(last=False)
        self._buckets.move_to_end(net)
        return b.take()

    async def handle(self, conn, reader, req, peer: str) -> bool:
        """Answer one request under /r/ on a file connection (server/http_files.py)."""
        from .http_files import FileService
        if req.path == PREFIX + "r.css" and req.method == "GET":
            await conn.files_send(FileService._head(200, [("Content-Type", "text/css; charset=utf-8"),
                                                          ("Cache-Control", "public, max-age=86400")], len(CSS)) + CSS)
            return True
        lang = str(req.query.get("lang")) if req.query.get("lang") in LANGS else "zh_CN"
        token = req.path[len(PREFIX):].strip("/") if req.path.startswith(PREFIX) else ""
        body = b""
        length = req.headers.get("content-length", "0")
        if not length.isdigit() or int(length) > BODY_LIMIT or "transfer-encoding" in req.headers:
            await self._send(conn, 413, lang, self._notice(lang, "bad"), close=True)
            return False
        if int(length):
            body = await asyncio.wait_for(reader.readexactly(int(length)), 30.0)
        if req.method not in ("GET", "POST"):
            await self._send(conn, 405, lang, self._notice(lang, "invalid"))
            return True
        if not self._allowed(peer):
            await self._send(conn, 429, lang, self._notice(lang, "busy"), [("Retry-After", "60")])
            return True
        if req.method == "POST":
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
            lang = str(form.get("lang")) if form.get("lang") in LANGS else lang
            outcome = await self.rate(token, form.get("rating"), form.get("note", ""), peer)
            if outcome == "thanks":
                # post, redirect, get: a reload does not send the rating again
                loc = f"{PREFIX}{token}?thanks=1&lang={lang}"
                await conn.files_send(FileService._head(303, [("Location", loc), ("Cache-Control", "no-store")], 0))
                return True
            if outcome in ("bad", "too_long"):
                st, case, _seq = self.status(token)
                await self._send(conn, 422, lang, self._form(lang, token, case or {}, outcome, form.get("note", "")))
                return True
            await self._send(conn, _STATUS[outcome], lang, self._notice(lang, outcome))
            return True
        st, case, seq = self.status(token)
        if st == "invalid":
            await self._audit(None, "rating.refused", f"? forged or broken token from {peer_host(peer)}", peer)
        elif st in ("gone", "void", "expired"):
            await self._audit(None, "rating.refused", f"{case['id'] if case else '?'} link {seq}: {st} (opened)", peer)
        if st == "open" and case is not None:
            await self._send(conn, 200, lang, self._form(lang, token, case))
        elif st == "rated" and case is not None and req.query.get("thanks") == "1" \
                and case.get("rating_source") == "resident":
            await self._send(conn, 200, lang, self._thanks(lang, case))
        else:
            await self._send(conn, _STATUS.get(st, 404), lang, self._notice(lang, "already" if st == "rated" else st))
        return True

    async def _send(self, conn, status: int, lang: str, page: str, extra=(), close: bool = False) -> None:
        from .http_files import FileService
        body = page.encode("utf-8")
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"),
                   ("Content-Security-Policy", CSP), ("Referrer-Policy", "no-referrer"),
                   ("Content-Language", "zh-CN" if lang == "zh_CN" else "en"), *extra]
        await conn.files_send(FileService._head(status, headers, len(body), close) + body)

    # ---- what the page says -----------------------------------------------------------------
    @staticmethod
    def _t(lang: str, key: str, **kw) -> str:
        s = STRINGS[lang].get(key) or STRINGS["zh_CN"][key]
        for k, v in kw.items():
            s = s.replace("{" + k + "}", str(v))
        return s

    def _page(self, lang: str, token: str | None, *parts: str) -> str:
        t = self._t
        other = "en" if lang == "zh_CN" else "zh_CN"
        switch = (f'<a href="{PREFIX}{html.escape(token)}?lang={other}" id="lang">{html.escape(t(lang, "lang_other"))}</a>'
                  if token else "")
        street = ((self.server.hub.state.get("street") or {}).get("name") or "")
        return ("<!doctype html>\n"
                f'<html lang="{"zh-CN" if lang == "zh_CN" else "en"}"><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                '<meta name="robots" content="noindex"><link rel="icon" href="data:,">'
                f'<title>{html.escape(t(lang, "title"))}</title><link rel="stylesheet" href="{PREFIX}r.css"></head>'
                f'<body><main><header><div><div class="street">{html.escape(street)}</div>'
                f'<h1>{html.escape(t(lang, "title"))}</h1></div>{switch}</header>' + "".join(parts)
                + "</main></body></html>\n")

    def _case_card(self, lang: str, case: dict) -> str:
        t = self._t
        when = (case.get("times") or {}).get("resolved") or (case.get("times") or {}).get("closed") \
            or (case.get("times") or {}).get("reported")
        day = datetime.fromtimestamp(epoch(when), CHINA).strftime("%Y-%m-%d") if when else ""
        # the title and the day only: no address, names, phones or notes
        return (f'<dl class="card"><dt>{html.escape(t(lang, "case"))}</dt><dd id="case-title">'
                f'{html.escape(case.get("title") or "")}</dd><dt>{html.escape(t(lang, "date"))}</dt>'
                f'<dd id="case-date">{day}</dd></dl>')

    def _form(self, lang: str, token: str, case: dict, problem: str | None = None, note: str = "") -> str:
        t = self._t
        n = self.rules.comment_limit
        warn = ""
        if problem:
            warn = f'<p class="msg bad" id="problem">{html.escape(t(lang, problem, n=n))}</p>'
        buttons = "".join(
            f'<button type="submit" name="rating" value="{r}" class="r{r}" id="rate-{r}">'
            f'<span class="s">{"★" * r}{"☆" * (5 - r)}</span><span>{html.escape(t(lang, f"r{r}"))}</span></button>'
            for r in (5, 4, 3, 2, 1))
        return self._page(
            lang, token, self._case_card(lang, case), warn,
            f'<form method="post" action="{PREFIX}{html.escape(token)}" id="rate">'
            f'<input type="hidden" name="lang" value="{lang}">'
            f'<p>{html.escape(t(lang, "question"))}</p>'
            f'<label for="note">{html.escape(t(lang, "comment"))}</label>'
            f'<textarea id="note" name="note" maxlength="{n}">{html.escape(note[:n])}</textarea>'
            f'<div class="hint">{html.escape(t(lang, "comment_hint", n=n))}</div>'
            f'<div class="stars">{buttons}</div></form>',
            f'<p class="privacy">{html.escape(t(lang, "privacy"))}</p>')

    def _thanks(self, lang: str, case: dict) -> str:
        t = self._t
        r = case.get("rating") or 0
        stars = "★" * r + "☆" * (5 - r)
        low = f'<p class="msg warn">{html.escape(t(lang, "thanks_low"))}</p>' if r <= 2 else ""
        return self._page(lang, None, self._case_card(lang, case),
                          f'<div class="msg ok" id="outcome" data-outcome="thanks"><b>{html.escape(t(lang, "thanks_title"))}'
                          f'</b><p>{html.escape(t(lang, "thanks", stars=stars))}</p></div>', low)

    def _notice(self, lang: str, what: str) -> str:
        t = self._t
        key = {"gone": "expired", "rated": "already"}.get(what, what)
        kind = "ok" if key == "already" else ("warn" if key in ("busy", "unavailable", "bad", "too_long") else "bad")
        title = t(lang, f"{key}_title") if f"{key}_title" in STRINGS[lang] else t(lang, "bad_title")
        return self._page(lang, None, f'<div class="msg {kind}" id="outcome" data-outcome="{key}">'
                                      f'<b>{html.escape(title)}</b><p>{html.escape(t(lang, key, n=self.rules.comment_limit))}'
                                      f'</p></div>')


def _qr_svg(url: str) -> str:
    import segno
    return segno.make(url, error="m").svg_data_uri(scale=6, border=4)


_STATUS = {"invalid": 404, "gone": 410, "expired": 410, "void": 410, "rated": 409, "already": 409,
           "unavailable": 503, "busy": 429, "bad": 422, "too_long": 422}

