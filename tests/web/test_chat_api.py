"""The web chat's JSON API on the real bot: what it stores, shows and refuses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from bot.storage.models import InboxItem, MessageLog
from bot.web.chat import MAX_TEXT
from tests.harness import BotHarness
from tests.web.chat_ids import chat_client

CHAT = "chat-0123456789"
API = "/chat/api/messages"


@pytest.fixture
async def client(harness: BotHarness) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP straight into the bot's ASGI app, speaking for the chat ``CHAT``."""
    async with chat_client(harness.bot.http, CHAT) as http:
        yield http


async def inbox_size(harness: BotHarness) -> int:
    async with harness.bot.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(InboxItem)) or 0)


async def messages(client: httpx.AsyncClient, after: int = 0) -> list[dict[str, object]]:
    response = await client.get(API, params={"after": after})
    assert response.status_code == 200
    found: list[dict[str, object]] = response.json()["messages"]
    return found


async def test_a_typed_message_and_the_reply_show_in_the_log(
    client: httpx.AsyncClient, harness: BotHarness
) -> None:
    sent = await client.post(API, json={"text": "/start", "language": "ru-RU"})
    assert sent.status_code == 202
    assert sent.json()["stored"] is True
    await harness.drain()
    shown = await messages(client)
    assert (shown[0]["direction"], shown[0]["text"]) == ("in", "/start")
    assert shown[1]["direction"] == "out"
    assert str(shown[1]["text"]).startswith("Здравствуйте!")
    assert (shown[1]["language"], shown[1]["rtl"]) == ("ru", False)
    assert await messages(client, after=int(str(shown[1]["id"]))) == []


async def test_a_tapped_button_sends_its_payload_and_shows_its_title(
    client: httpx.AsyncClient, harness: BotHarness
) -> None:
    await client.post(API, json={"payload": "lang:fa", "text": "فارسی"})
    await harness.drain()
    tapped, answer = await messages(client)
    assert (tapped["direction"], tapped["text"]) == ("in", "فارسی")
    assert (answer["language"], answer["rtl"]) == ("fa", True)
    assert "فارسی" in str(answer["text"])


async def test_buttons_come_with_their_payloads(
    client: httpx.AsyncClient, harness: BotHarness
) -> None:
    await client.post(API, json={"text": "/language"})
    await harness.drain()
    buttons = (await messages(client))[-1]["buttons"]
    assert {"title": "فارسی", "payload": "lang:fa"} in buttons  # type: ignore[operator]


async def test_a_retried_post_is_stored_once(
    client: httpx.AsyncClient, harness: BotHarness
) -> None:
    body = {"text": "hello", "client_id": "retry-12345678"}
    first, again = await client.post(API, json=body), await client.post(API, json=body)
    assert (first.status_code, again.status_code) == (202, 202)
    assert (first.json()["stored"], again.json()["stored"]) == (True, False)
    assert await inbox_size(harness) == 1


@pytest.mark.parametrize(
    ("request_kwargs", "status", "code"),
    [
        ({"json": {"text": "x" * (MAX_TEXT + 1)}}, 413, "too_long"),
        ({"content": b'{"text": "' + b"x" * 70_000 + b'"}',
          "headers": {"content-type": "application/json"}}, 413, "too_long"),
        ({"json": {}}, 400, "bad_request"),
        ({"json": {"text": 42}}, 400, "bad_request"),
        ({"json": {"payload": "p" * 300}}, 400, "bad_request"),
        ({"json": ["hi"]}, 400, "bad_request"),
        ({"content": b"\xff\xfe{not json", "headers": {"content-type": "application/json"}},
         400, "bad_request"),
        ({"content": b'{"text": "hi"}'}, 415, "not_json"),
        ({"data": {"text": "hi"}}, 415, "not_json"),
    ],
    ids=["long-text", "huge-body", "empty", "number", "long-payload", "array",
         "binary", "no-content-type", "form-post"],
)
async def test_bad_input_is_refused_with_a_json_error_and_nothing_stored(
    client: httpx.AsyncClient, harness: BotHarness, request_kwargs: dict[str, object],
    status: int, code: str,
) -> None:
    response = await client.post(API, **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["error"]
    if code == "too_long":
        assert response.json()["limit"] == MAX_TEXT
    assert await inbox_size(harness) == 0


@pytest.mark.parametrize("query", [{"after": "-1"}, {"after": "1e9"}, {"after": "9" * 30}])
async def test_bad_polls_are_refused(client: httpx.AsyncClient, query: dict[str, str]) -> None:
    response = await client.get(API, params=query)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


async def test_a_long_poll_answers_as_soon_as_the_reply_is_sent(
    client: httpx.AsyncClient, harness: BotHarness
) -> None:
    poll = asyncio.create_task(client.get(API, params={"after": 0, "wait": 1}))
    await asyncio.sleep(0.1)
    assert not poll.done()
    await client.post(API, json={"text": "/help"})
    await harness.drain()
    response = await asyncio.wait_for(poll, timeout=5)
    assert [m["direction"] for m in response.json()["messages"]] == ["in", "out"]


async def test_a_first_load_shows_the_newest_messages(
    client: httpx.AsyncClient, harness: BotHarness
) -> None:
    async with harness.bot.sessionmaker.begin() as session:
        session.add_all(MessageLog(direction="in", channel="webchat", chat_id=CHAT, text=str(n))
                        for n in range(250))
    shown = await messages(client)
    assert [m["text"] for m in shown] == [str(n) for n in range(50, 250)]


@pytest.mark.parametrize(("asked", "language", "rtl", "send"),
                         [("fa", "fa", True, "ارسال"), ("el", "el", False, "Αποστολή"),
                          ("xx", "en", False, "Send")])
async def test_page_texts_are_translated(
    client: httpx.AsyncClient, asked: str, language: str, rtl: bool, send: str
) -> None:
    body = (await client.get("/chat/api/texts", params={"language": asked})).json()
    assert (body["language"], body["rtl"], body["texts"]["send"]) == (language, rtl, send)


async def test_the_page_and_its_files_are_served_with_a_strict_policy(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/chat")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    for name in ("chat.js", "chat.css"):
        assert (await client.get(f"/chat/static/{name}")).status_code == 200
    assert (await client.get("/chat/static/../chat.py")).status_code == 404
