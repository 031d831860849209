"""Feedback queries for the CLI, the HTTP API and the dashboard: plain dataclasses out.

All counting happens here, so every surface shows the same numbers.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, String, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from typing_extensions import TypedDict

from bot.feedback.tables import FeedbackItem, FeedbackTheme
from bot.storage.base import utcnow
from nlu.themes import cosine, vector

GROUPS = ("channel", "language", "product", "category", "sentiment", "theme", "source",
          "campaign", "origin", "day")
"""What counts can be grouped by."""
REPRESENTATIVES = 3


@dataclass(frozen=True, slots=True)
class FeedbackFilter:
    """Which items a query looks at; every field is optional (None: no restriction)."""

    since: datetime | None = None
    until: datetime | None = None
    channel: str | None = None
    language: str | None = None
    product: str | None = None
    category: str | None = None
    sentiment: str | None = None
    theme_id: int | None = None
    source: str | None = None
    campaign: str | None = None
    text: str | None = None
    """Case-insensitive substring of the text."""

    def conditions(self) -> list[ColumnElement[bool]]:
        """The SQL conditions this filter stands for."""
        item = FeedbackItem
        pairs: list[tuple[Any, Any]] = [
            (item.channel, self.channel), (item.language, self.language),
            (item.product, self.product), (item.category, self.category),
            (item.sentiment, self.sentiment), (item.theme_id, self.theme_id),
            (item.source, self.source), (item.campaign, self.campaign)]
        found: list[ColumnElement[bool]] = [column == value for column, value in pairs
                                            if value is not None]
        if self.since is not None:
            found.append(item.created_at >= self.since)
        if self.until is not None:
            found.append(item.created_at < self.until)
        if self.text:
            found.append(func.lower(item.text).contains(self.text.lower(), autoescape=True))
        return found


class AttachmentView(TypedDict, total=False):
    """A photo's or file's metadata as stored with an item (never the bytes)."""

    kind: str
    """photo, document, video, audio, voice, sticker or other."""
    file_id: str
    """The platform's handle: a Telegram ``file_id``, a Messenger attachment URL or id."""
    mime_type: str | None
    size: int | None
    """Bytes, as the platform reported them."""
    file_name: str | None
    group: str | None
    """The platform's album id: photos sent together share it."""


@dataclass(frozen=True, slots=True)
class FeedbackView:
    """One item as surfaces show it."""

    id: int
    created_at: datetime
    text: str
    language: str
    channel: str
    source: str | None
    campaign: str | None
    origin: str
    category: str | None
    product: str | None
    sentiment: str
    sentiment_score: float
    rating: int | None
    theme_id: int | None
    ticket_id: int | None
    survey_id: str | None
    survey_response: str | None
    contact_id: int | None
    attachments: list[AttachmentView] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CountRow:
    """One group of a count: its value, how many items and how many distinct people."""

    value: str | None
    items: int
    contacts: int


@dataclass(frozen=True, slots=True)
class ThemeSummary:
    """A theme with its numbers for the period ending now."""

    id: int
    label: str
    mentions: int
    contacts: int
    this_period: int
    last_period: int
    languages: dict[str, float]
    """Share of mentions per language (0..1)."""
    channels: dict[str, float]
    representatives: list[FeedbackView]
    manual: bool

    @property
    def trend(self) -> float | None:
        """Change of mentions, this period against the last (None when the last had none)."""
        if not self.last_period:
            return None
        return (self.this_period - self.last_period) / self.last_period


def view(item: FeedbackItem) -> FeedbackView:
    """An item row as a plain value."""
    return FeedbackView(item.id, item.created_at, item.text, item.language, item.channel,
                        item.source, item.campaign, item.origin, item.category, item.product,
                        item.sentiment, item.sentiment_score, item.rating, item.theme_id,
                        item.ticket_id, item.survey_id, item.survey_response, item.contact_id,
                        list(item.attachments or []))


_VIEW_COLUMNS = (
    FeedbackItem.id, FeedbackItem.created_at, FeedbackItem.text, FeedbackItem.language,
    FeedbackItem.channel, FeedbackItem.source, FeedbackItem.campaign, FeedbackItem.origin,
    FeedbackItem.category, FeedbackItem.product, FeedbackItem.sentiment,
    FeedbackItem.sentiment_score, FeedbackItem.rating, FeedbackItem.theme_id,
    FeedbackItem.ticket_id, FeedbackItem.survey_id, FeedbackItem.survey_response,
    FeedbackItem.contact_id, type_coerce(FeedbackItem.attachments, String))
"""What a :class:`FeedbackView` shows, in its field order. Attachments come as their JSON
text: nearly all are ``[]``, which needs no parsing (half an export's decoding time)."""
_SQLITE_VIEW_COLUMNS = (_VIEW_COLUMNS[0], type_coerce(FeedbackItem.created_at, String),
                        *_VIEW_COLUMNS[2:])
"""SQLite keeps times as ISO text: ``fromisoformat`` reads it several times faster than the
generic DateTime result processor (same value: UTC, to the microsecond)."""


def _attachments(raw: Any) -> list[Any]:
    """SQLite hands back the JSON text; asyncpg has already decoded it (its json codec)."""
    if raw is None or raw == "[]":
        return []
    return list((json.loads(raw) if isinstance(raw, str) else raw) or [])


def _views(rows: Sequence[Any], sqlite: bool) -> list[FeedbackView]:
    if sqlite:
        return [FeedbackView(row[0],  # type: ignore[call-arg]
                             datetime.fromisoformat(row[1]).replace(tzinfo=UTC),
                             *row[2:-1], _attachments(row[-1])) for row in rows]
    return [FeedbackView(*row[:-1], _attachments(row[-1]))  # type: ignore[call-arg]
            for row in rows]


async def list_feedback(session: AsyncSession, where: FeedbackFilter = FeedbackFilter(), *,
                        after_id: int | None = None, limit: int = 50,
                        newest_first: bool = True) -> list[FeedbackView]:
    """Items matching ``where``. For exports pass ``after_id`` (oldest first): the last id
    seen is the cursor of the next page, and rows added meanwhile are not skipped."""
    # Plain column tuples, not ORM rows: building entities was most of an export's time.
    sqlite = session.get_bind().dialect.name == "sqlite"
    query = select(*(_SQLITE_VIEW_COLUMNS if sqlite else _VIEW_COLUMNS)).where(
        *where.conditions())
    if after_id is not None:
        query = query.where(FeedbackItem.id > after_id).order_by(FeedbackItem.id)
    else:
        order = FeedbackItem.id.desc() if newest_first else FeedbackItem.id
        query = query.order_by(order)
    rows = await session.execute(query.limit(max(1, min(limit, 10_000))))
    return _views(rows.all(), sqlite)


async def count_feedback(session: AsyncSession, by: str,
                         where: FeedbackFilter = FeedbackFilter()) -> list[CountRow]:
    """Items and distinct people per value of ``by`` (one of ``GROUPS``), most first."""
    if by not in GROUPS:
        raise ValueError(f"cannot group by {by!r}; choose one of {', '.join(GROUPS)}")
    if by == "day":
        return await _count_days(session, where)
    column = getattr(FeedbackItem, "theme_id" if by == "theme" else by)
    query = (select(column, func.count(), func.count(func.distinct(FeedbackItem.contact_id)))
             .where(*where.conditions()).group_by(column)
             .order_by(func.count().desc(), column))
    rows = await session.execute(query)
    return [CountRow(None if value is None else str(value), int(items), int(people))
            for value, items, people in rows.all()]


async def _count_days(session: AsyncSession, where: FeedbackFilter) -> list[CountRow]:
    """Per UTC day, done in Python so SQLite and PostgreSQL agree on the day."""
    rows = await session.execute(select(FeedbackItem.created_at, FeedbackItem.contact_id)
                                 .where(*where.conditions()))
    items: Counter[str] = Counter()
    people: defaultdict[str, set[int]] = defaultdict(set)
    for created, contact in rows.all():
        day = created.date().isoformat()
        items[day] += 1
        if contact is not None:
            people[day].add(contact)
    return [CountRow(day, items[day], len(people[day])) for day in sorted(items)]


async def list_themes(session: AsyncSession, *, days: int = 30, limit: int = 50,
                      where: FeedbackFilter = FeedbackFilter(),
                      now: datetime | None = None) -> list[ThemeSummary]:
    """Themes with at least one item, most mentioned first; trend over ``days``-day periods."""
    query = (select(FeedbackItem.theme_id).where(FeedbackItem.theme_id.is_not(None),
                                                 *where.conditions())
             .group_by(FeedbackItem.theme_id)
             .order_by(func.count().desc(), FeedbackItem.theme_id).limit(limit))
    ids = [int(i) for i in (await session.scalars(query)).all() if i is not None]
    return [s for theme_id in ids
            if (s := await theme_detail(session, theme_id, days=days, now=now)) is not None]


async def theme_detail(session: AsyncSession, theme_id: int, *, days: int = 30,
                       now: datetime | None = None) -> ThemeSummary | None:
    """One theme's numbers and its most typical messages (one per language first)."""
    theme = await session.get(FeedbackTheme, theme_id)
    if theme is None:
        return None
    members = list((await session.scalars(_members(theme_id))).all())
    now = now or utcnow()
    this_start, last_start = now - timedelta(days=days), now - timedelta(days=2 * days)
    return ThemeSummary(
        theme.id, theme.label, len(members),
        len({m.contact_id for m in members if m.contact_id is not None}),
        sum(this_start <= m.created_at <= now for m in members),
        sum(last_start <= m.created_at < this_start for m in members),
        _shares(m.language for m in members), _shares(m.channel for m in members),
        [view(m) for m in _representatives(members, dict(theme.signature or {}))], theme.manual)


def _members(theme_id: int) -> Select[FeedbackItem]:
    return select(FeedbackItem).where(FeedbackItem.theme_id == theme_id).order_by(
        FeedbackItem.id.desc())


def _shares(values: Any) -> dict[str, float]:
    counts = Counter(values)
    total = sum(counts.values()) or 1
    return {key: round(n / total, 3) for key, n in counts.most_common()}


def _representatives(members: list[FeedbackItem], signature: dict[str, float]
                     ) -> list[FeedbackItem]:
    """Closest to the theme's signature, newest on ties, a different language each first."""
    readable = [m for m in members if not m.erased and m.text]
    ranked = sorted(readable, key=lambda m: (-cosine(vector(dict(m.concepts or {})), signature),
                                             -m.id))
    chosen: list[FeedbackItem] = []
    for m in ranked:
        if m.language not in {c.language for c in chosen}:
            chosen.append(m)
    chosen += [m for m in ranked if m not in chosen]
    return chosen[:REPRESENTATIVES]
