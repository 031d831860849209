"""Queries, themes and manual merge/split on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.feedback.catalog import load_catalog
from bot.feedback.queries import (
    FeedbackFilter,
    count_feedback,
    list_feedback,
    list_themes,
    theme_detail,
)
from bot.feedback.themes import ThemeError, merge, regroup, split
from bot.messages import Kind
from bot.storage.base import utcnow
from tests.feedback.conftest import items
from tests.harness import BotHarness

FEEDBACK = [
    ("ru1", "promo-tg", "/feedback матча слишком дорогая, сделайте дешевле"),
    ("el1", "promo-tg", "/feedback το matcha είναι πολύ ακριβό, κάντε το φθηνότερο"),
    ("en1", None, "/feedback matcha is too expensive, please make it cheaper"),
    ("fa1", "insta", "/feedback سماور برقی از شیرش چکه می‌کنه"),
    ("bg1", None, "/feedback самоварът тече от кранчето"),
    ("en2", "insta", "/feedback love the sencha, so fresh"),
]


async def _fill(bot: BotHarness) -> None:
    for chat, source, text in FEEDBACK:
        if source:
            await bot.say(kind=Kind.START, payload=source, chat=chat)
        await bot.say(text, chat=chat)


async def test_filters_counts_and_cursor(fb: BotHarness) -> None:
    await _fill(fb)
    async with fb.bot.sessionmaker() as session:
        everything = await list_feedback(session)
        assert len(everything) == 6 and everything[0].text == "love the sencha, so fresh"
        matcha = await list_feedback(session, FeedbackFilter(product="matcha"))
        assert {v.language for v in matcha} == {"ru", "el", "en"}
        assert len(await list_feedback(session, FeedbackFilter(text="SAMOVAR"))) == 0
        assert len(await list_feedback(session, FeedbackFilter(text="самовар"))) == 1
        assert len(await list_feedback(session, FeedbackFilter(source="insta"))) == 2
        future = FeedbackFilter(since=utcnow() + timedelta(days=1))
        assert await list_feedback(session, future) == []
        by_source = {r.value: (r.items, r.contacts) for r in
                     await count_feedback(session, "source")}
        assert by_source == {"promo-tg": (2, 2), "insta": (2, 2), None: (2, 2)}
        by_category = {r.value: r.items for r in await count_feedback(session, "category")}
        assert by_category["praise"] == 1 and by_category["bug"] == 2
        days = await count_feedback(session, "day")
        assert [r.items for r in days] == [6]
        first = await list_feedback(session, after_id=0, limit=4)
        rest = await list_feedback(session, after_id=first[-1].id, limit=4)
        assert [v.id for v in first + rest] == sorted(v.id for v in everything)
        with pytest.raises(ValueError, match="cannot group by"):
            await count_feedback(session, "colour")


async def test_themes_list_and_detail(fb: BotHarness) -> None:
    await _fill(fb)
    async with fb.bot.sessionmaker() as session:
        themes = await list_themes(session)
        top = themes[0]
        assert top.mentions == 3 and top.contacts == 3 and "Matcha" in top.label
        assert set(top.languages) == {"ru", "el", "en"} and top.channels == {"test": 1.0}
        assert top.this_period == 3 and top.last_period == 0 and top.trend is None
        assert len({r.language for r in top.representatives}) == 3
        later = await theme_detail(session, top.id, days=1, now=utcnow() + timedelta(days=1.5))
        assert later is not None and (later.this_period, later.last_period) == (0, 3)
        assert later.trend == -1.0
        assert await theme_detail(session, 999_999) is None


async def test_merge_and_split_stick_after_regrouping(fb: BotHarness) -> None:
    await _fill(fb)
    catalog = load_catalog()
    stored = await items(fb)
    matcha, samovar = stored[0].theme_id, stored[3].theme_id
    assert matcha is not None and samovar is not None and matcha != samovar
    async with fb.bot.sessionmaker() as session, session.begin():
        assert await merge(session, sources=[samovar], into=matcha) == 2
        with pytest.raises(ThemeError):
            await merge(session, sources=[matcha], into=matcha)
        with pytest.raises(ThemeError):
            await merge(session, sources=[123_456], into=matcha)
        alone = await split(session, item_ids=[stored[5].id], label="Sencha fans",
                            catalog=catalog)
        await regroup(session, catalog)
    after = await items(fb)
    assert {i.theme_id for i in after[:5]} == {matcha}
    assert after[5].theme_id == alone
    await fb.say("/feedback the samovar tap is leaking", chat="en3")  # like a merged theme
    newest = (await items(fb))[-1]
    assert newest.theme_id == matcha
    async with fb.bot.sessionmaker() as session, session.begin():
        with pytest.raises(ThemeError):
            await split(session, item_ids=[987_654], label=None, catalog=catalog)


async def test_regrouping_groups_texts_without_known_words(fb: BotHarness) -> None:
    await fb.say("/feedback please add a chai latte powder", chat="a")
    await fb.say(payload="fb:prod:other", chat="a")
    await fb.say("/feedback chai latte powder please, add it", chat="b")
    await fb.say(payload="fb:prod:other", chat="b")
    first, second = await items(fb)
    assert first.theme_id is None and second.theme_id is None  # no concept: no live theme
    async with fb.bot.sessionmaker() as session, session.begin():
        job = fb.bot.registry.jobs["feedback.regroup"]
        assert fb.bot.registry.periodic_jobs["feedback.regroup"] > 0
        await regroup(session, load_catalog())
        assert job is not None
    first, second = await items(fb)
    assert first.theme_id is not None and first.theme_id == second.theme_id


async def test_campaign_comes_from_the_beta_hook(fb: BotHarness) -> None:
    async def campaign(session: object, contact_id: int) -> str | None:
        return "beta-spring"

    fb.bot.registry.hook("feedback.campaign", campaign)
    await fb.say("/feedback please add decaf earl grey")
    [item] = await items(fb)
    assert item.campaign == "beta-spring"
    async with fb.bot.sessionmaker() as session:
        counted = await count_feedback(session, "campaign")
    assert [(r.value, r.items) for r in counted] == [("beta-spring", 1)]
