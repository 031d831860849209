"""What a product team reads: survey results as plain dataclasses (JSON-ready via ``asdict``).

The CLI, the HTTP API and the dashboard call these same functions:

- :func:`list_surveys` ``(session, catalogue=None) -> list[SurveySummary]``
- :func:`survey_results` ``(session, survey_id, filters=Filters()) -> SurveyResults | None``
- :func:`list_responses` ``(session, survey_id, filters, after_id=0, limit=100) -> ResponsePage``
- :func:`write_charts` ``(results, directory) -> list[Path]`` (a PNG per question, matplotlib)

Answers in every language are counted by option id; versions merge by question id when the
question kept its type (otherwise the older one is reported as ``<id>@<version>``).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.surveys.check import Catalogue
from bot.surveys.model import SCALE_TYPES, Survey, band
from bot.surveys.tables import (
    ABANDONED,
    CANCELLED,
    COMPLETED,
    FINISHED,
    RUNNING,
    SCREENED_OUT,
    SurveyAnswer,
    SurveyResponse,
    SurveyVersion,
)

Z95 = 1.959964
"""Two-sided 95% normal quantile."""


@dataclass(frozen=True, slots=True)
class Filters:
    """Which responses count; every field left ``None`` means "all"."""

    language: str | None = None
    channel: str | None = None
    source: str | None = None
    version: str | None = None
    since: datetime | None = None
    """Responses started at or after this time."""
    until: datetime | None = None
    """Responses started before this time."""

    def as_dict(self) -> dict[str, str | None]:
        """JSON-ready."""
        return {"language": self.language, "channel": self.channel, "source": self.source,
                "version": self.version,
                "since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None}


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One stored version of a survey."""

    version: str
    created_at: str
    responses: int
    current: bool


@dataclass(frozen=True, slots=True)
class SurveySummary:
    """A survey for lists: its versions and response counts."""

    id: str
    title: str
    status: str
    questions: int
    responses: int
    completed: int
    versions: list[VersionInfo]
    in_content: bool
    """False when only stored responses remain (the file was removed)."""


@dataclass(frozen=True, slots=True)
class OptionCount:
    """How many chose an option; ``percent`` of those who answered the question."""

    id: str
    label: str
    count: int
    percent: float


@dataclass(frozen=True, slots=True)
class NpsResult:
    """Net Promoter Score with a 95% confidence interval (normal approximation)."""

    score: float
    promoters: int
    passives: int
    detractors: int
    n: int
    ci_low: float
    ci_high: float


@dataclass(frozen=True, slots=True)
class CsatResult:
    """Share of 4s and 5s on a 1–5 satisfaction scale."""

    satisfied: int
    n: int
    percent: float
    average: float


@dataclass
class QuestionResult:
    """Everything about one question."""

    id: str
    type: str
    text: str
    answered: int = 0
    skipped: int = 0
    reached: int = 0
    """Responses that got to this question (answered, skipped, or stopped at it)."""
    dropped: int = 0
    """Abandoned or cancelled responses that stopped at this question."""
    in_progress: int = 0
    """Running responses waiting at this question."""
    options: list[OptionCount] = field(default_factory=list)
    distribution: dict[str, int] = field(default_factory=dict)
    """Scale questions: how many gave each value."""
    average: float | None = None
    median: float | None = None
    nps: NpsResult | None = None
    csat: CsatResult | None = None
    texts: list[str] = field(default_factory=list)


@dataclass
class SurveyResults:
    """A survey's results under some filters."""

    survey_id: str
    title: str
    filters: dict[str, str | None]
    responses: int
    completed: int
    screened_out: int
    running: int
    abandoned: int
    cancelled: int
    completion_rate: float
    """Completed (not screened out) responses per started response, in percent."""
    median_seconds: float | None
    """Median time from the first question to the end, of completed responses."""
    questions: list[QuestionResult]


@dataclass(frozen=True, slots=True)
class ResponseItem:
    """One response with its answers by question id (erased text is ``None``)."""

    id: int
    survey_id: str
    version: str
    status: str
    channel: str
    language: str
    source: str | None
    campaign: str | None
    started_at: str
    completed_at: str | None
    answers: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ResponsePage:
    """A page of responses; pass ``next_after`` as ``after_id`` for the next one."""

    items: list[ResponseItem]
    next_after: int | None


def _installed_catalogue() -> Catalogue:
    from bot.surveys import store
    from bot.surveys.check import load_catalogue

    if store._installed:  # the bot in this process: its content directory
        return next(reversed(store._installed.values()))[1].catalogue
    return load_catalogue(None)


async def list_surveys(session: AsyncSession,
                       catalogue: Catalogue | None = None) -> list[SurveySummary]:
    """Every survey in the content and every survey with stored responses."""
    catalogue = catalogue or _installed_catalogue()
    counts = {(s, v): n for s, v, n in (await session.execute(
        select(SurveyResponse.survey_id, SurveyResponse.version, func.count())
        .group_by(SurveyResponse.survey_id, SurveyResponse.version))).all()}
    done = {s: n for s, n in (await session.execute(
        select(SurveyResponse.survey_id, func.count()).where(SurveyResponse.status == COMPLETED)
        .group_by(SurveyResponse.survey_id))).all()}
    stored = (await session.scalars(select(SurveyVersion).order_by(SurveyVersion.id))).all()
    ids = [*catalogue.surveys, *sorted({v.survey_id for v in stored} - set(catalogue.surveys))]
    result = []
    for survey_id in ids:
        survey = catalogue.get(survey_id)
        versions = [VersionInfo(v.version, v.created_at.isoformat(),
                                counts.get((survey_id, v.version), 0),
                                survey is not None and v.version == survey.version)
                    for v in stored if v.survey_id == survey_id]
        if survey is not None and not any(v.current for v in versions):
            versions.append(VersionInfo(survey.version, "", 0, True))
        title = (survey.title.get(survey.default_language, survey.default_language)[0]
                 if survey else next((v.title for v in stored if v.survey_id == survey_id), ""))
        result.append(SurveySummary(
            survey_id, title, survey.status if survey else "removed",
            len(survey.questions) if survey else 0,
            sum(n for (s, _), n in counts.items() if s == survey_id), done.get(survey_id, 0),
            versions, survey is not None))
    return result


def _filtered(query: Select[Any], filters: Filters) -> Select[Any]:
    if filters.language:
        query = query.where(SurveyResponse.language == filters.language)
    if filters.channel:
        query = query.where(SurveyResponse.channel == filters.channel)
    if filters.source:
        query = query.where(SurveyResponse.source == filters.source)
    if filters.version:
        query = query.where(SurveyResponse.version.startswith(filters.version))
    if filters.since:
        query = query.where(SurveyResponse.started_at >= filters.since)
    if filters.until:
        query = query.where(SurveyResponse.started_at < filters.until)
    return query


async def _definitions(session: AsyncSession, survey_id: str,
                       catalogue: Catalogue | None) -> list[Survey]:
    """Every known version of the survey, newest (the one in the content) first."""
    catalogue = catalogue or _installed_catalogue()
    found: list[Survey] = []
    current = catalogue.get(survey_id)
    if current is not None:
        found.append(current)
    stored = (await session.scalars(select(SurveyVersion).where(
        SurveyVersion.survey_id == survey_id).order_by(SurveyVersion.id.desc()))).all()
    for row in stored:
        if current is not None and row.version == current.version:
            continue
        try:
            found.append(Survey.model_validate(row.definition).bound())
        except ValueError:
            continue  # a definition an older release wrote differently: its answers still count
    return found


async def survey_results(session: AsyncSession, survey_id: str,
                         filters: Filters | None = None, *,
                         catalogue: Catalogue | None = None) -> SurveyResults | None:
    """Counts, NPS, CSAT, averages, texts, completion and drop-off; None for an unknown id.

    ``catalogue``: the surveys in the content (default: the running bot's, else the demo).
    """
    filters = filters or Filters()
    definitions = await _definitions(session, survey_id, catalogue)
    responses = (await session.scalars(_filtered(
        select(SurveyResponse).where(SurveyResponse.survey_id == survey_id), filters)
        .order_by(SurveyResponse.id))).all()
    if not definitions and not responses:
        return None
    answers = (await session.scalars(
        select(SurveyAnswer).where(SurveyAnswer.response_id.in_([r.id for r in responses]),
                                   SurveyAnswer.superseded.is_(False))
        .order_by(SurveyAnswer.id))).all() if responses else []
    by_status = Counter(r.status for r in responses)
    durations = [(r.completed_at - r.started_at).total_seconds() for r in responses
                 if r.status == COMPLETED and r.completed_at is not None]
    questions = _questions(definitions, answers, responses)
    latest = definitions[0] if definitions else None
    total = len(responses)
    return SurveyResults(
        survey_id=survey_id,
        title=latest.title.get(latest.default_language, latest.default_language)[0]
        if latest else survey_id,
        filters=filters.as_dict(), responses=total, completed=by_status[COMPLETED],
        screened_out=by_status[SCREENED_OUT], running=by_status[RUNNING],
        abandoned=by_status[ABANDONED], cancelled=by_status[CANCELLED],
        completion_rate=round(100 * by_status[COMPLETED] / total, 1) if total else 0.0,
        median_seconds=statistics.median(durations) if durations else None,
        questions=questions)


def _questions(definitions: list[Survey], answers: Any, responses: Any) -> list[QuestionResult]:
    """One result per question id (per id@version where a version changed its type)."""
    types: dict[str, str] = {}
    order: list[str] = []
    results: dict[str, QuestionResult] = {}
    labels: dict[str, dict[str, str]] = {}
    for survey in definitions:  # newest first: its texts and labels win
        for question in survey.questions:
            key = question.id if types.setdefault(question.id, question.type) == question.type \
                else f"{question.id}@{survey.version}"
            if key not in results:
                order.append(key)
                text = question.text.get(survey.default_language, survey.default_language)[0]
                results[key] = QuestionResult(key, question.type, text)
            options = labels.setdefault(key, {})
            for option in getattr(question, "options", ()):
                options.setdefault(option.id, option.label.get(survey.default_language,
                                                               survey.default_language)[0])
            if question.type == "yes_no":
                options.setdefault("yes", "Yes")
                options.setdefault("no", "No")
    per_key: dict[str, list[Any]] = {}
    for answer in answers:
        key = answer.question_id if types.get(answer.question_id, answer.question_type) == \
            answer.question_type else f"{answer.question_id}@{answer.version}"
        if key not in results:
            order.append(key)
            results[key] = QuestionResult(key, answer.question_type, answer.question_text)
        per_key.setdefault(key, []).append(answer)
    stopped = Counter((r.current_question, r.status) for r in responses
                      if r.status not in FINISHED)
    for key in order:
        result = results[key]
        given = per_key.get(key, [])
        _fill(result, given, labels.get(key, {}))
        question_id = key.split("@")[0]
        result.dropped = stopped[(question_id, ABANDONED)] + stopped[(question_id, CANCELLED)]
        result.in_progress = stopped[(question_id, RUNNING)]
        result.reached = len({a.response_id for a in given}) + result.dropped + result.in_progress
    return [results[key] for key in order]


def _fill(result: QuestionResult, given: list[Any], labels: dict[str, str]) -> None:
    answered = [a for a in given if not a.skipped]
    result.answered, result.skipped = len(answered), len(given) - len(answered)
    if labels or result.type in ("single", "multiple", "yes_no"):
        counts = Counter(option for a in answered for option in a.option_ids)
        ids = [*labels, *sorted(set(counts) - set(labels))]
        result.options = [OptionCount(i, labels.get(i, i), counts[i],
                                      _percent(counts[i], len(answered))) for i in ids]
    numbers = [a.number for a in answered if a.number is not None]
    if numbers:
        result.average = round(statistics.fmean(numbers), 2)
        result.median = statistics.median(numbers)
    if result.type in SCALE_TYPES:
        low, high = (0, 10) if result.type == "nps" else (1, 10 if max(numbers, default=0) > 5
                                                          else 5)
        spread = Counter(int(n) for n in numbers)
        result.distribution = {str(v): spread[v] for v in range(low, high + 1)}
    if result.type == "nps" and numbers:
        result.nps = nps([int(n) for n in numbers])
    if result.type == "csat" and numbers:
        satisfied = sum(1 for n in numbers if n >= 4)
        result.csat = CsatResult(satisfied, len(numbers), _percent(satisfied, len(numbers)),
                                 round(statistics.fmean(numbers), 2))
    if result.type in ("text", "email", "phone", "date"):
        result.texts = [a.text for a in answered if a.text is not None]


def nps(scores: list[int]) -> NpsResult:
    """NPS = %promoters − %detractors, with a 95% interval from the multinomial variance."""
    n = len(scores)
    bands = Counter(band(s) for s in scores)
    p, d = bands["promoter"] / n, bands["detractor"] / n
    score = p - d
    margin = Z95 * math.sqrt(max(p + d - score ** 2, 0.0) / n)
    return NpsResult(round(100 * score, 1), bands["promoter"], bands["passive"],
                     bands["detractor"], n, round(100 * max(score - margin, -1.0), 1),
                     round(100 * min(score + margin, 1.0), 1))


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


async def list_responses(session: AsyncSession, survey_id: str, filters: Filters | None = None,
                         after_id: int = 0, limit: int = 100) -> ResponsePage:
    """Responses in id order after ``after_id`` (at most ``limit``, capped at 1000)."""
    limit = max(1, min(limit, 1000))
    rows = (await session.scalars(_filtered(
        select(SurveyResponse).where(SurveyResponse.survey_id == survey_id,
                                     SurveyResponse.id > after_id), filters or Filters())
        .order_by(SurveyResponse.id).limit(limit + 1))).all()
    page = rows[:limit]
    answers = (await session.scalars(select(SurveyAnswer).where(
        SurveyAnswer.response_id.in_([r.id for r in page]), SurveyAnswer.superseded.is_(False))
        .order_by(SurveyAnswer.id))).all() if page else []
    from bot.surveys.store import _answer_value

    by_response: dict[int, dict[str, Any]] = {}
    for answer in answers:
        by_response.setdefault(answer.response_id, {})[answer.question_id] = _answer_value(answer)
    items = [ResponseItem(r.id, r.survey_id, r.version, r.status, r.channel, r.language,
                          r.source, r.campaign, r.started_at.isoformat(),
                          r.completed_at.isoformat() if r.completed_at else None,
                          by_response.get(r.id, {})) for r in page]
    return ResponsePage(items, page[-1].id if len(rows) > limit else None)


def write_charts(results: SurveyResults, directory: Path) -> list[Path]:
    """A bar chart (PNG) per question with options or a scale; the files written."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for question in results.questions:
        if question.options:
            names = [o.label for o in question.options]
            values = [o.count for o in question.options]
        elif question.distribution:
            names, values = list(question.distribution), list(question.distribution.values())
        else:
            continue
        figure, axes = pyplot.subplots(figsize=(7, 0.45 * len(names) + 1.5))
        axes.barh(names[::-1], values[::-1], color="#2f6f4f")
        title = question.text if len(question.text) <= 70 else question.text[:69] + "…"
        axes.set_title(f"{question.id}: {title}", fontsize=9)
        axes.set_xlabel(f"answers (n={question.answered})")
        figure.tight_layout()
        path = directory / f"{results.survey_id}-{question.id.replace('@', '_')}.png"
        figure.savefig(path, dpi=100)
        pyplot.close(figure)
        written.append(path)
    return written
