"""/privacy switches, /optout in every form, /mydata as readable chat text."""

from __future__ import annotations

from sqlalchemy import select

from bot.consent import consented, in_force
from bot.consent.export import chat_parts, split
from bot.consent.tables import ConsentEvent
from tests.beta.test_apply import walk
from tests.harness import BotHarness
from tests.web.chat_ids import chat_headers


async def ledger(bot: BotHarness) -> list[tuple[str, str, str | None]]:
    async with bot.bot.sessionmaker() as session:
        rows = await session.scalars(select(ConsentEvent).order_by(ConsentEvent.id))
        return [(r.purpose, r.action, r.text_version) for r in rows]


async def test_privacy_shows_what_is_kept_and_switches_each_purpose(bot: BotHarness) -> None:
    [view] = await bot.say("/privacy")
    assert "What we keep about you, and why:" in view.text
    assert "⛔ surveys: not allowed" in view.text
    assert [b.payload for b in view.buttons] == [
        "privacy:on:research", "privacy:on:marketing", "privacy:on:beta", "privacy:on:reminders"]
    [on] = await bot.say(payload="privacy:on:research")
    assert "surveys is now allowed" in on.text and "/optout research" in on.text
    [twice] = await bot.say(payload="privacy:on:research")
    assert "already allowed" in twice.text
    [view] = await bot.say("/privacy")
    assert "✅ surveys: allowed since" in view.text
    assert view.buttons[0].payload == "privacy:off:research"
    [off] = await bot.say(payload="privacy:off:research")
    assert "we stopped surveys" in off.text
    assert await ledger(bot) == [("research", "grant", "privacy-2026-12-01"),
                                 ("research", "withdraw", None)]  # appended, never overwritten
    async with bot.bot.sessionmaker() as session:
        assert not await in_force(session, 1, "research")
        assert list((await session.scalars(consented("research"))).all()) == []


async def test_optout_forms(bot: BotHarness) -> None:
    [nothing] = await bot.say("/optout")
    assert "nothing to stop" in nothing.text
    [unknown] = await bot.say("/optout spam")
    assert "don't know that purpose" in unknown.text and "research" in unknown.text
    [never] = await bot.say("/optout marketing")
    assert "had not allowed news and offers" in never.text
    await bot.say(payload="privacy:on:marketing")
    await bot.say(payload="privacy:on:reminders")
    [choose] = await bot.say("/optout")
    assert [b.payload for b in choose.buttons] == [
        "privacy:off:marketing", "privacy:off:reminders", "privacy:off:all"]
    [everything] = await bot.say(payload="privacy:off:all")
    assert "news and offers, reminders" in everything.text
    [stale] = await bot.say(payload="privacy:off:nonsense")
    assert "no longer active" in stale.text
    assert [a for _, a, _ in await ledger(bot)] == ["grant", "grant", "withdraw", "withdraw"]


async def test_privacy_in_persian_is_right_to_left_safe(bot: BotHarness) -> None:
    await bot.say(payload="lang:fa")
    [view] = await bot.say("/privacy")
    assert "آنچه دربارهٔ شما نگه می‌داریم و چرا:" in view.text
    assert "\u200e/mydata" in view.text and "\u200e/forget" in view.text


async def test_mydata_in_persian(bot: BotHarness) -> None:
    await bot.say(payload="lang:fa")
    replies = await bot.say("/mydata")
    assert replies[0].text == "این همهٔ چیزهایی است که دربارهٔ شما نگه می‌داریم:"
    assert "[گفتگوهای شما با ما]" in replies[1].text and "زبان: fa" in replies[1].text
    assert "\u200e/forget" in replies[-1].text


async def test_mydata_for_a_contact_with_nothing_stored(bot: BotHarness) -> None:
    replies = await bot.say("/mydata")
    assert replies[0].text == "Here is everything we keep about you:"
    assert "[Your conversations with us]" in replies[1].text and "/mydata" in replies[1].text
    assert "[Beta programme]" not in replies[1].text and "[Surveys]" not in replies[1].text
    assert replies[-1].text == "To erase all of this, send /forget."


async def test_mydata_lists_every_feature(bot: BotHarness) -> None:
    await walk(bot)
    await bot.say("/referral")
    replies = await bot.say("/mydata")
    body = "\n".join(r.text for r in replies)
    for expected in ("[Your conversations with us]", "[Beta programme]", "campaign: tasting_box",
                     "e-mail: ann@example.org", "phone: +442079460958", "purpose: beta",
                     "text version: tasting_box:", "referral code:"):
        assert expected in body, expected
    assert all(len(r.text) <= 3600 for r in replies)


async def test_a_failing_exporter_does_not_lose_the_rest(bot: BotHarness) -> None:
    async def broken(_session: object, _contact_id: int) -> object:
        raise RuntimeError("boom")

    bot.bot.registry.exporters["broken"] = broken  # type: ignore[assignment]
    replies = await bot.say("/mydata")
    body = "\n".join(r.text for r in replies)
    assert "[broken]" in body and "not available right now" in body
    assert "[Your conversations with us]" in body


def test_long_exports_are_split_and_cut() -> None:
    lines = [f"line {n} " + "x" * 90 for n in range(2000)]
    parts = split(lines)
    assert all(len(p) <= 3500 for p in parts) and len(parts) > 40
    assert split(["y" * 8000]) == ["y" * 3500, "y" * 3500, "y" * 1000]
    shown = chat_parts({"core": {"messages": lines}}, "en")
    assert len(shown) == 12 + 3 and "did not send" in shown[-2]


async def test_mydata_on_the_web_chat_links_a_json_file(bot: BotHarness) -> None:
    import httpx

    chat = "web-chat-0001"
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=bot.bot.http),
                             base_url="http://sarafan.test",
                             headers=await chat_headers(bot.bot.http, chat))
    try:
        posted = await http.post("/chat/api/messages", json={"text": "/mydata"})
        assert posted.status_code == 202
        await bot.drain()
        messages = (await http.get("/chat/api/messages")).json()["messages"]
        [link] = messages[-1]["links"]
        assert link["url"] == "/chat/api/export.json"  # the chat is the request's, not the URL's
        download = await http.get(link["url"])
        assert download.status_code == 200
        assert "attachment" in download.headers["content-disposition"]
        assert download.json()["core"]["contact"]["channel"] == "webchat"
        anonymous = await http.get(link["url"], headers={"X-Sarafan-Chat": ""})
        assert anonymous.status_code == 401
        assert (await http.get(f"{link['url']}?chat_id={chat}", headers={
            "X-Sarafan-Chat": f"{chat}.forged"})).status_code == 401
        assert (await http.get(link["url"], headers=await chat_headers(
            bot.bot.http, "nobody-here"))).status_code == 404
    finally:
        await http.aclose()
