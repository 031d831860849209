"""Housekeeping: finished inbox, outbox and scheduler rows are deleted after a retention time.

Without it a flood of messages grows the database for ever. Only work that is over goes: a
``done`` inbox row, a ``sent`` outbox row, a ``done`` or ``cancelled`` job. Failed rows stay for
people to look at; periodic jobs keep their one row. Deleting a done inbox row also forgets its
update id, which is safe: platforms redeliver for hours, not for weeks.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.registry import JobContext
from bot.scheduler.tables import Job
from bot.storage.models import InboxItem, OutboxItem

log = logging.getLogger("sarafan.retention")
KIND = "retention"
EVERY_SECONDS = 600.0
DEFAULT_DAYS = 30
CHUNK = 5_000
MAX_CHUNKS = 10
"""Rows per table per run at most (CHUNK x MAX_CHUNKS), so one run never holds the database
long; a larger backlog goes over the next runs."""


def days_to_keep(context: JobContext) -> int:
    """``retention_days`` from the settings (the default when built without settings)."""
    settings = context.registry.settings.get("settings")
    return int(getattr(settings, "retention_days", DEFAULT_DAYS))


Model = type[InboxItem] | type[OutboxItem] | type[Job]


def _old_rows(before: datetime) -> list[tuple[str, Model, Select[Any]]]:
    return [
        ("inbox", InboxItem, select(InboxItem.id).where(
            InboxItem.status == "done", InboxItem.processed_at < before)),
        ("outbox", OutboxItem, select(OutboxItem.id).where(
            OutboxItem.status == "sent", OutboxItem.sent_at < before)),
        ("jobs", Job, select(Job.id).where(
            Job.status.in_(("done", "cancelled")), Job.finished_at < before,
            Job.key.is_(None) | ~Job.key.startswith("every:"))),
    ]


async def purge(session: AsyncSession, before: datetime) -> dict[str, int]:
    """Delete finished rows older than ``before``; how many per table."""
    removed: dict[str, int] = {}
    for table, model, query in _old_rows(before):
        removed[table] = 0
        for _ in range(MAX_CHUNKS):
            ids = list((await session.scalars(query.order_by(model.id).limit(CHUNK))).all())
            if not ids:
                break
            await session.execute(delete(model).where(model.id.in_(ids))
                                  .execution_options(synchronize_session=False))
            removed[table] += len(ids)
    return removed


async def retention_job(session: AsyncSession, context: JobContext) -> None:
    """The periodic job: purge what is older than the configured number of days."""
    days = days_to_keep(context)
    removed = await purge(session, context.now - timedelta(days=days))
    if any(removed.values()):
        log.info("retention (%d days): deleted %s", days,
                 ", ".join(f"{count} {table} rows" for table, count in removed.items()))
