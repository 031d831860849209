"""A real bot app with demo data and three team members, driven over HTTP in-process."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from bot.app import Bot, build_bot
from bot.config import Settings
from bot.dashboard.users import add_user
from bot.demo.seed import seed
from bot.storage import migrate
from bot.storage.base import utcnow
from bot.storage.session import create_engine, create_sessionmaker

PASSWORD = "correct horse battery staple"
USERS = {"admin": "ada@example.com", "operator": "otto@example.com",
         "viewer": "vera@example.com"}


async def fill(url: str) -> None:
    """Migrate, seed the demo and add one user per role."""
    await migrate.upgrade(url)
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            await seed(session=session, now=utcnow())
            for role, email in USERS.items():
                await add_user(session=session, email=email, password=PASSWORD, role=role,
                               name=email.split("@")[0].title())
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One seeded SQLite file per run; each test works on its own copy (seeding takes seconds)."""
    path = tmp_path_factory.mktemp("dashboard-template") / "seeded.sqlite3"
    asyncio.run(fill(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture
def seeded_db(settings: Settings, seeded_file: Path) -> str:
    """The test's own database: a copy of the seeded file; its URL."""
    target = Path(make_url(settings.database_url).database or "")
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{seeded_file}{suffix}").exists():
            shutil.copyfile(f"{seeded_file}{suffix}", f"{target}{suffix}")
    return settings.database_url


@pytest.fixture
async def bot(seeded_db: str, settings: Settings) -> AsyncIterator[Bot]:
    """The whole app on a copy of the seeded database (demo data, one user per role)."""
    built = await build_bot(settings, migrate_db=False)
    yield built
    await built.close()


@dataclass
class Browser:
    """An HTTP client with a cookie jar, like a browser without JavaScript."""

    client: httpx.AsyncClient

    async def sign_in(self, role: str, password: str = PASSWORD) -> httpx.Response:
        """Fill and post the sign-in form as the ``role`` user."""
        form = await self.client.get("/dashboard/login")
        return await self.client.post("/dashboard/login", data={
            "csrf": csrf_of(form.text), "email": USERS[role], "password": password,
            "next": "/dashboard/"})

    async def post_form(self, page: str, action: str, **fields: str) -> httpx.Response:
        """Open ``page``, take its CSRF token, post ``fields`` to ``action``."""
        opened = await self.client.get(page)
        return await self.client.post(action, data={"csrf": csrf_of(opened.text), **fields})


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF field on the page"
    return found.group(1)


@pytest.fixture
async def web(bot: Bot) -> AsyncIterator[Browser]:
    """A signed-out client of the app."""
    transport = httpx.ASGITransport(app=bot.http)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield Browser(client)
