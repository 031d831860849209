"""`sarafan shell`: talk to the bot in a terminal, the way a customer would, without a server.

The real bot is built on the configured database and content; a ``shell`` channel collects
its replies, and each line typed goes through the inbox, the processor and the sender like a
message from any channel. Buttons are numbered: typing the number taps the button.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.app import Bot, build_bot
from bot.channels.base import Limit
from bot.config import Settings
from bot.messages import Button, Inbound, Kind, Reply

NAME = "shell"
QUIT = frozenset({"/quit", "/exit"})


@dataclass
class ShellChannel:
    """Keeps what the bot sends, for the terminal to print."""

    name: str = NAME
    sent: list[Reply] = field(default_factory=list)

    def limits(self, chat_id: str, account: str | None = None) -> Sequence[Limit]:
        return ()

    async def send(self, *, chat_id: str, reply: Reply, account: str | None) -> str:
        self.sent.append(reply)
        return f"shell-{len(self.sent)}"


@dataclass
class Shell:
    """One terminal conversation with a built bot."""

    bot: Bot
    channel: ShellChannel
    chat: str
    language: str | None = None
    buttons: list[Button] = field(default_factory=list)

    async def say(self, line: str) -> list[Reply]:
        """Send a typed line (a number taps that button); the bot's replies to it."""
        line = line.strip()
        tapped = self.buttons[int(line) - 1] if line.isdigit() and \
            0 < int(line) <= len(self.buttons) else None
        message = Inbound(
            channel=NAME, update_id=uuid.uuid4().hex, user_id=self.chat, chat_id=self.chat,
            kind=Kind.BUTTON if tapped else Kind.TEXT, text=tapped.title if tapped else line,
            payload=tapped.payload if tapped else None, language_hint=self.language,
            message_id=f"shell-{len(self.channel.sent)}" if tapped else None)
        await self.bot.ingest(message)
        before = len(self.channel.sent)
        while (await self.bot.processor.run_once() + await self.bot.jobs.run_once()
               + await self.bot.sender.run_once()):
            pass
        replies = self.channel.sent[before:]
        if replies:
            self.buttons = [button for reply in replies for button in reply.buttons]
        return replies


def render(replies: Sequence[Reply]) -> str:
    """Replies as terminal text: each message, its buttons numbered across the turn, links."""
    lines: list[str] = []
    number = 0
    for reply in replies:
        lines += [f"bot> {text}" for text in reply.text.splitlines() or [""]]
        for button in reply.buttons:
            number += 1
            lines.append(f"     [{number}] {button.title}")
        lines += [f"     {link.title}: {link.url}" for link in reply.links]
    return "\n".join(lines)


async def chat_in_terminal(settings: Settings, *, chat: str, language: str | None,
                           read: Callable[[str], str] = input,
                           write: Callable[[str], object] = print) -> None:
    """Read lines until end of input or /quit, printing the bot's answers."""
    bot = await build_bot(settings)
    channel = ShellChannel()
    bot.sender.channels[NAME] = channel  # type: ignore[index]
    shell = Shell(bot, channel, chat, language)
    write("Chatting with Sarafan (type /help; a number taps a button; Ctrl+D or /quit ends).")
    try:
        while True:
            try:
                line = await asyncio.to_thread(read, "you> ")
            except EOFError:
                break
            if line.strip() in QUIT:
                break
            if line.strip():
                write(render(await shell.say(line)) or "bot> (no reply)")
    finally:
        await bot.close()
