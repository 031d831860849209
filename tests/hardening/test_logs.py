"""Logs: no message texts at DEBUG unless allowed; uvicorn's records are masked like ours."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette

from bot.app import http_server
from bot.config import Settings
from bot.logsetup import MASK, QUIET_AT_INFO, TEXT_LOGGERS, configure_logging
from tests.harness import BotHarness

SECRET_TEXT = "zebra42 my private question"


@pytest.fixture(autouse=True)
def _restore_levels() -> Iterator[None]:
    names = [*TEXT_LOGGERS, *QUIET_AT_INFO, "uvicorn", "uvicorn.error", "uvicorn.access"]
    saved = {name: (logging.getLogger(name).level, logging.getLogger(name).propagate,
                    list(logging.getLogger(name).handlers)) for name in names}
    root_filters = {handler: list(handler.filters) for handler in logging.getLogger().handlers}
    yield
    for name, (level, propagate, handlers) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.propagate = propagate
        logger.handlers[:] = handlers
    for handler, filters in root_filters.items():
        handler.filters[:] = filters


async def test_debug_logs_keep_message_texts_out(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging("DEBUG", [])
    caplog.set_level(logging.DEBUG)
    await harness.say(SECRET_TEXT)
    assert caplog.records  # DEBUG is on …
    assert [r.name for r in caplog.records if "zebra42" in r.getMessage()] == []  # … texts off


async def test_debug_logs_show_texts_when_the_setting_allows_it(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    configure_logging("DEBUG", [], message_texts=True)
    caplog.set_level(logging.DEBUG)
    await harness.say(SECRET_TEXT)
    assert any("zebra42" in r.getMessage() for r in caplog.records)


def test_uvicorn_error_records_go_through_the_secret_masking(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    http_server(Starlette(), settings)  # configures uvicorn's loggers as `sarafan run` does
    configure_logging("INFO", ["uvicorn-leaked-secret-value"])
    uvicorn_error = logging.getLogger("uvicorn.error")
    assert uvicorn_error.handlers == [] and uvicorn_error.propagate
    uvicorn_error.error("Exception in ASGI application: token=%s", "uvicorn-leaked-secret-value")
    [record] = [r for r in caplog.records if r.name == "uvicorn.error"]
    assert record.getMessage() == f"Exception in ASGI application: token={MASK}"
