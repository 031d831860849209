"""Per-deployment secrets generated on first use and kept in the database.

The embedded default has no configuration, yet several processes of one deployment must sign
and verify with the same key (web-chat ids, for instance). So a secret that the operator did not
set is generated once, stored here, and every process reads the same row. An operator who sets
the secret in the settings never touches this table.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.base import Base, UTCDateTime, utcnow


class InstanceSecret(Base):
    """One named random secret (hex) of this deployment."""

    __tablename__ = "instance_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


async def instance_secret(
    sessionmaker: async_sessionmaker[AsyncSession], name: str, *, nbytes: int = 32
) -> bytes:
    """The secret called ``name``, created at random by whichever process asks first.

    Two processes starting together may both try to create it: the primary key lets one
    insert win, and the loser reads the winner's row, so everyone ends with the same bytes.
    """
    stored = select(InstanceSecret.value).where(InstanceSecret.name == name)
    async with sessionmaker() as session:
        value = await session.scalar(stored)
        if value is not None:
            return bytes.fromhex(value)
        session.add(InstanceSecret(name=name, value=secrets.token_hex(nbytes)))
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
        value = await session.scalar(stored)
    if value is None:  # pragma: no cover - the row was just written by us or by a rival
        raise RuntimeError(f"instance secret {name!r} could not be stored")
    return bytes.fromhex(value)
