"""Declarative base with stable constraint names and timezone-aware timestamps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar, cast

from sqlalchemy import DateTime, Dialect, MetaData, Table
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always hands back aware datetimes, even from SQLite, which drops the zone."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use bot.storage.base.utcnow()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of every Sarafan table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime}


def table_of(model: type[Base]) -> Table:
    """``model``'s table, for Core statements on hot paths (the ORM's bulk paths cost more CPU
    per statement than the round trip)."""
    return cast(Table, model.__table__)


T = TypeVar("T")


def padded(items: Sequence[T]) -> list[T]:
    """``items`` with the last one repeated up to the next power of two.

    For statements with one part per item (a UNION ALL of per-chat index scans): 32 items
    would make 32 statement shapes, each compiled, prepared and cached per connection by the
    driver; padded there are 6. The repeated part returns rows already returned: callers
    drop them by id.
    """
    size = 1 << max(len(items) - 1, 0).bit_length()
    return [*items, *[items[-1]] * (size - len(items))] if items else []
