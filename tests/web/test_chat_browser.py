"""The web chat in a real headless Chromium against the real bot."""

from __future__ import annotations

import os

import pytest
from playwright.async_api import Page, expect

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
