"""扫码打分 in a real browser: the squad's terminal shows the rating QR code after feedback,
a resident's phone (another browser, no login) opens the link, rates once, and the squad
and the room see it. Debian's Chromium through Playwright as tests/test_field_web.py does;
screenshots of each screen in both languages in build/field-shots/."""
from __future__ import annotations

import pytest

from . import test_field_web
from .conftest import RawClient, ws_url
from .helpers import until
from .test_field_web import Phone, base_of, js_until, new_case

server = test_field_web.server              # the fixture, on the browser's loop

# the worker's one Playwright is on the worker's one event loop (tests/browser_fixtures.py)
pytestmark = pytest.mark.asyncio(loop_scope="session")


async def resident_phone(browser, phone: Phone, url: str, lang: str) -> Phone:
    """The resident's own phone (test_field_web's Phone on the rating link): a fresh browser,
    nothing stored, not logged in."""
    return await Phone.open(browser, phone.base, lang, url=url if lang == "zh_CN" else url + "?lang=en")


async def squad_with_case(server, browser, lang: str, title: str, steps) -> tuple[RawClient, RawClient, Phone, str]:
    """The room (op), the squad W01's protocol client and its member's phone logged in, and a
    case reported, dispatched to W01 and taken through `steps` (command, args) by the squad."""
    op = await RawClient.connect(ws_url(server), "op")
    squad = await RawClient.connect(ws_url(server), "w01")
    phone = await Phone.open(browser, base_of(server), lang)
    await phone.login("w01")
    cid = await new_case(op, title)
    for name, args in steps:
        ack, _ = await squad.command(name, {"case_id": cid, **args})
        assert ack["type"] == "ack", ack
    return op, squad, phone, cid


@pytest.mark.browser
@pytest.mark.subprocess
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_squad_shows_the_code_and_the_resident_rates_once(server, browser, lang):
    op, squad, phone, cid = await squad_with_case(server, browser, lang, "楼上装修噪音扰民", (
        ("case.sign", {}), ("case.arrive", {}), ("case.feedback", {"note": "已劝导，停止施工"})))
    await phone.page.goto(f"{phone.base}/m/#/case/{cid}")
    await phone.page.wait_for_selector("#act-rating")
    await phone.tap("#act-rating")
    await phone.page.wait_for_selector("#rating-qr")
    await js_until(phone, "document.getElementById('rating-qr').naturalWidth > 100", "the QR code drawn")
    url = (await phone.page.inner_text("#rating-url")).strip()
    assert url.startswith(f"{phone.base}/r/{cid}-")
    assert server.hub.state["cases"][cid]["rating_link"]["by_role"] == "field"
    await phone.shot("20_rating_code")

    # the resident's phone: the case's title and day, no name, phone or address
    resident = await resident_phone(browser, phone, url, lang)
    page = resident.page
    text = await page.inner_text("body")
    assert "楼上装修噪音扰民" in text and "九堡大道" not in text and "王先生" not in text and "13812345678" not in text
    assert ("您对这次处置满意吗" in text) == (lang == "zh_CN") and ("Were you satisfied" in text) == (lang == "en")
    await resident.shot("21_resident_page", full_page=True)
    await page.fill("#note", "处理很及时")
    await page.tap("#rate-4")
    await page.wait_for_selector("#outcome[data-outcome=thanks]")
    await resident.shot("22_resident_thanks", full_page=True)
    case = server.hub.state["cases"][cid]
    assert case["rating"] == 4 and case["rating_source"] == "resident" and case["notes"][-1]["text"] == "处理很及时"

    # the terminal's sheet closes saying so; the case shows the resident's rating
    await phone.page.wait_for_selector("#rating-qr", state="detached")
    await phone.page.wait_for_selector("#case-rating")
    assert "★★★★☆" in await phone.page.inner_text("#case-rating")
    assert await phone.page.query_selector("#act-rating") is None
    await phone.shot("23_case_rated")

    # a second use: already rated, nothing changes
    await page.goto(url + ("?lang=en" if lang == "en" else ""))
    await page.wait_for_selector("#outcome[data-outcome=already]")
    await resident.shot("24_resident_already", full_page=True)
    assert server.hub.state["cases"][cid]["rating"] == 4
    # a forged or broken link is told apart in words
    await page.goto(url[:-3] + "zzz" + ("?lang=en" if lang == "en" else ""))
    await page.wait_for_selector("#outcome[data-outcome=invalid]")
    await resident.shot("25_resident_invalid", full_page=True)
    await resident.close()
    await op.close()
    await squad.close()
    await phone.close()


@pytest.mark.browser
@pytest.mark.subprocess
async def test_offline_the_terminal_says_a_code_needs_the_link_and_the_page_switches_language(server, browser):
    op, squad, phone, cid = await squad_with_case(server, browser, "zh_CN", "占道经营", (
        ("case.sign", {}), ("case.arrive", {}), ("case.feedback", {"note": "已整改"})))
    await phone.page.goto(f"{phone.base}/m/#/case/{cid}")
    await phone.page.wait_for_selector("#act-rating")
    await phone.ctx.set_offline(True)
    await js_until(phone, "document.getElementById('net').dataset.phase !== 'ready'", "the link down")
    await phone.tap("#act-rating")
    await phone.page.wait_for_selector("#rating-refused")
    assert "需要连上指挥中心" in await phone.page.inner_text("#rating-refused")
    assert "rating_link" not in server.hub.state["cases"][cid]          # nothing was made
    await phone.shot("26_rating_offline")
    await phone.tap("#rating-close")
    await phone.ctx.set_offline(False)
    await phone.page.wait_for_selector("#net[data-phase=ready]", timeout=40000)
    await phone.tap("#act-rating")
    await phone.page.wait_for_selector("#rating-qr")
    url = (await phone.page.inner_text("#rating-url")).strip()
    resident = await resident_phone(browser, phone, url, "zh_CN")
    page = resident.page
    assert "您对这次处置满意吗" in await page.inner_text("body")
    await page.tap("#lang")
    await page.wait_for_selector("html[lang=en]")
    assert "Were you satisfied" in await page.inner_text("body")
    await page.tap("#rate-2")            # the language chosen stays for the answer
    await page.wait_for_selector("#outcome[data-outcome=thanks]")
    assert "sorry" in await page.inner_text("body")
    assert server.hub.state["cases"][cid]["rating"] == 2
    await resident.close()
    await op.close()
    await squad.close()
    await phone.close()


@pytest.mark.browser
@pytest.mark.subprocess
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_squad_reads_its_guide_ticks_the_checklist_and_sees_an_admins_edit(server, browser, lang):
    from models.commands import Actor
    op = await RawClient.connect(ws_url(server), "op")
    phone = await Phone.open(browser, base_of(server), lang)
    await phone.login("w01")
    cid = await new_case(op, "燃气泄漏", category="emergency", priority=1)
    await phone.page.goto(f"{phone.base}/m/#/case/{cid}")
    await phone.tap("#act-sign")
    await phone.page.wait_for_selector("#act-arrive")
    await phone.tap("#act-arrive")
    await phone.page.wait_for_selector("#guide-need")
    need = await phone.page.inner_text("#guide-need")
    assert ("立即报告值班长" in need) if lang == "zh_CN" else ("Report to the shift leader" in need)
    await phone.shot("30_guide_checklist")
    # feedback before the required items: refused in words, nothing changes
    await phone.tap("#act-feedback")
    await phone.say("已处置")
    await js_until(phone, "document.querySelector('.refusals') !== null", "the refusal shown")
    assert "立即报告值班长" in await phone.page.inner_text(".refusals")
    assert server.hub.state["cases"][cid]["status"] == "on_scene"
    await phone.shot("31_guide_refused")
    await phone.tap("#check-em1")
    await phone.tap("#check-em3")
    await until(lambda: set(server.hub.state["cases"][cid].get("checklist") or {}) == {"em1", "em3"},
                what="both ticks on the server")
    await phone.page.wait_for_selector("#guide-need", state="detached")
    mark = server.hub.state["cases"][cid]["checklist"]["em1"]
    assert mark["by"] == "w01" and mark["by_role"] == "field"
    await phone.shot("32_guide_ticked")
    # the room unticks one on the squad's behalf: the phone follows
    assert (await op.command("case.check", {"case_id": cid, "item": "em3", "done": False}))[0]["type"] == "ack"
    await js_until(phone, "document.getElementById('check-em3').getAttribute('aria-pressed') === 'false'", "unticked")
    await phone.tap("#check-em3")
    await until(lambda: "em3" in (server.hub.state["cases"][cid].get("checklist") or {}), what="ticked again")
    # an administrator edits the emergency guide: the phone shows it at once
    await server.hub.execute(Actor("admin", "admin"), "guidance.set", {"category": "emergency", "guide": {
        "guide": "先救人，后处置；立即报告值班长。", "guide_en": "People first; tell the shift leader at once.",
        "items": [{"id": "em1", "zh": "立即报告值班长", "en": "Report to the shift leader at once", "required": True},
                  {"id": "em3", "zh": "划定警戒区域", "en": "Cordon the area", "required": True},
                  {"zh": "拍摄现场照片", "en": "Photograph the scene"}]}})
    want = "先救人，后处置" if lang == "zh_CN" else "People first"
    await js_until(phone, f"document.querySelector('#guide .guide-text').textContent.includes({want!r})", "the edit")
    assert await phone.page.locator("#guide ul.checklist li").count() == 3
    await phone.shot("33_guide_edited")
    await phone.tap("#act-feedback")
    await phone.say("已处置")
    await until(lambda: server.hub.state["cases"][cid]["status"] == "resolved", what="fed back")
    log = await server.hub.run_db(server.store.events_after, 0)
    ticks = [(e["data"]["item"], e["data"]["ticked"], e["actor"]) for e in log if e["name"] == "case.checked"]
    assert ticks == [("em1", True, "w01"), ("em3", True, "w01"), ("em3", False, "op"), ("em3", True, "w01")]
    await op.close()
    await phone.close()


@pytest.mark.browser
@pytest.mark.subprocess
async def test_a_tick_made_offline_waits_and_lands_once(server, browser):
    op, squad, phone, cid = await squad_with_case(server, browser, "zh_CN", "楼道堆放杂物", (
        ("case.sign", {}), ("case.arrive", {})))
    await squad.close()
    await phone.page.goto(f"{phone.base}/m/#/case/{cid}")
    await phone.page.wait_for_selector("#check-d1")
    await phone.ctx.set_offline(True)
    await js_until(phone, "document.getElementById('net').dataset.phase !== 'ready'", "the link down")
    await phone.tap("#check-d1")
    await js_until(phone, "document.querySelector('#check-d1 .badge.wait') !== null", "the tick waiting")
    assert await phone.page.get_attribute("#check-d1", "aria-pressed") == "true"     # shown at once
    assert "checklist" not in server.hub.state["cases"][cid]
    await phone.shot("34_guide_tick_offline")
    await phone.ctx.set_offline(False)
    await until(lambda: "d1" in (server.hub.state["cases"][cid].get("checklist") or {}), timeout=40,
                what="the tick landed")
    await js_until(phone, "document.querySelector('#check-d1 .badge.wait') === null", "no longer waiting", 20)
    log = await server.hub.run_db(server.store.events_after, 0)
    assert [e["data"]["item"] for e in log if e["name"] == "case.checked"] == ["d1"]        # once
    await op.close()
    await phone.close()
