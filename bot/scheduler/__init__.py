"""One durable scheduler in the database for every delayed or bulk job.

Features register handlers with ``registry.job(kind, handler)`` and queue work with
:func:`schedule` inside their own transaction, so a job exists exactly when the change that
asked for it committed. :class:`~bot.scheduler.runner.JobRunner` claims due rows with a lease
(like the inbox), runs each handler in its own transaction and retries failures with backoff.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.scheduler.tables import Job
from bot.storage.base import utcnow

__all__ = ["Job", "cancel", "schedule"]


async def schedule(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    key: str | None = None,
) -> bool:
    """Queue a job of ``kind``; False when ``key`` was scheduled before (in any state).

    The row is written in ``session``'s transaction: it runs only if that commits.
    """
    if key is not None and await session.scalar(select(Job.id).where(Job.key == key)):
        return False
    session.add(Job(kind=kind, key=key, payload=dict(payload or {}), run_at=run_at or utcnow()))
    return True


async def cancel(session: AsyncSession, key: str) -> bool:
    """Cancel the pending job with ``key``; False when there is none pending."""
    result = await session.execute(
        update(Job).where(Job.key == key, Job.status == "pending")
        .values(status="cancelled", finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
