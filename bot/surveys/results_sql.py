"""The SQL side of survey results: counts grouped in the database, exact on SQLite and PostgreSQL.

``survey_results`` used to load every response and answer into Python (seconds for 10,000
responses). These queries return only grouped rows (a few per question, option and score) and
the one or two middle durations, and :mod:`bot.surveys.results` turns them into the same numbers
the Python version gave: scores come back as (value, count) pairs so the mean (``fsum``),
median and bands are computed from the very same multiset of floats.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, Select, and_, case, cast, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.surveys.tables import COMPLETED, SurveyAnswer, SurveyResponse


@dataclass
class KeyStats:
    """Grouped answers of one result key (a question id, or ``id@version``)."""

    given: int = 0
    answered: int = 0
    responses: int = 0
    """Distinct responses with an answer (answered or skipped)."""
    first_id: int = 0
    numbers: list[float] = field(default_factory=list)
    """Every non-skipped score, sorted (order does not change fsum, median or counts)."""
    options: Counter[str] = field(default_factory=Counter)


def key_expression(types: dict[str, str]) -> ColumnElement[str]:
    """The result key of an answer: ``question_id``, or ``question_id@version`` when the
    question's type differs from the newest definition's (as ``results._questions`` does)."""
    answer = SurveyAnswer
    whens = [(and_(answer.question_id == question_id, answer.question_type != kind),
              answer.question_id + "@" + answer.version) for question_id, kind in types.items()]
    plain: ColumnElement[str] = answer.question_id.expression
    return case(*whens, else_=plain) if whens else plain


Where = list[ColumnElement[bool]]
"""Conditions on ``SurveyResponse`` choosing the responses that count."""


def _answers(responses: Where, *columns: Any) -> Select[Any]:
    """``columns`` over the current (not superseded) answers of the chosen responses."""
    return (select(*columns).select_from(SurveyAnswer)
            .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .where(SurveyAnswer.superseded.is_(False), *responses))


def _elements(dialect: str) -> Any:
    """The option ids of an answer as a table (one row per list element)."""
    if dialect == "postgresql":
        return func.json_array_elements_text(SurveyAnswer.option_ids).table_valued("value")
    return func.json_each(SurveyAnswer.option_ids).table_valued("value")


async def answer_stats(session: AsyncSession, responses: Where,
                       types: dict[str, str]) -> dict[str, KeyStats]:
    """Per result key: answered, skipped, distinct responses, scores and option counts."""
    key = key_expression(types).label("key")
    answer = SurveyAnswer
    stats: defaultdict[str, KeyStats] = defaultdict(KeyStats)
    not_skipped = answer.skipped.is_(False)
    for name, given, answered, people, first in (await session.execute(_answers(
            responses, key, func.count(), func.count(case((not_skipped, 1))),
            func.count(func.distinct(answer.response_id)), func.min(answer.id))
            .group_by(key))).all():
        stats[name] = KeyStats(int(given), int(answered), int(people), int(first))
    numbers = await session.execute(_answers(
        responses, key, answer.number, func.count()).where(
        not_skipped, answer.number.is_not(None)).group_by(key, answer.number))
    for name, number, count in numbers.all():
        stats[name].numbers.extend([float(number)] * int(count))
    elements = _elements(session.get_bind().dialect.name)
    options = await session.execute(_answers(
        responses, key, elements.c.value, func.count()).join(elements, true())
        .where(not_skipped).group_by(key, elements.c.value))
    for name, option, count in options.all():
        stats[name].options[str(option)] += int(count)
    for found in stats.values():
        found.numbers.sort()
    return dict(stats)


async def first_answers(session: AsyncSession, ids: list[int]) -> dict[int, tuple[str, str]]:
    """Type and text of the answers with these ids (a key's first answer names it)."""
    if not ids:
        return {}
    rows = await session.execute(select(SurveyAnswer.id, SurveyAnswer.question_type,
                                        SurveyAnswer.question_text)
                                 .where(SurveyAnswer.id.in_(ids)))
    return {int(i): (kind, text) for i, kind, text in rows.all()}


async def texts(session: AsyncSession, responses: Where, types: dict[str, str],
                keys: list[str]) -> dict[str, list[str]]:
    """The non-empty free-text answers of ``keys``, oldest first."""
    if not keys:
        return {}
    key = key_expression(types).label("key")
    rows = await session.execute(_answers(responses, key, SurveyAnswer.text).where(
        key.in_(keys), SurveyAnswer.skipped.is_(False), SurveyAnswer.text.is_not(None))
        .order_by(SurveyAnswer.id))
    found: dict[str, list[str]] = {}
    for name, text in rows.all():
        found.setdefault(name, []).append(text)
    return found


async def status_counts(session: AsyncSession, responses: Where
                        ) -> Counter[tuple[str, str | None]]:
    """Responses per (status, question they are at or stopped at)."""
    rows = await session.execute(
        select(SurveyResponse.status, SurveyResponse.current_question, func.count())
        .where(*responses)
        .group_by(SurveyResponse.status, SurveyResponse.current_question))
    return Counter({(status, question): int(n) for status, question, n in rows.all()})


def _duration(dialect: str) -> ColumnElement[Any]:
    """``completed_at - started_at`` exactly (to the microsecond) for ordering."""
    response = SurveyResponse
    if dialect == "postgresql":
        return response.completed_at - response.started_at
    # SQLite keeps 'YYYY-MM-DD HH:MM:SS.ffffff' text: whole seconds plus the microsecond digits
    # as integers (julianday() floats would blur microseconds and could misorder near-ties).
    def micros(column: Any) -> ColumnElement[Any]:
        return (cast(func.strftime("%s", column), Integer) * 1_000_000
                + cast(func.substr(column, 21, 6), Integer))

    return micros(response.completed_at) - micros(response.started_at)


async def middle_durations(session: AsyncSession, responses: Where) -> list[float]:
    """The one or two middle durations in seconds of completed responses (their median is the
    median of all), found by an ordered OFFSET query instead of reading every response."""
    done = and_(SurveyResponse.status == COMPLETED, SurveyResponse.completed_at.is_not(None),
                *responses)
    total = int((await session.scalar(select(func.count()).select_from(SurveyResponse)
                                      .where(done))) or 0)
    if not total:
        return []
    rows = await session.execute(
        select(SurveyResponse.started_at, SurveyResponse.completed_at).where(done)
        .order_by(_duration(session.get_bind().dialect.name), SurveyResponse.id)
        .offset((total - 1) // 2).limit(2 - total % 2))
    return [(completed - started).total_seconds() for started, completed in rows.all()
            if completed is not None]
