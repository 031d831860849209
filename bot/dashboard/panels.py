"""Overview panels drawn from the features' own query functions (never counted here)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.beta.queries import CampaignSummary, summaries
from bot.dashboard import charts
from bot.dashboard.texts import LABELS
from bot.feedback.queries import CountRow, FeedbackFilter, count_feedback
from bot.i18n import gettext
from bot.surveys.results import Filters, list_surveys, survey_results

TOP_CATEGORIES = 6
SENTIMENTS = ("negative", "neutral", "positive")
FUNNEL = (("Applied", ("applied", "accepted", "waitlisted", "rejected", "invited", "active",
                       "left")),
          ("Accepted", ("accepted", "invited", "active")),
          ("Invited", ("invited", "active")),
          ("Active testers", ("active",)))
"""Each stage counts the applications that reached it (a later status passed through it)."""


@dataclass(frozen=True, slots=True)
class Buckets:
    """The period cut into days (7/30 days) or weeks (90 days), with their labels."""

    starts: list[datetime]
    until: datetime
    weekly: bool

    @classmethod
    def of(cls, since: datetime, until: datetime, *, week_after: int = 31) -> Buckets:
        """Days for periods up to ``week_after`` days, weeks for longer ones."""
        step = timedelta(days=7 if (until - since).days > week_after else 1)
        starts = []
        at = since
        while at < until:
            starts.append(at)
            at += step
        return cls(starts, until, step.days == 7)

    def labels(self) -> list[str]:
        """Day and month of each bucket's start."""
        return [f"{start:%d.%m}" for start in self.starts]

    def spans(self) -> list[tuple[datetime, datetime]]:
        """Each bucket's [start, end)."""
        ends = [*self.starts[1:], self.until]
        return list(zip(self.starts, ends, strict=True))

    def spread(self, per_day: list[CountRow]) -> list[float]:
        """Per-day counts (``count_feedback(by="day")``) added up per bucket."""
        return self.add_up((date.fromisoformat(row.value or "1970-01-01"), row.items)
                           for row in per_day)

    def add_up(self, per_day: Iterable[tuple[date, float]]) -> list[float]:
        """``(day, count)`` pairs added up per bucket (days outside the period are dropped)."""
        totals = [0.0] * len(self.starts)
        spans = [(start.date(), end.date()) for start, end in self.spans()]
        for day, count in per_day:
            for index, (start, end) in enumerate(spans):
                if start <= day < end or (index == len(spans) - 1 and day == end):
                    totals[index] += count
                    break
        return totals


@dataclass(frozen=True, slots=True)
class FeedbackPanels:
    """Feedback volume over time by category and by sentiment."""

    by_category: charts.Chart
    by_sentiment: charts.Chart
    total: int
    uncategorised: int


async def feedback_panels(session: AsyncSession, since: datetime, until: datetime,
                          language: str) -> FeedbackPanels:
    """Stacked bars per day/week: the top categories, and negative/neutral/positive."""
    period = FeedbackFilter(since=since, until=until)
    buckets = Buckets.of(since, until)
    categories = await count_feedback(session, "category", period)
    named = [row for row in categories if row.value is not None][:TOP_CATEGORIES]
    series = []
    for row in named:
        days = await count_feedback(session, "day", FeedbackFilter(since=since, until=until,
                                                                   category=row.value))
        series.append((gettext(language, category_label(row.value)), buckets.spread(days)))
    moods = []
    for mood in SENTIMENTS:
        days = await count_feedback(session, "day", FeedbackFilter(since=since, until=until,
                                                                   sentiment=mood))
        moods.append((gettext(language, LABELS[mood]), buckets.spread(days)))
    by_sentiment = charts.stacked_bars(buckets.labels(), moods, css=("neg", "neu", "pos"))
    return FeedbackPanels(charts.stacked_bars(buckets.labels(), series), by_sentiment,
                          sum(row.items for row in categories),
                          sum(row.items for row in categories if row.value is None))


def category_label(category: str | None) -> str:
    """The msgid naming a feedback category."""
    return {"bug": "Bug", "feature_request": "Feature request", "praise": "Praise",
            "complaint": "Complaint", "question": "Question"}.get(category or "", "No category")


async def score_trends(session: AsyncSession, since: datetime, until: datetime,
                       language: str) -> charts.Chart | None:
    """NPS and CSAT (% satisfied) of every survey asking them, per day/week; None if none do.

    Weekly beyond a week: a daily NPS of two or three answers swings between −100 and 100.
    """
    buckets = Buckets.of(since, until, week_after=7)
    series: list[tuple[str, list[float | None]]] = []
    for survey in await list_surveys(session):
        whole = await survey_results(session, survey.id, Filters(since=since, until=until))
        if whole is None:
            continue
        for question in whole.questions:
            kind = "NPS" if question.nps else "CSAT %" if question.csat else None
            if kind is None:
                continue
            values: list[float | None] = []
            for start, end in buckets.spans():
                part = await survey_results(session, survey.id, Filters(since=start, until=end))
                values.append(_score(part, question.id))
            series.append((f"{kind} · {survey.title}", values))
    if not series:
        return None
    return charts.lines(buckets.labels(), series, -100, 100)


def _score(results: Any, question_id: str) -> float | None:
    for question in results.questions if results else ():
        if question.id == question_id:
            if question.nps and question.nps.n:
                return float(question.nps.score)
            if question.csat and question.csat.n:
                return float(question.csat.percent)
    return None


def funnel(summary: CampaignSummary, language: str) -> charts.Chart:
    """One campaign's applicants per stage reached."""
    return charts.hbars([(gettext(language, stage), sum(summary.counts.get(s, 0)
                                                          for s in statuses))
                         for stage, statuses in FUNNEL])


async def campaign_summaries(session: AsyncSession, campaigns: Any) -> list[CampaignSummary]:
    """The beta feature's campaign list with counts per status."""
    return await summaries(session=session, campaigns=campaigns)
