"""/webhooks: endpoints (list, add, change, remove) and deliveries (scope admin)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field
from starlette.responses import Response, StreamingResponse

from bot.api.deps import Admin, Maker, Session
from bot.api.pages import (
    EXPORT_RESPONSES,
    MAX_ID,
    ExportFormat,
    FetchPage,
    Page,
    decode_cursor,
    encode_cursor,
    export_response,
    newest_first,
    one_page,
    page_size,
)
from bot.api.problems import NOT_FOUND, Problem
from bot.api.schemas import NO_NUL, Cursor, Ident, Limit, Out, Text
from bot.audit import audit
from bot.storage.events import EVENT_NAMES
from bot.webhooks.dispatch import retry_now
from bot.webhooks.endpoints import (
    DeliveryFilter,
    EndpointError,
    add_endpoint,
    endpoint_view,
    get_endpoint,
    list_deliveries,
    list_endpoints,
    remove_endpoint,
    update_endpoint,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"])
URL = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/?&=+-]*)?$"
SECRET = r"^whsec_([A-Za-z0-9+/]{4}){8,16}$"
EndpointId = Annotated[int, Path(ge=1, le=MAX_ID)]
EventName = StrEnum("EventName", {name.replace(".", "_"): name for name in EVENT_NAMES})  # type: ignore[misc]


class EndpointOut(Out):
    """A webhook endpoint; the secret only as its first characters."""

    id: int
    url: str
    events: list[str]
    enabled: bool
    description: str | None
    secret_hint: str
    created_at: datetime
    pending: int
    delivered: int
    failed: int


class EndpointCreated(EndpointOut):
    """A new endpoint with its full signing secret, shown this once."""

    secret: str


class EndpointIn(BaseModel):
    """A new endpoint."""

    url: Annotated[str, Field(max_length=2000, pattern=URL)]
    events: list[EventName] = Field(default_factory=list, max_length=len(EVENT_NAMES),
                                    description="Event names; empty means every event")
    secret: Annotated[str | None, Field(pattern=SECRET, description="A whsec_ secret (24 to "
                                        "48 bytes, base64); default: a new random one")] = None
    description: Annotated[str | None, Field(max_length=200, pattern=NO_NUL)] = None
    enabled: bool = True


class EndpointPatch(BaseModel):
    """Changes to an endpoint; what is left out stays."""

    url: Annotated[str | None, Field(max_length=2000, pattern=URL)] = None
    events: list[EventName] | None = Field(default=None, max_length=len(EVENT_NAMES))
    description: Annotated[str | None, Field(max_length=200, pattern=NO_NUL)] = None
    enabled: bool | None = None


class DeliveryOut(Out):
    """One event's delivery to one endpoint."""

    id: int
    endpoint_id: int
    event_id: int
    event_name: str
    message_id: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    pending = "pending"
    delivered = "delivered"
    failed = "failed"


class DeliveryQuery(BaseModel):
    """Delivery filters."""

    endpoint_id: Ident | None = None
    status: DeliveryStatus | None = None
    event_name: Text | None = None


def _bad(exc: EndpointError) -> Problem:
    if str(exc).startswith("no webhook endpoint"):
        return Problem(404, "Not found", str(exc))
    return Problem(422, "Invalid endpoint", str(exc))




@router.get("/endpoints", response_model=Page[EndpointOut])
async def endpoints(_token: Admin, db: Session, cursor: Cursor = None, limit: Limit = 50
                    ) -> Page[EndpointOut]:
    """Endpoints newest first with delivery counts."""
    key = decode_cursor(cursor, (int,))
    size = page_size(limit)
    views = await list_endpoints(db, before_id=key[0] if key else None, limit=size)
    return Page[EndpointOut](items=[EndpointOut.model_validate(v) for v in views],
                             next_cursor=encode_cursor(views[-1].id) if len(views) == size
                             else None)


@router.post("/endpoints", response_model=EndpointCreated, status_code=201)
async def create_endpoint(token: Admin, db: Session, body: EndpointIn) -> EndpointCreated:
    """Add an endpoint; the response holds its signing secret, shown only here."""
    try:
        endpoint, secret = await add_endpoint(
            db, body.url, events=[e.value for e in body.events], secret=body.secret,
            description=body.description, enabled=body.enabled)
    except EndpointError as exc:
        raise _bad(exc) from None
    await audit(db, token.actor, "webhook.add", f"webhook:{endpoint.id}",
                {"url": endpoint.url, "events": list(endpoint.events)})
    await db.commit()
    view = endpoint_view(endpoint)
    return EndpointCreated.model_validate({**EndpointOut.model_validate(view).model_dump(),
                                           "secret": secret})


@router.patch("/endpoints/{endpoint_id}", response_model=EndpointOut, responses=NOT_FOUND)
async def change_endpoint(token: Admin, db: Session, endpoint_id: EndpointId,
                          body: EndpointPatch) -> EndpointOut:
    """Change the URL, events, description or whether it is enabled."""
    try:
        endpoint = await update_endpoint(
            db, endpoint_id, url=body.url, enabled=body.enabled, description=body.description,
            events=None if body.events is None else [e.value for e in body.events])
    except EndpointError as exc:
        raise _bad(exc) from None
    await audit(db, token.actor, "webhook.update", f"webhook:{endpoint_id}",
                body.model_dump(mode="json", exclude_none=True))
    await db.commit()
    return EndpointOut.model_validate(endpoint_view(endpoint))


@router.delete("/endpoints/{endpoint_id}", status_code=204, response_class=Response,
               responses=NOT_FOUND)
async def delete_endpoint(token: Admin, db: Session, endpoint_id: EndpointId) -> Response:
    """Delete an endpoint and its delivery history."""
    try:
        await remove_endpoint(db, endpoint_id)
    except EndpointError as exc:
        raise _bad(exc) from None
    await audit(db, token.actor, "webhook.remove", f"webhook:{endpoint_id}")
    await db.commit()
    return Response(status_code=204)


@router.get("/endpoints/{endpoint_id}", response_model=EndpointOut, responses=NOT_FOUND)
async def show_endpoint(_token: Admin, db: Session, endpoint_id: EndpointId) -> EndpointOut:
    """One endpoint."""
    try:
        endpoint = await get_endpoint(db, endpoint_id)
    except EndpointError as exc:
        raise _bad(exc) from None
    [view] = await list_endpoints(db, before_id=endpoint.id + 1, limit=1)
    return EndpointOut.model_validate(view)


def _deliveries(query: DeliveryQuery) -> FetchPage:
    flt = DeliveryFilter(endpoint_id=query.endpoint_id,
                         status=query.status.value if query.status else None,
                         event_name=query.event_name)

    return newest_first(lambda db, before, limit: list_deliveries(
        db, flt, before_id=before, limit=limit), DeliveryOut)


@router.get("/deliveries", response_model=Page[DeliveryOut])
async def deliveries(
    _token: Admin, db: Session, query: Annotated[DeliveryQuery, Query()], cursor: Cursor = None,
    limit: Limit = 50,
) -> Page[DeliveryOut]:
    """Deliveries newest first: attempts, the last answer or error, and the outcome."""
    return Page[DeliveryOut](**await one_page(_deliveries(query), db, cursor, limit))


@router.get("/deliveries/export", response_class=StreamingResponse, responses=EXPORT_RESPONSES)
async def export_deliveries(
    _token: Admin, maker: Maker, query: Annotated[DeliveryQuery, Query()],
    format: ExportFormat = ExportFormat.csv,
) -> StreamingResponse:
    """Deliveries, streamed as CSV or JSON Lines."""
    return export_response(maker, _deliveries(query), format, DeliveryOut, "deliveries")


@router.post("/deliveries/{delivery_id}/retry", response_model=DeliveryOut,
             responses=NOT_FOUND)
async def retry(token: Admin, db: Session,
                delivery_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> DeliveryOut:
    """Try a pending or failed delivery again now (delivered ones are left alone)."""
    if not await retry_now(db, delivery_id):
        raise Problem(404, "Not found", f"no pending or failed delivery {delivery_id}")
    await audit(db, token.actor, "webhook.retry", f"delivery:{delivery_id}")
    await db.commit()
    rows = await list_deliveries(db, DeliveryFilter(), before_id=delivery_id + 1, limit=1)
    return DeliveryOut.model_validate(rows[0])
