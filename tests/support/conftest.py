"""Fixtures for the support flows: a scripted NLU, hand-built turns and a support test bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.engine.types import ContactInfo, DialogueState, Turn
from bot.messages import Inbound, Kind
from nlu.types import OUT_OF_SCOPE, IntentScore, LanguageGuess, Parse
from tests.harness import BotHarness, CollectingChannel, make_harness

OPERATORS = -1001234
"""The operators' Telegram group in these tests."""


def parse(intent: str = OUT_OF_SCOPE, confidence: float = 0.95, *,
          ranking: tuple[tuple[str, float], ...] = (), sentiment: float = 0.0,
          language: str = "en", text: str = "") -> Parse:
    """A hand-made parse; ``ranking`` defaults to just the top intent."""
    scores = tuple(IntentScore(n, c) for n, c in (ranking or ((intent, confidence),)))
    return Parse(text, LanguageGuess(language, 1.0), IntentScore(intent, confidence), scores,
                 sentiment=sentiment)


class ScriptedNlu:
    """An NLU that answers from a script; anything else is out of scope."""

    def __init__(self, script: Mapping[str, Parse] | None = None) -> None:
        self.script = dict(script or {})

    async def parse(self, text: str, *, language: str | None = None) -> Parse:
        """The scripted parse of ``text``."""
        return self.script.get(text, parse(text=text, language=language or "en"))


def turn(text: str | None = "", *, parse_: Parse | None = None, kind: Kind = Kind.TEXT,
         payload: str | None = None, state: DialogueState | None = None,
         context: Mapping[str, Any] | None = None, language: str = "en",
         chat_type: str = "private", chat_id: str = "c1", channel: str = "webchat",
         reply_to: str | None = None) -> Turn:
    """A turn as the engine would build it."""
    message = Inbound(channel=channel, update_id="u1", user_id="u1", chat_id=chat_id, kind=kind,
                      text=text, payload=payload, chat_type=chat_type, message_id="m9",
                      reply_to_message_id=reply_to)
    contact = ContactInfo(7, channel, "u1", language, None, "Ann")
    return Turn(message, contact, state or DialogueState(), datetime(2026, 11, 26, tzinfo=UTC),
                parse_, dict(context or {}))


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One NLU model cache for the whole session: trained once, then loaded."""
    return tmp_path_factory.mktemp("nlu")


@pytest.fixture
def support_settings(sqlite_url: str, model_dir: Path) -> Settings:
    """Settings with an operators' group."""
    return Settings(database_url=sqlite_url, environment="test",  # type: ignore[call-arg]
                    telegram={"operators_chat_id": OPERATORS}, nlu={"model_dir": model_dir},
                    _env_file=None)


async def support_bot(settings: Settings, nlu: ScriptedNlu | None) -> BotHarness:
    """A real bot with a collecting ``telegram`` channel; ``nlu`` replaces the trained one."""
    harness = await make_harness(settings)
    harness.bot.sender.channels["telegram"] = CollectingChannel(name="telegram")  # type: ignore[index]
    if nlu is not None:
        harness.bot.processor.nlu = nlu
    return harness


@pytest.fixture
async def scripted() -> ScriptedNlu:
    """The scripted NLU the ``bot`` fixture uses; tests add lines to its script."""
    return ScriptedNlu()


@pytest.fixture
async def bot(support_settings: Settings, scripted: ScriptedNlu) -> AsyncIterator[BotHarness]:
    """A support bot on SQLite with the scripted NLU."""
    harness = await support_bot(support_settings, scripted)
    yield harness
    await harness.close()
