"""/beta: campaigns, applicants, status changes and invitations (scope beta:write).

Counts, status changes and invitations are bot.beta's own functions (the CLI and dashboard
call the same). An applicant's e-mail, phone and answers are personal data: they are filled
in only when the token also carries contacts:read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import StreamingResponse

from bot.api.deps import BetaWriter, Maker, Session, State
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
from bot.api.problems import CONFLICT, NOT_FOUND, Problem
from bot.api.schemas import Cursor, Limit, Out
from bot.api.tokens import TokenView
from bot.audit import audit
from bot.beta.invites import queue_invites
from bot.beta.queries import CampaignSummary, DecisionError, applicants, set_status, summaries
from bot.beta.tables import ACCEPTED, REJECTED, STATUSES, BetaApplication
from bot.web.state import AppState

router = APIRouter(prefix="/beta", tags=["beta"])
CampaignId = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,23}$")]
Status = StrEnum("Status", {name: name for name in STATUSES})  # type: ignore[misc]


class Decision(StrEnum):
    """What an operator may set."""

    accepted = ACCEPTED
    rejected = REJECTED


class ApplicantOut(Out):
    """One application; ``email``, ``phone`` and ``answers`` need contacts:read too."""

    id: int
    campaign: str
    contact_id: int | None
    status: str
    reason: str | None
    channel: str
    language: str
    source: str | None
    via: str | None
    consent_version: str
    applied_at: datetime
    updated_at: datetime
    invited_at: datetime | None
    email: str | None = None
    phone: str | None = None
    answers: dict[str, Any] | None = None


class StatusChange(BaseModel):
    """Accept or reject applications by id."""

    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=1, max_length=500)
    status: Decision


class StatusChanged(BaseModel):
    """The applications that changed."""

    changed: list[int]


class InviteResult(BaseModel):
    """How many invitations were newly queued (each application is invited once, ever)."""

    queued: int


def _campaigns(state: AppState) -> dict[str, Any]:
    """The content's campaigns, read once per app (as the dashboard does)."""
    if "api.campaigns" not in state.extras:
        from bot.beta.loader import load_campaigns

        settings = state.extras.get("settings")
        state.extras["api.campaigns"] = load_campaigns(getattr(settings, "content_dir", None))
    found: dict[str, Any] = state.extras["api.campaigns"]
    return found


def _personal(request: Request) -> bool:
    token: TokenView | None = getattr(request.state, "token", None)
    return token is not None and token.allows("contacts:read")


def _applicant(row: BetaApplication, personal: bool) -> ApplicantOut:
    out = ApplicantOut.model_validate(row)
    if not personal:
        out = out.model_copy(update={"email": None, "phone": None, "answers": None})
    return out


@router.get("/campaigns", response_model=list[CampaignSummary])
async def campaigns(_token: BetaWriter, db: Session, state: State) -> list[CampaignSummary]:
    """Every campaign with its applications counted per status."""
    return await summaries(session=db, campaigns=_campaigns(state))


def _applicants(campaign: str, status: str | None, personal: bool) -> FetchPage:
    async def fetch(db: AsyncSession, cursor: str | None, limit: int
                    ) -> tuple[Sequence[ApplicantOut], str | None]:
        key = decode_cursor(cursor, (int,))
        rows = await applicants(session=db, campaign=campaign, status=status,
                                after_id=key[0] if key else 0, limit=limit)
        items = [_applicant(row, personal) for row in rows]
        return items, encode_cursor(rows[-1].id) if len(rows) == limit else None

    return fetch


class ApplicantQuery(BaseModel):
    """Applicant filters."""

    status: Status | None = None


@router.get("/campaigns/{campaign}/applicants", response_model=Page[ApplicantOut])
async def list_applicants(
    _token: BetaWriter, request: Request, db: Session, campaign: CampaignId,
    query: Annotated[ApplicantQuery, Query()], cursor: Cursor = None, limit: Limit = 50,
) -> Page[ApplicantOut]:
    """A campaign's applications, oldest first."""
    status = query.status.value if query.status else None
    fetch = _applicants(campaign, status, _personal(request))
    items, next_cursor = await fetch(db, cursor, page_size(limit))
    return Page[ApplicantOut](items=list(items), next_cursor=next_cursor)


@router.get("/campaigns/{campaign}/applicants/export", response_class=StreamingResponse,
            responses=EXPORT_RESPONSES)
async def export_applicants(
    _token: BetaWriter, request: Request, maker: Maker, campaign: CampaignId,
    query: Annotated[ApplicantQuery, Query()], format: ExportFormat = ExportFormat.csv,
) -> StreamingResponse:
    """A campaign's applications, streamed as CSV or JSON Lines."""
    status = query.status.value if query.status else None
    return export_response(maker, _applicants(campaign, status, _personal(request)), format,
                           ApplicantOut, f"applicants-{campaign}")


@router.post("/campaigns/{campaign}/applicants/status", response_model=StatusChanged,
             responses=CONFLICT)
async def change_status(token: BetaWriter, db: Session, campaign: CampaignId,
                        body: StatusChange) -> StatusChanged:
    """Accept or reject applications (an operator may go over capacity)."""
    try:
        changed = await set_status(session=db, campaign=campaign, ids=body.ids,
                                   status=body.status.value)
    except DecisionError as exc:
        raise Problem(409, "Conflict", str(exc)) from None
    action = "beta.accept" if body.status is Decision.accepted else "beta.reject"
    await audit(db, token.actor, action, f"beta:{campaign}", {"application_ids": changed})
    await db.commit()
    return StatusChanged(changed=changed)


@router.post("/campaigns/{campaign}/invite", response_model=InviteResult, responses=NOT_FOUND)
async def invite(token: BetaWriter, db: Session, state: State, campaign: CampaignId
                 ) -> InviteResult:
    """Queue an invitation to every accepted applicant whose beta consent is in force."""
    if campaign not in _campaigns(state):
        raise Problem(404, "Not found", f"no campaign {campaign} in the content")
    queued = await queue_invites(session=db, campaign=campaign)
    await audit(db, token.actor, "beta.invite", f"beta:{campaign}", {"queued": queued})
    await db.commit()
    return InviteResult(queued=queued)
