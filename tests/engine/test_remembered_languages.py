"""The processor remembers each sender's language from its last turn, so the parse made
before a group's transaction needs no query for it; a stale memory costs a second parse,
never an answer in the wrong language (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import update

from bot.engine.processor import Processor
from bot.storage.inbox import enqueue
from bot.storage.models import Contact
from nlu.types import IntentScore, LanguageGuess, Parse
from tests.engine.helpers import Counting, message, open_db, statements

LANGUAGE_READS = "SELECT contacts.channel, contacts.external_id, contacts.language"


class AskedLanguages:
    """An NLU that keeps the stored language each parse was made with."""

    def __init__(self) -> None:
        self.asked: list[str | None] = []

    async def parse(self, text: str, *, language: str | None = None) -> Parse:
        self.asked.append(language)
        return Parse(text, LanguageGuess(language or "en", 1.0), IntentScore("greet", 0.9))


async def test_a_returning_sender_costs_no_language_query(database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    reads = statements(engine, LANGUAGE_READS)
    worker = Processor(sessionmaker, Counting().registry, AskedLanguages())
    await enqueue(sessionmaker, message("c1", "hello there", hint="ru"))
    assert await worker.run_once() == 1
    assert len(reads) == 1  # a sender not seen here yet
    await enqueue(sessionmaker, message("c1", "and again"))
    assert await worker.run_once() == 1
    assert len(reads) == 1
    await engine.dispose()


async def test_a_language_changed_elsewhere_is_parsed_again_in_the_turn(
        database_url: str) -> None:
    engine, sessionmaker = await open_db(database_url)
    nlu = AskedLanguages()
    worker = Processor(sessionmaker, Counting().registry, nlu)
    await enqueue(sessionmaker, message("c1", "hello there", hint="ru"))
    assert await worker.run_once() == 1
    assert nlu.asked == ["ru"]
    async with sessionmaker.begin() as session:  # another process: the customer chose Greek
        await session.execute(update(Contact).values(language="el", language_source="choice"))
    await enqueue(sessionmaker, message("c1", "and again"))
    assert await worker.run_once() == 1
    assert nlu.asked == ["ru", "ru", "el"]  # remembered, then the contact row's
    await enqueue(sessionmaker, message("c1", "third"))
    assert await worker.run_once() == 1
    assert nlu.asked[-1] == "el"  # and remembered from then on
    await engine.dispose()
