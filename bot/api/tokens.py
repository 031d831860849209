"""API tokens: create (shown once), list, revoke, authenticate, and the shared rate limit.

A token is 32 random bytes, so a plain SHA-256 of it is a safe thing to store: nobody can
brute-force 256 bits, unlike a password (the dashboard hashes passwords with argon2).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.api.tables import ApiToken
from bot.storage.base import utcnow

SCOPES = ("feedback:read", "surveys:read", "beta:write", "tickets:write", "contacts:read",
          "admin")
"""``contacts:read`` is the only scope that shows personal data (names, messages, timelines);
``admin`` includes every other scope."""
TOKEN_PREFIX = "sfn_"
DEFAULT_RATE = 600
"""Requests per minute per token, shared by every process (the counter is on the token row)."""


class TokenError(ValueError):
    """A token operation the caller asked for cannot be done (unknown scope, unknown token)."""


@dataclass(frozen=True, slots=True)
class TokenView:
    """A token as listings show it; never the token itself."""

    id: int
    name: str
    prefix: str
    scopes: tuple[str, ...]
    rate_per_minute: int
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def actor(self) -> str:
        """How the audit log names this token."""
        return f"token:{self.id}:{self.name}"

    def allows(self, scope: str) -> bool:
        """Whether the token carries ``scope`` (``admin`` carries every scope)."""
        return scope in self.scopes or "admin" in self.scopes


def hash_token(token: str) -> str:
    """What is stored for ``token``."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _view(row: ApiToken) -> TokenView:
    return TokenView(row.id, row.name, row.prefix, tuple(row.scopes or ()), row.rate_per_minute,
                     row.created_at, row.last_used_at, row.revoked_at)


async def create_token(
    session: AsyncSession, name: str, scopes: list[str], *, rate_per_minute: int = DEFAULT_RATE,
) -> tuple[str, TokenView]:
    """A new token and its view; the token text is returned here once and never again."""
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise TokenError(f"unknown scope {', '.join(unknown)}; use {', '.join(SCOPES)}"
                         if unknown else f"give at least one scope: {', '.join(SCOPES)}")
    if not name.strip():
        raise TokenError("give the token a name")
    if rate_per_minute < 1:
        raise TokenError("the rate limit must be at least 1 request per minute")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name.strip()[:128], prefix=token[:12], token_hash=hash_token(token),
                   scopes=sorted(set(scopes), key=SCOPES.index), rate_per_minute=rate_per_minute,
                   rate_count=0)
    session.add(row)
    await session.flush()
    return token, _view(row)


async def list_tokens(session: AsyncSession, *, include_revoked: bool = True) -> list[TokenView]:
    """Every token, oldest first."""
    query = select(ApiToken).order_by(ApiToken.id)
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    return [_view(row) for row in (await session.scalars(query)).all()]


async def revoke_token(session: AsyncSession, token_id: int) -> TokenView:
    """Revoke a token (at once, for every process); revoking twice keeps the first time."""
    row = await session.get(ApiToken, token_id)
    if row is None:
        raise TokenError(f"no token #{token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return _view(row)


async def authenticate(session: AsyncSession, token: str) -> TokenView | None:
    """The live token ``token`` is, or None (unknown or revoked)."""
    row = await session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        return None
    return _view(row)


async def take_request(
    session: AsyncSession, token: TokenView, now: datetime | None = None
) -> float | None:
    """Count one request; None when allowed, else the seconds until the next minute begins.

    One UPDATE ... RETURNING does the check and the count atomically, so concurrent requests
    in any number of processes cannot both take the last slot.
    """
    now = now or utcnow()
    window = now.replace(second=0, microsecond=0)
    if session.get_bind().dialect.name == "postgresql":
        # A counter lost in a crash is harmless: skip waiting for the WAL flush (this
        # transaction only), which otherwise dominates a small request's time.
        await session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    result = await session.execute(
        update(ApiToken).where(ApiToken.id == token.id)
        .values(rate_count=case((ApiToken.rate_window == window, ApiToken.rate_count + 1),
                                else_=1),
                rate_window=window, last_used_at=now)
        .returning(ApiToken.rate_count)
        .execution_options(synchronize_session=False)
    )
    count = result.scalar_one()
    if count <= token.rate_per_minute:
        return None
    return max(1.0, (window + timedelta(minutes=1) - now).total_seconds())
