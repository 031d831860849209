"""Slash commands inside Persian (right-to-left) replies read left to right: ``/help``, not
``help/``. Checked on glyph positions in real Chromium, not on the characters sent."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from bot.config import Settings
from bot.storage.models import MessageLog
from bot.storage.session import create_engine, create_sessionmaker
from tests.web.chat_ids import chat_cookie

pytestmark = pytest.mark.browser
SCREENSHOT = os.environ.get("SARAFAN_BIDI_SCREENSHOT")
"""Set to a path (e.g. /tmp/bidi.png) to keep a picture of the Persian /help."""

# Where each /command's slash, first and last letter are drawn, for every command in ``el``.
GLYPHS = """(el) => {
  const found = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const box = (node, start) => {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, start + 1);
    return range.getBoundingClientRect();
  };
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(/\\/([a-z]+)/g)) {
      const slash = box(node, match.index);
      const first = box(node, match.index + 1);
      const last = box(node, match.index + match[0].length - 1);
      found.push({command: match[0], slash: slash.left, first: first.left, last: last.left,
                  top: slash.top, firstTop: first.top});
    }
  }
  return found;
}"""


CHAT = "bidi-chat-0001"
BRAND_ANSWER = "اگر پاسخ کافی نبود، /human را بفرستید یا /help را ببینید."
"""A brand-written Persian answer: no U+200E before its commands, as brands write them."""


@pytest.fixture
async def persian(browser: Browser, live_url: str) -> AsyncIterator[Page]:
    """A browser whose language is Persian, so the greeting comes in Persian."""
    context = await browser.new_context(locale="fa-IR", base_url=live_url,
                                        viewport={"width": 520, "height": 900})
    tab = await context.new_page()
    yield tab
    await context.close()


def reversed_commands(glyphs: list[dict[str, Any]]) -> list[str]:
    """Commands drawn right to left (slash after the letters) or broken over two lines."""
    return [g["command"] for g in glyphs
            if not (g["slash"] < g["first"] <= g["last"]) or g["top"] != g["firstTop"]]


async def test_commands_in_the_persian_greeting_and_help_read_left_to_right(
    persian: Page,
) -> None:
    await persian.goto("/chat")
    bot = persian.locator(".msg.out")
    await expect(bot.first).to_have_attribute("lang", "fa")
    greeting: list[dict[str, Any]] = await bot.first.evaluate(GLYPHS)
    assert [g["command"] for g in greeting] == ["/help"]

    await persian.locator("#text").fill("/help")
    await persian.locator("#text").press("Enter")
    await expect(bot.nth(1)).to_contain_text("کارهایی که می‌توانم انجام بدهم")
    listed: list[dict[str, Any]] = await bot.nth(1).evaluate(GLYPHS)
    assert {"/start", "/help", "/language", "/cancel"} <= {g["command"] for g in listed}
    if SCREENSHOT:
        await persian.screenshot(path=SCREENSHOT)
    assert reversed_commands(greeting + listed) == []


async def test_commands_in_a_brand_written_persian_answer_read_left_to_right(
    persian: Page, settings: Settings, live_url: str,
) -> None:
    engine = create_engine(settings.database_url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            session.add(MessageLog(direction="out", channel="webchat", chat_id=CHAT,
                                   text=BRAND_ANSWER, body={"language": "fa"}))
    finally:
        await engine.dispose()
    await persian.context.add_cookies([await chat_cookie(settings, live_url, CHAT)])
    await persian.goto("/chat")
    answer = persian.locator(".msg.out", has_text="اگر پاسخ")
    await expect(answer).to_have_attribute("dir", "rtl")
    await expect(answer).to_have_text(BRAND_ANSWER)  # the text itself is unchanged
    glyphs: list[dict[str, Any]] = await answer.evaluate(GLYPHS)
    assert [g["command"] for g in glyphs] == ["/human", "/help"]
    if SCREENSHOT:
        await answer.screenshot(path=SCREENSHOT.replace(".png", "-brand.png"))
    assert reversed_commands(glyphs) == []
