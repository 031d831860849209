"""``survey_results`` (grouped in SQL) gives exactly what the former all-in-Python version gave.

``reference_results.py`` is the previous implementation, kept verbatim as the oracle; random
responses cover versions whose question type changed, questions only answers know, skipped and
superseded answers, repeated option ids, fractional scores, texts, every status and durations
to the microsecond — on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from bot.storage import migrate
from bot.storage.base import utcnow
from bot.storage.models import Contact
from bot.storage.session import create_engine, create_sessionmaker
from bot.surveys.check import load_catalogue
from bot.surveys.results import Filters, survey_results
from bot.surveys.tables import SurveyAnswer, SurveyResponse
from tests.perf_queries import reference_results

STATUSES = ("completed", "completed", "completed", "screened_out", "running", "abandoned",
            "cancelled")
# (question id, type, option ids to pick from); "cups" answered as a rating is an old version's
# type, "legacy" and "agree" exist only in answers.
QUESTIONS: list[tuple[str, str, tuple[str, ...]]] = [
    ("drink", "single", ("black", "green", "herbal", "mate")),
    ("cups", "single", ("one", "few", "many")),
    ("cups", "rating", ()),
    ("where_buy", "multiple", ("supermarket", "online", "travel", "bazaar")),
    ("price", "number", ()),
    ("price_rise", "rating", ()),
    ("miss", "text", ()),
    ("legacy", "text", ()),
    ("legacy", "nps", ()),
    ("agree", "yes_no", ("yes", "no")),
    ("csat", "csat", ()),
    ("nps", "nps", ()),
]


def _answer(rnd: random.Random, response_id: int, version: str, when: Any) -> dict[str, Any]:
    question, kind, options = rnd.choice(QUESTIONS)
    picked = [rnd.choice(options) for _ in range(rnd.randint(1, 3))] if options else []
    number = None
    if kind in ("rating", "csat"):
        number = float(rnd.randint(1, 10 if rnd.random() < 0.2 else 5))
    elif kind == "nps":
        number = float(rnd.randint(0, 10))
    elif kind == "number":
        number = rnd.choice([0.1, 0.2, 2.5, 1e-9, 3.0, 1234.56])
    text = rnd.choice([None, "tea", "чай", "چای"]) if kind == "text" else None
    return {"response_id": response_id, "survey_id": "x", "version": version,
            "question_id": question, "question_type": kind,
            "question_text": f"{question} as {kind} ({rnd.randint(1, 3)})",
            "option_ids": picked, "number": number, "text": text,
            "skipped": rnd.random() < 0.1, "superseded": rnd.random() < 0.1, "erased": False,
            "created_at": when}


async def _seed(url: str) -> None:
    rnd = random.Random(7)
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            contact = (await session.execute(insert(Contact).values(
                channel="test", external_id="perf", language="en").returning(Contact.id))
            ).scalar_one()
            now = utcnow()
            for survey_id in ("tea_discovery", "support_csat", "ghost"):
                for n in range(160):
                    status = rnd.choice(STATUSES)
                    started = now - timedelta(hours=n, microseconds=rnd.randint(0, 999_999))
                    completed = None
                    if status in ("completed", "screened_out") and rnd.random() < 0.95:
                        completed = started + timedelta(
                            seconds=rnd.choice([30, 31, 45]), microseconds=rnd.randint(0, 9))
                    version = rnd.choice(["v1", "v1", "v2old"])
                    response_id = (await session.execute(insert(SurveyResponse).values(
                        key=f"{survey_id}-{n}", survey_id=survey_id, version=version,
                        contact_id=contact, channel=rnd.choice(["telegram", "webchat"]),
                        language=rnd.choice(["en", "fa"]), source=None, campaign=None,
                        hidden={}, status=status,
                        current_question=rnd.choice(["drink", "cups", "miss", "legacy", None]),
                        started_at=started, last_activity_at=started,
                        completed_at=completed).returning(SurveyResponse.id))).scalar_one()
                    for _ in range(rnd.randint(0, 6)):
                        await session.execute(insert(SurveyAnswer).values(
                            _answer(rnd, response_id, version, started) | {
                                "survey_id": survey_id}))
            await session.commit()
    finally:
        await engine.dispose()


@pytest.mark.parametrize("survey_id", ["tea_discovery", "support_csat", "ghost", "nothing"])
async def test_sql_results_equal_the_python_ones(database_url: str, survey_id: str) -> None:
    await migrate.upgrade(database_url)
    await _seed(database_url)
    catalogue = load_catalogue(None)
    now = utcnow()
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            assert (await session.scalar(select(SurveyAnswer.id).limit(1))) is not None
            for filters in (Filters(), Filters(language="fa"),
                            Filters(channel="webchat", since=now - timedelta(hours=80)),
                            Filters(version="v2"), Filters(until=now - timedelta(days=365))):
                new = await survey_results(session, survey_id, filters, catalogue=catalogue)
                old = await reference_results.survey_results(session, survey_id, filters,
                                                             catalogue=catalogue)
                assert (asdict(new) if new else None) == (asdict(old) if old else None), filters
    finally:
        await engine.dispose()
