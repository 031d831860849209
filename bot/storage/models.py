"""Core tables: contacts, dialogue state, the message log, the inbox, the outbox, send rates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, utcnow

# BigInteger ids autoincrement on PostgreSQL; SQLite only autoincrements INTEGER.
Id = BigInteger().with_variant(Integer(), "sqlite")


class Contact(Base):
    """A person on one channel; the language they read lives here."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(256))
    language: Mapped[str | None] = mapped_column(String(8))
    language_source: Mapped[str | None] = mapped_column(String(16))
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str | None] = mapped_column(String(128), index=True)
    """The first entry link (deep-link payload, m.me ref, web-chat parameter) seen from them."""


class Conversation(Base):
    """Dialogue state of one contact in one chat; ``version`` makes concurrent turns safe."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("contact_id", "chat_id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(128))
    account: Mapped[str | None] = mapped_column(String(128))
    """The bot account (Messenger Page) the chat talks to, so later sends use the same one."""
    flow: Mapped[str | None] = mapped_column(String(64))
    step: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    # SQLAlchemy reads this mapping off the class; it is never mutated.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class MessageLog(Base):
    """Every message in and out, with the platform's ids."""

    __tablename__ = "messages"
    __table_args__ = (Index(None, "channel", "chat_id", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    direction: Mapped[str] = mapped_column(String(3))
    channel: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[str] = mapped_column(String(128))
    platform_message_id: Mapped[str | None] = mapped_column(String(128))
    text: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[str | None] = mapped_column(Text)
    body: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxItem(Base):
    """An inbound update, stored before the platform is acknowledged; processed from here."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "update_id"),
        Index(None, "status", "chat_key", "id"),
    )

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    update_id: Mapped[str] = mapped_column(String(128))
    chat_key: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    """The worker identity holding the claim; a restarted worker hands back its own at once."""
    lease_until: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]


class OutboxItem(Base):
    """A reply waiting to be delivered, in per-chat order, with retry bookkeeping."""

    __tablename__ = "outbox"
    __table_args__ = (Index(None, "status", "chat_key", "id"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    account: Mapped[str | None] = mapped_column(String(128))
    chat_id: Mapped[str] = mapped_column(String(128))
    chat_key: Mapped[str] = mapped_column(String(200))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    reply: Mapped[str] = mapped_column(Text)
    bulk: Mapped[bool] = mapped_column(default=False, server_default=false())
    """A broadcast (invitation, reminder) rather than a reply: the bot-wide limit applies."""
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    error: Mapped[str | None] = mapped_column(Text)
    platform_message_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class SendRate(Base):
    """One send rate limit's state, shared by every sender process of the deployment.

    ``tat`` is the GCRA "theoretical arrival time" of the key's next send, in Unix seconds;
    a key whose ``tat`` has passed is as good as absent, so such rows are pruned.
    """

    __tablename__ = "send_rates"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    tat: Mapped[float] = mapped_column(Float)
