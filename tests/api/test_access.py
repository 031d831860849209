"""Tokens: missing, unknown, revoked and under-scoped ones are refused with problem bodies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.api import tokens
from bot.api.tables import ApiToken
from bot.api.tokens import authenticate, hash_token, revoke_token, take_request
from tests.api.conftest import Api

PROBLEM = "application/problem+json"


async def test_missing_and_unknown_tokens_get_401(api: Api) -> None:
    for token in (None, "sfn_not-a-token", "x" * 5000):
        response = await api.get("/tickets", token)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["status"] == 401
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_scopes_decide_what_a_token_may_read(api: Api) -> None:
    feedback_only = await api.token("feedback:read")
    response = await api.get("/contacts", feedback_only)
    assert response.status_code == 403
    assert "contacts:read" in response.json()["detail"]
    assert (await api.get("/tickets", feedback_only)).status_code == 403
    assert (await api.get("/audit", feedback_only)).status_code == 403
    contacts = await api.token("contacts:read")
    assert (await api.get("/contacts", contacts)).status_code == 200
    assert (await api.get("/tickets", contacts)).status_code == 403
    admin = await api.token("admin")
    for path in ("/contacts", "/tickets", "/audit", "/events", "/consent"):
        assert (await api.get(path, admin)).status_code == 200, path


async def test_a_revoked_token_stops_working_at_once(api: Api) -> None:
    token = await api.token("admin")
    assert (await api.get("/tickets", token)).status_code == 200
    async with api.harness.bot.sessionmaker() as session:
        row = await session.scalar(select(ApiToken).where(
            ApiToken.token_hash == hash_token(token)))
        assert row is not None and row.token_hash != token  # only the hash is stored
        await revoke_token(session, row.id)
        await session.commit()
        assert await authenticate(session, token) is None
    response = await api.get("/tickets", token)
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


async def test_rate_limit_answers_429_with_retry_after(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One fixed instant: a minute boundary between two requests would reset the count.
    monkeypatch.setattr(tokens, "utcnow", lambda: datetime(2026, 12, 1, 10, 0, 15, tzinfo=UTC))
    token = await api.token("admin", rate=3)
    statuses = [(await api.get("/events", token)).status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3] == 429
    response = await api.get("/events", token)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) == 45
    assert response.json()["retry_after"] == int(response.headers["retry-after"])


async def test_rate_window_is_per_minute_and_shared_through_the_database(api: Api) -> None:
    token = await api.token("admin", rate=2)
    async with api.harness.bot.sessionmaker() as session:
        view = await authenticate(session, token)
        assert view is not None
        minute = datetime(2026, 12, 1, 10, 0, 30, tzinfo=UTC)
        assert await take_request(session, view, minute) is None
        assert await take_request(session, view, minute) is None
        assert await take_request(session, view, minute) == 30.0
        nxt = datetime(2026, 12, 1, 10, 1, 0, tzinfo=UTC)
        assert await take_request(session, view, nxt) is None
        await session.commit()
