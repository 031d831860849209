"""Feedback end to end on SQLite and PostgreSQL: capture, follow-up, themes, erasure."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage.events import Event
from bot.support.tickets import Ticket
from bot.surveys.tables import SurveyResponse
from tests.feedback.conftest import items
from tests.harness import BotHarness


async def test_feedback_command_files_the_next_message(fb: BotHarness) -> None:
    [ask] = await fb.say("/feedback")
    assert "What would you like to tell us" in ask.text
    assert [b.payload for b in ask.buttons] == [f"fb:rate:{n}" for n in range(1, 6)]
    [thanks] = await fb.say("Please add a decaf Earl Grey, I can't drink caffeine at night")
    assert "Thank you for the idea" in thanks.text
    [item] = await items(fb)
    assert (item.category, item.product, item.origin) == ("feature_request", "black_tea",
                                                         "command")
    assert item.channel == "test" and item.language == "en" and item.contact_id is not None
    assert item.theme_id is not None
    async with fb.bot.sessionmaker() as session:
        event = await session.scalar(select(Event).where(Event.name == "feedback.created"))
    assert event is not None and event.payload["feedback_id"] == item.id
    assert event.payload["category"] == "feature_request"


async def test_unclear_feedback_asks_one_question_with_buttons(fb: BotHarness) -> None:
    await fb.say("/feedback")
    [question] = await fb.say("hmm about the teapot")
    assert "what is it?" in question.text
    [stored] = await items(fb)
    assert stored.category is None and stored.text == "hmm about the teapot"  # nothing lost
    [done] = await fb.say(payload="fb:cat:bug")
    assert "Thank you for telling us" in done.text
    [item] = await items(fb)
    assert (item.category, item.product) == ("bug", "teapot")
    [stale] = await fb.say(payload="fb:cat:praise")
    assert "no longer active" in stale.text


async def test_missing_product_asks_for_it(fb: BotHarness) -> None:
    [question] = await fb.say("/feedback it would be nice to have more choice please")
    assert "Which product" in question.text
    payloads = [b.payload for b in question.buttons]
    assert "fb:prod:matcha" in payloads and payloads[-1] == "fb:prod:other"
    await fb.say(payload="fb:prod:matcha")
    [item] = await items(fb)
    assert (item.category, item.product) == ("feature_request", "matcha")


async def test_same_wish_in_russian_and_greek_is_one_theme(fb: BotHarness) -> None:
    await fb.say("/feedback сделайте подписку на чай, каждый месяц новый", chat="ru1")
    [greek] = await fb.say("/feedback θα ήθελα συνδρομή για τσάι κάθε μήνα", chat="el1")
    russian, greek_item = await items(fb)
    assert russian.language == "ru" and greek_item.language == "el"
    assert russian.theme_id is not None and russian.theme_id == greek_item.theme_id
    assert "People who asked for this before you: 1" in greek.text
    [bulgarian] = await fb.say("/feedback направете абонамент за чай всеки месец", chat="bg1")
    assert "2" in bulgarian.text


async def test_feedback_said_in_passing_is_filed(fb: BotHarness) -> None:
    [reply] = await fb.say("would love a mobile app for ordering, please make one")
    assert "Thank you for the idea" in reply.text
    [item] = await items(fb)
    assert (item.origin, item.category, item.product) == ("detected", "feature_request",
                                                         "mobile_app")


async def test_support_questions_and_angry_complaints_are_not_taken(fb: BotHarness) -> None:
    [answer] = await fb.say("How long does delivery take?")
    assert "Thank you for the idea" not in answer.text
    [ticket] = await fb.say("this is a terrible scam, you are the worst shop ever")
    assert "ticket #" in ticket.text
    [item] = await items(fb)  # support handed it over; the complaint is still counted
    assert (item.origin, item.category) == ("ticket", "complaint")
    assert item.ticket_id is not None


async def test_strong_complaint_opens_a_priority_ticket(fb: BotHarness) -> None:
    await fb.say("/feedback")
    replies = await fb.say("The samovar is terrible, awful quality, I hate it, worst purchase")
    assert any("ticket #" in r.text for r in replies)
    async with fb.bot.sessionmaker() as session:
        ticket = await session.scalar(select(Ticket))
    assert ticket is not None and ticket.priority == 1 and ticket.reason == "complaint"
    [item] = await items(fb)
    assert item.category == "complaint" and item.ticket_id == ticket.id
    assert item.sentiment == "negative" and item.origin == "command"


async def test_same_message_twice_is_one_item(fb: BotHarness) -> None:
    await fb.say("/feedback please add gift wrapping")
    [again] = await fb.say("/feedback Please add gift wrapping ")
    assert "counted once" in again.text
    assert len(await items(fb)) == 1


async def test_emoji_only_feedback_is_kept(fb: BotHarness) -> None:
    await fb.say("/feedback")
    [reply] = await fb.say("😍😍👍")
    assert "lovely to hear" in reply.text
    [item] = await items(fb)
    assert item.text == "😍😍👍" and item.category == "praise" and item.sentiment == "positive"


async def test_ten_thousand_characters_are_stored_whole(fb: BotHarness) -> None:
    body = ("the teapot lid is broken and the tea spills everywhere. " * 200)[:10_000]
    assert len(body) == 10_000
    await fb.say("/feedback")
    [reply] = await fb.say(body)
    assert "Thank you for telling us" in reply.text
    [item] = await items(fb)
    assert len(item.text) == 10_000 and item.category == "bug"


async def test_unsupported_language_is_filed_as_written(fb: BotHarness) -> None:
    await fb.say("/feedback")
    text = "请增加无咖啡因的茶，谢谢"
    replies = await fb.say(text)
    assert replies and replies[0].language == "en"
    [item] = await items(fb)
    assert item.text == text and item.language == "und"


async def test_sticker_while_waiting_then_text(fb: BotHarness) -> None:
    from bot.messages import Kind

    await fb.say("/feedback")
    [polite] = await fb.say(kind=Kind.UNSUPPORTED)
    assert "only read text" in polite.text
    await fb.say("love the sencha")
    [item] = await items(fb)
    assert item.category == "praise" and item.product == "sencha"


async def test_feedback_while_a_ticket_is_open(fb: BotHarness) -> None:
    [opened] = await fb.say("/human")
    assert "ticket #" in opened.text
    await fb.say("/feedback")
    [thanks] = await fb.say("please add oolong sample packs")
    assert "Thank you for the idea" in thanks.text
    [item] = await items(fb)
    async with fb.bot.sessionmaker() as session:
        ticket = await session.scalar(select(Ticket))
    assert ticket is not None and item.ticket_id == ticket.id
    [relayed] = await fb.say("any news?")  # the ticket relay works again afterwards
    assert "Added to your request" in relayed.text


async def test_score_then_reason_is_one_item(fb: BotHarness) -> None:
    await fb.say("/feedback")
    [why] = await fb.say(payload="fb:rate:5")
    assert "main reason" in why.text
    [stored] = await items(fb)
    assert (stored.rating, stored.category, stored.text) == (5, "praise", "")
    await fb.say("your delivery is super fast")
    [item] = await items(fb)
    assert item.rating == 5 and item.text == "your delivery is super fast"
    assert item.category == "praise" and item.theme_id is not None


async def test_forget_erases_texts_but_counts_stay(fb: BotHarness) -> None:
    await fb.say("/feedback please add decaf tea")
    [item] = await items(fb)
    assert item.contact_id is not None
    registry = fb.bot.registry
    async with fb.bot.sessionmaker() as session, session.begin():
        exported = await registry.exporters["feedback"](session, item.contact_id)
        assert exported[0]["text"] == "please add decaf tea"
        await registry.erasers["feedback"](session, item.contact_id)
    [erased] = await items(fb)
    assert erased.text == "[erased]" and erased.contact_id is None and erased.erased
    assert (erased.category, erased.theme_id) == (item.category, item.theme_id)


async def test_survey_free_text_answer_becomes_feedback(fb: BotHarness) -> None:
    replies = await fb.say("/survey support_csat")
    for _ in range(4):  # tap the highest score until the free-text question comes
        question = replies[-1]
        if "main reason" in question.text:
            break
        replies = await fb.say(payload=question.buttons[-1].payload)
    assert "main reason" in replies[-1].text
    await fb.say("the sencha is amazing and delivery was fast")
    [item] = await items(fb)
    assert (item.origin, item.survey_id, item.survey_question) == ("survey", "support_csat",
                                                                   "reason")
    assert item.category == "praise"
    async with fb.bot.sessionmaker() as session:  # linked to the very response it answers
        response = await session.scalar(select(SurveyResponse))
    assert response is not None and item.survey_response == response.key


async def test_feedback_in_the_middle_of_a_real_survey(fb: BotHarness) -> None:
    [*_, question] = await fb.say("/survey support_csat")
    assert question.buttons
    await fb.say("/feedback")
    replies = await fb.say("please add a decaf earl grey")
    assert "back to where we were" in replies[-1].text
    [*_, following] = await fb.say(payload=question.buttons[-1].payload)
    assert "recommend" in following.text  # the survey went on to its next question
    [item] = await items(fb)
    assert item.origin == "command" and item.category == "feature_request"
