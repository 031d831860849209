"""Hostile bodies on every inbound door: a clear 4xx or a cleaned, stored message; never a 5xx.

A 5xx is worse than untidy here: Telegram and Meta redeliver an update they got a 5xx for, so
an update that can never be stored (a lone UTF-16 surrogate, say) would come back forever.
"""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select

from bot.app import Bot
from bot.channels.messenger_signature import HEADER, sign
from bot.messages import Inbound
from bot.storage.models import InboxItem
from tests.channels.messenger_harness import APP_SECRET, PAGE_A
from tests.hardening.conftest import TELEGRAM_SECRET

TELEGRAM = "/telegram/webhook"
MESSENGER = "/messenger/webhook"
CHAT = "/chat/api/messages"
LONE = "\\ud800"  # as a JSON escape: json.loads turns it into a lone surrogate


def telegram_text(update_id: int, text_json: str, user_json: str = '"Ann"') -> bytes:
    return (f'{{"update_id": {update_id}, "message": {{"message_id": 1, "chat": {{"id": 7}},'
            f' "from": {{"id": 7, "first_name": {user_json}}}, "text": {text_json}}}}}').encode()


def messenger_text(psid_json: str, text_json: str, mid: str = "m_1") -> bytes:
    return (f'{{"object": "page", "entry": [{{"id": "{PAGE_A}", "time": 1, "messaging": ['
            f'{{"sender": {{"id": {psid_json}}}, "recipient": {{"id": "{PAGE_A}"}},'
            f' "timestamp": 1, "message": {{"mid": "{mid}", "text": {text_json}}}}}]}}]}}'
            ).encode()


async def to_telegram(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await client.post(TELEGRAM, content=body,
                             headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})


async def to_messenger(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await client.post(MESSENGER, content=body, headers={
        "Content-Type": "application/json", HEADER: sign(body, APP_SECRET.encode())})


async def to_chat(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await client.post(CHAT, content=body, headers={"Content-Type": "application/json"})


async def stored(bot: Bot) -> list[Inbound]:
    async with bot.sessionmaker() as session:
        rows = (await session.scalars(select(InboxItem).order_by(InboxItem.id))).all()
    return [Inbound.from_json(row.message) for row in rows]


async def test_a_lone_surrogate_on_telegram_is_stored_cleaned(
    doors: Bot, client: httpx.AsyncClient
) -> None:
    response = await to_telegram(client, telegram_text(41, f'"hi {LONE}"', f'"Ann{LONE}"'))
    assert response.status_code == 200, response.text
    [message] = await stored(doors)
    assert message.text == "hi \ufffd"
    assert message.user_name == "Ann\ufffd"


async def test_a_lone_surrogate_in_the_web_chat_is_stored_cleaned(
    doors: Bot, client: httpx.AsyncClient
) -> None:
    body = f'{{"text": "hi {LONE}", "language": "{LONE}"}}'
    response = await to_chat(client, body.encode())
    assert response.status_code == 202, response.text
    [message] = await stored(doors)
    assert message.text == "hi \ufffd"


async def test_a_lone_surrogate_in_a_messenger_sender_id_gets_no_5xx(
    doors: Bot, client: httpx.AsyncClient
) -> None:
    response = await to_messenger(client, messenger_text(f'"65{LONE}43"', f'"hi {LONE}"'))
    assert response.status_code < 500, response.text
    for message in await stored(doors):
        message.chat_id.encode("utf-8")  # whatever was kept is valid UTF-8
        (message.text or "").encode("utf-8")


async def test_deeply_nested_json_is_a_400_on_every_door(
    doors: Bot, client: httpx.AsyncClient
) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    deep_inside = b'{"update_id": 5, "message": ' + b'{"a":' * 100_000 + b"1" + b"}" * 100_001
    assert (await to_telegram(client, deep)).status_code == 400
    assert (await to_telegram(client, deep_inside)).status_code == 400
    assert (await to_chat(client, b"[" * 30_000 + b"]" * 30_000)).status_code == 400
    assert (await to_messenger(client, deep)).status_code == 400
    assert await stored(doors) == []


async def test_odd_digits_in_the_history_query_are_a_400(client: httpx.AsyncClient) -> None:
    for after in ("²", "①", "１２"):
        response = await client.get(CHAT, params={"after": after})
        assert response.status_code == 400, (after, response.status_code)


def test_the_json_helpers_build_what_they_say() -> None:
    assert json.loads(telegram_text(1, '"x"'))["message"]["text"] == "x"
    [event] = json.loads(messenger_text('"1"', '"x"'))["entry"][0]["messaging"]
    assert event["sender"]["id"] == "1"
