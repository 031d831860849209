"""Referral links: a promoter's link, new contacts attributed, counts per promoter and source."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.beta.referrals import Links, counts_by_promoter, counts_by_source
from bot.engine.types import ContactInfo, DialogueState, Turn
from bot.messages import Button, Inbound, Kind
from tests.harness import BotHarness


async def start(bot: BotHarness, payload: str, chat: str) -> str:
    [reply] = await bot.say(f"/start {payload}", chat=chat, kind=Kind.START, payload=payload)
    return reply.text


async def test_new_contacts_are_attributed_to_the_promoter(bot: BotHarness) -> None:
    await bot.bot.ingest(Inbound(channel="test", update_id="p0", user_id="p1", chat_id="p1",
                                 kind=Kind.START, text="/start promo-autumn",
                                 payload="promo-autumn"))
    await bot.drain()
    [link] = await bot.say("/referral", chat="p1")
    code = re.search(r"/chat\?start=r-([a-z0-9]{8})", link.text)
    assert code is not None, link.text
    [same] = await bot.say(payload="ref:link", chat="p1")
    assert code.group(0) in same.text  # one code per promoter

    assert "A friend recommended us" in await start(bot, f"r-{code.group(1)}", "f1")
    await start(bot, f"r-{code.group(1)}", "f2")
    await bot.say("hello", chat="old")  # an existing contact clicking the link later
    await start(bot, f"r-{code.group(1)}", "old")
    await start(bot, f"r-{code.group(1)}", "p1")  # the promoter's own link
    await start(bot, "r-unknown1", "f3")
    await start(bot, f"r-{code.group(1)}", "f1")  # the same friend twice

    async with bot.bot.sessionmaker() as session:
        promoters = await counts_by_promoter(session=session)
        sources = await counts_by_source(session=session)
    assert [(c, n) for c, _, n in promoters] == [(code.group(1), 2)]
    assert sources == [("promo-autumn", "test", 2)]


def test_links_per_channel() -> None:
    links = Links(telegram_bot="samovar_bot", messenger_page="104519535647000")
    assert links.for_code("abcd2345") == [
        ("Telegram", "https://t.me/samovar_bot?start=r-abcd2345"),
        ("Messenger", "https://m.me/104519535647000?ref=r-abcd2345"),
        ("web", "/chat?start=r-abcd2345"),
    ]


def test_the_promoter_hook_offers_beta_and_referral_buttons(bot: BotHarness) -> None:
    [hook] = bot.bot.registry.hooks_for("survey.promoter")
    turn = Turn(Inbound(channel="test", update_id="1", user_id="u", chat_id="u"),
                ContactInfo(1, "test", "u", "ru"), DialogueState(),
                datetime(2026, 12, 1, tzinfo=UTC))
    buttons = hook(turn, "nps")
    assert buttons == (Button("Участвовать в бета-тесте", "beta:promoter"),
                       Button("Получить мою реферальную ссылку", "ref:link"))
    closed = Turn(turn.message, turn.contact, turn.state, datetime(2030, 1, 1, tzinfo=UTC))
    assert [b.payload for b in hook(closed, "nps")] == ["ref:link"]
