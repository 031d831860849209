"""/feedback and /themes: what customers said (scope feedback:read).

Every number and row comes from bot.feedback.queries, the functions the CLI and the dashboard
call, so all three agree for the same filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import StreamingResponse

from bot.api.deps import FeedbackReader, Maker, Session
from bot.api.pages import (
    EXPORT_RESPONSES,
    MAX_ID,
    ExportFormat,
    FetchPage,
    Page,
    decode_cursor,
    encode_cursor,
    export_response,
    page_size,
)
from bot.api.problems import NOT_FOUND, Problem
from bot.api.schemas import Cursor, Ident, Limit, Text, When
from bot.feedback.queries import (
    GROUPS,
    CountRow,
    FeedbackFilter,
    FeedbackView,
    ThemeSummary,
    count_feedback,
    list_feedback,
    list_themes,
    theme_detail,
)

router = APIRouter(tags=["feedback"])
GroupBy = StrEnum("GroupBy", {name: name for name in GROUPS})  # type: ignore[misc]
Days = Annotated[int, Field(ge=1, le=3660, description="Length of the trend period in days")]


class FeedbackQuery(BaseModel):
    """Feedback filters; ``since``/``until`` bound the creation time, ``q`` searches the text."""

    since: When | None = None
    until: When | None = None
    channel: Text | None = None
    language: Text | None = None
    product: Text | None = None
    category: Text | None = None
    sentiment: Text | None = None
    theme: Ident | None = None
    source: Text | None = None
    campaign: Text | None = None
    q: Text | None = None

    def to_filter(self) -> FeedbackFilter:
        """The feedback query layer's filter."""
        return FeedbackFilter(since=self.since, until=self.until, channel=self.channel,
                              language=self.language, product=self.product,
                              category=self.category, sentiment=self.sentiment,
                              theme_id=self.theme, source=self.source, campaign=self.campaign,
                              text=self.q or None)


def _items(query: FeedbackQuery) -> FetchPage:
    where = query.to_filter()

    async def fetch(db: AsyncSession, cursor: str | None, limit: int
                    ) -> tuple[Sequence[FeedbackView], str | None]:
        key = decode_cursor(cursor, (int,))
        # Oldest first by id: a cursor walk never skips items added while it runs.
        items = await list_feedback(db, where, after_id=key[0] if key else 0, limit=limit)
        return items, encode_cursor(items[-1].id) if len(items) == limit else None

    return fetch


@router.get("/feedback", response_model=Page[FeedbackView])
async def feedback(
    _token: FeedbackReader, db: Session, query: Annotated[FeedbackQuery, Query()],
    cursor: Cursor = None, limit: Limit = 50,
) -> Page[FeedbackView]:
    """Feedback items, oldest first (filter with ``since`` for recent ones)."""
    items, next_cursor = await _items(query)(db, cursor, page_size(limit))
    return Page[FeedbackView](items=list(items), next_cursor=next_cursor)


@router.get("/feedback/export", response_class=StreamingResponse, responses=EXPORT_RESPONSES)
async def export_feedback(
    _token: FeedbackReader, maker: Maker, query: Annotated[FeedbackQuery, Query()],
    format: ExportFormat = ExportFormat.csv,
) -> StreamingResponse:
    """Every matching feedback item, streamed as CSV or JSON Lines."""
    return export_response(maker, _items(query), format, FeedbackView, "feedback")


@router.get("/feedback/counts", response_model=list[CountRow])
async def counts(
    _token: FeedbackReader, db: Session, query: Annotated[FeedbackQuery, Query()],
    by: GroupBy = GroupBy.category,  # type: ignore[attr-defined]
) -> list[CountRow]:
    """Items and distinct people per channel, language, product, category, sentiment, theme,
    source, campaign, origin or UTC day — the dashboard's and CLI's numbers."""
    return await count_feedback(db, str(by.value), query.to_filter())


class ThemeQuery(FeedbackQuery):
    """Theme filters: the feedback filters plus the trend period."""

    days: Days = 30


def _themes(query: ThemeQuery, limit: int) -> FetchPage:
    async def fetch(db: AsyncSession, cursor: str | None, size: int
                    ) -> tuple[Sequence[ThemeSummary], str | None]:
        # Themes are a ranking (most mentioned first), one bounded page, not a cursor walk.
        del cursor, size
        found = await list_themes(db, days=query.days, limit=limit, where=query.to_filter())
        return found, None

    return fetch


@router.get("/themes", response_model=Page[ThemeSummary])
async def themes(
    _token: FeedbackReader, db: Session, query: Annotated[ThemeQuery, Query()],
    limit: Limit = 50,
) -> Page[ThemeSummary]:
    """Themes most mentioned first, with trend, languages, channels and typical messages."""
    items, _ = await _themes(query, page_size(limit))(db, None, 0)
    return Page[ThemeSummary](items=list(items))


@router.get("/themes/export", response_class=StreamingResponse, responses=EXPORT_RESPONSES)
async def export_themes(
    _token: FeedbackReader, maker: Maker, query: Annotated[ThemeQuery, Query()],
    format: ExportFormat = ExportFormat.csv, limit: Limit = 500,
) -> StreamingResponse:
    """The theme ranking, streamed as CSV or JSON Lines."""
    return export_response(maker, _themes(query, page_size(limit)), format, ThemeSummary,
                           "themes")


@router.get("/themes/{theme_id}", response_model=ThemeSummary, responses=NOT_FOUND)
async def theme(
    _token: FeedbackReader, db: Session,
    theme_id: Annotated[int, Path(ge=1, le=MAX_ID)], days: Days = 30,
) -> ThemeSummary:
    """One theme's numbers and typical messages (its items: /feedback?theme=ID)."""
    found = await theme_detail(db, theme_id, days=days)
    if found is None:
        raise Problem(404, "Not found", f"no theme {theme_id}")
    return found


