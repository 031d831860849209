"""The web chat in a real headless Chromium against the real bot."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from bot.config import Settings
from bot.storage.models import MessageLog
from bot.storage.session import create_engine, create_sessionmaker
from bot.web.identity import COOKIE, COOKIE_PATH
from tests.web.chat_ids import browser_cookie

pytestmark = pytest.mark.browser
SCREENSHOT = os.environ.get("SARAFAN_WEBCHAT_SCREENSHOT")
"""Set to a path (e.g. /tmp/webchat.png) to keep a picture of the Persian conversation."""


async def send(page: Page, text: str) -> None:
    """Type into the message box and press Enter, as a customer would."""
    await page.locator("#text").fill(text)
    await page.locator("#text").press("Enter")


async def test_greets_on_first_visit_and_lists_commands(page: Page) -> None:
    await page.goto("/chat")
    bot = page.locator(".msg.out")
    await expect(bot.first).to_contain_text("Hello! I can answer your questions")
    await send(page, "/help")
    await expect(bot.last).to_contain_text("/language — choose your language")
    await expect(page.locator(".msg.in").last).to_have_text("/help")
    await expect(page.locator("#text")).to_be_focused()
    await expect(page.locator("#text")).to_have_value("")


async def test_language_button_switches_to_persian_right_to_left_and_survives_reload(
    page: Page,
) -> None:
    await page.goto("/chat")
    await expect(page.locator(".msg.out").first).to_contain_text("Hello")
    await send(page, "/language")
    await page.locator(".msg.out").last.get_by_role("button", name="فارسی").click()

    persian = page.locator(".msg.out").last
    await expect(persian).to_have_attribute("dir", "rtl")
    await expect(persian).to_have_attribute("lang", "fa")
    await expect(persian).to_contain_text("از این به بعد به فارسی برایتان می‌نویسم")
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await expect(page.locator("#text")).to_have_attribute("placeholder", "پیامی بنویسید…")
    assert await persian.evaluate("el => getComputedStyle(el).textAlign") in ("start", "right")
    await send(page, "/help")
    await expect(page.locator(".msg.out").last).to_contain_text("کارهایی که می‌توانم انجام بدهم")
    if SCREENSHOT:
        await page.screenshot(path=SCREENSHOT)

    shown = await page.locator(".msg").all_inner_texts()
    await page.reload()
    await expect(page.locator(".msg")).to_have_count(len(shown))
    assert await page.locator(".msg").all_inner_texts() == shown  # and no second greeting
    await expect(page.locator(".msg.out").last).to_have_attribute("dir", "rtl")


async def test_buttons_work_from_the_keyboard(page: Page) -> None:
    await page.goto("/chat")
    await expect(page.locator(".msg.out").first).to_contain_text("Hello")
    await send(page, "/language")
    greek = page.locator(".msg.out").last.get_by_role("button", name="Ελληνικά")
    await expect(greek).to_be_visible()
    await page.keyboard.press("Shift+Tab")  # from the message box back to the newest choice
    await expect(greek).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator(".msg.out").last).to_contain_text("στα ελληνικά")
    await expect(page.locator(".msg.out").last).to_have_attribute("dir", "ltr")


async def test_a_huge_message_is_refused_politely_and_kept_for_editing(page: Page) -> None:
    await page.goto("/chat")
    await expect(page.locator(".msg.out").first).to_contain_text("Hello")
    huge = "word " * 2000
    await send(page, huge)
    status = page.locator("#status")
    await expect(status).to_be_visible()
    await expect(status).to_contain_text("Your message is too long")
    await expect(status).to_contain_text("4,096")
    await expect(page.locator("#text")).to_have_value(huge)
    await expect(page.locator(".msg.in")).to_have_count(1)  # only the /start


async def test_links_open_safely_and_unsafe_ones_are_dropped(page: Page) -> None:
    await page.goto("/chat")
    await expect(page.locator(".msg.out").first).to_contain_text("Hello")
    await page.evaluate("""() => render({id: 10_000, direction: "out", text: "See",
        buttons: [], language: "en", rtl: false,
        links: [{title: "Docs", url: "https://example.org/faq"},
                {title: "Evil", url: "javascript:alert(1)"}]})""")
    choices = page.locator('.msg[data-id="10000"] .choices')
    await expect(choices.get_by_role("link", name="Docs")).to_have_attribute("rel",
                                                                          "noopener noreferrer")
    await expect(choices.get_by_role("link")).to_have_count(1)


async def test_network_trouble_is_shown_politely_and_the_chat_recovers(page: Page) -> None:
    status = page.locator("#status")
    await page.route("**/chat/api/messages?*", lambda route: route.abort())  # polls only
    await page.goto("/chat")
    await expect(status).to_have_text("Connection lost. Reconnecting…")
    await page.unroute("**/chat/api/messages?*")
    await expect(page.locator(".msg.out").first).to_contain_text("Hello")
    await expect(status).to_be_hidden()

    await page.route("**/chat/api/messages", lambda route: route.fulfill(status=503))
    await send(page, "/help")
    await expect(status).to_have_text("Sorry, your message was not sent. Please try again.")
    await expect(page.locator("#text")).to_have_value("/help")
    await page.unroute("**/chat/api/messages")
    await page.locator("#text").press("Enter")
    await expect(page.locator(".msg.out").last).to_contain_text("/language — choose")
    await expect(status).to_be_hidden()


async def test_the_chat_id_is_the_servers_kept_where_scripts_and_urls_never_see_it(
    page: Page,
) -> None:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    await page.goto("/chat")
    await expect(page.locator(".msg.out").first).to_contain_text("Hello")
    await send(page, "/help")
    await expect(page.locator(".msg.out").last).to_contain_text("/language — choose")

    [cookie] = await page.context.cookies()
    assert (cookie["name"], cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == \
        (COOKIE, True, "Lax", COOKIE_PATH)
    assert len(cookie["value"].rpartition(".")[0]) >= 22  # at least 128 random bits
    assert cookie["value"] not in await page.evaluate("document.cookie")
    assert await page.evaluate("localStorage.getItem('sarafan.chat')") is None
    assert not [url for url in urls if cookie["value"] in url or "chat_id" in url]


async def test_an_id_the_browser_picked_before_the_change_is_dropped_for_a_server_one(
    page: Page, settings: Settings,
) -> None:
    old = "0123456789abcdef0123456789abcdef"
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            session.add(MessageLog(direction="out", channel="webchat", chat_id=old,
                                   text="an answer in the old chat", body={"language": "en"}))
    finally:
        await engine.dispose()
    # What the page before the change left behind: its own id and "already greeted".
    await page.add_init_script(f"""localStorage.setItem("sarafan.chat", "{old}");
                                   localStorage.setItem("sarafan.started", "1");""")
    await page.goto("/chat")
    await expect(page.locator(".msg.out").first).to_contain_text("Hello")  # a new chat's greeting
    await expect(page.locator(".msg", has_text="the old chat")).to_have_count(0)
    assert await page.evaluate("localStorage.getItem('sarafan.chat')") is None
    [cookie] = await page.context.cookies()
    assert not cookie["value"].startswith(old)


async def test_a_forged_id_is_refused_and_the_page_carries_on_in_a_new_chat(
    page: Page, live_url: str, tmp_path: Path,
) -> None:
    refused: list[int] = []
    page.on("response", lambda r: refused.append(r.status) if r.status == 401 else None)
    await page.goto("/chat")
    await expect(page.locator(".msg.out").first).to_contain_text("Hello")
    [issued] = await page.context.cookies()

    forged = "victim-chat-0001.AAAAAAAAAAAAAAAAAAAAAA"
    await page.context.add_cookies([browser_cookie(live_url, forged)])
    await send(page, "/help")
    await expect(page.locator(".msg.out").last).to_contain_text("/language — choose")
    await expect(page.locator(".msg.in")).to_have_text(["/start", "/help"])  # the new chat's
    await expect(page.locator("#status")).to_be_hidden()
    assert refused  # the server said no to the forged id, and the page asked for a new one
    [renewed] = await page.context.cookies()
    assert renewed["value"] not in (issued["value"], forged)
    await page.screenshot(path=SCREENSHOT or str(tmp_path / "webchat-renewed.png"))

    await page.context.add_cookies([browser_cookie(live_url, forged)])
    await page.reload()  # a forged id from the start: a fresh chat, greeted
    await expect(page.locator(".msg.out").first).to_contain_text("Hello")
    await expect(page.locator(".msg.in")).to_have_text(["/start"])


async def test_the_mydata_download_link_opens_the_customers_own_data(page: Page) -> None:
    await page.goto("/chat")
    await expect(page.locator(".msg.out").first).to_contain_text("Hello")
    await send(page, "/mydata")
    link = page.locator(".msg.out").last.get_by_role("link", name="Download as a JSON file")
    await expect(link).to_have_attribute("href", "/chat/api/export.json")  # no id in the link
    download = await page.request.get("/chat/api/export.json")  # with the browser's cookie
    assert download.status == 200
    assert (await download.json())["core"]["contact"]["channel"] == "webchat"
