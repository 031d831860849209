"""Signed-in sessions, their cookie, CSRF tokens and the sign-in throttle."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from bot.dashboard.tables import ROLES, DashboardSession, DashboardUser

COOKIE = "sarafan_dashboard"
LOGIN_CSRF_COOKIE = "sarafan_dashboard_login"
"""Before sign-in there is no session to hold a CSRF token: a double-submit cookie does."""
PATH = "/dashboard"
LIFETIME = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The person behind a request and their session's CSRF token."""

    user: DashboardUser
    session_id: int
    csrf_token: str

    def may(self, role: str) -> bool:
        """Whether the user's role includes ``role`` (admin ⊃ operator ⊃ viewer)."""
        return ROLES.index(self.user.role) >= ROLES.index(role) if self.user.role in ROLES \
            else False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start_session(
    *, session: AsyncSession, user: DashboardUser, now: datetime
) -> tuple[str, DashboardSession]:
    """A new session for ``user``: the cookie's token (shown once) and the stored row."""
    token = secrets.token_urlsafe(32)
    row = DashboardSession(token_hash=_digest(token), user_id=user.id,
                           csrf_token=secrets.token_urlsafe(32), created_at=now,
                           expires_at=now + LIFETIME)
    session.add(row)
    await session.execute(delete(DashboardSession).where(DashboardSession.user_id == user.id,
                                                         DashboardSession.expires_at < now))
    await session.flush()
    return token, row


async def signed_in(*, session: AsyncSession, token: str | None, now: datetime) -> SignedIn | None:
    """Who holds this cookie token: an unexpired session of an enabled user, else None."""
    if not token or len(token) > 128:
        return None
    found = (await session.execute(
        select(DashboardSession, DashboardUser)
        .join(DashboardUser, DashboardUser.id == DashboardSession.user_id)
        .where(DashboardSession.token_hash == _digest(token))
    )).first()
    if found is None:
        return None
    row, user = found
    if row.expires_at <= now or user.disabled:
        return None
    return SignedIn(user, row.id, row.csrf_token)


async def end_session(*, session: AsyncSession, session_id: int) -> None:
    """Sign this browser out."""
    await session.execute(delete(DashboardSession).where(DashboardSession.id == session_id))


def tokens_match(expected: str, given: object) -> bool:
    """A constant-time comparison that refuses a missing or non-text token."""
    return isinstance(given, str) and bool(given) and hmac.compare_digest(expected.encode(),
                                                                            given.encode())


def is_https(request: Request) -> bool:
    """Whether cookies must be Secure: the request came over HTTPS.

    uvicorn rewrites the scheme from X-Forwarded-Proto only for proxies it trusts
    (``--forwarded-allow-ips``, 127.0.0.1 by default), so a client cannot fake it.
    """
    return request.url.scheme == "https"


def set_cookie(response: Response, name: str, value: str, *, secure: bool,
               max_age: int | None = None) -> None:
    """A dashboard cookie: HttpOnly, SameSite=Lax, only sent to /dashboard."""
    response.set_cookie(name, value, max_age=max_age, path=PATH, secure=secure, httponly=True,
                        samesite="lax")


@dataclass
class Throttle:
    """Refuses sign-in after ``limit`` failures within ``window`` seconds per email and address.

    Counted in each process's memory: behind N processes an attacker gets N times the budget,
    still far from a useful guessing rate against Argon2.
    """

    limit: int = 5
    window: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def retry_after(self, *keys: str) -> int:
        """Seconds until a sign-in with these keys may be tried again (0: now)."""
        now = self.clock()
        wait = 0.0
        for key in keys:
            stamps = self._failures.get(key)
            while stamps and stamps[0] <= now - self.window:
                stamps.popleft()
            if stamps is not None and len(stamps) >= self.limit:
                wait = max(wait, stamps[0] + self.window - now)
        return int(wait) + 1 if wait else 0

    def failed(self, *keys: str) -> None:
        """Count one failed attempt against each key."""
        if len(self._failures) > 100_000:  # a flood of distinct keys must not grow without end
            self._failures.clear()
        for key in keys:
            self._failures.setdefault(key, deque()).append(self.clock())

    def succeeded(self, *keys: str) -> None:
        """A correct password clears the keys' failures."""
        for key in keys:
            self._failures.pop(key, None)
