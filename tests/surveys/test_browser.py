"""A survey in the web chat, in a real headless Chromium against the real bot: Persian right to
left from an entry link, buttons, ticks of a multiple choice, typed answers; screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.web.conftest import browser, live_url  # noqa: F401 - fixtures used below

pytestmark = pytest.mark.browser
SCREENSHOTS = os.environ.get("SARAFAN_SURVEY_SCREENSHOTS")
"""A folder to keep the pictures in (default: the test's temporary folder)."""


async def open_chat(browser: Browser, live_url: str, locale: str, path: str) -> Page:  # noqa: F811
    context = await browser.new_context(locale=locale, base_url=live_url,
                                        viewport={"width": 520, "height": 900})
    page = await context.new_page()
    await page.goto(path)
    return page


def shot(tmp_path: Path, name: str) -> str:
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / name)


async def test_persian_survey_right_to_left(browser: Browser, live_url: str,  # noqa: F811
                                            tmp_path: Path) -> None:
    page = await open_chat(browser, live_url, "fa-IR", "/chat?start=survey-tea_discovery-web")
    bot = page.locator(".msg.out")
    await expect(bot.last).to_contain_text("1/10")
    first = bot.last
    await expect(first).to_have_attribute("dir", "rtl")
    await expect(first).to_contain_text("بیشتر از همه چه می‌نوشید؟")
    await first.get_by_role("button", name="چای سبز").click()
    await expect(bot.last).to_contain_text("روزی چند فنجان (چای سبز)؟")
    await bot.last.get_by_role("button", name="دو یا سه").click()
    await expect(bot.last).to_contain_text("معمولاً از کجا می‌خرید؟")
    await bot.last.get_by_role("button", name="فروشگاه چای").click()
    await expect(bot.last.get_by_role("button", name="✓ فروشگاه چای")).to_be_visible()
    await bot.last.get_by_role("button", name="فروشگاه اینترنتی").click()
    await expect(bot.last).to_contain_text("انتخاب‌شده: فروشگاه چای، فروشگاه اینترنتی")
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await page.screenshot(path=shot(tmp_path, "survey-fa.png"))
    await bot.last.get_by_role("button", name="تمام ✔").click()
    await bot.last.get_by_role("button", name="چای برگ").click()
    await page.locator("#text").fill("خیلی")
    await page.locator("#text").press("Enter")
    await expect(bot.last).to_contain_text("۱۰۰ گرم")
    await expect(bot.nth(-2)).to_contain_text("لطفاً یک عدد بنویسید")
    await page.locator("#text").fill("۱۲")  # Persian digits count
    await page.locator("#text").press("Enter")
    await expect(bot.last).to_contain_text("۲۰٪ گران‌تر")
    await page.context.close()


async def test_nps_buttons_in_english(browser: Browser, live_url: str,  # noqa: F811
                                      tmp_path: Path) -> None:
    page = await open_chat(browser, live_url, "en-US", "/chat?start=survey-support_csat-web")
    bot = page.locator(".msg.out")
    await expect(bot.last).to_contain_text("1/3")
    await bot.last.get_by_role("button", name="😊 4").click()
    await expect(bot.last).to_contain_text("How likely are you to recommend")
    buttons = bot.last.get_by_role("button")
    await expect(buttons).to_have_count(11)
    await page.screenshot(path=shot(tmp_path, "survey-nps-en.png"))
    await buttons.nth(9).click()
    await expect(bot.last).to_contain_text("your score of 9")
    await bot.last.get_by_role("button", name="Skip").click()
    ending = page.locator(".msg.out", has_text="Your answers go straight to the team")
    await expect(ending).to_have_count(1)
    # A promoter (9) is asked once about the next steps other features offer, if any do.
    if await page.locator(".msg.out", has_text="Thank you for the high score").count():
        await expect(bot.last.get_by_role("button", name="No, thanks")).to_be_visible()
    await page.screenshot(path=shot(tmp_path, "survey-promoter-en.png"))
    await page.context.close()
