"""``list_feedback`` reads column tuples (and raw JSON / ISO text) yet gives exactly the views
the ORM rows gave, on SQLite and PostgreSQL; the applicant pages walk every row once."""

from __future__ import annotations

from sqlalchemy import select, update

from bench.api.seed import seed
from bot.beta.queries import applicants
from bot.feedback.queries import FeedbackFilter, list_feedback, view
from bot.feedback.tables import FeedbackItem
from bot.storage import migrate
from bot.storage.session import create_engine, create_sessionmaker


async def test_views_equal_the_orm_ones(database_url: str) -> None:
    await migrate.upgrade(database_url)
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            await seed(session, contacts=20, feedback=300, applicants=40)
            first, second = (await session.scalars(
                select(FeedbackItem.id).order_by(FeedbackItem.id).limit(2))).all()
            await session.execute(update(FeedbackItem).where(FeedbackItem.id == first).values(
                attachments=[{"type": "photo", "id": "AgAD"}, {"type": "file", "id": "ß"}]))
            await session.execute(update(FeedbackItem).where(FeedbackItem.id == second)
                                  .values(attachments=None))
            await session.commit()
        async with create_sessionmaker(engine)() as session:
            orm = [view(item) for item in (await session.scalars(
                select(FeedbackItem).order_by(FeedbackItem.id))).all()]
            assert orm[0].attachments and orm[1].attachments == []
            assert await list_feedback(session, after_id=0, limit=10_000) == orm
            assert await list_feedback(session, limit=10) == orm[::-1][:10]
            pick = orm[7]
            where = FeedbackFilter(category=pick.category, language=pick.language,
                                   channel=pick.channel)
            wanted = [v for v in orm if (v.category, v.language, v.channel) ==
                      (pick.category, pick.language, pick.channel)]
            assert wanted and await list_feedback(session, where, after_id=0,
                                                  limit=10_000) == wanted
            every = await applicants(session=session, campaign="tasting_box")
            walked, after = [], 0
            while page := await applicants(session=session, campaign="tasting_box",
                                           after_id=after, limit=7):
                walked += page
                after = page[-1].id
            assert [a.id for a in walked] == [a.id for a in every] and len(every) > 7
    finally:
        await engine.dispose()
