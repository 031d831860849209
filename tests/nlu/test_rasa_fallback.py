"""The Rasa backend falls back to the local model, and says so in the log."""

from __future__ import annotations

import logging
import socket

import pytest

from nlu.backends.rasa import RasaNlu
from nlu.local import LocalNlu
from tests.nlu.fake_rasa import Behaviour, fake_rasa


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    "behaviour", [Behaviour(status=500), Behaviour(token="right"), Behaviour(delay=0.5)]
)
async def test_failures_fall_back(
    core_model: LocalNlu, behaviour: Behaviour, caplog: pytest.LogCaptureFixture
) -> None:
    with fake_rasa(core_model, behaviour) as url:
        rasa = RasaNlu(url, token="wrong", timeout=0.2, fallback=core_model)
        with caplog.at_level(logging.WARNING, logger="nlu.backends.rasa"):
            parse = await rasa.parse("позовите оператора")
        await rasa.aclose()
    assert parse.intent.name == "request_human"
    assert "using the local model" in caplog.text


async def test_unreachable_server_falls_back(
    core_model: LocalNlu, caplog: pytest.LogCaptureFixture
) -> None:
    rasa = RasaNlu(f"http://127.0.0.1:{free_port()}", fallback=core_model, timeout=0.5)
    with caplog.at_level(logging.WARNING, logger="nlu.backends.rasa"):
        assert (await rasa.parse("hello")).intent.name == "greet"
    await rasa.aclose()
    assert "failed" in caplog.text
