"""The retention job: finished inbox/outbox/job rows go after the configured days; the rest stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.config import Settings
from bot.scheduler import schedule
from bot.scheduler.tables import Job
from bot.storage.base import utcnow
from bot.storage.models import InboxItem, OutboxItem
from bot.storage.retention import KIND
from tests.harness import BotHarness, make_harness


async def counts(harness: BotHarness) -> dict[str, int]:
    async with harness.bot.sessionmaker() as session:
        return {
            "inbox": int(await session.scalar(select(func.count()).select_from(InboxItem)) or 0),
            "outbox": int(await session.scalar(select(func.count()).select_from(OutboxItem)) or 0),
            "jobs done": int(await session.scalar(select(func.count()).select_from(Job).where(
                Job.status == "done", Job.kind == "test.once")) or 0),
        }


async def test_finished_rows_go_after_the_retention_days(settings: Settings) -> None:
    harness = await make_harness(settings.model_copy(update={"retention_days": 7}))
    try:
        assert KIND in harness.bot.registry.periodic_jobs
        harness.bot.registry.job("test.once", _nothing)
        async with harness.bot.sessionmaker.begin() as session:
            await schedule(session, "test.once")
        await harness.say("/start")
        await harness.say("/help")
        before = await counts(harness)
        assert before == {"inbox": 2, "outbox": 2, "jobs done": 1}
        async with harness.bot.sessionmaker.begin() as session:  # waiting work is never purged
            session.add(InboxItem(channel="test", update_id="waiting", chat_key="test::w",
                                  message="{}", received_at=utcnow() - timedelta(days=90)))

        await harness.drain(now=utcnow() + timedelta(days=6))  # younger than 7 days: kept
        assert await counts(harness) == {**before, "inbox": 3}

        # The retention job comes round again every EVERY_SECONDS; jump past both.
        await harness.drain(now=utcnow() + timedelta(days=8))
        assert await counts(harness) == {"inbox": 1, "outbox": 0, "jobs done": 0}
        async with harness.bot.sessionmaker() as session:
            periodic = (await session.scalars(select(Job.key).where(Job.kind == KIND))).all()
        assert periodic == [f"every:{KIND}"]  # its own row stays
    finally:
        await harness.close()


async def _nothing(*_args: object) -> None:
    return None
