"""Accounts: password hashing (scrypt, a memory-hard KDF from the standard library) and the
password policy, session tokens, and the one login call the WebSocket front makes.

`Accounts.login` takes a hello frame and a peer address and either returns a `Login` or
raises `LoginRefused`. It parses the hello, applies the per-network and per (account,
network) back-off, checks the password (against a dummy hash for unknown or disabled
users, so every failure costs the same), writes the audit row and issues the token. Every
password failure gets the same answer (`GENERIC_REFUSAL`), after the same delay.

Account reads and the small account writes run on this module's own database thread, so a
login never queues behind the hub's group commits.

Live sessions register here (`LiveSession`); when an account changes (`xiaonao-server user
passwd|disable|role`, or an admin over the protocol), the sessions it affects are ended at
once. The CLI is another process: it bumps a change counter in the database (`meta`
row `accounts_rev`) that `watch()` polls every second.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
import unicodedata
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources as _res
from typing import NoReturn

from models import protocol
from models.commands import Actor
from models.domain import BOUND_ROLES, ROLES

log = logging.getLogger("xiaonao.server")

_N, _R, _P = 2 ** 14, 8, 1

CODE_REFUSAL = "the login code is wrong, used or expired: ask for a new one"
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"     # no 0/O, 1/I/L: read off a screen or a slip
CODE_LENGTH = 10                                     # 31^10, about 2^49.5; single use, minutes, rate-limited
CODE_TTL = 600.0
CODE_TTL_MAX = 7 * 86400.0
GENERIC_REFUSAL = "wrong user name or password, or too many attempts: wait a minute and try again"
TOKEN_REFUSAL = "the session token is invalid or has expired"
FAIL_DELAY = 0.4              # every failed password login is answered this long after it arrived
FREE_FAILURES = 5             # per (account, network): failures before the back-off starts ...
BACKOFF_FIRST = 5.0           # ... then it waits this long, doubling with each further failure ...
BACKOFF_MAX = 300.0           # ... up to this
NETWORK_FAILURES_PER_MINUTE = 30   # failures of any account from one network (/24, /64) in a minute
MAX_TRACKED = 50_000          # back-off entries kept in memory (oldest dropped)
WATCH_EVERY = 1.0             # seconds between looks at the account change counter
PRIVILEGED = ("leader", "admin")


# ---- hashing and tokens ----------------------------------------------------------
def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    dk = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(dk).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, dk = stored.split("$")
        if kind != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(base64.b64decode(dk)))
    except (ValueError, TypeError, UnicodeEncodeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(dk))


_dummy: str | None = None


def dummy_hash() -> str:
    """A hash nobody's password matches, checked for unknown and disabled users so that
    their failures cost what a real user's does."""
    global _dummy
    if _dummy is None:
        _dummy = hash_password(secrets.token_urlsafe(16))
    return _dummy


def new_token() -> tuple[str, str]:
    """A fresh token and the hash under which it is stored (the token itself is never stored)."""
    tok = secrets.token_urlsafe(32)
    return tok, token_hash(tok)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_login_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(code: str) -> str:
    """A code as typed or scanned: case, blanks and dashes do not matter."""
    return "".join(c for c in code.upper() if c not in " -\t")


def code_hash(code: str) -> str:
    return hashlib.sha256(("login-code:" + normal_code(code)).encode()).hexdigest()


def format_code(code: str) -> str:
    """ABCD-EFGH-JK: easier to read out or type."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


# ---- bindings ------------------------------------------------------------------------
def check_binding(role: str, team_id: str | None = None, department: str | None = None,
                  grids=None, street: dict | None = None) -> tuple[str | None, str | None, tuple[str, ...]]:
    """(team_id, department, grids) an account of `role` is bound to, checked against the
    street when one is given; PolicyError when the role needs a binding it lacks or names
    one the street does not have. Roles that are not bound keep none."""
    need = BOUND_ROLES.get(role)
    if isinstance(grids, str):
        grids = [g.strip() for g in grids.split(",")]
    glist = tuple(dict.fromkeys(g.strip() for g in (grids or ()) if isinstance(g, str) and g.strip()))
    team_id = (team_id or "").strip() or None
    department = (department or "").strip() or None
    street = street or {}
    if need == "team_id":
        if not team_id:
            raise PolicyError("a field user needs its squad: --team SQUAD (e.g. --team W01)", "team_needed")
        squads = [sq["id"] for sq in street.get("squads", [])]
        if squads and team_id not in squads:
            raise PolicyError(f"no squad {team_id!r} in this street; one of {', '.join(squads)}", "team_unknown",
                              team=team_id, known=squads)
        return team_id, None, ()
    if need == "department":
        if not department:
            raise PolicyError("a department user needs its department: --department ID (e.g. --department police)",
                              "department_needed")
        ids = [d["id"] for d in street.get("departments", [])]
        if ids and department not in ids:
            raise PolicyError(f"no department {department!r} in this street; one of {', '.join(ids)}",
                              "department_unknown", department=department, known=ids)
        return None, department, ()
    if need == "grids":
        if not glist:
            raise PolicyError("a community user needs its grids: --grids G01,G02", "grids_needed")
        known = {g["id"] for g in street.get("grids", [])}
        unknown = [g for g in glist if known and g not in known]
        if unknown:
            raise PolicyError(f"no grid {', '.join(unknown)} in this street (grids {min(known)}..{max(known)})",
                              "grids_unknown", grids=unknown, known=sorted(known))
        return None, None, glist
    return None, None, ()


def actor_of(user: dict) -> Actor:
    """The actor a user row logs in as, with the binding of its role only."""
    role = user["role"]
    need = BOUND_ROLES.get(role)
    return Actor(user["name"], role, user.get("team_id") if need == "team_id" else None,
                 user.get("department") if need == "department" else None,
                 tuple(user.get("grids") or ()) if need == "grids" else ())


def binding_of(actor_or_user) -> tuple:
    if isinstance(actor_or_user, dict):
        actor_or_user = actor_of(actor_or_user)
    a = actor_or_user
    return (a.role, a.team_id, a.department, tuple(a.grids))


# ---- policy ------------------------------------------------------------------------
class PolicyError(ValueError):
    """A user name or password the policy refuses, with the reason for a person (English,
    for logs and the CLI) and `details`: a `reason` code and its values, which a client
    words in its user's language (docs/protocol.md, "Account management")."""

    def __init__(self, message: str, reason: str, **values):
        super().__init__(message)
        self.details = {"reason": reason, **values}


_common: frozenset[str] | None = None


def common_passwords() -> frozenset[str]:
    global _common
    if _common is None:
        text = (_res.files("resources") / "common_passwords.txt").read_text(encoding="utf-8")
        _common = frozenset(w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#"))
    return _common


def check_name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise PolicyError("the user name must not be blank", "name_blank")
    if name != name.strip() or any(c.isspace() or unicodedata.category(c)[0] == "C" for c in name):
        raise PolicyError("the user name must not contain spaces or control characters", "name_characters")
    if len(name) > 60:
        raise PolicyError("the user name must have at most 60 characters", "name_long", limit=60)
    return name


def min_length(role: str) -> int:
    return 12 if role in PRIVILEGED else 8


def check_password(password: str, role: str, name: str | None = None) -> str:
    """The password if the policy accepts it for this role, else PolicyError."""
    if not isinstance(password, str) or not password.strip():
        raise PolicyError("the password must not be blank", "password_blank")
    need = min_length(role)
    if len(password) < need:
        raise PolicyError(f"the password of a {role} must have at least {need} characters", "password_short",
                          role=role, minimum=need)
    if len(password) > 1024:
        raise PolicyError("the password must have at most 1024 characters", "password_long", limit=1024)
    low = password.lower()
    if low in common_passwords() or low.strip() in common_passwords() or len(set(password)) <= 2:
        raise PolicyError("this password is too common; choose another", "password_common")
    if name and name.lower() == low:
        raise PolicyError("the password must not be the user name", "password_is_name")
    return password


# ---- networks and back-off ------------------------------------------------------------
def network_of(host: str) -> str:
    """The network an address belongs to for rate limits: /24 for IPv4, /64 for IPv6, one
    network for all of 127/8, IPv4-mapped IPv6 as IPv4."""
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return host
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:             # all of 127/8 is one machine; ::1 is one address
        return "127.0.0.0/8" if ip.version == 4 else "::1/128"
    bits = 24 if ip.version == 4 else 64
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


def peer_host(peer: str) -> str:
    """'1.2.3.4:5678' or '::1:5678' -> the host part."""
    return peer.rsplit(":", 1)[0] if ":" in peer else peer


@dataclass
class _Attempts:
    failures: int = 0
    until: float = 0.0          # monotonic time before which this (account, network) is refused


class Backoff:
    """Per (account, network) back-off and a per-network failure budget, in memory.

    The rightful user's console is on its own network: failures from elsewhere never slow
    it; its own typos cost a short wait after FREE_FAILURES, cleared by a success."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._keys: OrderedDict[tuple[str, str], _Attempts] = OrderedDict()
        self._nets: OrderedDict[str, deque] = OrderedDict()

    def refused(self, name: str, net: str) -> bool:
        now = self.clock()
        fails = self._nets.get(net)
        if fails is not None:
            while fails and fails[0] < now - 60:
                fails.popleft()
            if len(fails) >= NETWORK_FAILURES_PER_MINUTE:
                return True
        a = self._keys.get((name, net))
        return a is not None and a.until > now

    def failed(self, name: str, net: str) -> None:
        now = self.clock()
        fails = self._nets.setdefault(net, deque())
        fails.append(now)
        self._nets.move_to_end(net)
        a = self._keys.setdefault((name, net), _Attempts())
        self._keys.move_to_end((name, net))
        a.failures += 1
        if a.failures >= FREE_FAILURES:
            a.until = now + min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (a.failures - FREE_FAILURES))
        for d in (self._keys, self._nets):
            while len(d) > MAX_TRACKED:
                d.popitem(last=False)

    def succeeded(self, name: str, net: str) -> None:
        self._keys.pop((name, net), None)


def _resolve(fut: asyncio.Future) -> None:
    if not fut.done():
        fut.set_result(None)


# ---- login -------------------------------------------------------------------------
class LoginRefused(Exception):
    def __init__(self, message: str, code: str = "unauthenticated"):
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class Login:
    actor: Actor
    token: str
    token_hash: str
    expires: float              # epoch seconds
    resume: int | None
    by_code: bool = False       # logged in with a one-time login code
    subscribe: bool = True      # False: commands only (an importer), no state and no events
    log_id: str | None = None   # the history `resume` is a seq of
    forms: tuple[str, ...] = ()  # the case forms the hello offered (models.compact.FORM)


@dataclass(eq=False)
class LiveSession:
    """A logged-in connection, for revocation: `end(reason, message)` closes it."""
    user: str
    role: str
    team_id: str | None
    token_hash: str
    expires: float
    end: Callable[[str, str], None] = field(repr=False)
    binding: tuple = ()         # (role, team_id, department, grids) it logged in with


class Accounts:
    def __init__(self, store, token_ttl: float, clock: Callable[[], float] = time.time):
        self.store = store
        self.token_ttl = token_ttl
        self.clock = clock                       # tokens and sessions expire by it (tests move it)
        self.backoff = Backoff(time.monotonic if clock is time.time else clock)
        self.db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="xiaonao-accounts")
        self._hashing = asyncio.Semaphore(2)     # scrypt is 16 MiB and ~50 ms: at most two at once
        self._audit_key = secrets.token_bytes(16)
        self.live: dict[str, set[LiveSession]] = {}
        self._rev: int | None = None
        self._watcher: asyncio.Task | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        # bumped whenever tokens or accounts may have changed (a logout, an account change)
        self.generation = 0
        self.street: Callable[[], dict | None] = lambda: None     # the server's street (bindings are checked)

    # The loop is taken once, at start: the watch and the executor calls never ask for the
    # running loop again (a Qt-driven loop in tests can run a step outside run_until_complete).
    async def run(self, fn, *args):
        return await (self._loop or asyncio.get_running_loop()).run_in_executor(self.db, fn, *args)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._rev = await self.run(self.store.accounts_rev)
        self._watcher = asyncio.create_task(self._watch(), name="xiaonao-accounts-watch")

    async def stop(self) -> None:
        if self._watcher:
            self._watcher.cancel()
            try:
                await self._watcher
            except (asyncio.CancelledError, Exception):
                pass
        # waited for off the loop: a query still on the accounts thread (the watch's, begun
        # just before) may need this loop to finish, e.g. a database reached through a proxy
        # on it (tests/faultproxy.py); blocking the loop here deadlocked such a stop
        await asyncio.to_thread(self.db.shutdown, wait=True)

    def audit_name(self, name, known: bool) -> str | None:
        """A known user's name; an unknown one only as a short keyed hash (it may be a
        password typed into the user field)."""
        if not isinstance(name, str):
            return None
        if known:
            return name
        return "?" + hmac.new(self._audit_key, name.encode("utf-8", "replace"), "sha256").hexdigest()[:10]

    async def _audit(self, user, action: str, detail: str, peer) -> None:
        """An audit row; a database that cannot write it (disk full) does not stop the login."""
        try:
            await self.run(self.store.audit, user, action, detail, peer)
        except Exception as e:  # noqa: BLE001
            log.warning("could not write the audit row %s for %s: %s", action, user, e.__class__.__name__)

    async def _verify(self, password: str, stored: str) -> bool:
        async with self._hashing:
            loop = self._loop or asyncio.get_running_loop()
            return await loop.run_in_executor(None, verify_password, password, stored)

    async def login(self, raw, peer: str) -> Login:
        """Check a hello frame; returns the Login or raises LoginRefused."""
        started = time.monotonic()
        hello = protocol.parse_hello(raw)
        if isinstance(hello, protocol.ProtocolError):
            raise LoginRefused(hello.message, hello.code)
        net = network_of(peer_host(peer))
        if hello.token is not None:
            login = await self._token_login(hello.token, net, peer, hello.resume_from)
        elif hello.code is not None:
            login = await self._code_login(hello.code, net, peer, hello.resume_from)
        else:
            login = await self._password_login(hello.user or "", hello.password or "", net, peer, started,
                                               hello.resume_from)
        login.subscribe, login.log_id = hello.subscribe, hello.log_id
        forms = hello.extra.get("forms")
        login.forms = tuple(f for f in forms if isinstance(f, str)) if isinstance(forms, list) else ()
        return login

    async def _password_login(self, name: str, password: str, net: str, peer: str, started: float,
                              resume: int | None) -> Login:
        if self.backoff.refused(name, net):
            await self._audit(self.audit_name(name, False), "login.throttled", net, peer)
            await self._fail_after(started)
        user = await self.run(self.store.get_user, name) if len(name) <= 60 else None
        usable = user is not None and not user["disabled"] and user["role"] in ROLES
        ok = await self._verify(password, user["password_hash"] if user is not None and usable else dummy_hash())
        if user is None or not (ok and usable):
            self.backoff.failed(name, net)
            why = "wrong password" if user and not user["disabled"] else ("disabled" if user else "unknown user")
            await self._audit(self.audit_name(name, user is not None), "login.failed", why, peer)
            await self._fail_after(started)
        self.backoff.succeeded(name, net)
        token, h = new_token()
        expires = self.clock() + self.token_ttl
        await self.run(self.store.add_token, h, name, expires)
        await self._audit(name, "login", user["role"], peer)
        return Login(actor_of(user), token, h, expires, resume)

    async def _token_login(self, token: str, net: str, peer: str, resume) -> Login:
        if self.backoff.refused("", net):
            raise LoginRefused(TOKEN_REFUSAL)
        h = token_hash(token)
        info = await self.run(self.store.token_info, h)
        user = await self.run(self.store.get_user, info[0]) if info else None
        if info is None or user is None or user["disabled"] or user["role"] not in ROLES or info[1] <= self.clock():
            self.backoff.failed("", net)
            await self._audit(user["name"] if user else None, "login.failed",
                           "token invalid or expired", peer)
            raise LoginRefused(TOKEN_REFUSAL)
        await self._audit(user["name"], "login", user["role"] + " (token)", peer)
        return Login(actor_of(user), token, h, info[1], resume)

    async def _code_login(self, code: str, net: str, peer: str, resume) -> Login:
        """A one-time login code: used once (marked in the same transaction that checks it),
        before it expires, by an enabled account; then a session token as after a password."""
        if self.backoff.refused("code:", net):
            await self._audit(None, "login.throttled", f"login code from {net}", peer)
            raise LoginRefused(CODE_REFUSAL)
        token, h = new_token()
        expires = self.clock() + self.token_ttl
        # one transaction: the code used up, the token stored, the login audited
        user = await self.run(self.store.redeem_login_code, code_hash(code), self.clock(), h, expires, peer) \
            if 0 < len(code) <= 40 else None
        if user is None or user["disabled"] or user["role"] not in ROLES:
            self.backoff.failed("code:", net)
            if user is not None and user["role"] not in ROLES:
                await self.run(self.store.drop_token, h)
            await self._audit(user["name"] if user else None, "login.failed",
                              "login code wrong, used or expired" if user is None else
                              "login code of a disabled user or unknown role", peer)
            raise LoginRefused(CODE_REFUSAL)
        return Login(actor_of(user), token, h, expires, resume, by_code=True)

    async def issue_code(self, user: str, ttl: float = CODE_TTL) -> tuple[str, float]:
        """A one-time login code for `user`: (the code, when it expires)."""
        code, expires = new_login_code(), self.clock() + ttl
        await self.run(self.store.add_login_code, code_hash(code), user, expires)
        return code, expires

    @staticmethod
    async def _fail_after(started: float) -> NoReturn:
        await asyncio.sleep(max(0.0, FAIL_DELAY - (time.monotonic() - started)))
        raise LoginRefused(GENERIC_REFUSAL)

    async def logout(self, session: LiveSession, peer: str) -> None:
        await self.run(self.store.drop_token, session.token_hash)
        self.generation += 1
        await self._audit(session.user, "logout", "", peer)

    # ---- live sessions and revocation -------------------------------------------------
    def register(self, s: LiveSession) -> None:
        self.live.setdefault(s.user, set()).add(s)

    def unregister(self, s: LiveSession) -> None:
        group = self.live.get(s.user)
        if group is not None:
            group.discard(s)
            if not group:
                del self.live[s.user]

    def expire(self) -> int:
        """End the live sessions whose token has expired by the clock; returns how many.
        (The server also schedules each session's end; this catches a clock that jumped.)"""
        now, ended = self.clock(), 0
        for sessions in list(self.live.values()):
            for s in list(sessions):
                if s.expires <= now:
                    s.end("expired", "the session token expired: log in again")
                    ended += 1
        return ended

    def expires_in(self, expires: float) -> float:
        """Seconds from now (by the clock) until `expires`."""
        return max(0.0, expires - self.clock())

    async def _watch(self) -> None:
        loop = self._loop or asyncio.get_running_loop()
        while True:
            tick: asyncio.Future[None] = loop.create_future()
            loop.call_later(WATCH_EVERY, _resolve, tick)
            await tick
            self.expire()
            try:
                rev = await self.run(self.store.accounts_rev)
                if rev != self._rev:
                    self._rev = rev
                    await self.revalidate()
            except asyncio.CancelledError:
                raise
            except Exception as e:  # the database is down: the hub's health says so
                log.debug("account watch: %r", e)

    async def revalidate(self, users: list[str] | None = None) -> int:
        """End or refresh the live sessions whose account changed; returns how many ended."""
        self.generation += 1            # tokens checked before now are checked again (server/http_files.py)
        names = list(self.live) if users is None else [u for u in users if u in self.live]
        if not names:
            return 0
        rows = await self.run(self.store.users_and_tokens, names)
        ended = 0
        for name in names:
            user, tokens = rows.get(name, (None, set()))
            for s in list(self.live.get(name, ())):
                if user is None or user["disabled"]:
                    s.end("disabled", "this account was disabled")
                elif s.token_hash not in tokens:
                    s.end("revoked", "your session was ended (password changed or logged out)")
                elif binding_of(user) != (s.binding or (s.role, s.team_id, None, ())):
                    s.end("role_changed", f"your role changed to {user['role']}: reconnecting")
                else:
                    continue
                ended += 1
        return ended

    # ---- account management (the admin frames; the CLI calls the store directly) -------
    async def manage(self, actor: Actor, name: str, args: dict, peer: str) -> dict:
        """One account operation by an admin: user.list, user.add, user.passwd, user.disable,
        user.enable, user.role. Raises LoginRefused-free CommandError-style ValueError."""
        from models.commands import CommandError
        if actor.role != "admin":
            raise CommandError("forbidden", f"role {actor.role} may not manage users")
        store = self.store
        if name == "user.list":
            return {"users": await self.run(store.list_users)}
        target = args.get("user")
        if not isinstance(target, str):
            raise CommandError("invalid", "'user' must be a user name")
        try:
            if name == "user.add":
                role = args.get("role")
                if role not in ROLES:
                    raise CommandError("invalid", f"unknown role {role!r}")
                check_name(target)
                team, dept, grids = check_binding(role, args.get("team_id"), args.get("department"),
                                                  args.get("grids"), self.street())
                pw = check_password(str(args.get("password") or ""), role, target)
                if await self.run(store.get_user, target) is not None:
                    raise CommandError("conflict", f"user {target} exists")
                await self.run(store.add_user, target, role, await self._hash(pw), team, dept, grids)
            else:
                user = await self.run(store.get_user, target)
                if user is None:
                    raise CommandError("not_found", f"no user {target}")
                if name == "user.passwd":
                    pw = check_password(str(args.get("password") or ""), user["role"], target)
                    await self.run(store.set_password, target, await self._hash(pw))
                elif name in ("user.disable", "user.enable"):
                    if target == actor.name and name == "user.disable":
                        raise CommandError("conflict", "an admin cannot disable their own account")
                    await self.run(store.set_disabled, target, name == "user.disable")
                elif name == "user.role":
                    role = args.get("role")
                    if role not in ROLES:
                        raise CommandError("invalid", f"unknown role {role!r}")
                    team, dept, grids = check_binding(role, args.get("team_id"), args.get("department"),
                                                      args.get("grids"), self.street())
                    if target == actor.name and role != "admin":
                        raise CommandError("conflict", "an admin cannot change their own role")
                    await self.run(store.set_role, target, role, team, dept, grids)
                elif name == "user.code":
                    ttl = args.get("ttl", CODE_TTL)
                    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not 60 <= ttl <= CODE_TTL_MAX:
                        raise CommandError("invalid", f"'ttl' must be 60 to {CODE_TTL_MAX:.0f} seconds")
                    if user["disabled"]:
                        raise CommandError("conflict", f"user {target} is disabled")
                    code, expires = await self.issue_code(target, float(ttl))
                    await self.run(store.audit, actor.name, "admin.user.code", target, peer)
                    return {"user": target, "code": code, "expires": expires}
                else:
                    raise CommandError("bad_request", f"unknown admin operation {name!r}")
        except PolicyError as e:
            raise CommandError("invalid", str(e), details=e.details) from None
        await self.run(store.audit, actor.name, "admin." + name, target, peer)
        ended = await self.revalidate([target])
        self._rev = await self.run(store.accounts_rev)
        return {"user": target, "sessions_ended": ended}

    async def _hash(self, password: str) -> str:
        async with self._hashing:
            loop = self._loop or asyncio.get_running_loop()
            return await loop.run_in_executor(None, hash_password, password)
