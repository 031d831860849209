"""The dashboard's storage and the demo seed on SQLite and PostgreSQL, and every page on both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from bot.app import build_bot
from bot.config import Settings
from bot.dashboard.attribution import contacts_by_source
from bot.dashboard.auth import signed_in, start_session
from bot.dashboard.users import authenticate, set_password
from bot.storage.base import utcnow
from bot.storage.session import SessionMaker, create_engine, create_sessionmaker
from bot.support.tickets import ticket_stats
from tests.dashboard.conftest import PASSWORD, USERS, Browser, fill


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[SessionMaker]:
    """A migrated, seeded database (SQLite file or PostgreSQL) with one user per role."""
    await fill(database_url)
    engine = create_engine(database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def test_sessions_end_with_a_new_password(db: SessionMaker) -> None:
    now = utcnow()
    async with db() as session, session.begin():
        user = await authenticate(session=session, email="ADA@example.com", password=PASSWORD)
        assert user is not None and user.last_login_at is not None
        token, _row = await start_session(session=session, user=user, now=now)
    async with db() as session:
        who = await signed_in(session=session, token=token, now=now)
        assert who is not None and who.user.email == "ada@example.com" and who.may("operator")
        assert await signed_in(session=session, token=token, now=now + timedelta(days=1)) is None
        assert await signed_in(session=session, token="x" * 500, now=now) is None
    async with db() as session, session.begin():
        await set_password(session=session, email="ada@example.com", password="a new password!")
    async with db() as session:
        assert await signed_in(session=session, token=token, now=now) is None
        assert await authenticate(session=session, email="ada@example.com",
                                  password=PASSWORD) is None


async def test_seeded_numbers(db: SessionMaker) -> None:
    now = utcnow()
    async with db() as session:
        stats = await ticket_stats(session=session, since=now - timedelta(days=30), until=now)
        sources = await contacts_by_source(session=session, since=now - timedelta(days=30),
                                           until=now)
    assert (stats.open, stats.waiting, stats.opened) == (5, 5, 15)
    assert stats.answered == 10 and stats.median_first_response is not None
    assert sum(count for _, count in sources) == 30


async def test_every_page_answers_on_this_database(database_url: str, db: SessionMaker) -> None:
    settings = Settings(database_url=database_url, environment="test",
                        _env_file=None)  # type: ignore[call-arg]
    bot = await build_bot(settings, migrate_db=False)
    try:
        transport = httpx.ASGITransport(app=bot.http)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            web = Browser(client)
            assert (await web.sign_in("admin")).status_code == 303
            for path in ("/dashboard/", "/dashboard/?days=7", "/dashboard/?days=90",
                         "/dashboard/inbox", "/dashboard/surveys",
                         "/dashboard/surveys/support_csat", "/dashboard/themes",
                         "/dashboard/themes/1", "/dashboard/people/1", "/dashboard/beta",
                         "/dashboard/beta/tasting_box", "/dashboard/webhooks",
                         "/dashboard/account"):
                response = await client.get(path)
                assert response.status_code == 200, (path, response.text[:500])
    finally:
        await bot.close()
    assert set(USERS) == {"admin", "operator", "viewer"}
