"""One contract every backend must meet, run against ``local`` and ``rasa``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from nlu.backends.rasa import RasaNlu
from nlu.local import LocalNlu
from nlu.types import NluBackend, Parse
from tests.nlu.fake_rasa import Behaviour, fake_rasa


class NeverCalled:
    """A fallback that fails the test if the primary backend silently gave up."""

    async def parse(self, text: str, *, language: str | None = None) -> Parse:
        raise AssertionError(f"fallback used for {text!r}")


class BackendContract:
    """Behaviour the bot relies on, whatever the backend."""

    @pytest.fixture
    def backend(self) -> NluBackend:
        raise NotImplementedError

    async def test_returns_ranked_intents(self, backend: NluBackend) -> None:
        parse = await backend.parse("hello there")
        assert isinstance(parse, Parse)
        assert parse.intent.name == "greet"
        assert parse.ranking[0] == parse.intent
        assert 0.0 <= parse.intent.confidence <= 1.0

    async def test_request_human_in_every_language(self, backend: NluBackend) -> None:
        for text in [
            "i want to talk to a human",
            "позовите оператора",
            "искам да говоря с човек",
            "میخوام با اپراتور صحبت کنم",
            "θέλω να μιλήσω με άνθρωπο",
        ]:
            assert (await backend.parse(text)).intent.name == "request_human", text

    async def test_off_topic_is_out_of_scope(self, backend: NluBackend) -> None:
        assert (await backend.parse("how do i cook pasta")).out_of_scope

    async def test_stored_language_wins_on_short_message(self, backend: NluBackend) -> None:
        parse = await backend.parse("да, давайте", language="bg")
        assert parse.language.code == "bg"

    async def test_entities_and_sentiment(self, backend: NluBackend) -> None:
        parse = await backend.parse("this is terrible!!! call me on +44 20 7946 0958")
        assert ("phone_number", "+442079460958") in {(e.entity, e.value) for e in parse.entities}
        assert parse.sentiment < -0.5


class TestLocalBackend(BackendContract):
    @pytest.fixture
    def backend(self, core_model: LocalNlu) -> NluBackend:
        return core_model


class TestRasaBackend(BackendContract):
    @pytest.fixture
    def server(self, core_model: LocalNlu) -> Iterator[tuple[str, Behaviour]]:
        behaviour = Behaviour(token="s3cret")
        with fake_rasa(core_model, behaviour) as url:
            yield url, behaviour

    @pytest.fixture
    async def backend(self, server: tuple[str, Behaviour]) -> AsyncIterator[NluBackend]:
        rasa = RasaNlu(server[0], token="s3cret", timeout=5.0, fallback=NeverCalled())
        yield rasa
        await rasa.aclose()

    async def test_sends_text_and_token(
        self, backend: NluBackend, server: tuple[str, Behaviour]
    ) -> None:
        await backend.parse("hi")
        request = server[1].requests[-1]
        assert request == {
            "path": "/model/parse",
            "query": {"token": "s3cret"},
            "body": {"text": "hi"},
        }
