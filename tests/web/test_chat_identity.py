"""Issue 15 item 9: the server issues the web chat's ids, signed; it refuses ids it did not issue,
and the id never travels in a URL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.config import Settings
from bot.messages import Inbound
from bot.storage import migrate
from bot.storage.models import InboxItem, MessageLog
from bot.storage.session import SessionMaker, create_engine, create_sessionmaker
from bot.web.app import create_http_app
from bot.web.identity import COOKIE, ChatIds
from bot.web.state import AppState
from tests.web.chat_ids import SESSION, new_chat, signer

API = "/chat/api/messages"


@pytest.fixture
async def sessionmaker(settings: Settings) -> AsyncIterator[SessionMaker]:
    """A migrated database (no workers: these tests look at what the API stores and shows)."""
    await migrate.upgrade(settings.database_url)
    engine = create_engine(settings.database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


def client_of(sessionmaker: SessionMaker, settings: Settings,
              base_url: str = "http://chat.test") -> httpx.AsyncClient:
    """A browser-like client (it keeps cookies) of the web chat alone."""
    state = AppState(sessionmaker, extras={"settings": settings})
    transport = httpx.ASGITransport(app=create_http_app(state))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


@pytest.fixture
async def browser_like(sessionmaker: SessionMaker,
                       settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the web chat served over plain http."""
    async with client_of(sessionmaker, settings) as http:
        yield http


async def stored(sessionmaker: SessionMaker) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(InboxItem)) or 0)


async def inbox_chats(sessionmaker: SessionMaker) -> list[str]:
    """The chat of each stored update, oldest first."""
    async with sessionmaker() as session:
        rows = (await session.scalars(select(InboxItem.message).order_by(InboxItem.id))).all()
    return [Inbound.from_json(row).chat_id for row in rows]


def test_ids_are_random_signed_and_refused_when_touched() -> None:
    ids = ChatIds(b"k" * 32)
    tokens = {ids.issue() for _ in range(1000)}
    assert len(tokens) == 1000
    token = tokens.pop()
    chat_id, _, signature = token.partition(".")
    assert len(chat_id) == 24 and len(signature) == 22  # 144 random bits, a 128-bit HMAC
    assert ids.chat_of(token) == chat_id
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for forged in (f"{chat_id}.{flipped}", chat_id, f"{chat_id}.", f".{signature}",
                   f"other-chat-id.{signature}", "0123456789abcdef0123456789abcdef",
                   ChatIds(b"j" * 32).token_for(chat_id), f"{chat_id}\n.{signature}", "",
                   f"{chat_id}.{signature[:-1]}\u00e9", f"{chat_id}.\ud800"):
        assert ids.chat_of(forged) is None, forged
    with pytest.raises(ValueError, match="chat id"):
        ids.token_for("../../etc")


async def test_a_new_visitor_gets_a_chat_in_an_http_only_cookie_and_keeps_it(
    browser_like: httpx.AsyncClient, sessionmaker: SessionMaker,
) -> None:
    first = await browser_like.post(SESSION)
    assert first.status_code == 201 and first.json()["new"] is True
    cookie = first.headers["set-cookie"].lower()
    for part in ("httponly", "samesite=lax", "path=/chat/api", "max-age="):
        assert part in cookie, cookie
    assert "secure" not in cookie  # plain http: a Secure cookie would never come back
    assert first.headers["cache-control"] == "no-store"

    again = await browser_like.post(SESSION)
    assert (again.status_code, again.json()) == (200, {"new": False})
    assert (await browser_like.post(API, json={"text": "hello"})).status_code == 202
    issued = first.json()["token"].rpartition(".")[0]
    assert await inbox_chats(sessionmaker) == [issued]
    async with sessionmaker.begin() as session:
        session.add(MessageLog(direction="out", channel="webchat", chat_id=issued, text="Hi!"))
    shown = (await browser_like.get(API)).json()["messages"]
    assert [m["text"] for m in shown] == ["Hi!"]


async def test_over_https_the_cookie_is_secure(sessionmaker: SessionMaker,
                                               settings: Settings) -> None:
    async with client_of(sessionmaker, settings, "https://chat.test") as http:
        response = await http.post(SESSION)
    assert "secure" in response.headers["set-cookie"].lower()


@pytest.mark.parametrize("forged", [
    "0123456789abcdef0123456789abcdef",  # a browser-picked id from before the change
    "victim-chat-0001.AAAAAAAAAAAAAAAAAAAAAA",
    "victim-chat-0001",
    "\u00e9t\u00e9" * 30,
    "a" * 10_000 + "." + "b" * 22,
    "." * 500,
    "victim-chat-0001.\u00e9\u00e9",
])
async def test_ids_the_server_did_not_issue_are_refused_with_401_and_nothing_stored(
    browser_like: httpx.AsyncClient, sessionmaker: SessionMaker, forged: str,
) -> None:
    headers = {"X-Sarafan-Chat": forged.encode("utf-8")}
    for response in (await browser_like.post(API, json={"text": "hi"}, headers=headers),
                     await browser_like.get(API, headers=headers)):
        assert response.status_code == 401
        assert response.json()["code"] == "unknown_chat"
        assert "/chat/api/session" in response.json()["error"]
    browser_like.cookies.set(COOKIE, forged.encode("ascii", "replace").decode(),
                             path="/chat/api")
    assert (await browser_like.get(API)).json()["code"] == "unknown_chat"
    assert await stored(sessionmaker) == 0
    # and the page's way out: a new chat, whatever it presented
    renewed = await browser_like.post(SESSION)
    assert (renewed.status_code, renewed.json()["new"]) == (201, True)
    assert (await browser_like.post(API, json={"text": "hi"})).status_code == 202


async def test_without_an_id_nothing_is_read_or_stored_and_the_url_id_is_ignored(
    browser_like: httpx.AsyncClient, sessionmaker: SessionMaker, settings: Settings,
) -> None:
    victim = (await signer(settings)).token_for("victim-chat-0001")
    async with sessionmaker.begin() as session:
        session.add(MessageLog(direction="out", channel="webchat", chat_id="victim-chat-0001",
                               text="your order #123"))
    for response in (await browser_like.get(API, params={"chat_id": "victim-chat-0001"}),
                     await browser_like.get(API, params={"chat_id": victim}),
                     await browser_like.post(API, json={"chat_id": "victim-chat-0001",
                                                        "text": "hi"})):
        assert response.status_code == 401
        assert response.json()["code"] == "no_chat"
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert await stored(sessionmaker) == 0



async def test_an_embedder_sends_the_id_in_a_header_which_wins_over_the_cookie(
    browser_like: httpx.AsyncClient, sessionmaker: SessionMaker,
) -> None:
    mine = await new_chat(browser_like)
    browser_like.cookies.clear()
    await new_chat(browser_like)  # the cookie speaks for another chat
    for headers in ({"X-Sarafan-Chat": mine}, {"Authorization": f"Bearer {mine}"}):
        assert (await browser_like.post(API, json={"text": "via header"},
                                        headers=headers)).status_code == 202
    assert await inbox_chats(sessionmaker) == [mine.rpartition(".")[0]] * 2  # not the cookie's
    bad = await browser_like.get(API, headers={"X-Sarafan-Chat": mine + "x"})
    assert bad.status_code == 401  # a wrong header is not rescued by a good cookie


async def test_every_process_of_a_deployment_accepts_the_ids_of_the_others(
    browser_like: httpx.AsyncClient, sessionmaker: SessionMaker, settings: Settings,
) -> None:
    token = await new_chat(browser_like)
    other_process = await signer(settings)  # its own engine, the same database
    assert other_process.chat_of(token) == token.rpartition(".")[0]


async def test_a_configured_secret_signs_the_ids(sessionmaker: SessionMaker,
                                                 settings: Settings) -> None:
    configured = settings.model_copy(update={"webchat_secret": SecretStr("s" * 40)})
    async with client_of(sessionmaker, configured) as http:
        token = await new_chat(http)
    assert ChatIds(b"s" * 40).chat_of(token) is not None
    assert (await signer(settings)).chat_of(token) is None  # not the generated one


async def test_an_entry_link_still_starts_its_flow(browser_like: httpx.AsyncClient,
                                                   sessionmaker: SessionMaker) -> None:
    await new_chat(browser_like)
    response = await browser_like.post(API, json={"start": "survey-tea_discovery-web"})
    assert response.status_code == 202
    async with sessionmaker() as session:
        [row] = (await session.scalars(select(InboxItem))).all()
    assert "/start survey-tea_discovery-web" in row.message


async def test_a_stray_cookie_of_the_same_name_on_another_path_does_not_shadow_ours(
    browser_like: httpx.AsyncClient,
) -> None:
    token = await new_chat(browser_like)
    browser_like.cookies.clear()
    for header in (f"{COOKIE}={token}; {COOKIE}=junk", f"{COOKIE}=junk; {COOKIE}={token}"):
        response = await browser_like.post(SESSION, headers={"Cookie": header})
        assert (response.status_code, response.json()) == (200, {"new": False})
        assert (await browser_like.get(API, headers={"Cookie": header})).status_code == 200


async def test_a_process_that_cannot_read_its_secret_yet_answers_503_not_500(
    settings: Settings,
) -> None:
    down = "postgresql+asyncpg://postgres@127.0.0.1:9/unreachable"  # nothing listens on port 9
    engine = create_engine(down)
    try:
        async with client_of(create_sessionmaker(engine), settings) as http:
            for response in (await http.post(SESSION),
                             await http.get(API, headers={"X-Sarafan-Chat": "a" * 24 + ".b"})):
                assert response.status_code == 503
                assert response.json()["code"] == "unavailable"
                assert response.headers["retry-after"] == "5"
    finally:
        await engine.dispose()


async def test_processes_on_one_database_share_the_generated_secret(database_url: str) -> None:
    on = Settings(database_url=database_url, environment="test", _env_file=None)  # type: ignore[call-arg]
    await migrate.upgrade(database_url)
    first, second = await signer(on), await signer(on)  # two engines: two processes
    token = first.issue()
    assert second.chat_of(token) == token.rpartition(".")[0]
