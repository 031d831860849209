"""Survey results: the list of surveys, and one survey's answers, scores and drop-off."""

from __future__ import annotations

import re

from starlette.responses import Response

from bot.config import LANGUAGES
from bot.dashboard import charts
from bot.dashboard.web import Ctx, page, problem
from bot.i18n import N_, gettext
from bot.surveys.results import Filters, QuestionResult, list_surveys, survey_results

TEXTS_SHOWN = 12
CHANNELS = ("telegram", "messenger", "webchat")
PIPED = re.compile(r"\{\w+\}")


@page()
async def surveys(ctx: Ctx) -> Response:
    """Every survey with its response counts."""
    return ctx.page("surveys.html", title="Surveys", surveys=await list_surveys(ctx.db))


@page()
async def survey(ctx: Ctx) -> Response:
    """One survey: completion, drop-off per question, each question's answers."""
    query = ctx.request.query_params
    language = query.get("language") if query.get("language") in LANGUAGES else None
    channel = query.get("channel") if query.get("channel") in CHANNELS else None
    results = await survey_results(ctx.db, ctx.request.path_params["survey_id"][:64],
                                   Filters(language=language, channel=channel))
    if results is None:
        return problem(ctx.request, 404, N_("No such survey"),
                       N_("It may have been removed. Pick one from the list."), ctx.who)
    for question in results.questions:  # "{nps}" is piped in per respondent; show a gap
        question.text = PIPED.sub("…", question.text)
    reached = charts.hbars([(q.text, q.answered) for q in results.questions], css="s1")
    return ctx.page("survey.html", title="Surveys", results=results, reached=reached,
                    chosen_language=language, channel=channel, channels=CHANNELS,
                    survey_languages=LANGUAGES,
                    answers=[(q, answer_chart(q, ctx.language)) for q in results.questions],
                    shown=TEXTS_SHOWN)


def answer_chart(question: QuestionResult, language: str) -> charts.Chart | None:
    """Bars of options or of scale values; None for free text."""
    if question.options:
        return charts.hbars([(o.label, o.count) for o in question.options])
    if question.distribution:
        values = sorted(question.distribution, key=lambda v: float(v) if _number(v) else 0)
        return charts.stacked_bars(values, [(gettext(language, "answers"),
                                             [question.distribution[v] for v in values])])
    return None


def _number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True
