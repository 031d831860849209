"""What the support flows read from context and ask storage to write: plain data."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.types import Record

TICKET = "support.ticket"
"""Context key: the open ticket of this contact in this chat (a ``TicketView``), if any."""
REPLY_TICKET = "support.reply_ticket"
"""Context key: the ticket whose forwarded message a group message replies to."""
TICKET_COUNT = "support.ticket_count"
"""Context key: how many tickets this contact ever had; numbers the next one."""
RECENT = "support.recent"
"""Context key: the chat's last messages as ``(author, text)``, oldest first."""


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket as the pure flows see it."""

    id: int
    ref: str
    status: str
    channel: str
    chat_id: str
    account: str | None
    language: str


@dataclass(frozen=True, slots=True)
class OpenTicket(Record):
    """Open a ticket for this contact and chat, with the conversation so far."""

    ref: str
    reason: str
    priority: int
    language: str
    channel: str
    chat_id: str
    account: str | None
    transcript: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class AddToTicket(Record):
    """Append a line to a ticket's transcript, optionally moving it to ``status``."""

    ticket_id: int
    author: str
    text: str
    delivered: bool = True
    status: str | None = None
    priority: int | None = None
    """Raise the ticket to this priority (never lowers it)."""


@dataclass(frozen=True, slots=True)
class CloseTicket(Record):
    """Close a ticket; ``by`` is ``customer`` or ``operator``."""

    ticket_id: int
    by: str


@dataclass(frozen=True, slots=True)
class RateAnswer(Record):
    """A customer rated an FAQ answer."""

    entry_id: str
    helpful: bool
    language: str
    answer_message: str | None = None
    """The answer's platform message id, when the channel says which message was rated."""
