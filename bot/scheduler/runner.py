"""Runs due jobs: claim with a lease, run in a transaction, retry with backoff, re-arm periodics."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.loop import run_until_stopped
from bot.engine.registry import JobContext, Registry
from bot.scheduler.tables import Job
from bot.storage.base import utcnow
from bot.storage.session import SessionMaker

log = logging.getLogger("sarafan.scheduler")
LEASE_SECONDS = 120.0
MAX_ATTEMPTS = 8
BATCH = 50


def retry_delay(attempt: int) -> float:
    """Seconds before a failed job runs again: 2, 4, 8 … at most one hour."""
    return float(min(3600, 2 ** max(1, attempt)))


def periodic_key(kind: str) -> str:
    """The one row a periodic job cycles through."""
    return f"every:{kind}"


class JobRunner:
    """Claims and runs due jobs; any number of runners may share one database."""

    def __init__(
        self,
        sessionmaker: SessionMaker,
        registry: Registry,
        *,
        on_outbox: Callable[[], None] = lambda: None,
        poll_seconds: float = 1.0,
    ) -> None:
        self.sessionmaker, self.registry = sessionmaker, registry
        self.on_outbox = on_outbox
        self.poll_seconds = poll_seconds
        self.wake = asyncio.Event()
        self._armed = False

    async def arm_periodic(self) -> None:
        """Make sure each periodic job has its row (idempotent across processes)."""
        for kind in self.registry.periodic_jobs:
            async with self.sessionmaker() as session:
                if await session.scalar(select(Job.id).where(Job.key == periodic_key(kind))):
                    continue
                session.add(Job(kind=kind, key=periodic_key(kind), payload={}))
                try:
                    await session.commit()
                except IntegrityError:  # another process armed it first
                    await session.rollback()
        self._armed = True

    async def run_once(self, now: datetime | None = None) -> int:
        """Run every job due at ``now`` (default: the current time); how many ran."""
        if not self._armed:
            await self.arm_periodic()
        now = now or utcnow()
        ran = 0
        async with self.sessionmaker() as session:
            due = (await session.scalars(
                select(Job).where(or_(
                    and_(Job.status == "pending", Job.run_at <= now),
                    and_(Job.status == "running", Job.lease_until < now),
                )).order_by(Job.run_at, Job.id).limit(BATCH)
            )).all()
            claims: list[tuple[Job, str]] = []
            for job in due:
                token = uuid.uuid4().hex
                result = await session.execute(
                    update(Job).where(Job.id == job.id, Job.attempts == job.attempts,
                                      Job.status == job.status)
                    .values(status="running", claim_token=token, attempts=Job.attempts + 1,
                            lease_until=now + timedelta(seconds=LEASE_SECONDS))
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claims.append((job, token))
            await session.commit()
        for job, token in claims:
            await self._run(job.id, job.kind, dict(job.payload or {}), job.attempts + 1, token, now)
            ran += 1
        if ran:
            self.on_outbox()
        return ran

    async def _run(
        self, job_id: int, kind: str, payload: dict[str, object], attempt: int, token: str,
        now: datetime,
    ) -> None:
        handler = self.registry.jobs.get(kind)
        every = self.registry.periodic_jobs.get(kind)
        try:
            if handler is None:
                raise LookupError(f"no handler registered for job kind {kind!r}")
            async with self.sessionmaker() as session:
                await handler(session, JobContext(kind, payload, now, attempt, self.registry))
                done = ({"status": "pending", "run_at": now + timedelta(seconds=every),
                         "attempts": 0} if every is not None else
                        {"status": "done", "finished_at": utcnow()})
                await self._finish(session, job_id, token, error=None, lease_until=None, **done)
                await session.commit()
        except Exception as exc:
            log.warning("job %s #%d failed (attempt %d): %s", kind, job_id, attempt, exc,
                        exc_info=not isinstance(exc, LookupError))
            final = attempt >= MAX_ATTEMPTS and every is None
            async with self.sessionmaker() as session:
                await self._finish(
                    session, job_id, token, error=f"{type(exc).__name__}: {exc}"[:2000],
                    lease_until=None,
                    **({"status": "failed", "finished_at": utcnow()} if final else
                       {"status": "pending",
                        "run_at": now + timedelta(seconds=every or retry_delay(attempt))}),
                )
                await session.commit()

    @staticmethod
    async def _finish(session: AsyncSession, job_id: int, token: str, **values: object) -> None:
        await session.execute(
            update(Job).where(Job.id == job_id, Job.claim_token == token).values(**values)
            .execution_options(synchronize_session=False)
        )

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Run due jobs until ``stop``; polls, since jobs fall due without a wake-up."""

        async def work(_stop: asyncio.Event) -> int:
            return await self.run_once()

        await run_until_stopped(work, wake=self.wake, stop=stop, name="scheduler",
                                poll_seconds=self.poll_seconds)
