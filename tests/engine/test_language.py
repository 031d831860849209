"""Which language a contact is answered in: hint for a new contact, then their choice wins."""

from __future__ import annotations

from sqlalchemy import select

from bot.engine.processor import Processor
from bot.messages import Kind, Reply
from bot.storage.inbox import enqueue
from bot.storage.models import Contact, OutboxItem
from nlu.types import IntentScore, LanguageGuess, Parse
from tests.engine.helpers import Counting, open_db, rows
from tests.engine.helpers import message as inbound
from tests.harness import BotHarness


async def contact(harness: BotHarness, chat: str = "c1") -> Contact:
    async with harness.bot.sessionmaker() as session:
        found = await session.scalar(select(Contact).where(Contact.external_id == chat))
    assert found is not None
    return found


async def test_platform_hint_sets_the_language_of_a_new_contact(harness: BotHarness) -> None:
    [reply] = await harness.say("/start", language="ru-RU")
    assert reply.language == "ru"
    stored = await contact(harness)
    assert (stored.language, stored.language_source) == ("ru", "hint")


async def test_unknown_hint_falls_back_to_the_default(harness: BotHarness) -> None:
    [reply] = await harness.say("/start", language="pt-BR")
    assert reply.language == "en"
    assert (await contact(harness)).language_source == "default"
    [reply] = await harness.say("/help", language="fa")
    assert reply.language == "fa"  # a hint may still fill a language nobody chose


async def test_chosen_language_is_stored_and_wins_over_later_hints(harness: BotHarness) -> None:
    [picker] = await harness.say("/language", language="ru")
    assert "lang:bg" in {button.payload for button in picker.buttons}
    [confirmation] = await harness.say(payload="lang:bg", language="ru")
    assert confirmation.language == "bg"
    stored = await contact(harness)
    assert (stored.language, stored.language_source) == ("bg", "choice")
    [later] = await harness.say("/help", language="el")
    assert later.language == "bg"
    assert (await contact(harness)).language == "bg"


async def test_each_contact_keeps_its_own_language(harness: BotHarness) -> None:
    await harness.say(payload="lang:fa", chat="alice")
    [bob] = await harness.say("/start", chat="bob", language="el")
    [alice] = await harness.say("/start", chat="alice", language="el")
    assert (alice.language, bob.language) == ("fa", "el")


async def test_stale_language_button_is_answered_politely(harness: BotHarness) -> None:
    [reply] = await harness.say(payload="lang:de", kind=Kind.BUTTON, language="ru")
    assert reply.language == "ru"
    assert (await contact(harness)).language_source == "hint"


class FixedGuess:
    """An NLU backend that always guesses ``code`` with ``confidence``."""

    def __init__(self, code: str, confidence: float) -> None:
        self.guess = LanguageGuess(code, confidence)

    async def parse(self, text: str, *, language: str | None = None) -> Parse:
        return Parse(text, self.guess, IntentScore("greet", 0.9))


async def test_confident_detection_beats_a_hint_but_not_a_choice(sqlite_url: str) -> None:
    engine, sessionmaker = await open_db(sqlite_url)
    feature = Counting()
    worker = Processor(sessionmaker, feature.registry, FixedGuess("bg", 0.95))
    await enqueue(sessionmaker, inbound("c1", "здравейте как сте днес", hint="ru"))
    await worker.run_once()
    [stored] = await rows(sessionmaker, Contact)
    assert (stored.language, stored.language_source) == ("bg", "detected")
    async with sessionmaker.begin() as session:
        row = await session.get(Contact, stored.id)
        assert row is not None
        row.language, row.language_source = "el", "choice"
    await enqueue(sessionmaker, inbound("c1", "здравейте как сте днес", hint="ru"))
    await worker.run_once()
    queued = [Reply.from_json(r.reply) for r in await rows(sessionmaker, OutboxItem)]
    assert [(r.language, r.text) for r in queued] == [("bg", "1:здравейте как сте днес"),
                                                      ("el", "2:здравейте как сте днес")]
    await engine.dispose()


async def test_short_messages_and_unsure_guesses_keep_the_language(sqlite_url: str) -> None:
    engine, sessionmaker = await open_db(sqlite_url)
    unsure = Processor(sessionmaker, Counting().registry, FixedGuess("bg", 0.5))
    await enqueue(sessionmaker, inbound("c1", "hello there my friend", hint="en"))
    await unsure.run_once()
    short = Processor(sessionmaker, Counting().registry, FixedGuess("bg", 0.99))
    await enqueue(sessionmaker, inbound("c1", "ok", hint="en"))
    await short.run_once()
    [stored] = await rows(sessionmaker, Contact)
    assert stored.language == "en"
    await engine.dispose()


async def test_a_short_message_in_another_script_moves_the_language(harness: BotHarness) -> None:
    """Found chatting with the demo: after Russian, "πώς πληρώνω" (two words) was answered in
    Russian, because the stored language won on every message of one or two words."""
    await harness.say("хочу вернуть чай", language="ru")
    [greek] = await harness.say("πώς πληρώνω")
    assert greek.language == "el"
    assert (await contact(harness)).language == "el"
    [persian] = await harness.say("سفارشم کجاست")
    assert persian.language == "fa"
    [latin] = await harness.say("ok")  # Latin letters: the stored language still wins
    assert latin.language == "fa"
