"""Cursor pagination and streamed CSV / JSON Lines exports, shared by every list.

A cursor is opaque to clients: base64url JSON of the last row's sort key. Each list is a
keyset query (``WHERE key < :last ORDER BY key DESC LIMIT n``), so the 1,000th page costs what
the first does, and an export walks the same pages in short sessions: memory stays flat however
many rows there are, and no transaction stays open while a slow client reads.
"""

from __future__ import annotations

import base64
import binascii
import csv
import dataclasses
import io
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import StreamingResponse

from bot.api.problems import invalid
from bot.storage.session import SessionMaker

MAX_PAGE = 500
"""Larger ``limit`` values are capped to this, not refused."""
EXPORT_PAGE = 1000
MAX_ID = 2**53 - 1
"""The largest id the API takes: exact as a JSON number in every client (JavaScript too)."""

Item = TypeVar("Item")


class Page(BaseModel, Generic[Item]):
    """One page of a list; pass ``next_cursor`` as ``cursor`` for the next (null at the end)."""

    items: list[Item]
    next_cursor: str | None = None


class ExportFormat(StrEnum):
    """What an export streams."""

    csv = "csv"
    jsonl = "jsonl"


MEDIA = {ExportFormat.csv: "text/csv; charset=utf-8",
         ExportFormat.jsonl: "application/x-ndjson"}
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {200: {
    "description": "Every matching row, streamed: CSV with a header row, or one JSON object a line",
    "content": {"text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}}},
}}


def page_size(limit: int) -> int:
    """``limit`` capped to :data:`MAX_PAGE`."""
    return min(limit, MAX_PAGE)


def encode_cursor(*key: Any) -> str:
    """The opaque cursor after a row with sort key ``key``."""
    raw = json.dumps([k.isoformat() if isinstance(k, datetime) else k for k in key],
                     separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, shape: Sequence[type], name: str = "cursor"
                  ) -> list[Any] | None:
    """The sort key in ``cursor`` (types as in ``shape``), or a 422 naming ``name``."""
    if cursor is None or cursor == "":
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise invalid(name, "not a cursor this API gave out") from None
    if not isinstance(values, list) or len(values) != len(shape):
        raise invalid(name, "not a cursor this API gave out")
    key: list[Any] = []
    for value, kind in zip(values, shape, strict=True):
        is_id = kind is int and isinstance(value, int) and not isinstance(value, bool) \
            and 0 <= value <= MAX_ID
        if is_id or (kind is str and isinstance(value, str) and "\x00" not in value):
            key.append(value)
        elif kind is datetime and isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                raise invalid(name, "not a cursor this API gave out") from None
            key.append(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
        else:
            raise invalid(name, "not a cursor this API gave out")
    return key


def aware(moment: datetime | None) -> datetime | None:
    """A query's date as UTC; a date without a zone is taken to be UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first representable instant
        return (datetime.min if moment.year < 2 else datetime.max).replace(tzinfo=UTC)


def like_pattern(text: str) -> str:
    """``%text%`` for a LIKE with ``escape='\\\\'``; the user's % and _ match themselves."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


FetchPage = Callable[[AsyncSession, str | None, int], Awaitable[tuple[Sequence[Any],
                                                                      str | None]]]
"""``(session, cursor, limit) -> (items, next_cursor)``: one page of a list."""

RowsBefore = Callable[[AsyncSession, int | None, int], Awaitable[Sequence[Any]]]
"""``(session, before_id, limit) -> rows`` with an ``id``, newest first: a keyset query."""


def newest_first(rows_before: RowsBefore, model: type[BaseModel]) -> FetchPage:
    """The :data:`FetchPage` of a list keyed by id, newest first, each row as ``model``.

    Every list of the API that pages by id is this same walk; only its query and its output
    model differ.
    """

    async def fetch(db: AsyncSession, cursor: str | None, limit: int
                    ) -> tuple[Sequence[Any], str | None]:
        key = decode_cursor(cursor, (int,))
        rows = await rows_before(db, key[0] if key else None, limit)
        items = [model.model_validate(row) for row in rows]
        return items, encode_cursor(rows[-1].id) if len(rows) == limit else None

    return fetch


async def one_page(fetch: FetchPage, db: AsyncSession, cursor: str | None, limit: int
                   ) -> dict[str, Any]:
    """A list endpoint's answer (``items``, ``next_cursor``) for its :class:`Page` model."""
    items, next_cursor = await fetch(db, cursor, page_size(limit))
    return {"items": list(items), "next_cursor": next_cursor}

_FORMULA = frozenset("=+-@\t\r")
"""First characters that make a spreadsheet run a cell as a formula (OWASP CSV injection)."""


def _cell(value: Any) -> str:
    if value.__class__ is str:  # the common case first: exports are mostly text
        return "'" + value if value[:1] in _FORMULA else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) \
        else str(value)
    return "'" + text if text[:1] in _FORMULA else text


def columns_of(model: type[Any]) -> list[str]:
    """The CSV columns of a pydantic model or a dataclass: its fields, in order."""
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return [f.name for f in dataclasses.fields(model)]


async def export_rows(
    maker: SessionMaker, fetch: FetchPage, fmt: ExportFormat, model: type[Any]
) -> AsyncIterator[bytes]:
    """Every row of a list as CSV or JSON Lines, one page (short session) at a time."""
    adapter: TypeAdapter[Any] = TypeAdapter(model)
    columns = columns_of(model)
    if fmt is ExportFormat.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(columns)
        yield buffer.getvalue().encode()
    cursor: str | None = None
    while True:
        async with maker() as db:
            items, cursor = await fetch(db, cursor, EXPORT_PAGE)
        if fmt is ExportFormat.csv:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            for item in items:
                data = adapter.dump_python(item, mode="json")
                writer.writerow([_cell(data.get(column)) for column in columns])
            chunk = buffer.getvalue().encode()
        else:
            chunk = b"".join(adapter.dump_json(item) + b"\n" for item in items)
        if chunk:
            yield chunk
        if cursor is None or not items:
            return


def export_response(
    maker: SessionMaker, fetch: FetchPage, fmt: ExportFormat, model: type[Any], name: str
) -> StreamingResponse:
    """A streamed download of every row ``fetch`` pages through."""
    extension = "csv" if fmt is ExportFormat.csv else "jsonl"
    return StreamingResponse(
        export_rows(maker, fetch, fmt, model), media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{extension}"'})
