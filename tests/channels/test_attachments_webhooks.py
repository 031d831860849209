"""A customer sends photos through the real webhooks (Telegram, Messenger) of a running app.

Payloads: Telegram ``w06_photo_with_caption.json`` and ``10_message_with_document.json``
(tests/channels/telegram_updates, PROVENANCE.md: Telegram's webhook guide and the Bot API
reference) and Meta's "message with attachment" example (tests/channels/messenger_webhooks,
PROVENANCE.md: the Messenger webhook reference), with only ids and texts changed.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.app import Bot, build_bot
from bot.engine.ratelimit import RateLimiter
from bot.feedback.tables import FeedbackItem
from tests.channels.messenger_harness import MessengerHarness, dataset, messenger_bot
from tests.channels.test_telegram_webhook import SECRET, post, webhook_settings
from tests.fakes.botapi import FakeBotApi, dataset_update

_updates = itertools.count(900_001)
_clock = itertools.count(0, 10)
CUSTOMER = {"id": 1111111, "is_bot": False, "first_name": "Test", "language_code": "en"}
SORRY = "Sorry, I can only read text messages. Please type your question."


@pytest.fixture
async def bot(database_url: str, botapi: FakeBotApi) -> AsyncIterator[Bot]:
    """The real bot in webhook mode, on SQLite and on PostgreSQL."""
    bot = await build_bot(webhook_settings(database_url, botapi, SECRET))
    # Time jumps between drains, so per-chat send limits never hold a reply back.
    bot.sender.limiter = RateLimiter(clock=lambda: next(_clock))
    yield bot
    await bot.close()


async def telegram(bot: Bot, botapi: FakeBotApi, name: str, **message: Any) -> list[str]:
    """POST one update to /telegram/webhook, run the workers, return the texts sent back."""
    update = dataset_update(name, next(_updates))
    # One customer throughout (the examples come from different senders).
    update["message"].update({"from": CUSTOMER, "chat": {"id": CUSTOMER["id"],
                                                        "type": "private"}}, **message)
    update["message"]["message_id"] = update["update_id"]
    before = len(botapi.sent())
    transport = httpx.ASGITransport(app=bot.http)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await post(client, update)).status_code == 200
    while await bot.processor.run_once() + await bot.sender.run_once():
        pass
    return [str(sent["text"]) for sent in botapi.sent()[before:]]


async def feedback(bot: Bot) -> list[FeedbackItem]:
    async with bot.sessionmaker() as session:
        return list((await session.scalars(select(FeedbackItem).order_by(FeedbackItem.id))).all())


async def test_telegram_photo_document_and_album_reach_the_feedback_item(
        bot: Bot, botapi: FakeBotApi) -> None:
    photo = "w06_photo_with_caption.json"
    assert await telegram(bot, botapi, photo, caption=None) == [SORRY]  # no flow wants it
    assert await feedback(bot) == []
    await telegram(bot, botapi, "02_message_text.json", text="/feedback")
    [attached] = await telegram(bot, botapi, "10_message_with_document.json")
    assert "attached" in attached
    album = {"caption": None, "media_group_id": "77"}
    assert len(await telegram(bot, botapi, photo, **album)) == 1
    assert await telegram(bot, botapi, photo, **album) == []  # rest of the album: silent
    [thanks] = await telegram(bot, botapi, photo, caption="the teapot lid arrived cracked")
    assert "Thank you" in thanks
    [item] = await feedback(bot)
    assert item.channel == "telegram" and item.text == "the teapot lid arrived cracked"
    assert [(a["kind"], a["file_id"]) for a in item.attachments] == [
        ("document", "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX"), ("photo", "AgACAgIAAxkBphoto-m")]
    assert item.attachments[0]["file_name"] == "Testfile.pdf"
    assert item.attachments[1]["group"] == "77"


@pytest.fixture
async def messenger(database_url: str) -> AsyncIterator[MessengerHarness]:
    async with messenger_bot(database_url) as harness:
        yield harness


async def test_messenger_photos_after_feedback_join_the_item(
        messenger: MessengerHarness) -> None:
    psid = "8000000000000031"
    await messenger.say(psid, "/feedback")
    entry = copy.deepcopy(dataset("messages_attachment.entry.json", psid=psid))
    entry["messaging"][0]["message"]["attachments"] = [
        {"type": "image", "payload": {"url": f"https://scontent.example/{n}.jpg"}}
        for n in range(2)]
    before = len(messenger.graph.sent)
    assert (await messenger.deliver({"object": "page", "entry": [entry]})).status_code == 200
    await messenger.drain()
    [attached] = [sent.text for sent in messenger.graph.sent[before:]]
    assert "attached" in attached
    await messenger.say(psid, "please add a decaf earl grey")
    async with messenger.bot.sessionmaker() as session:
        [item] = (await session.scalars(select(FeedbackItem))).all()
    assert item.channel == "messenger" and item.text == "please add a decaf earl grey"
    assert [a["file_id"] for a in item.attachments] == [
        "https://scontent.example/0.jpg", "https://scontent.example/1.jpg"]
