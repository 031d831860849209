"""Referral links: a promoter's personal link, and new contacts attributed to them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.beta.records import REFERRAL_CODE, AttributeReferral, CreateReferralCode
from bot.beta.tables import Referral, ReferralCode
from bot.engine.replies import say, text
from bot.engine.types import ContactInfo, Outcome, Turn
from bot.messages import Inbound, Kind, Link, Reply
from bot.storage.bulk import savepoint
from bot.storage.models import MessageLog

PREFIX = "r"
"""Deep links ``r-<code>`` (Telegram ``/start``, Messenger ``ref``, web chat ``?start``)."""
ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
"""No look-alikes (l/1, o/0): codes may be read aloud or typed."""


def new_code() -> str:
    """A random 8-character code (40 bits: unguessable enough for attribution)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(8))


@dataclass(frozen=True, slots=True)
class Links:
    """Where a referral link can point, as far as the settings tell."""

    telegram_bot: str | None = None
    messenger_page: str | None = None

    def for_code(self, code: str) -> list[tuple[str, str]]:
        """``(channel, url)`` for each channel a friend can open; the web chat always."""
        payload = f"{PREFIX}-{code}"
        found = []
        if self.telegram_bot:
            found.append(("Telegram", f"https://t.me/{self.telegram_bot}?start={payload}"))
        if self.messenger_page:
            found.append(("Messenger", f"https://m.me/{self.messenger_page}?ref={payload}"))
        found.append(("web", f"/chat?start={payload}"))
        return found

    def show(self, turn: Turn, _args: str = "") -> Outcome:
        """``/referral`` or the promoter's button: the contact's personal links."""
        code, is_new = turn.context.get(REFERRAL_CODE) or (None, False)
        if code is None:
            return say(turn, "Sorry, I cannot make a referral link right now. Please try again "
                             "later.")
        found = self.for_code(code)
        lines = [text(turn, "Here is your personal link to share with friends. When someone new "
                            "starts a chat through it, we will know they came from you:")]
        # Absolute links become buttons everywhere; the web chat's path (the bot does not know
        # the site's address) only in the web chat, which opens it on the same site.
        here = turn.message.channel == "webchat"
        links = tuple(Link(name, url) for name, url in found if url.startswith("https://") or here)
        lines += [f"{name}: {url}" for name, url in found]
        records = (CreateReferralCode(code),) if is_new else ()
        reply = Reply("\n".join(lines), links=links, language=turn.language)
        return Outcome(turn.state, replies=(reply,), records=records)

    def button(self, turn: Turn) -> Outcome | None:
        """``ref:link``."""
        return self.show(turn) if turn.message.payload == "ref:link" else None


def arrived(turn: Turn, code: str) -> Outcome:
    """Deep link ``r-<code>``: welcome the friend; storage attributes them if they are new."""
    return say(turn, "Welcome! A friend recommended us to you. Ask me anything, or send /help "
                     "to see what I can do.", state=turn.state.idle(),
               records=(AttributeReferral(code[:16]),))


def _wants(message: Inbound) -> bool:
    if message.kind is Kind.BUTTON:
        return message.payload == "ref:link"
    return (message.text or "").strip().lower().startswith("/referral")


async def load_code(session: AsyncSession, message: Inbound, contact: ContactInfo,
                    context: dict[str, Any]) -> None:
    """The contact's referral code, or a fresh unused one to create with this turn."""
    if message.chat_type != "private" or not _wants(message):
        return
    code = await session.scalar(select(ReferralCode.code)
                                .where(ReferralCode.contact_id == contact.id))
    if code is not None:
        context[REFERRAL_CODE] = (code, False)
        return
    for _ in range(5):
        candidate = new_code()
        if not await session.scalar(select(ReferralCode.id).where(ReferralCode.code == candidate)):
            context[REFERRAL_CODE] = (candidate, True)
            return


async def create_code(session: AsyncSession, contact: ContactInfo,
                      record: CreateReferralCode) -> None:
    """Keep the new code (a concurrent turn that made one first wins)."""
    try:
        async with savepoint(session):
            session.add(ReferralCode(code=record.code, contact_id=contact.id,
                                     source=contact.source))
    except IntegrityError:
        pass


async def attribute(session: AsyncSession, contact: ContactInfo,
                    record: AttributeReferral) -> None:
    """Attribute a NEW contact (this is their first message) to the code's promoter, once."""
    code = await session.scalar(select(ReferralCode).where(ReferralCode.code == record.code))
    if code is None or code.contact_id == contact.id:
        return
    seen = await session.scalar(select(func.count()).select_from(MessageLog)
                                .where(MessageLog.contact_id == contact.id))
    already = await session.scalar(select(Referral.id)
                                   .where(Referral.referred_contact_id == contact.id))
    if int(seen or 0) > 1 or already is not None:
        return  # an existing contact clicking a friend's link is not a new referral
    session.add(Referral(code_id=code.id, referred_contact_id=contact.id,
                         channel=contact.channel))


async def counts_by_promoter(*, session: AsyncSession) -> list[tuple[str, int | None, int]]:
    """Per referral code: the promoter's contact id (None once erased) and friends brought."""
    rows = await session.execute(
        select(ReferralCode.code, ReferralCode.contact_id, func.count(Referral.id))
        .outerjoin(Referral, Referral.code_id == ReferralCode.id)
        .group_by(ReferralCode.id, ReferralCode.code, ReferralCode.contact_id)
        .order_by(func.count(Referral.id).desc(), ReferralCode.code))
    return [(code, contact, int(n)) for code, contact, n in rows.all()]


async def counts_by_source(*, session: AsyncSession) -> list[tuple[str | None, str, int]]:
    """Referred contacts per promoter's source (the link that brought the promoter) and channel."""
    rows = await session.execute(
        select(ReferralCode.source, Referral.channel, func.count(Referral.id))
        .join(Referral, Referral.code_id == ReferralCode.id)
        .group_by(ReferralCode.source, Referral.channel)
        .order_by(func.count(Referral.id).desc()))
    return [(source, channel, int(n)) for source, channel, n in rows.all()]
