"""Issue 15 item 9: security headers on the web chat, the API and the dashboard, from one
middleware; the sites allowed to frame the chat are a setting."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.config import Settings
from bot.storage.session import create_engine, create_sessionmaker
from bot.web.app import create_http_app
from bot.web.headers import frame_options
from bot.web.state import AppState
from tests.harness import BotHarness


@pytest.fixture
async def http(harness: BotHarness) -> AsyncIterator[httpx.AsyncClient]:
    """The whole bot's HTTP app: chat, API, dashboard, health."""
    transport = httpx.ASGITransport(app=harness.bot.http)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as client:
        yield client


def csp(response: httpx.Response) -> dict[str, str]:
    """The response's Content-Security-Policy as directive -> sources."""
    found = {}
    for directive in response.headers["content-security-policy"].split(";"):
        name, _, sources = directive.strip().partition(" ")
        found[name] = sources
    return found


async def test_every_area_answers_with_the_headers_that_fit_it(
    http: httpx.AsyncClient,
) -> None:
    chat_paths = ("/chat", "/chat/static/chat.js", "/chat/api/texts?language=fa",
                  "/chat/api/messages")
    for path in chat_paths:
        response = await http.get(path)
        assert response.status_code in (200, 401), path
        assert csp(response)["frame-ancestors"] == "'self'", path
        assert response.headers["x-frame-options"] == "SAMEORIGIN", path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "same-origin", path
    page = await http.get("/chat")
    assert csp(page)["script-src"] == "'self'" and "unsafe-inline" not in str(csp(page))
    assert page.headers["cache-control"] == "no-cache"  # revalidated: a new chat.js gets through
    for path in ("/chat/api/texts", "/chat/api/messages"):
        assert (await http.get(path)).headers["cache-control"] == "no-store"
    assert (await http.post("/chat/api/session")).headers["cache-control"] == "no-store"

    for path in ("/api/v1/tickets", "/api/v1/openapi.json", "/api/v1/docs", "/healthz",
                 "/dashboard/login", "/no/such/page"):
        response = await http.get(path)
        assert csp(response)["frame-ancestors"] == "'none'", path
        assert response.headers["x-frame-options"] == "DENY", path
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] in ("no-referrer", "same-origin"), path
    api = await http.get("/api/v1/tickets")
    assert api.status_code == 401 and api.headers["cache-control"] == "no-store"
    docs = await http.get("/api/v1/docs")
    assert csp(docs)["style-src"] == "'unsafe-inline'"  # the page's own policy is kept
    dashboard = await http.get("/dashboard/login")
    assert csp(dashboard)["form-action"] == "'self'"  # the dashboard's own, stricter set


@pytest.mark.parametrize(("ancestors", "frame"), [
    ("'self' https://brand.example https://*.shop.example:8443", None),
    ("'none'", "DENY"),
    ("'self'", "SAMEORIGIN"),
])
async def test_the_sites_allowed_to_frame_the_chat_are_a_setting(
    settings: Settings, ancestors: str, frame: str | None,
) -> None:
    configured = Settings(**{**settings.model_dump(), "webchat_frame_ancestors": ancestors,
                             "_env_file": None})
    engine = create_engine(settings.database_url)
    state = AppState(create_sessionmaker(engine), extras={"settings": configured})
    transport = httpx.ASGITransport(app=create_http_app(state))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bot.test") as client:
            page = await client.get("/chat")
            health = await client.get("/healthz")
    finally:
        await engine.dispose()
    assert csp(page)["frame-ancestors"] == ancestors
    assert page.headers.get("x-frame-options") == frame == frame_options(ancestors)
    assert csp(health)["frame-ancestors"] == "'none'"  # only the chat may be embedded


@pytest.mark.parametrize("bad", ["'self'; script-src *", "https://brand.example\r\nX-A: b",
                                 "*", "javascript:", ""])
def test_an_unsafe_frame_ancestors_setting_stops_start_up(settings: Settings, bad: str) -> None:
    with pytest.raises(ValueError, match="webchat_frame_ancestors"):
        Settings(**{**settings.model_dump(), "webchat_frame_ancestors": bad, "_env_file": None})
