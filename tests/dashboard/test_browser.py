"""The dashboard in a real headless Chromium against the real bot, with the demo seeded."""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect

from bot.config import Settings
from bot.demo.seed import chat_id_for
from tests.dashboard.conftest import PASSWORD, USERS
from tests.web.chat_ids import chat_cookie
from tests.web.conftest import browser, live_url

pytestmark = pytest.mark.browser
__all__ = ["browser", "live_url"]
SCREENSHOTS = os.environ.get("SARAFAN_DASHBOARD_SCREENSHOTS")
"""A folder to keep the screenshots in (default: the test's temporary folder)."""
PAGES = ("/dashboard/", "/dashboard/?days=90", "/dashboard/inbox", "/dashboard/surveys",
         "/dashboard/surveys/support_csat", "/dashboard/themes", "/dashboard/beta",
         "/dashboard/beta/tasting_box", "/dashboard/webhooks", "/dashboard/audit",
         "/dashboard/account")


@pytest.fixture
def seeded(seeded_db: str, live_url: str) -> str:
    """The live bot, started on a copy of the seeded database (demo, one user per role)."""
    return live_url


async def _tab(browser: Browser, base_url: str, *, width: int = 1280, height: int = 900,
               locale: str = "en-US") -> AsyncIterator[Page]:
    context = await browser.new_context(locale=locale, base_url=base_url,
                                        viewport={"width": width, "height": height})
    yield await context.new_page()
    await context.close()


@pytest.fixture
async def desk(browser: Browser, seeded: str) -> AsyncIterator[Page]:
    """A desktop-sized tab."""
    async for tab in _tab(browser, seeded):
        yield tab


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go."""
    folder = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def sign_in(page: Page, role: str = "admin") -> None:
    """Sign in through the form, as a person would."""
    await page.goto("/dashboard/")
    await expect(page).to_have_url(re.compile(r"/dashboard/login\?next="))
    await page.get_by_label("Email").fill(USERS[role])
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1, name="Overview")).to_be_visible()


def _serious(results: Any) -> list[str]:
    return [v["id"] for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")]


def _name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.strip("/")) or "root"


async def test_every_page_renders_and_has_no_serious_accessibility_violations(
    desk: Page, shots: Path,
) -> None:
    axe = Axe()
    await desk.goto("/dashboard/login")
    await desk.screenshot(path=shots / "login.png")
    assert not _serious(await axe.run(desk))
    await sign_in(desk)
    missing = await desk.goto("/dashboard/no-such-page")
    assert missing is not None and missing.status == 404
    await desk.screenshot(path=shots / "not-found.png")
    assert not _serious(await axe.run(desk))
    await desk.goto("/dashboard/themes")
    theme = await desk.locator("tbody a").first.get_attribute("href")
    await desk.goto(theme or "")
    person = await desk.locator("tbody a[href^='/dashboard/people/']").first.get_attribute("href")
    await desk.goto("/dashboard/inbox")
    ticket = await desk.locator(".queue a").first.get_attribute("href")
    for path in (*PAGES, theme, person, ticket):
        assert path is not None
        response = await desk.goto(path)
        assert response is not None and response.status == 200, path
        await desk.screenshot(path=shots / f"{_name(path)}.png", full_page=True)
        results = await axe.run(desk)
        serious = [v for v in results.response["violations"]
                   if v.get("impact") in ("serious", "critical")]
        assert not serious, f"{path}: " + json.dumps(
            [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in serious],
            ensure_ascii=False, indent=1)


async def test_operator_replies_in_persian_and_the_customer_reads_it_in_the_web_chat(
    browser: Browser, desk: Page, seeded: str, shots: Path, settings: Settings,
) -> None:
    await sign_in(desk, "operator")
    await desk.goto("/dashboard/inbox")
    await desk.get_by_role("link", name=re.compile("سارا احمدی")).click()
    transcript = desk.locator(".transcript .text")
    await expect(transcript.first).to_contain_text("سفارشم هنوز نرسیده")
    await expect(transcript.first).to_have_attribute("dir", "auto")
    assert await transcript.first.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert await desk.locator("html").get_attribute("dir") == "ltr"  # the English dashboard

    answer = "سلام سارا! سفارش شما امروز ارسال شد."
    box = desk.get_by_label("Reply to the customer")
    await box.fill(answer)
    assert await box.evaluate("el => getComputedStyle(el).direction") == "rtl"
    await desk.get_by_role("button", name="Send reply").click()
    await expect(desk.get_by_role("status")).to_contain_text("on its way")
    await expect(transcript.last).to_have_text(answer)
    await desk.screenshot(path=shots / "ticket-fa.png", full_page=True)

    async for chat in _tab(browser, seeded, width=420, height=760):
        await chat.context.add_cookies([await chat_cookie(settings, seeded,
                                                          chat_id_for("fa", 0))])
        await chat.goto("/chat")
        reply = chat.locator(".msg.out", has_text=answer)  # the page may greet after it
        await expect(reply).to_have_count(1)
        await expect(reply).to_have_attribute("dir", "rtl")
        await chat.screenshot(path=shots / "webchat-reply.png")


@pytest.mark.parametrize("width", [390, 1280])
async def test_pages_fit_the_screen_from_phone_to_desktop(
    browser: Browser, seeded: str, shots: Path, width: int,
) -> None:
    async for tab in _tab(browser, seeded, width=width, height=844):
        await sign_in(tab, "operator")
        await tab.goto("/dashboard/inbox")
        ticket = await tab.locator(".queue a").first.get_attribute("href")
        for path in ("/dashboard/", "/dashboard/surveys/support_csat", "/dashboard/themes",
                     "/dashboard/beta/tasting_box", "/dashboard/webhooks", ticket or ""):
            await tab.goto(path)
            overflow = await tab.evaluate(
                "() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} is {overflow}px wider than a {width}px screen"
            await tab.screenshot(path=shots / f"{width}-{_name(path)}.png", full_page=True)


async def test_russian_browser_gets_the_russian_dashboard(browser: Browser, seeded: str) -> None:
    async for tab in _tab(browser, seeded, locale="ru-RU"):
        await tab.goto("/dashboard/login")
        await expect(tab.locator("html")).to_have_attribute("lang", "ru")
        await expect(tab.get_by_role("heading", level=1)).to_have_text("Вход в панель")


async def test_persian_dashboard_is_right_to_left_and_accessible(desk: Page, shots: Path) -> None:
    await sign_in(desk, "viewer")
    await desk.goto("/dashboard/account")
    await desk.get_by_label("Dashboard language").select_option("fa")
    await desk.get_by_role("button", name="Save").click()
    await expect(desk.locator("html")).to_have_attribute("dir", "rtl")
    await expect(desk.locator("html")).to_have_attribute("lang", "fa")
    axe = Axe()
    for path in ("/dashboard/", "/dashboard/inbox", "/dashboard/surveys/support_csat"):
        await desk.goto(path)
        nav = desk.get_by_role("navigation", name="بخش‌ها")
        await expect(nav.get_by_role("link", name="نمای کلی")).to_be_visible()
        results = await axe.run(desk)
        serious = [v["id"] for v in results.response["violations"]
                   if v.get("impact") in ("serious", "critical")]
        assert not serious, f"{path}: {serious}"
        await desk.screenshot(path=shots / f"fa-{_name(path)}.png", full_page=True)
    brand = await desk.locator(".brand").bounding_box()
    assert brand is not None and brand["x"] > 640  # the header starts on the right
