"""The durable scheduler: due jobs run once, keys dedupe, failures retry, periodic jobs re-arm."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.engine.registry import JobContext, Registry
from bot.scheduler import cancel, schedule
from bot.scheduler.runner import MAX_ATTEMPTS, JobRunner, periodic_key
from bot.scheduler.tables import Job
from bot.storage import migrate
from bot.storage.base import utcnow
from bot.storage.session import SessionMaker, create_engine, create_sessionmaker


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[SessionMaker]:
    await migrate.upgrade(database_url)
    engine = create_engine(database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


def recording_registry(ran: list[tuple[str, dict[str, Any]]], fail: int = 0) -> Registry:
    """A registry whose ``note`` job records its payload and fails the first ``fail`` times."""
    registry = Registry()
    failures = {"left": fail}

    async def note(session: AsyncSession, job: JobContext) -> None:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise RuntimeError("endpoint down")
        ran.append((job.kind, job.payload))

    registry.job("note", note)
    return registry


async def test_a_job_runs_when_due_and_only_once(sessions: SessionMaker) -> None:
    ran: list[tuple[str, dict[str, Any]]] = []
    runner = JobRunner(sessions, recording_registry(ran))
    now = utcnow()
    async with sessions() as session:
        assert await schedule(session, "note", {"n": 1}, run_at=now + timedelta(hours=1))
        await session.commit()
    assert await runner.run_once(now) == 0
    assert await runner.run_once(now + timedelta(hours=2)) == 1
    assert await runner.run_once(now + timedelta(hours=3)) == 0
    assert ran == [("note", {"n": 1})]


async def test_a_key_is_scheduled_once_and_can_be_cancelled(sessions: SessionMaker) -> None:
    ran: list[tuple[str, dict[str, Any]]] = []
    runner = JobRunner(sessions, recording_registry(ran))
    async with sessions() as session:
        assert await schedule(session, "note", {"n": 1}, key="reminder:7")
        await session.commit()
    async with sessions() as session:
        assert not await schedule(session, "note", {"n": 2}, key="reminder:7")
        assert await schedule(session, "note", {"n": 3}, key="reminder:8")
        assert await cancel(session, "reminder:8")
        await session.commit()
    await runner.run_once(utcnow() + timedelta(seconds=1))
    assert ran == [("note", {"n": 1})]


async def test_a_failing_job_retries_with_backoff_then_fails_for_good(
    sessions: SessionMaker,
) -> None:
    ran: list[tuple[str, dict[str, Any]]] = []
    runner = JobRunner(sessions, recording_registry(ran, fail=2))
    async with sessions() as session:
        await schedule(session, "note", {"n": 1})
        await session.commit()
    clock = utcnow() + timedelta(seconds=1)
    assert await runner.run_once(clock) == 1  # fails, retried later
    assert await runner.run_once(clock) == 0  # not yet due again
    clock += timedelta(hours=2)
    await runner.run_once(clock)  # fails again
    clock += timedelta(hours=2)
    await runner.run_once(clock)  # succeeds
    assert ran == [("note", {"n": 1})]
    async with sessions() as session:
        job = (await session.scalars(select(Job))).one()
        assert (job.status, job.attempts, job.error) == ("done", 3, None)

    doomed = JobRunner(sessions, recording_registry([], fail=10**6))
    async with sessions() as session:
        await schedule(session, "note", {"n": 2}, key="doomed")
        await session.commit()
    for _ in range(MAX_ATTEMPTS + 2):
        clock += timedelta(hours=2)
        await doomed.run_once(clock)
    async with sessions() as session:
        job = (await session.scalars(select(Job).where(Job.key == "doomed"))).one()
        assert job.status == "failed" and job.attempts == MAX_ATTEMPTS
        assert "endpoint down" in (job.error or "")


async def test_an_unknown_kind_does_not_wedge_the_queue(sessions: SessionMaker) -> None:
    ran: list[tuple[str, dict[str, Any]]] = []
    runner = JobRunner(sessions, recording_registry(ran))
    async with sessions() as session:
        await schedule(session, "removed.feature", {})
        await schedule(session, "note", {"n": 1})
        await session.commit()
    await runner.run_once(utcnow() + timedelta(seconds=1))
    assert ran == [("note", {"n": 1})]


async def test_periodic_jobs_have_one_row_and_re_arm(sessions: SessionMaker) -> None:
    ran: list[str] = []
    registry = Registry()

    async def sweep(session: AsyncSession, job: JobContext) -> None:
        ran.append(job.kind)

    registry.job("sweep", sweep, every_seconds=60)
    first, second = JobRunner(sessions, registry), JobRunner(sessions, registry)
    await first.arm_periodic()
    await second.arm_periodic()  # a second process finds the row already there
    clock = utcnow() + timedelta(seconds=1)
    assert await first.run_once(clock) + await second.run_once(clock) == 1
    assert await first.run_once(clock + timedelta(seconds=30)) == 0
    assert await second.run_once(clock + timedelta(seconds=61)) == 1
    async with sessions() as session:
        rows = (await session.scalars(select(Job))).all()
    assert [(r.key, r.status) for r in rows] == [(periodic_key("sweep"), "pending")]
    assert ran == ["sweep", "sweep"]


async def test_a_job_whose_runner_died_runs_again_after_its_lease(sessions: SessionMaker) -> None:
    ran: list[tuple[str, dict[str, Any]]] = []
    runner = JobRunner(sessions, recording_registry(ran))
    now = utcnow()
    async with sessions() as session:
        await schedule(session, "note", {"n": 1})
        await session.flush()
        # As if a process claimed it and was killed: running, lease not yet expired.
        await session.execute(update(Job).values(status="running", claim_token="dead",
                                                 attempts=1,
                                                 lease_until=now + timedelta(minutes=2)))
        await session.commit()
    assert await runner.run_once(now + timedelta(seconds=1)) == 0
    assert await runner.run_once(now + timedelta(minutes=3)) == 1
    assert ran == [("note", {"n": 1})]


async def test_a_job_commits_its_work_with_its_completion(sessions: SessionMaker) -> None:
    """What a handler writes commits with the job's ``done``, or not at all."""
    registry = Registry()

    async def chain(session: AsyncSession, job: JobContext) -> None:
        await schedule(session, "note", {"from": job.payload["n"]}, key=f"next:{job.payload['n']}")
        if job.payload["n"] == 2:
            raise RuntimeError("half way")

    registry.job("chain", chain)
    registry.job("note", recording_registry([]).jobs["note"])
    runner = JobRunner(sessions, registry)
    async with sessions() as session:
        await schedule(session, "chain", {"n": 1})
        await schedule(session, "chain", {"n": 2})
        await session.commit()
    await runner.run_once(utcnow() + timedelta(seconds=1))
    async with sessions() as session:
        keys = set((await session.scalars(select(Job.key).where(Job.key.is_not(None)))).all())
    assert keys == {"next:1"}
