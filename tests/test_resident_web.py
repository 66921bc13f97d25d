"""扫码打分 in a real browser: the squad's terminal shows the rating QR code after feedback,
a resident's phone (another browser, no login) opens the link, rates once, and the squad
and the room see it. Debian's Chromium through Playwright as tests/test_field_web.py does;
screenshots of each screen in both languages in build/field-shots/."""
from __future__ import annotations

import pytest

from .conftest import RawClient, ws_url
from .test_field_web import CHROMIUM, CHROMIUM_ARGS, PHONE, SHOTS, Phone, _why_no_browser, base_of, js_until, new_case


@pytest.fixture
async def browser():
    """Debian's Chromium through Playwright, as tests/test_field_web.py starts it (skipped, saying why)."""
    reason = _why_no_browser()
    if reason:
        pytest.skip(reason)
    from playwright.async_api import Error, async_playwright
    async with async_playwright() as p:
        try:
            b = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as e:
            pytest.skip(f"chromium cannot start here: {str(e).splitlines()[0]}")
        try:
            yield b
        finally:
            await b.close()


async def resident_page(browser, url: str, lang: str):
    """The resident's own phone: a fresh browser, nothing stored, not logged in."""
    ctx = await browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=1,
                                    locale="zh-CN" if lang == "zh_CN" else "en-US")
    page = await ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(url if lang == "zh_CN" else url + "?lang=en")
    return ctx, page, errors


async def shot(page, name: str, lang: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}_{lang}.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.subprocess
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
async def test_the_squad_shows_the_code_and_the_resident_rates_once(server, browser, lang):
    op = await RawClient.connect(ws_url(server), "op")
    squad = await RawClient.connect(ws_url(server), "w01")
    phone = await Phone.open(browser, base_of(server), lang)
    await phone.login("w01")
    cid = await new_case(op, "楼上装修噪音扰民")
    for name, args in (("case.sign", {}), ("case.arrive", {}), ("case.feedback", {"note": "已劝导，停止施工"})):
        ack, _ = await squad.command(name, {"case_id": cid, **args})
        assert ack["type"] == "ack", ack
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
    ctx, page, errors = await resident_page(browser, url, lang)
    text = await page.inner_text("body")
    assert "楼上装修噪音扰民" in text and "九堡大道" not in text and "王先生" not in text and "13812345678" not in text
    assert ("您对这次处置满意吗" in text) == (lang == "zh_CN") and ("Were you satisfied" in text) == (lang == "en")
    await shot(page, "21_resident_page", lang)
    await page.fill("#note", "处理很及时")
    await page.tap("#rate-4")
    await page.wait_for_selector("#outcome[data-outcome=thanks]")
    await shot(page, "22_resident_thanks", lang)
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
    await shot(page, "24_resident_already", lang)
    assert server.hub.state["cases"][cid]["rating"] == 4
    # a forged or broken link is told apart in words
    await page.goto(url[:-3] + "zzz" + ("?lang=en" if lang == "en" else ""))
    await page.wait_for_selector("#outcome[data-outcome=invalid]")
    await shot(page, "25_resident_invalid", lang)
    assert not errors, errors
    await ctx.close()
    await op.close()
    await squad.close()
    await phone.close()


@pytest.mark.browser
@pytest.mark.subprocess
async def test_offline_the_terminal_says_a_code_needs_the_link_and_the_page_switches_language(server, browser):
    op = await RawClient.connect(ws_url(server), "op")
    squad = await RawClient.connect(ws_url(server), "w01")
    phone = await Phone.open(browser, base_of(server), "zh_CN")
    await phone.login("w01")
    cid = await new_case(op, "占道经营")
    for name, args in (("case.sign", {}), ("case.arrive", {}), ("case.feedback", {"note": "已整改"})):
        assert (await squad.command(name, {"case_id": cid, **args}))[0]["type"] == "ack"
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
    ctx, page, errors = await resident_page(browser, url, "zh_CN")
    assert "您对这次处置满意吗" in await page.inner_text("body")
    await page.tap("#lang")
    await page.wait_for_selector("html[lang=en]")
    assert "Were you satisfied" in await page.inner_text("body")
    await page.tap("#rate-2")            # the language chosen stays for the answer
    await page.wait_for_selector("#outcome[data-outcome=thanks]")
    assert "sorry" in await page.inner_text("body")
    assert server.hub.state["cases"][cid]["rating"] == 2
    assert not errors, errors
    await ctx.close()
    await op.close()
    await squad.close()
    await phone.close()
