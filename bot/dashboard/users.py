"""Team members of the dashboard: create, list, change role or password, disable, sign in."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import LANGUAGES
from bot.dashboard.tables import ROLES, DashboardSession, DashboardUser
from bot.storage.base import utcnow

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
"""Argon2 hashes any length; the cap keeps a hostile form from costing memory."""
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}$")
_hasher = PasswordHasher()
"""Argon2id with argon2-cffi's RFC 9106 low-memory profile."""
_DUMMY_HASH = _hasher.hash("not a real password: evens out timing for unknown emails")


class UserError(ValueError):
    """A request about users that cannot be done; the message says why, in one line."""


def normalise_email(email: str) -> str:
    """The stored form of a sign-in email: trimmed and lower case."""
    return email.strip().lower()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise UserError(f"the password must have at most {MAX_PASSWORD} characters")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")


async def add_user(
    *, session: AsyncSession, email: str, password: str, role: str, name: str | None = None,
    language: str | None = None,
) -> DashboardUser:
    """A new team member; the password is hashed here and never stored as given."""
    email = normalise_email(email)
    if not EMAIL.match(email):
        raise UserError(f"{email!r} is not an email address")
    _check_role(role)
    _check_password(password)
    if language is not None and language not in LANGUAGES:
        raise UserError(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
    if await find_user(session=session, email=email) is not None:
        raise UserError(f"a user {email} already exists")
    user = DashboardUser(email=email, name=name, password_hash=_hasher.hash(password), role=role,
                         language=language, disabled=False)
    session.add(user)
    await session.flush()
    return user


async def find_user(*, session: AsyncSession, email: str) -> DashboardUser | None:
    """The user with this email (any case), or None."""
    return await session.scalar(
        select(DashboardUser).where(DashboardUser.email == normalise_email(email)))


async def _existing(session: AsyncSession, email: str) -> DashboardUser:
    user = await find_user(session=session, email=email)
    if user is None:
        raise UserError(f"no user {normalise_email(email)}")
    return user


async def list_users(*, session: AsyncSession) -> list[DashboardUser]:
    """Every user, by email."""
    return list((await session.scalars(select(DashboardUser).order_by(DashboardUser.email))).all())


async def set_role(*, session: AsyncSession, email: str, role: str) -> DashboardUser:
    """Change what a user may do; takes effect on their next page."""
    _check_role(role)
    user = await _existing(session, email)
    user.role = role
    return user


async def set_disabled(*, session: AsyncSession, email: str, disabled: bool) -> DashboardUser:
    """Lock a user out (ending their sessions now) or let them back in."""
    user = await _existing(session, email)
    user.disabled = disabled
    if disabled:
        await end_sessions(session=session, user_id=user.id)
    return user


async def set_password(*, session: AsyncSession, email: str, password: str) -> DashboardUser:
    """A new password; every session signed in with the old one ends."""
    _check_password(password)
    user = await _existing(session, email)
    user.password_hash = _hasher.hash(password)
    await end_sessions(session=session, user_id=user.id)
    return user


async def set_language(*, session: AsyncSession, user: DashboardUser, language: str | None) -> None:
    """The dashboard's language for ``user``; None follows the browser."""
    if language is not None and language not in LANGUAGES:
        raise UserError(f"unknown language {language!r}")
    user.language = language


async def end_sessions(*, session: AsyncSession, user_id: int) -> None:
    """Sign a user out everywhere."""
    await session.execute(delete(DashboardSession).where(DashboardSession.user_id == user_id))


async def authenticate(
    *, session: AsyncSession, email: str, password: str
) -> DashboardUser | None:
    """The enabled user whose password this is, else None (same work either way)."""
    user = await find_user(session=session, email=email) if len(email) <= 254 else None
    if len(password) > MAX_PASSWORD:
        return None
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    return user
