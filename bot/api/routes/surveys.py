"""/surveys: surveys, their results and individual responses (scope surveys:read).

Results come from bot.surveys.results — the same functions as `sarafan surveys results` and
the dashboard — so NPS, CSAT, completion and drop-off agree everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import StreamingResponse

from bot.api.deps import Maker, Session, SurveysReader
from bot.api.pages import (
    EXPORT_RESPONSES,
    ExportFormat,
    FetchPage,
    Page,
    decode_cursor,
    encode_cursor,
    export_response,
    page_size,
)
from bot.api.problems import NOT_FOUND, Problem
from bot.api.schemas import Cursor, Limit, Text, When
from bot.surveys.results import (
    Filters,
    ResponseItem,
    SurveyResults,
    SurveySummary,
    list_responses,
    list_surveys,
    survey_results,
)

router = APIRouter(prefix="/surveys", tags=["surveys"])
SurveyId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


class SurveyQuery(BaseModel):
    """Which responses count; ``since``/``until`` bound the time a response started."""

    language: Text | None = None
    channel: Text | None = None
    source: Text | None = None
    version: Text | None = None
    since: When | None = None
    until: When | None = None

    def to_filters(self) -> Filters:
        """The survey query layer's filters."""
        return Filters(**self.model_dump())


@router.get("", response_model=list[SurveySummary])
async def surveys(_token: SurveysReader, db: Session) -> list[SurveySummary]:
    """Every survey in the content or with stored responses, with response counts."""
    return await list_surveys(db)


@router.get("/{survey_id}/results", response_model=SurveyResults, responses=NOT_FOUND)
async def results(_token: SurveysReader, db: Session, survey_id: SurveyId,
                  query: Annotated[SurveyQuery, Query()]) -> SurveyResults:
    """Counts per question, NPS with its 95% interval, CSAT, averages, completion, drop-off."""
    found = await survey_results(db, survey_id, query.to_filters())
    if found is None:
        raise Problem(404, "Not found", f"no survey {survey_id}")
    return found


def _responses(survey_id: str, query: SurveyQuery) -> FetchPage:
    filters = query.to_filters()

    async def fetch(db: AsyncSession, cursor: str | None, limit: int
                    ) -> tuple[Sequence[ResponseItem], str | None]:
        key = decode_cursor(cursor, (int,))
        page = await list_responses(db, survey_id, filters, after_id=key[0] if key else 0,
                                    limit=limit)
        return page.items, encode_cursor(page.next_after) if page.next_after else None

    return fetch


@router.get("/{survey_id}/responses", response_model=Page[ResponseItem])
async def responses(
    _token: SurveysReader, db: Session, survey_id: SurveyId,
    query: Annotated[SurveyQuery, Query()], cursor: Cursor = None, limit: Limit = 50,
) -> Page[ResponseItem]:
    """Individual responses with their answers by question id, oldest first."""
    items, next_cursor = await _responses(survey_id, query)(db, cursor, page_size(limit))
    return Page[ResponseItem](items=list(items), next_cursor=next_cursor)


@router.get("/{survey_id}/responses/export", response_class=StreamingResponse,
            responses=EXPORT_RESPONSES)
async def export_responses(
    _token: SurveysReader, maker: Maker, survey_id: SurveyId,
    query: Annotated[SurveyQuery, Query()], format: ExportFormat = ExportFormat.csv,
) -> StreamingResponse:
    """Every matching response, streamed as CSV (answers as JSON) or JSON Lines."""
    return export_response(maker, _responses(survey_id, query), format, ResponseItem,
                           f"responses-{survey_id}")
