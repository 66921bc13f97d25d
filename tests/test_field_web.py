"""Issue 16: the field terminal at /m/, in a real browser against a real server.

Debian's Chromium (scripts/bootstrap.sh installs it), driven by Playwright with
`executable_path` (no browser is downloaded), as a phone: 390x844, touch. The server is the
real one on a loopback port (port 0); the command room is a raw protocol client
(`RawClient`, written from docs/protocol.md) and the server's own event log. Screenshots of
each screen in both languages go to build/field-shots/.

Where the browser cannot start (no playwright, no chromium) the browser tests skip, saying
why; the static-file tests need no browser.
"""
from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import pytest_asyncio

from server.app import XiaonaoServer

from .browser_fixtures import CHROMIUM, CHROMIUM_ARGS, _why_no_browser  # noqa: F401  (for modules that import them from here)
from .conftest import RawClient, ws_url
from .faultproxy import FaultProxy
from .helpers import ROOT, until

# the worker's one Playwright is on the worker's one event loop (tests/browser_fixtures.py):
# this module's tests and async fixtures run there
pytestmark = [pytest.mark.asyncio(loop_scope="session"),
              # (the module's few plain tests are marked too, and need no loop)
              pytest.mark.filterwarnings("ignore:The test <Function .* but it is not an async function")]

SHOTS = ROOT / "build" / "field-shots"
PHONE = {"width": 390, "height": 844}


@pytest_asyncio.fixture(loop_scope="session")
async def server(db_url, tmp_path):
    """tests/conftest.py's `server`, on this module's loop (also tests/test_resident_web.py's)."""
    srv = XiaonaoServer(db_url, "127.0.0.1", 0, data_dir=str(tmp_path / "files"))
    await srv.start()
    yield srv
    await srv.stop()


def report(title, address="九堡大道88号", phone="13812345678", **fields):
    """A case.report's arguments; `fields` overrides any (category, priority, source...)."""
    return {"title": title, "category": "dispute", "source": "110", "priority": 2,
            "location": {"address": address}, "description": f"{title}，双方争执",
            "reporter": {"name": "王先生", "phone": phone}} | fields


async def new_case(op: RawClient, title: str, team: str | None = "W01", **kw) -> str:
    ack, seen = await op.command("case.report", report(title, **kw))
    assert ack["type"] == "ack", ack
    cid = next(m["data"]["case_id"] for m in seen if m.get("name") == "case.reported")
    for name, args in (("case.accept", {}), ("case.dispatch", {"team_id": team})):
        if name == "case.dispatch" and team is None:
            break
        ack, _ = await op.command(name, {"case_id": cid, **args})
        assert ack["type"] == "ack", ack
    return cid


async def log_of(srv: XiaonaoServer) -> list[dict]:
    """Every event the server committed, from its database."""
    return await asyncio.to_thread(srv.store.events_after, 0)


def http_get(url: str, headers: dict | None = None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


# ---- the static files (no browser) -------------------------------------------------------

async def test_the_terminal_is_served_at_m_with_types_compression_and_cache_headers(server):
    base = f"http://127.0.0.1:{server.port}"
    status, h, body = await asyncio.to_thread(http_get, f"{base}/m/", {"Accept-Encoding": "gzip, deflate, br"})
    assert status == 200 and h["Content-Type"] == "text/html; charset=utf-8"
    assert h["Content-Encoding"] == "gzip" and h["Cache-Control"] == "no-cache"
    assert "default-src 'self'" in h["Content-Security-Policy"]
    html = gzip.decompress(body).decode()
    version = server.web.version
    assert f"app.js?v={version}" in html and "%V%" not in html

    # a versioned file is immutable; the same file unversioned is revalidated
    status, h, body = await asyncio.to_thread(http_get, f"{base}/m/app.js?v={version}")
    assert status == 200 and h["Content-Type"] == "text/javascript; charset=utf-8"
    assert "immutable" in h["Cache-Control"] and "Content-Encoding" not in h     # no gzip asked for
    assert b"%V%" not in body and f"./link.js?v={version}".encode() in body
    status, h2, _ = await asyncio.to_thread(http_get, f"{base}/m/app.js")
    assert h2["Cache-Control"] == "no-cache"
    status, _, body = await asyncio.to_thread(http_get, f"{base}/m/app.js", {"If-None-Match": h["ETag"]})
    assert status == 304 and body == b""

    for path, ctype in (("manifest.webmanifest", "application/manifest+json; charset=utf-8"),
                        ("sw.js", "text/javascript; charset=utf-8"), ("app.css", "text/css; charset=utf-8"),
                        ("i18n/zh_CN.json", "application/json; charset=utf-8"), ("icons/icon-192.png", "image/png")):
        status, h, body = await asyncio.to_thread(http_get, f"{base}/m/{path}")
        assert (status, h["Content-Type"]) == (200, ctype), path
    manifest = json.loads((await asyncio.to_thread(http_get, f"{base}/m/manifest.webmanifest"))[2])
    assert {i["sizes"] for i in manifest["icons"]} >= {"192x192", "512x512"} and manifest["display"] == "standalone"

    # /m redirects; nothing outside the terminal's own files can be asked for
    status, h, _ = await asyncio.to_thread(http_get, f"{base}/m")
    assert status == 200          # urllib follows the 301 to /m/
    for bad in ("/m/../server/app.py", "/m/%2e%2e/server/app.py", "/m/nothing.js", "/m/..%2fapp.py", "/index.html"):
        status, _, _ = await asyncio.to_thread(http_get, base + bad)
        assert status == 404, bad
    status, _, body = await asyncio.to_thread(http_get, f"{base}/healthz")
    assert status == 200


def test_the_terminal_is_small():
    """What a cold load transfers, compressed: the figure bench/field.py measures in a browser."""
    from server.web import StaticFiles
    files = StaticFiles()
    shell = [a for rel, a in files.assets.items() if rel.endswith((".html", ".js", ".css", ".json", ".webmanifest"))]
    assert sum(len(a.gz or a.body) for a in shell) < 150 * 1024


def test_the_service_worker_caches_every_file_the_page_needs():
    """sw.js lists what it caches for offline use; a module or strings file left out of it
    would make the terminal fail to reload without a network."""
    import re
    root = ROOT / "server" / "web" / "m"
    sw = (root / "sw.js").read_text(encoding="utf-8")
    listed = set(re.findall(r'"([\w/.-]+\.(?:js|css|json|svg|png))"', sw))
    needed = {p.relative_to(root).as_posix() for p in root.rglob("*")
              if p.suffix in (".js", ".css", ".json") and p.name != "sw.js"}
    assert needed <= listed, needed - listed


# ---- the browser ---------------------------------------------------------------------------

class Phone:
    """One phone: a browser context with a phone's screen and touch, on the terminal (or, with
    `url`, on another page: a resident's phone opening a rating link). Script errors on its
    page fail the test at `close`."""

    def __init__(self, ctx, page, base: str, lang: str):
        self.ctx, self.page, self.base, self.lang = ctx, page, base, lang
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    @classmethod
    async def open(cls, browser, base: str, lang: str = "zh_CN", url: str | None = None, **ctx_kw) -> "Phone":
        """A fresh phone (nothing stored) at `url`, the terminal by default. The terminal's
        language is set as a squad member would have chosen it; another page gets only the
        phone's locale (a resident's page picks its language itself)."""
        ctx = await browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=1,
                                        locale="zh-CN" if lang == "zh_CN" else "en-US", **ctx_kw)
        if url is None:
            await ctx.add_init_script(f"localStorage.getItem('xn.lang') || localStorage.setItem('xn.lang', '{lang}')")
        page = await ctx.new_page()
        phone = cls(ctx, page, base, lang)
        await page.goto(url or f"{base}/m/")
        return phone

    async def login(self, user: str, password: str | None = None) -> None:
        await self.page.fill("#user", user)
        await self.page.fill("#password", password or f"{user}-password")
        await self.page.tap("#login")
        await self.page.wait_for_selector("#net[data-phase=ready]")

    async def tap(self, selector: str) -> None:
        await self.page.tap(selector)

    async def say(self, text: str) -> None:
        """Type into the sheet that asks for a note, and confirm."""
        await self.page.fill("#sheet-text", text)
        await self.page.tap("#sheet-ok")

    async def shot(self, name: str, full_page: bool = False) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}_{self.lang}.png"
        # finite animations finished, infinite ones (the blinking kicker) at rest: the screen as it settles
        await self.page.screenshot(path=str(path), animations="disabled", full_page=full_page)
        return path

    async def js(self, expr: str):
        return await self.page.evaluate(expr)

    async def close(self) -> None:
        assert not self.errors, self.errors
        await self.ctx.close()


def base_of(srv) -> str:
    return f"http://127.0.0.1:{srv.port}"


def names(log: list[dict], cid: str) -> list[str]:
    return [e["name"] for e in log if (e.get("data") or {}).get("case_id") == cid]


@pytest.mark.browser
@pytest.mark.subprocess
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_squad_member_signs_arrives_and_reports_back(server, browser, lang):
    op = await RawClient.connect(ws_url(server), "op")
    phone = await Phone.open(browser, base_of(server), lang)
    await phone.shot("01_login")
    await phone.login("w01")
    await phone.shot("02_list_empty")

    cid = await new_case(op, "噪音扰民：楼上装修")
    # the assignment arrives on its own and stays on top until signed
    await phone.page.wait_for_selector("#assign-sign")
    assert "噪音扰民" in await phone.page.inner_text("#overlay")
    await phone.shot("03_new_assignment")
    await phone.page.goto(f"{phone.base}/m/#/status")          # another screen: the assignment is still on top
    await phone.page.wait_for_selector("#assign-sign")
    await phone.tap("#assign-sign")
    await phone.page.wait_for_selector("#overlay", state="hidden")

    await phone.page.goto(f"{phone.base}/m/#/case/{cid}")
    await phone.page.wait_for_selector("#act-contact")
    await phone.shot("04_case_signed")
    await phone.tap("#act-contact")
    await phone.page.wait_for_selector("#act-arrive")
    await phone.tap("#act-arrive")
    await phone.page.wait_for_selector("#act-feedback")
    await phone.tap("#act-progress")
    await phone.say("正在与装修工人沟通")
    await phone.tap("#act-reinforce")
    await phone.say("需要城管协助")
    await until(lambda: (server.hub.state["teams"]["W01"].get("reinforcement") or {}).get("case_id") == cid,
                what="the reinforcement request")
    assert server.hub.state["cases"][cid]["times"].get("progress")      # the first progress report
    await phone.tap("#act-feedback")
    await phone.page.wait_for_selector("#sheet-text")
    await phone.shot("05_feedback_sheet")
    await phone.say("已劝导，双方和解")
    await phone.page.wait_for_selector(".badge.st-resolved")
    await phone.shot("06_case_resolved")

    # the room sees each stage, stamped by the squad member's account
    log = await log_of(server)
    mine = [(e["name"], e["actor"], e["data"].get("by_role")) for e in log
            if (e.get("data") or {}).get("case_id") == cid and e["name"].startswith("case.")]
    assert mine[-5:] == [("case.signed", "w01", "field"), ("case.contacted", "w01", "field"),
                         ("case.arrived", "w01", "field"), ("case.progressed", "w01", "field"),
                         ("case.feedback", "w01", "field")]
    case = server.hub.state["cases"][cid]
    assert case["status"] == "resolved" and case["timeline"][-1]["note"] == "已劝导，双方和解"
    await op.close()
    await phone.close()


@pytest.mark.browser
@pytest.mark.subprocess
async def test_the_network_drops_mid_flow_and_every_command_lands_once(server, browser):
    """Offline (the browser's offline mode and the link cut), taps wait in IndexedDB, survive a
    reload and go out once on reconnect; an answer lost with the link is not applied twice."""
    proxy = await FaultProxy("127.0.0.1", server.port).start()
    op = await RawClient.connect(ws_url(server), "op")
    try:
        phone = await Phone.open(browser, f"http://127.0.0.1:{proxy.port}")
        await phone.login("w01")
        cid = await new_case(op, "占道经营")
        await phone.page.wait_for_selector("#assign-sign")
        await phone.tap("#assign-sign")
        await phone.page.wait_for_selector("#overlay", state="hidden")
        await until(lambda: server.hub.state["cases"][cid]["status"] == "signed", what="signed on the server")
        await phone.js("navigator.serviceWorker.ready.then(() => true)")   # the shell is cached for offline

        # the network goes: the screen says so, taps wait and say what is waiting
        await phone.ctx.set_offline(True)
        proxy.cut()
        await phone.page.wait_for_selector("#net[data-phase=offline]")
        await phone.page.goto(f"{phone.base}/m/#/case/{cid}")
        await phone.page.wait_for_selector("#act-contact")
        await phone.tap("#act-contact")
        await phone.tap("#act-arrive")
        await phone.page.wait_for_selector("#act-feedback")
        await phone.tap("#act-feedback")
        await phone.say("已清理占道摊位")
        await phone.page.wait_for_selector("#waitpill:has-text('3')")      # 3 waiting (IndexedDB writes are async)
        assert "待发送" in await phone.page.inner_text("#case-waiting")
        await phone.shot("07_offline_waiting")
        # a reload while offline: the shell comes from the service worker, the commands from IndexedDB
        await phone.page.reload()
        await phone.page.wait_for_selector("#waitpill")
        await phone.tap("#waitpill")
        await phone.page.wait_for_selector("ul.waiting li")
        assert len(await phone.page.query_selector_all("ul.waiting li")) == 3
        await phone.shot("08_waiting_list")
        assert server.hub.state["cases"][cid]["status"] == "signed"       # nothing reached the server

        # back online: each goes out once, in order
        proxy.restore()
        await phone.ctx.set_offline(False)
        await until(lambda: server.hub.state["cases"][cid]["status"] == "resolved", what="the queued stages applied")
        await phone.page.wait_for_selector("#waitpill", state="detached")
        log = await log_of(server)
        assert names(log, cid)[-4:] == ["case.signed", "case.contacted", "case.arrived", "case.feedback"]

        # an ack lost with the link: the command was applied, the phone resends it with its id
        cid2 = await new_case(op, "乱堆垃圾")
        await phone.page.wait_for_selector("#assign-sign")
        proxy.hang_replies()                  # the server hears the phone, the phone hears nothing
        await phone.tap("#assign-sign")
        await until(lambda: server.hub.state["cases"][cid2]["status"] == "signed", what="the sign applied")
        proxy.cut()
        proxy.restore()
        await phone.page.wait_for_selector("#net[data-phase=ready]")
        await phone.page.wait_for_selector("#waitpill", state="detached")
        log = await log_of(server)
        assert names(log, cid2).count("case.signed") == 1
        await phone.close()
    finally:
        await op.close()
        await proxy.stop()


@pytest.mark.browser
@pytest.mark.subprocess
async def test_a_squad_member_never_sees_another_squads_case(server, browser):
    op = await RawClient.connect(ws_url(server), "op")
    other = await new_case(op, "另一队的案件", phone="13900001111")
    ours = await new_case(op, "本队的案件", team="E01")
    # the protocol: e01's every frame, from the snapshot on, never names W01's case
    e01 = await RawClient.connect(ws_url(server), "e01")
    frames = []
    with contextlib.suppress(asyncio.TimeoutError):
        while True:
            frames.append(await asyncio.wait_for(e01.ws.recv(), 1.0))
    ack, seen = await e01.command("case.sign", {"case_id": other})
    assert ack["code"] == "forbidden"
    await op.command("case.note", {"case_id": other, "note": "保密备注"})
    ack, seen2 = await e01.command("case.sign", {"case_id": ours})
    assert ack["type"] == "ack"
    text = "\n".join(frames) + json.dumps(seen) + json.dumps(seen2)
    assert other not in text and "另一队" not in text and "13900001111" not in text and "保密备注" not in text
    await e01.close()

    # the terminal: the list and a typed-in link to the other case show nothing of it
    phone = await Phone.open(browser, base_of(server))
    await phone.login("e01")
    await phone.page.wait_for_selector(f"[data-case='{ours}']")
    assert await phone.js(f"window.xnLink.state.cases.has('{other}')") is False
    await phone.page.goto(f"{phone.base}/m/#/case/{other}")
    await phone.page.wait_for_selector("text=已不在你的任务中")
    assert "另一队" not in await phone.page.content()
    await op.close()
    await phone.close()


@pytest.mark.browser
@pytest.mark.subprocess
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_screens_status_settings_and_a_refusal_in_words(server, browser, lang):
    op = await RawClient.connect(ws_url(server), "op")
    phone = await Phone.open(browser, base_of(server), lang)
    await phone.login("w01")
    await phone.tap("[data-go=status]")
    await phone.page.wait_for_selector("#status-busy")
    await phone.tap("#status-busy")
    await until(lambda: server.hub.state["teams"]["W01"]["status"] == "busy", what="the squad busy")
    await phone.page.wait_for_selector("#status-busy[aria-pressed=true]")
    await phone.shot("09_status")
    await phone.tap("#status-off_duty")
    await until(lambda: server.hub.state["teams"]["W01"]["on_duty"] is False, what="the squad off duty")
    await phone.tap("#status-available")
    await until(lambda: server.hub.state["teams"]["W01"]["on_duty"] is True, what="the squad on duty again")
    await phone.page.wait_for_selector("#status-available[aria-pressed=true]")
    await phone.tap("[data-go=settings]")
    await phone.page.wait_for_selector("#logout")
    await phone.shot("10_settings")

    # a case taken away while the member acts on it: the refusal is shown in words
    cid = await new_case(op, "临时改派")
    await phone.page.wait_for_selector("#assign-open")
    await phone.tap("#assign-open")
    await phone.page.wait_for_selector("#act-sign")
    await phone.ctx.set_offline(True)
    await phone.page.wait_for_selector("#net[data-phase=offline]")
    await phone.tap("#act-return")
    await phone.say("不在本队辖区")
    await op.command("case.return", {"case_id": cid, "reason": "改派"})
    await phone.ctx.set_offline(False)
    await phone.page.wait_for_selector(".refusals")
    words = await phone.page.inner_text(".refusals")
    assert ("未被接受" in words) if lang == "zh_CN" else ("was refused" in words)
    await phone.shot("11_refused")
    await op.close()
    await phone.close()


@pytest.mark.browser
@pytest.mark.subprocess
async def test_shared_position_is_sent_with_consent_at_a_bounded_rate(server, browser):
    phone = await Phone.open(browser, base_of(server), permissions=["geolocation"],
                             geolocation={"latitude": 30.2861, "longitude": 120.2153})
    await phone.login("w01")
    await phone.tap("[data-go=status]")
    await phone.page.wait_for_selector("#geo-toggle")
    assert server.hub.state["teams"]["W01"]["position"] in (None, [])  # nothing without consent
    await phone.tap("#geo-toggle")
    await until(lambda: server.hub.state["teams"]["W01"]["position"] == [30.2861, 120.2153], what="the position")
    # moved 300 m at once: within the 30 s bound, nothing more is sent
    await phone.js("window.__fixes = []; navigator.geolocation.watchPosition(p => window.__fixes.push(p.coords.latitude))")
    await phone.ctx.set_geolocation({"latitude": 30.2888, "longitude": 120.2153})
    await js_until(phone, "window.__fixes.includes(30.2888)", "the second fix")      # the app's watch has it too
    assert await phone.js("window.xnLink.outbox.list().then(l => l.length)") == 0     # nothing queued either
    assert not await phone.js("window.xnLink.inflight.size")
    log = await log_of(server)
    assert [e["data"]["lat"] for e in log if e["name"] == "team.moved" and e["actor"] == "w01"] == [30.2861]
    await phone.shot("12_position_on")
    await phone.close()


async def signed_and_open(phone, op: RawClient, title: str, **kw) -> str:
    """A new case for the phone's squad, signed for on the phone and open on its page."""
    cid = await new_case(op, title, **kw)
    await phone.tap("#assign-sign")
    await phone.page.goto(f"{phone.base}/m/#/case/{cid}")
    return cid


async def js_until(phone, expr: str, what: str, timeout: float = 15.0) -> None:
    """Poll a page expression until it is true (not wait_for_function: its polling compiles the
    predicate with new Function, which the terminal's CSP without 'unsafe-eval' refuses)."""
    deadline = time.monotonic() + timeout
    while not await phone.js(expr):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def jpeg(path: Path, colour: str, size=(640, 480)) -> Path:
    from PIL import Image
    Image.new("RGB", size, colour).save(path, "JPEG", quality=85)
    return path


@pytest.mark.browser
@pytest.mark.subprocess
async def test_photos_before_and_after_upload_and_attach_once_also_after_the_link_returns(server, browser, tmp_path):
    proxy = await FaultProxy("127.0.0.1", server.port).start()
    op = await RawClient.connect(ws_url(server), "op")
    try:
        phone = await Phone.open(browser, f"http://127.0.0.1:{proxy.port}")
        await phone.login("w01")
        cid = await signed_and_open(phone, op, "店外经营")
        await phone.tap("#act-arrive")
        await phone.page.wait_for_selector("#act-feedback")
        await phone.page.set_input_files("#photo-before", str(jpeg(tmp_path / "before.jpg", "#a33")))
        await until(lambda: [a["label"] for a in server.hub.state["cases"][cid].get("attachments") or []] == ["before"],
                    what="the photo before attached")
        await phone.page.wait_for_selector("figure[data-attachment] img[src^='blob:']")

        # the photo after, taken without a network: it waits on the phone, then goes once
        await phone.ctx.set_offline(True)
        proxy.cut()
        await phone.page.wait_for_selector("#net[data-phase=offline]")
        await phone.page.set_input_files("#photo-after", str(jpeg(tmp_path / "after.jpg", "#3a3")))
        await phone.page.wait_for_selector("figure.waiting img")
        await phone.page.wait_for_selector("#waitpill")
        await phone.shot("13_photo_waiting")
        proxy.restore()
        await phone.ctx.set_offline(False)
        await until(lambda: [a["label"] for a in server.hub.state["cases"][cid].get("attachments") or []]
                    == ["before", "after"], what="the photo after attached")
        await phone.page.wait_for_selector("#waitpill", state="detached")
        await phone.page.wait_for_selector("figure.waiting", state="detached")
        await phone.tap("#act-feedback")
        await phone.say("已劝离，门前已清理")
        await until(lambda: server.hub.state["cases"][cid]["status"] == "resolved", what="resolved")
        await js_until(phone, "document.querySelectorAll(\"figure[data-attachment] img[src^='blob:']\").length == 2",
                       "both photos drawn")
        await phone.shot("14_photos_attached")
        log = await log_of(server)
        attached = [e for e in log if e["name"] == "case.attached" and e["data"]["case_id"] == cid]
        assert [(e["actor"], e["data"]["attachment"]["label"]) for e in attached] == [("w01", "before"), ("w01", "after")]
        await phone.close()
    finally:
        await op.close()
        await proxy.stop()


@pytest.mark.browser
@pytest.mark.subprocess
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_refused_photo_says_why_in_words_stays_until_removed_and_loses_nothing(db_url, tmp_path, browser, lang):
    """Too large (a server that takes photos up to 1 MB), not a photo whatever its name, and a
    case taken from the squad while its photo waited offline: each is refused with its reason
    worded in the phone's language (the limit and the photo's size, the case), no raw code;
    the photo stays on the phone, with the reason and Remove, until the member removes it;
    the photo attached before is untouched and the store holds nothing of the refused ones."""
    from PIL import Image

    from server.files import FileLimits
    srv = XiaonaoServer(db_url, "127.0.0.1", 0, data_dir=str(tmp_path / "files"),
                        file_limits=FileLimits(photo=1_000_000))
    await srv.start()
    op = await RawClient.connect(ws_url(srv), "op")
    try:
        phone = await Phone.open(browser, base_of(srv), lang)
        await phone.login("w01")
        cid = await signed_and_open(phone, op, "店外经营")
        await phone.tap("#act-arrive")
        await phone.page.wait_for_selector("#act-feedback")
        await phone.page.set_input_files("#photo-before", str(jpeg(tmp_path / "before.jpg", "#a33")))
        await until(lambda: len(srv.hub.state["cases"][cid].get("attachments") or []) == 1, what="the photo before")
        import os as _os
        big = tmp_path / "big.jpg"
        Image.frombytes("RGB", (1400, 1400), _os.urandom(1400 * 1400 * 3)).save(big, "JPEG", quality=95)
        size_mb = f"{big.stat().st_size / 1e6:.1f}"
        await phone.page.set_input_files("#photo-after", str(big))
        await phone.page.wait_for_selector(".refusals")
        words = await phone.page.inner_text(".refusals")
        if lang == "en":
            assert f"Photo after (big.jpg) was not accepted: a photo may be at most 1 MB; this one is {size_mb} MB" \
                in words, words
        else:
            assert f"（big.jpg）未被接受：照片最大 1 MB，此照片为 {size_mb} MB" in words, words
        notes = tmp_path / "notes.jpg"
        notes.write_bytes("稍后补拍\n".encode() * 300)                       # a text file named .jpg
        await phone.page.set_input_files("#photo-after", str(notes))
        await js_until(phone, "document.querySelectorAll('.refusals p').length == 2", "the second refusal")
        words = await phone.page.inner_text(".refusals")
        assert ("不是照片（JPEG" in words) if lang == "zh_CN" else ("it is not a photo (JPEG" in words), words
        # a photo taken offline for a case the room then gives to another squad
        other = await signed_and_open(phone, op, "占道堆物", address="杭海路1号")
        await phone.page.wait_for_selector("#take-after")
        await phone.ctx.set_offline(True)
        await phone.page.wait_for_selector("#net[data-phase=offline]")
        await phone.page.set_input_files("#photo-after", str(jpeg(tmp_path / "late.jpg", "#3a3")))
        await phone.page.wait_for_selector("figure.waiting img")
        ack, _ = await op.command("case.dispatch", {"case_id": other, "team_id": "E01"})
        assert ack["type"] == "ack", ack
        await phone.ctx.set_offline(False)
        await js_until(phone, "document.querySelectorAll('.refusals p').length == 3", "the third refusal")
        words = await phone.page.inner_text(".refusals")
        assert (f"案件 {other} 已不属于您的队伍" in words) if lang == "zh_CN" else (f"case {other} is not your squad's" in words), \
            words
        for raw in ("too_large", "unsupported_type", "forbidden", "HTTP 4"):
            assert raw not in words, (raw, words)
        await phone.shot("16_photo_refused")
        # kept on the phone with the reason until removed; nothing of them stored
        await phone.page.goto(f"{phone.base}/m/#/waiting")
        await js_until(phone, "document.querySelectorAll('.photo-refused').length == 3", "the three kept with reasons")
        kept = await phone.page.inner_text("ul.waiting")
        assert "big.jpg" in kept and "notes.jpg" in kept and "late.jpg" in kept, kept
        await phone.shot("17_photo_refused_kept", full_page=True)
        atts = srv.hub.state["cases"][cid]["attachments"]
        assert [a["label"] for a in atts] == ["before"]
        stored = {p.name for p in (tmp_path / "files" / "objects").rglob("*") if p.is_file() and "." not in p.name}
        assert stored == {atts[0]["id"]}
        await phone.page.tap(".photo-refused button")
        await js_until(phone, "document.querySelectorAll('.photo-refused').length == 2", "one removed")
        await phone.page.reload()                                       # what is kept survives a reload
        await phone.page.wait_for_selector("#net[data-phase=ready]")
        await js_until(phone, "document.querySelectorAll('.photo-refused').length == 2", "two kept after a reload")
        await phone.close()
    finally:
        await op.close()
        await srv.stop()


def parts_received(srv) -> int:
    """Bytes of resumable uploads the server holds, not yet finished."""
    return sum(p.stat().st_size for p in (srv.content.root / "uploads").glob("*.part"))


STATES_SEEN = """
  window.__states = [];
  addEventListener("load", () => window.xnUploader && window.xnUploader.addEventListener("progress",
    (e) => window.__states.push([e.detail.state, e.detail.sent])));
"""


@pytest.mark.browser
@pytest.mark.subprocess
async def test_a_large_photo_resumes_after_a_drop_and_the_feedback_waits_for_it(server, browser, tmp_path, caplog):
    """A 3 MB photo after, taken on scene, goes as a resumable upload; the network blinks a
    third of the way: the phone says it is resuming, asks the server how far it got and
    sends the rest only. The feedback tapped meanwhile waits for the photo and goes right
    after its attach; the room gets the photo's bytes whole."""
    import logging
    import re

    from . import evidence_files as ef
    caplog.set_level(logging.INFO, logger="xiaonao.files")
    proxy = await FaultProxy("127.0.0.1", server.port).start()
    op = await RawClient.connect(ws_url(server), "op")
    try:
        phone = await Phone.open(browser, f"http://127.0.0.1:{proxy.port}")
        await phone.ctx.add_init_script(STATES_SEEN)
        await phone.login("w01")
        cid = await signed_and_open(phone, op, "占道堆放")
        # (the sign in first: a reload before the page has queued its tap loses the tap)
        await until(lambda: server.hub.state["cases"][cid]["status"] == "signed", what="signed on the server")
        await phone.page.reload()                      # (the init script's listener on this page)
        await phone.page.wait_for_selector("#net[data-phase=ready]")
        await phone.tap("#act-arrive")
        await phone.page.wait_for_selector("#act-feedback")
        photo = ef.photo_of_size(3_000_000)
        (tmp_path / "after.jpg").write_bytes(photo)
        proxy.pace = 0.02                               # about 3 MB/s up: the upload takes a second
        proxy.cut_after(1_000_000)
        await phone.page.set_input_files("#photo-after", str(tmp_path / "after.jpg"))
        await phone.page.wait_for_selector("[data-progress][data-state=uploading]")
        await phone.tap("#act-feedback")
        await phone.say("已清理，恢复通行")
        await phone.page.wait_for_selector("#case-held")             # the feedback says what it waits for
        assert "after.jpg" in await phone.page.inner_text("#case-held")
        await phone.js("document.querySelector('figure.waiting')?.scrollIntoView({block: 'center'})")
        await phone.shot("40_feedback_waits_for_photo")
        await until(lambda: server.hub.state["cases"][cid]["status"] == "resolved", what="fed back", timeout=30)
        states = await phone.js("window.__states")
        assert ["resuming"] in [[s] for s, _ in states], states
        # the server went on from what it held (the browser may also resend the cut request once
        # by itself: refused as out of place, 409)
        went_on = [int(m) for m in re.findall(r"goes on with upload \w+ from byte (\d+)", caplog.text)]
        assert went_on and went_on[-1] > 0, caplog.text
        log = await log_of(server)
        mine = [e["name"] for e in log if (e.get("data") or {}).get("case_id") == cid]
        assert mine.index("case.attached") < mine.index("case.feedback"), mine        # the photo first
        att = server.hub.state["cases"][cid]["attachments"][0]
        assert att["label"] == "after" and server.content.original(att["id"]).read_bytes() == photo
        await phone.page.wait_for_selector("figure.waiting", state="detached")
        assert "已上传" in await phone.page.inner_text("#toast")
        await phone.close()
    finally:
        await op.close()
        await proxy.stop()


@pytest.mark.browser
@pytest.mark.subprocess
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_photo_upload_goes_on_after_the_page_is_reloaded(server, browser, tmp_path, lang):
    """The page is reloaded half-way through a large photo's upload, the network gone with it
    (a phone that killed the tab on a train): the photo and its upload are remembered on the
    phone, and the new page shows "resuming" and sends the rest from where the server got to."""
    from . import evidence_files as ef
    proxy = await FaultProxy("127.0.0.1", server.port).start()
    op = await RawClient.connect(ws_url(server), "op")
    try:
        phone = await Phone.open(browser, f"http://127.0.0.1:{proxy.port}", lang)
        await phone.ctx.add_init_script(STATES_SEEN)
        await phone.login("w01")
        cid = await signed_and_open(phone, op, "乱贴广告")
        photo = ef.photo_of_size(2_500_000)
        (tmp_path / "before.jpg").write_bytes(photo)
        proxy.pace = 0.1                                # about 650 KB/s up
        await phone.page.set_input_files("#photo-before", str(tmp_path / "before.jpg"))
        await until(lambda: parts_received(server) > 600_000, what="part of the photo at the server", timeout=30)
        proxy.cut()
        await phone.page.reload()
        proxy.restore()
        await phone.page.wait_for_selector("[data-progress][data-state=resuming]")
        await phone.js("document.querySelector('figure.waiting')?.scrollIntoView({block: 'center'})")
        await phone.shot("41_photo_resuming")
        text = await phone.page.inner_text("[data-progress]")
        assert ("继续上传" if lang == "zh_CN" else "resuming") in text, text
        proxy.pace = 0.0
        await until(lambda: [a["label"] for a in server.hub.state["cases"][cid].get("attachments") or []] == ["before"],
                    what="the photo attached", timeout=30)
        states = await phone.js("window.__states")
        assert states and all(st == "resuming" for st, _n in states[:2]), states       # the new page went on,
        assert next(n for _st, n in states if n is not None) > 0, states                # from the server's offset
        att = server.hub.state["cases"][cid]["attachments"][0]
        assert server.content.original(att["id"]).read_bytes() == photo
        assert list((server.content.root / "uploads").glob("*.part")) == []
        await phone.page.wait_for_selector("figure[data-attachment]")
        await phone.close()
    finally:
        await op.close()
        await proxy.stop()


# ---- departments, communities, one-time codes (the roles of issue 16) ------------------------

@pytest_asyncio.fixture(loop_scope="session")
async def roles_server(db_url):
    from server.cli import add_user
    add_user(db_url, "police1", "department", "police1-password", department="police")
    add_user(db_url, "g19", "community", "g19-password", grids="G19,G20")
    srv = XiaonaoServer(db_url, "127.0.0.1", 0)
    await srv.start()
    yield srv
    await srv.stop()


async def transferred(op: RawClient, title: str, to: str = "police") -> str:
    cid = await new_case(op, title, team=None)
    ack, _ = await op.command("case.transfer", {"case_id": cid, "to": to, "note": "请派出所处置"})
    assert ack["type"] == "ack", ack
    return cid


@pytest.mark.browser
@pytest.mark.subprocess
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_department_signs_a_transferred_case_returns_one_and_reports_back_on_another(roles_server, browser, lang):
    srv = roles_server
    op = await RawClient.connect(ws_url(srv), "op")
    market = await transferred(op, "市场纠纷（转市场监管）", to="market")
    phone = await Phone.open(browser, base_of(srv), lang)
    await phone.login("police1")
    assert "九堡派出所" in await phone.page.inner_text("#bar") or lang == "en"
    cid = await transferred(op, "酒后滋事")
    # the transfer arrives like an assignment and stays on top until signed for
    await phone.page.wait_for_selector("#assign-sign")
    await phone.shot("20_dept_new_transfer")
    await phone.tap("#assign-sign")
    await until(lambda: (srv.hub.state["cases"][cid].get("dept_signed") or {}).get("by") == "police1",
                what="the department's signature")
    await phone.page.goto(f"{phone.base}/m/#/case/{cid}")
    await phone.page.wait_for_selector("#dept-signed")
    await phone.shot("21_dept_signed")
    await phone.tap("#act-return")
    await phone.say("不属于派出所职责，应由城管处理")
    await until(lambda: srv.hub.state["cases"][cid]["status"] == "returned", what="returned to the room")
    await phone.page.wait_for_selector("text=" + ("已不在你的任务中" if lang == "zh_CN" else "no longer one of your tasks"))

    cid2 = await transferred(op, "噪音扰民（转派出所）")
    await phone.page.wait_for_selector("#assign-sign")
    await phone.tap("#assign-sign")
    await phone.page.goto(f"{phone.base}/m/#/case/{cid2}")
    await phone.page.wait_for_selector("#act-progress")
    await phone.tap("#act-progress")
    await phone.say("民警已到场调解")
    await phone.page.wait_for_selector("#act-feedback")
    await phone.tap("#act-feedback")
    await phone.say("已调解，双方签订协议")
    await until(lambda: srv.hub.state["cases"][cid2]["status"] == "resolved", what="resolved by the department")
    await phone.shot("22_dept_reported_back")

    log = await log_of(srv)
    got = [(e["name"], e["data"].get("by_role")) for e in log if e["data"].get("case_id") == cid and e["actor"] == "police1"]
    assert got == [("case.dept_signed", "department"), ("case.returned", "department")]
    got2 = [e["name"] for e in log if e["data"].get("case_id") == cid2 and e["actor"] == "police1"]
    assert got2 == ["case.dept_signed", "case.progressed", "case.feedback"]
    # another department's case never reached this terminal
    assert await phone.js(f"window.xnLink.state.cases.has('{market}')") is False
    await op.close()
    await phone.close()


@pytest.mark.browser
@pytest.mark.subprocess
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_grid_worker_reports_from_the_grid_follows_up_and_confirms(roles_server, browser, lang):
    srv = roles_server
    op = await RawClient.connect(ws_url(srv), "op")
    phone = await Phone.open(browser, base_of(srv), lang)
    await phone.login("g19")
    await phone.tap("[data-go=report]")
    await phone.page.wait_for_selector("#r-title")
    await phone.page.fill("#r-title", "楼道堆放杂物")
    await phone.page.fill("#r-address", "九堡大道88号3幢")
    await phone.page.fill("#r-description", "消防通道被堵")
    await phone.shot("30_community_report")
    await phone.tap("#r-send")
    await until(lambda: any(c["title"] == "楼道堆放杂物" for c in srv.hub.state["cases"].values()), what="the report")
    case = next(c for c in srv.hub.state["cases"].values() if c["title"] == "楼道堆放杂物")
    assert case["source"] == "grid" and case["location"]["grid"] == "G19" and case["timeline"][0]["actor"] == "g19"
    await phone.page.wait_for_selector(f"[data-case='{case['id']}']")
    await phone.shot("31_community_list")

    # the room closes it; the grid worker follows up and confirms with the resident
    cid = case["id"]
    for name, args in (("case.accept", {}), ("case.dispatch", {"team_id": "W01"}), ("case.sign", {}),
                       ("case.arrive", {}), ("case.feedback", {"note": "已清理"}), ("case.close", {"resolution": "已清理"})):
        ack, _ = await op.command(name, {"case_id": cid, **args})
        assert ack["type"] == "ack", (name, ack)
    await phone.page.goto(f"{phone.base}/m/#/case/{cid}")
    await phone.page.wait_for_selector("#act-follow_up")
    await phone.tap("#act-follow_up")
    await phone.say("回访住户，通道已畅通")
    await phone.page.wait_for_selector("#act-confirm")
    await phone.tap("#act-confirm")
    await until(lambda: (srv.hub.state["cases"][cid].get("confirmation") or {}).get("outcome") == "confirmed",
                what="the confirmation")
    await phone.page.wait_for_selector(".msg.ok")
    await phone.shot("32_community_confirmed")
    log = await log_of(srv)
    assert [e["name"] for e in log if e["data"].get("case_id") == cid and e["actor"] == "g19"] == [
        "case.reported", "case.followed_up", "case.confirmed"]
    await op.close()
    await phone.close()


@pytest.mark.browser
@pytest.mark.subprocess
async def test_a_one_time_code_link_logs_in_once(server, browser, db_url):
    from server.cli import code_link, login_code
    code, _, _ = await asyncio.to_thread(login_code, db_url, "w01")
    link = code_link(base_of(server), code)
    phone = await Phone.open(browser, base_of(server))
    await phone.page.goto(link)
    await phone.page.wait_for_selector("#net[data-phase=ready]")
    assert "code=" not in phone.page.url                      # the code is not kept in the address
    assert await phone.js("localStorage.getItem('xn.token')")
    await phone.page.reload()                                 # the session goes on with its token
    await phone.page.wait_for_selector("#net[data-phase=ready]")
    # the same link on another phone: refused in words, the login form shown
    other = await Phone.open(browser, base_of(server))
    await other.page.goto(link)
    await other.page.wait_for_selector("#loginmsg")
    assert "二维码" in await other.page.inner_text("#loginmsg")
    await other.shot("15_code_used")
    await other.close()
    await phone.close()


@pytest.mark.browser
@pytest.mark.subprocess
async def test_a_disabled_account_is_logged_out_saying_why(server, browser, db_url):
    from server.cli import set_disabled
    phone = await Phone.open(browser, base_of(server))
    await phone.login("w01")
    await asyncio.to_thread(set_disabled, db_url, "w01", True)
    await phone.page.wait_for_selector("#loginmsg")
    assert "停用" in await phone.page.inner_text("#loginmsg")
    assert await phone.js("localStorage.getItem('xn.token')") is None
    await phone.close()


def test_the_terminal_names_priorities_as_the_cockpit_does():
    """Found trying main: the phone called a P2 case 紧急 ("P2" in English), while the room's
    cockpit calls P1 紧急 and P2 较急: a squad and its dispatcher must mean the same by it."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    tsv = {}
    for line in (root / "resources/i18n/zh_CN.tsv").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0] == "Domain":
            tsv[parts[1]] = parts[2]
    en = json.loads((root / "server/web/m/i18n/en.json").read_text(encoding="utf-8"))
    zh = json.loads((root / "server/web/m/i18n/zh_CN.json").read_text(encoding="utf-8"))
    for p, word in ((1, "urgent"), (2, "high"), (3, "normal"), (4, "low")):
        assert en[f"prio.{p}"] == f"P{p} {word}"
        assert zh[f"prio.{p}"] == tsv[f"P{p} {word}"]


@pytest.mark.browser
@pytest.mark.subprocess
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_a_department_sees_and_feeds_back_its_part_of_a_joint_case(roles_server, browser, lang):
    """一件事: the police's part of a joint case reaches its terminal with its task and deadline,
    the other department's part only as "open"; the police feed back their part."""
    srv = roles_server
    op = await RawClient.connect(ws_url(srv), "op")
    cid = await new_case(op, "学校门口聚集滋事", team=None)
    ack, _ = await op.command("case.part_add", {"case_id": cid, "parts": [
        {"department": "police", "task": "维持放学秩序", "hours": 2},
        {"department": "citymgmt", "task": "清理占道摊点（内部安排）", "hours": 4}]})
    assert ack["type"] == "ack", ack
    phone = await Phone.open(browser, base_of(srv), lang)
    await phone.login("police1")
    await phone.page.wait_for_selector(f"[data-case='{cid}'] [data-part='P1']")      # marked on its card
    await phone.page.goto(f"{phone.base}/m/#/case/{cid}")
    await phone.page.wait_for_selector("#my-part")
    text = await phone.page.inner_text("#parts")
    assert "维持放学秩序" in text and "内部安排" not in text          # the other part's task is not its to see
    assert ("0/2" in text) and ("办理中" in text if lang == "zh_CN" else "open" in text)
    await phone.shot("25_dept_joint_part")
    await phone.tap("#act-part_feedback")
    await phone.say("民警已到场，秩序恢复")
    await until(lambda: (srv.hub.state["cases"][cid]["parts"][0].get("done") or {}).get("by") == "police1",
                what="the police's part done")
    await phone.page.wait_for_selector("text=1/2")
    assert await phone.page.query_selector("#act-part_feedback") is None   # done: nothing more to feed back
    await phone.shot("26_dept_joint_part_done")
    part = srv.hub.state["cases"][cid]["parts"][0]
    assert part["done"]["by_role"] == "department" and part["done"]["note"] == "民警已到场，秩序恢复"
    assert srv.hub.state["cases"][cid]["parts"][1]["done"] is None
    await op.close()
    await phone.close()


@pytest.mark.browser
@pytest.mark.subprocess
async def test_the_recently_closed_list_shows_the_latest_closed_first(server, browser):
    """"Recently closed" (最近结束) was the cases in the order the phone first heard of them,
    not the order they were closed in."""
    op = await RawClient.connect(ws_url(server), "op")
    ids = [await new_case(op, f"已结案{i}") for i in range(3)]
    for cid in (ids[2], ids[0], ids[1]):                   # closed in another order than reported
        for name, args in (("case.sign", {}), ("case.arrive", {}), ("case.feedback", {"note": "已处置"}),
                           ("case.close", {"resolution": "已处置"})):
            ack, _ = await op.command(name, {"case_id": cid, **args})
            assert ack["type"] == "ack", (name, ack)
    ack, _ = await op.command("case.note", {"case_id": ids[2], "note": "回访：居民满意"})   # touched later, closed first
    assert ack["type"] == "ack", ack
    phone = await Phone.open(browser, base_of(server), "zh_CN")
    await phone.login("w01")
    await phone.page.wait_for_selector(f".cases.done [data-case='{ids[1]}']")
    shown = await phone.page.eval_on_selector_all(".cases.done [data-case]", "els => els.map(e => e.dataset.case)")
    assert shown[:3] == [ids[1], ids[0], ids[2]]
    await op.close()
    await phone.close()
