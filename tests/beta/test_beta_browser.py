"""A beta application walked through in the web chat, in a real headless Chromium.

Set ``SARAFAN_BETA_SCREENSHOTS`` to a folder to keep the pictures (English and Persian).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.web.conftest import browser, live_url  # noqa: F401 - fixtures used by name

pytestmark = pytest.mark.browser


async def send(page: Page, text: str) -> None:
    await page.locator("#text").fill(text)
    await page.locator("#text").press("Enter")


async def tab(browser: Browser, url: str, locale: str) -> AsyncIterator[Page]:  # noqa: F811
    context = await browser.new_context(locale=locale, base_url=url,
                                        viewport={"width": 560, "height": 2000})
    page = await context.new_page()
    yield page
    await context.close()


@pytest.fixture
async def english(browser: Browser, live_url: str) -> AsyncIterator[Page]:  # noqa: F811
    async for page in tab(browser, live_url, "en-US"):
        yield page


@pytest.fixture
async def persian(browser: Browser, live_url: str) -> AsyncIterator[Page]:  # noqa: F811
    async for page in tab(browser, live_url, "fa-IR"):
        yield page


def shot(tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("SARAFAN_BETA_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


async def apply(page: Page, *, agree: str, often: str, yes: str, email: str, phone: str,
                favourite: str) -> None:
    bot = page.locator(".msg.out")
    await page.goto("/chat?start=beta-tasting_box")
    await bot.last.get_by_role("button", name=agree).click()
    await expect(bot).to_have_count(2)
    await send(page, "not-an-address")
    await expect(bot.last).to_contain_text("name@example.com")
    await send(page, email)
    await expect(bot).to_have_count(4)
    await send(page, phone)
    await bot.last.get_by_role("button", name=often).click()
    await bot.last.get_by_role("button", name=yes, exact=True).click()
    await expect(bot.last).to_contain_text("3/3")
    await send(page, favourite)


async def test_apply_in_english(english: Page, tmp_path: Path) -> None:
    await apply(english, agree="I agree", often="Every day", yes="Yes",
                email="ann@example.org", phone="+44 20 7946 0958", favourite="Darjeeling")
    last = english.locator(".msg.out").last
    await expect(last).to_contain_text("your application to Samovar Tasting Box beta is "
                                       "accepted")
    await english.screenshot(path=shot(tmp_path, "beta-en.png"), full_page=True)


async def test_apply_in_persian_right_to_left(persian: Page, tmp_path: Path) -> None:
    offer = persian.locator(".msg.out").first
    await apply(persian, agree="موافقم", often="هر روز", yes="بله",
                email="sara@example.ir", phone="+98 912 345 6789", favourite="چای سبز با نعناع")
    last = persian.locator(".msg.out").last
    await expect(last).to_contain_text("درخواست شما برای نسخهٔ آزمایشی جعبهٔ چشایی سماور "
                                       "پذیرفته شد")
    await expect(last).to_have_attribute("dir", "rtl")
    await expect(offer).to_contain_text("\u200e/forget")
    await expect(persian.locator("html")).to_have_attribute("dir", "rtl")
    await persian.screenshot(path=shot(tmp_path, "beta-fa.png"), full_page=True)
