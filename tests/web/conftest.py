"""A live bot on a random 127.0.0.1 port, and a headless Debian Chromium page pointed at it."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright

from bot.app import build_bot
from bot.config import Settings
from tests.conftest import skip_or_fail

CHROMIUM = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


class _Server(uvicorn.Server):
    """The test owns shutdown; uvicorn must not take over the runner's signal handlers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@pytest.fixture
async def live_url(settings: Settings) -> AsyncIterator[str]:
    """The whole bot (HTTP, inbox processor, sender) serving at the returned base URL."""
    bot = await build_bot(settings)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = _Server(uvicorn.Config(bot.http, log_level="warning", lifespan="off",
                                    timeout_graceful_shutdown=1))
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(server.serve(sockets=[listener])),
        asyncio.create_task(bot.processor.run_forever(stop, poll_seconds=0.1)),
        asyncio.create_task(bot.sender.run_forever(stop)),
    ]
    await asyncio.wait_for(_started(server), timeout=15)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    server.should_exit = True
    await asyncio.gather(*tasks)
    await bot.close()
    listener.close()


async def _started(server: uvicorn.Server) -> None:
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.02)


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Debian Chromium driven by Playwright (its own browser download is not used)."""
    if CHROMIUM is None:
        skip_or_fail("Chromium not found at /usr/bin/chromium: `./dev test` installs it when run "
                     "as root (or with passwordless sudo); or `apt-get install chromium`")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM,
                                                    args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Browser, live_url: str) -> AsyncIterator[Page]:
    """A fresh English-speaking browser profile on the live bot's chat page."""
    context = await browser.new_context(locale="en-US", base_url=live_url,
                                        viewport={"width": 520, "height": 760})
    tab = await context.new_page()
    yield tab
    await context.close()
