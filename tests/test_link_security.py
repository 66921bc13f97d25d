"""The cockpit's link and its secrets (issue 13, items 9-11): wss:// with the system's CAs or
a CA file, connection errors in words, no password in clear to another machine, the token
kept out of the local cache, and revocation as the link sees it. A real server (started
with --cert/--key for TLS, through the real command line) and the real ServerLink."""
from __future__ import annotations

import asyncio
import logging
import os
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import asynccontextmanager

import pytest

from client.session import LinkStatus, ServerLink, SessionListener
from client.tokens import KeyringTokens, MemoryTokens
from server.app import XiaonaoServer

from .conftest import make_db
from .helpers import ROOT, free_port, until


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """The real server, started by its command line with --cert and --key from a trustme CA."""
    trustme = pytest.importorskip("trustme")
    tmp = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    certfile, keyfile, cafile = tmp / "cert.pem", tmp / "key.pem", tmp / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    ca.cert_pem.write_to_path(str(cafile))
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="xiaonao-tls-", suffix=".log", delete=False)
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--db", make_db(tmp), "--port", str(port),
                             "--cert", str(certfile), "--key", str(keyfile)],
                            cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                            stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 20
    while True:                                  # /healthz over TLS, trusting the test CA
        try:
            urllib.request.urlopen(f"https://127.0.0.1:{port}/healthz", timeout=0.5,
                                   context=ssl.create_default_context(cafile=str(cafile)))
            break
        except OSError:
            assert time.monotonic() < deadline and proc.poll() is None, "TLS server did not start"
            time.sleep(0.05)
    yield port, str(cafile)
    proc.terminate()
    proc.wait(10)


@asynccontextmanager
async def started(tmp_path):
    srv = XiaonaoServer(make_db(tmp_path), "127.0.0.1", 0)
    await srv.start()
    try:
        yield srv
    finally:
        await srv.stop()


class Statuses(SessionListener):
    """Every status the link went through, in order."""

    def __init__(self, seen: list[LinkStatus]):
        self.seen = seen

    def on_link(self, status: LinkStatus) -> None:
        self.seen.append(status)


async def run_link(link: ServerLink):
    return asyncio.create_task(link.run())


async def test_wss_works_with_a_ca_file_and_says_why_without_it(tls_server):
    port, cafile = tls_server
    url = f"wss://127.0.0.1:{port}/ws"
    good = ServerLink(url, "op", "op-password", ca_file=cafile)
    task = await run_link(good)
    try:
        await until(lambda: good.status.state == "online", what="online over wss")
        assert len(good.state["teams"]) == 18
        assert await good.submit("case.report", {"title": "TLS 测试", "category": "dispute", "source": "110",
                                                 "priority": 3, "location": {"address": "九堡大道1号"}})
        await until(lambda: not good.pending_commands(), what="acked over wss")
    finally:
        await good.stop()
        task.cancel()
    # the system's CAs do not know the test CA: the link says so in words and keeps trying
    bad = ServerLink(url, "op", "op-password")
    task = await run_link(bad)
    try:
        await until(lambda: bad.status.error == "tls", what="a TLS error")
        assert bad.status.state in ("reconnecting", "connecting")
        assert "certificate" in bad.status.message.lower()
    finally:
        await bad.stop()
        task.cancel()


async def test_no_password_in_clear_to_another_machine():
    link = ServerLink("ws://192.0.2.10:8765/ws", "op", "op-password")
    task = await run_link(link)
    try:
        await until(lambda: link.status.state == "auth_failed", what="refused")
        assert link.status.error == "insecure" and "wss://" in link.status.message
    finally:
        await link.stop()
        task.cancel()
    seen: list[LinkStatus] = []
    told = ServerLink("ws://192.0.2.10:8765/ws", "op", "op-password", insecure=True,
                      listener=Statuses(seen))
    task = await run_link(told)
    try:
        # the refusal is decided before the link dials, so once it is trying, every status it
        # went through says whether it was refused
        await until(lambda: told.status.state in ("connecting", "reconnecting"), what="trying")
        assert all(s.error != "insecure" and s.state != "auth_failed" for s in [*seen, told.status]), seen
    finally:
        await told.stop()
        task.cancel()


class DictKeyring:
    """A keyring backend in memory (the system's is a D-Bus service)."""

    def __init__(self):
        self.data = {}

    def get_password(self, service, key):
        return self.data.get((service, key))

    def set_password(self, service, key, value):
        self.data[(service, key)] = value

    def delete_password(self, service, key):
        self.data.pop((service, key), None)


async def test_the_token_is_in_the_keyring_not_in_the_cache(tmp_path):
    async with started(tmp_path) as srv:
        cache = tmp_path / "cockpit.db"
        ring = DictKeyring()
        link = ServerLink(srv.url, "op", "op-password", cache_path=cache, token_store=KeyringTokens(srv.url, "op", ring))
        await link.open_cache()
        task = await run_link(link)
        await until(lambda: link.status.state == "online", what="online")
        await until(lambda: ring.data, what="token in the keyring")
        token = link.token
        await link.stop()
        task.cancel()
        for suffix in ("", "-wal", "-shm"):
            p = tmp_path / f"cockpit.db{suffix}"
            if p.exists():
                assert token.encode() not in p.read_bytes(), suffix
        assert list(ring.data.values()) == [token]
        # a restart logs in with the kept token, no password
        again = ServerLink(srv.url, "op", None, cache_path=cache, token_store=KeyringTokens(srv.url, "op", ring))
        await again.open_cache()
        task = await run_link(again)
        await until(lambda: again.status.state == "online", what="online by token")
        # logging out ends the token on the server and in the keyring
        await again.logout()
        task.cancel()
        assert not ring.data
        third = ServerLink(srv.url, "op", None, token=token)
        task = await run_link(third)
        await until(lambda: third.status.state == "auth_failed", what="the old token refused")
        await third.stop()
        task.cancel()


async def test_without_a_keyring_the_token_stays_in_memory_with_a_warning(tmp_path, caplog):
    class Broken(DictKeyring):
        def get_password(self, service, key):
            raise RuntimeError("no Secret Service on this bus")
        set_password = get_password
    store = KeyringTokens("ws://x/ws", "op", Broken())
    with caplog.at_level(logging.WARNING, "xiaonao.client"):
        assert store.get() is None
        store.set("abc")
    assert store.get() == "abc" and not store.available
    assert sum("keyring" in r.getMessage() for r in caplog.records) == 1


async def test_a_token_not_kept_is_told_on_the_link_and_cleared_once_it_is(tmp_path):
    """No usable keyring: the link works on, and its status says the token is not kept (the
    indicator words it: the password is asked for at the next start). A store that failed
    once and keeps the next token: the warning goes."""
    class Broken(DictKeyring):
        def set_password(self, service, key, value):
            raise RuntimeError("no Secret Service on this bus")

    class FailsOnce(MemoryTokens):
        failed = False

        def set(self, token):
            if not self.failed:
                self.failed = True
                raise OSError(28, "No space left on device")
            super().set(token)
    async with started(tmp_path) as srv:
        link = ServerLink(srv.url, "op", "op-password", token_store=KeyringTokens(srv.url, "op", Broken()))
        task = await run_link(link)
        try:
            await until(lambda: link.status.state == "online" and link.status.task == "token", what="told")
            assert "no Secret Service on this bus" in link.status.task_error and not link.status.cache_problem
        finally:
            await link.stop()
            task.cancel()
        store = FailsOnce()
        link = ServerLink(srv.url, "op", "op-password", token_store=store)
        task = await run_link(link)
        try:
            await until(lambda: link.status.task == "token", what="told")
            assert "No space left on device" in link.status.task_error and store.get() is None
            link.set_credentials("op", "op-password")          # a new login, a new token to keep
            link.resync()
            await until(lambda: link.status.state == "online" and link.status.task == "" and store.get(),
                        what="the warning gone, the token kept")
            assert store.get() == link.token and link.status.task_error == ""
        finally:
            await link.stop()
            task.cancel()


async def test_revocation_reaches_the_link(tmp_path):
    async with started(tmp_path) as srv:
        tokens = MemoryTokens()
        lead = ServerLink(srv.url, "lead", None, token=srv.issue_token("lead"), token_store=tokens)
        task = await run_link(lead)
        await until(lambda: lead.status.state == "online", what="online")
        assert lead.role == "leader"
        await asyncio.to_thread(srv.store.set_role, "lead", "operator", None)
        await until(lambda: lead.role == "operator" and lead.status.state == "online", what="the new role")
        await asyncio.to_thread(srv.store.set_disabled, "lead", True)
        await until(lambda: lead.status.state == "auth_failed", what="refused after disabling")
        assert lead.status.error == "ended_disabled" and "disabled" in lead.status.message
        assert lead.token is None
        await lead.stop()
        task.cancel()
