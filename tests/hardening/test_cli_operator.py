"""Without an operators' group, a ticket is answered and closed from the CLI; `sarafan shell`."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import app
from bot.config import Settings
from bot.shell import chat_in_terminal
from bot.storage.events import Event
from bot.support.tickets import Ticket
from tests.harness import BotHarness


async def cli(settings: Settings, *args: str) -> tuple[int, str]:
    runner = CliRunner(env={"SARAFAN_DATABASE_URL": settings.database_url})
    result = await asyncio.to_thread(runner.invoke, app, list(args))
    return result.exit_code, result.output


async def test_reply_and_close_a_ticket_from_the_cli(
    harness: BotHarness, settings: Settings
) -> None:
    await harness.say("/human", chat="alice")
    async with harness.bot.sessionmaker() as session:
        ticket = await session.scalar(select(Ticket))
    assert ticket is not None and ticket.chat_id == "alice"

    code, output = await cli(settings, "tickets", "reply", f"#{ticket.ref}", "Hi, we are on it.")
    assert code == 0, output
    [sent] = await harness.drain()
    assert harness.channel.sent[-1][0] == "alice"
    assert "Hi, we are on it." in sent.text

    code, output = await cli(settings, "tickets", "close", ticket.ref)
    assert code == 0, output
    closing = await harness.drain()
    assert any(f"#{ticket.ref}" in reply.text for reply in closing)
    code, shown = await cli(settings, "tickets", "show", ticket.ref)
    assert "closed" in shown and "operator: Hi, we are on it." in shown
    async with harness.bot.sessionmaker() as session:
        names = (await session.scalars(select(Event.name))).all()
    assert "ticket.closed" in names

    assert (await cli(settings, "tickets", "close", ticket.ref))[0] == 1  # already closed
    assert (await cli(settings, "tickets", "reply", "99-9", "x"))[0] == 1  # no such ticket


async def test_shell_chats_with_numbered_buttons(settings: Settings) -> None:
    typed = iter(["/language", "2", "/quit", "never read"])
    shown: list[str] = []

    def read(_prompt: str) -> str:
        return next(typed)

    await chat_in_terminal(settings, chat="tester", language="en", read=read,
                           write=lambda text: shown.append(str(text)))
    picker, switched = shown[1], shown[2]
    assert "[1] English" in picker and "[2] Русский" in picker
    assert switched.startswith("bot> ") and "по-русски" in switched
    assert next(typed) == "never read"


@pytest.mark.parametrize("lines", [[]])
async def test_shell_ends_on_end_of_input(settings: Settings, lines: list[str]) -> None:
    def read(_prompt: str) -> str:
        raise EOFError

    await chat_in_terminal(settings, chat="tester", language=None, read=read, write=lines.append)
    assert len(lines) == 1  # the greeting line only
