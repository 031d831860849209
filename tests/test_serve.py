"""`serve` as a supervisor sees it: a part that dies on its own stops the process with status 1."""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
import types

import pytest

from bot import app as app_module
from bot.channels.runtime import ChannelRuntime, Ingest
from bot.channels.webchat import WebChatChannel
from bot.config import Settings


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _explode(stop: asyncio.Event) -> None:
    await asyncio.sleep(0.2)
    raise RuntimeError("poller bug")


def _runtime(settings: Settings, ingest: Ingest) -> ChannelRuntime:
    channel = WebChatChannel()
    channel.name = "exploding"
    return ChannelRuntime(channel=channel, description="a channel that crashes", run=_explode)


async def test_a_crashing_channel_stops_serve_with_status_1(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    module = types.ModuleType("tests_exploding_channel")
    module.runtime = _runtime  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setattr(app_module, "CHANNEL_MODULES", (module.__name__,))
    settings = Settings(database_url=sqlite_url, port=_free_port(), _env_file=None)  # type: ignore[call-arg]

    with caplog.at_level(logging.INFO, logger="sarafan"):
        status = await asyncio.wait_for(app_module.serve(settings), timeout=180)

    assert status == 1
    messages = [record.getMessage() for record in caplog.records]
    assert any("serving web chat, a channel that crashes" in m for m in messages)
    assert any(m == "exploding failed: poller bug" for m in messages)
    assert any(m == "stopped after exploding failed" for m in messages)
