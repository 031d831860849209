"""The phone step on Telegram offers the share-contact key; a shared contact is the answer.

Driven from Telegram update JSON (the shape of tests/channels/test_telegram_contact.py) through
the real adapter, processor and sender, on SQLite and PostgreSQL. Also the t.me referral link
once ``telegram.bot_username`` is set.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.beta.tables import BetaApplication
from bot.channels.telegram_inbound import to_inbound
from bot.config import Settings
from bot.messages import Reply
from tests.beta.test_apply import apply_via_link, payload, rows, tap
from tests.harness import BotHarness, CollectingChannel
from tests.support.conftest import OPERATORS, ScriptedNlu, support_bot

USER = 7003
_ids = count(600001)


def update(text: str | None = None, *, data: str | None = None,
           contact: dict[str, Any] | None = None) -> dict[str, Any]:
    """A private-chat update from user 7003: text, a button tap or a shared contact."""
    user = {"id": USER, "is_bot": False, "first_name": "Ann", "language_code": "en"}
    chat = {"id": USER, "first_name": "Ann", "type": "private"}
    message: dict[str, Any] = {"message_id": next(_ids), "from": user, "chat": chat,
                               "date": 1732600500}
    if data is not None:
        return {"update_id": next(_ids),
                "callback_query": {"id": str(next(_ids)), "from": user, "message": message,
                                   "chat_instance": "1", "data": data}}
    message.update({"text": text} if contact is None else {"contact": contact})
    return {"update_id": next(_ids), "message": message}


async def send(bot: BotHarness, raw: dict[str, Any]) -> list[Reply]:
    telegram = bot.bot.sender.channels["telegram"]
    assert isinstance(telegram, CollectingChannel)
    before = len(telegram.sent)
    inbound = to_inbound(raw)
    assert inbound is not None
    await bot.bot.ingest(inbound)
    await bot.drain()
    return [reply for _, reply in telegram.sent[before:]]


async def to_phone_step(bot: BotHarness) -> Reply:
    [offer] = await send(bot, update("/start beta-tasting_box"))
    [ask_email] = await send(bot, update(data=payload(offer, "beta:consent:tasting_box:yes")))
    assert ask_email.request_contact == ""  # only the phone step offers the key
    [ask_phone] = await send(bot, update("ann@example.org"))
    return ask_phone


async def test_phone_step_offers_the_key_and_takes_a_shared_contact(bot: BotHarness) -> None:
    ask_phone = await to_phone_step(bot)
    assert "phone number" in ask_phone.text
    assert ask_phone.request_contact == "Share my phone number"
    shared = {"phone_number": "447911123456", "first_name": "Ann", "user_id": USER}
    [q1] = await send(bot, update(contact=shared))
    assert q1.text.startswith("1/3 · How often")
    [q2] = await send(bot, update(data=tap(q1, "Every day")))
    await send(bot, update(data=tap(q2, "Yes")))
    [decision] = await send(bot, update("Darjeeling"))
    assert "accepted" in decision.text
    [application] = await rows(bot, select(BetaApplication))
    assert application.phone == "+447911123456"


async def test_the_skip_key_sends_its_title_and_skips(bot: BotHarness) -> None:
    await to_phone_step(bot)
    [q1] = await send(bot, update("Skip"))
    assert q1.text.startswith("1/3 · How often")


async def test_another_persons_card_is_not_taken_as_the_phone(bot: BotHarness) -> None:
    await to_phone_step(bot)
    card = {"phone_number": "+447700900999", "first_name": "Bob", "user_id": 99}
    replies = await send(bot, update(contact=card))
    assert replies and not any(r.text.startswith("1/3") for r in replies)


async def test_other_channels_do_not_get_the_key(bot: BotHarness) -> None:
    offer = await apply_via_link(bot)
    await bot.say(payload=payload(offer, "beta:consent:tasting_box:yes"))
    [ask_phone] = await bot.say("ann@example.org")
    assert "phone number" in ask_phone.text and ask_phone.request_contact == ""


@pytest.fixture
async def named_bot(database_url: str, nlu_model_dir: Path) -> AsyncIterator[BotHarness]:
    settings = Settings(database_url=database_url, environment="test",
                        telegram={"operators_chat_id": OPERATORS, "bot_username": "@samovar_bot"},
                        nlu={"model_dir": nlu_model_dir}, _env_file=None)
    harness = await support_bot(settings, ScriptedNlu())
    yield harness
    await harness.close()


async def test_referral_gives_a_t_me_link_with_the_username(named_bot: BotHarness) -> None:
    [link] = await send(named_bot, update("/referral"))
    found = re.search(r"https://t\.me/samovar_bot\?start=r-([a-z0-9]{8})", link.text)
    assert found is not None, link.text
    assert found.group(0) in [shown.url for shown in link.links]


def test_username_setting_is_checked() -> None:
    with pytest.raises(ValueError, match="bot_username"):
        Settings(telegram={"bot_username": "no spaces!"}, _env_file=None)
