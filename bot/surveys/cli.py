"""`sarafan surveys ...`: check, list, invite, results, responses.

Only presentation lives here: the numbers come from :mod:`bot.surveys.results` and
:mod:`bot.surveys.invitations`, which the HTTP API calls too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from bot.cli_common import settings_or_exit, with_session

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.surveys.results import Filters, SurveyResults

Result = TypeVar("Result")
TEXTS_SHOWN = 20
"""Free-text answers listed per question in the table (CSV and JSON have all)."""
app = typer.Typer(help="Surveys: check, list, invite, results.", no_args_is_help=True)


class Format(StrEnum):
    """How `results` prints."""

    table = "table"
    csv = "csv"
    json = "json"



def _catalogue() -> Any:
    from bot.surveys.check import load_catalogue

    return load_catalogue(settings_or_exit().content_dir)


@app.command("check")
def check_command(
    content_dir: Annotated[Path | None, typer.Argument(help="Content folder (default: settings).")]
    = None,
) -> None:
    """Every problem in the survey files as file:line: message; exit 1 if any."""
    from bot.surveys.check import check
    from bot.surveys.loader import survey_files

    folder = content_dir or settings_or_exit().content_dir
    files = survey_files(folder)
    if not files:
        typer.echo(f"no survey files (*.yml) in {folder or 'the bundled demo'}/surveys", err=True)
        raise typer.Exit(1)
    read, problems = check(files)
    for problem in problems:
        typer.echo(str(problem))
    for survey in read.surveys:
        typer.echo(f"{survey.id}: {len(survey.questions)} questions, version {survey.version}")
    typer.echo(f"{len(files)} files, {len(read.surveys)} surveys, {len(problems)} problems")
    if problems:
        raise typer.Exit(1)


@app.command("list")
def list_command() -> None:
    """Each survey with its versions and response counts."""
    from bot.surveys.results import list_surveys

    catalogue = _catalogue()
    summaries = with_session(lambda session: list_surveys(session, catalogue))
    if not summaries:
        typer.echo("no surveys")
    for summary in summaries:
        typer.echo(f"{summary.id:<24} {summary.status:<8} {summary.questions:>3} questions "
                   f"{summary.responses:>6} responses {summary.completed:>6} completed  "
                   f"{summary.title}")
        for version in summary.versions:
            mark = "*" if version.current else " "
            typer.echo(f"  {mark} {version.version} {version.responses:>6} responses "
                       f"{version.created_at[:19]}")


def _date(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        typer.echo(f"error: --{name} must be a date like 2026-12-01, got {value!r}", err=True)
        raise typer.Exit(2) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _filters(language: str | None, channel: str | None, source: str | None,
             version: str | None, since: str | None, until: str | None) -> Filters:
    from bot.surveys.results import Filters

    return Filters(language, channel, source, version, _date(since, "since"),
                   _date(until, "until"))


LanguageOpt = Annotated[str | None, typer.Option(help="only answers in this language")]
ChannelOpt = Annotated[str | None, typer.Option(help="only this channel")]
SourceOpt = Annotated[str | None, typer.Option(help="only responses from this entry link")]
VersionOpt = Annotated[str | None, typer.Option(help="only this version (hash prefix)")]
SinceOpt = Annotated[str | None, typer.Option(help="started on or after (ISO date)")]
UntilOpt = Annotated[str | None, typer.Option(help="started before (ISO date)")]


@app.command("results")
def results_command(
    survey_id: str,
    format: Annotated[Format, typer.Option("--format", help="table, csv or json")]
    = Format.table,
    chart: Annotated[Path | None, typer.Option(help="write a PNG chart per question here")]
    = None,
    language: LanguageOpt = None, channel: ChannelOpt = None, source: SourceOpt = None,
    version: VersionOpt = None, since: SinceOpt = None, until: UntilOpt = None,
) -> None:
    """Per-question counts, NPS, CSAT, averages, texts, completion and drop-off."""
    from bot.surveys.results import survey_results, write_charts

    filters = _filters(language, channel, source, version, since, until)
    catalogue = _catalogue()
    results = with_session(lambda session: survey_results(session, survey_id, filters,
                                                           catalogue=catalogue))
    if results is None:
        typer.echo(f"no survey {survey_id!r} (see `sarafan surveys list`)", err=True)
        raise typer.Exit(1)
    typer.echo({Format.table: render_table, Format.csv: render_csv,
                Format.json: render_json}[format](results), nl=False)
    if chart is not None:
        for path in write_charts(results, chart):
            typer.echo(f"chart: {path}", err=True)


@app.command("responses")
def responses_command(
    survey_id: str,
    after: Annotated[int, typer.Option(help="only responses after this id")] = 0,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    language: LanguageOpt = None, channel: ChannelOpt = None, source: SourceOpt = None,
    version: VersionOpt = None, since: SinceOpt = None, until: UntilOpt = None,
) -> None:
    """Responses with their answers, as JSON (one page; `next_after` continues)."""
    import dataclasses
    import json

    from bot.surveys.results import list_responses

    filters = _filters(language, channel, source, version, since, until)
    page = with_session(lambda session: list_responses(session, survey_id, filters, after,
                                                        limit))
    typer.echo(json.dumps(dataclasses.asdict(page), ensure_ascii=False, indent=1))


@app.command("invite")
def invite_command(
    survey_id: str,
    segment: Annotated[str, typer.Option(
        help="language=ru,channel=telegram,source=ig,seen=30,answer=survey.question=option "
             "(all optional; only contacts with research consent)")] = "",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only count")] = False,
) -> None:
    """Invite a segment; never twice, Messenger only within 24 hours, Telegram ≤ 30/s."""
    from bot.surveys.invitations import Segment, SegmentError, invite

    survey = _catalogue().get(survey_id)
    if survey is None:
        typer.echo(f"no survey {survey_id!r} in the content (see `sarafan surveys check`)",
                   err=True)
        raise typer.Exit(1)
    if survey.status != "open":
        typer.echo(f"survey {survey_id!r} is closed", err=True)
        raise typer.Exit(1)
    try:
        wanted = Segment.parse(segment)
    except SegmentError as exc:
        typer.echo(f"error: --segment: {exc}", err=True)
        raise typer.Exit(2) from None

    async def work(session: AsyncSession) -> Any:
        report = await invite(session, survey, wanted, dry_run=dry_run)
        if not dry_run:
            await session.commit()
        return report

    report = with_session(work)
    verb = "would invite" if dry_run else "scheduled"
    typer.echo(f"{report.matched} consenting contacts in the segment; "
               f"{report.already_invited} already invited, {report.already_answered} already "
               f"answered, {report.outside_window} outside Messenger's 24-hour window; "
               f"{verb} {report.scheduled}")


def render_table(results: SurveyResults) -> str:
    """The results as text for a terminal."""
    lines = [f"{results.survey_id}: {results.title}",
             f"responses {results.responses}  completed {results.completed} "
             f"({results.completion_rate}%)  screened out {results.screened_out}  "
             f"running {results.running}  abandoned {results.abandoned}  "
             f"cancelled {results.cancelled}",
             f"median time to complete: "
             f"{_duration(results.median_seconds) if results.median_seconds is not None else '—'}"]
    active = {k: v for k, v in results.filters.items() if v}
    if active:
        lines.append("filters: " + ", ".join(f"{k}={v}" for k, v in active.items()))
    for q in results.questions:
        lines += ["", f"[{q.id}] {q.text}  ({q.type})",
                  f"  answered {q.answered}  skipped {q.skipped}  reached {q.reached}  "
                  f"dropped here {q.dropped}  waiting here {q.in_progress}"]
        for option in q.options:
            bar = "█" * round(option.percent / 5)
            lines.append(f"  {option.label[:28]:<28} {option.count:>6} {option.percent:>6.1f}% "
                         f"{bar}")
        if q.distribution and not q.options:
            lines.append("  " + "  ".join(f"{k}:{v}" for k, v in q.distribution.items()))
        if q.average is not None:
            lines.append(f"  average {q.average}  median {q.median}")
        if q.nps is not None:
            lines.append(f"  NPS {q.nps.score:+.1f} (95% CI {q.nps.ci_low:+.1f} … "
                         f"{q.nps.ci_high:+.1f}); promoters {q.nps.promoters}, passives "
                         f"{q.nps.passives}, detractors {q.nps.detractors}")
        if q.csat is not None:
            lines.append(f"  CSAT {q.csat.percent}% satisfied ({q.csat.satisfied}/{q.csat.n}), "
                         f"average {q.csat.average}")
        lines += [f"  - {text[:200]}" for text in q.texts[:TEXTS_SHOWN]]
        if len(q.texts) > TEXTS_SHOWN:
            lines.append(f"  … and {len(q.texts) - TEXTS_SHOWN} more (--format csv or json "
                         f"lists them all)")
    return "\n".join(lines) + "\n"


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def render_csv(results: SurveyResults) -> str:
    """One row per question and answer: question,type,item,label,count,percent."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["question", "type", "item", "label", "count", "percent"])
    writer.writerow(["", "", "responses", "", results.responses, ""])
    writer.writerow(["", "", "completed", "", results.completed, results.completion_rate])
    for q in results.questions:
        writer.writerow([q.id, q.type, "answered", q.text, q.answered, ""])
        writer.writerow([q.id, q.type, "skipped", "", q.skipped, ""])
        writer.writerow([q.id, q.type, "dropped", "", q.dropped, ""])
        for option in q.options:
            writer.writerow([q.id, q.type, f"option:{option.id}", option.label, option.count,
                             option.percent])
        for value, count in q.distribution.items():
            writer.writerow([q.id, q.type, f"value:{value}", "", count, ""])
        if q.average is not None:
            writer.writerow([q.id, q.type, "average", "", q.average, ""])
        if q.nps is not None:
            writer.writerow([q.id, q.type, "nps", f"{q.nps.ci_low}..{q.nps.ci_high}", q.nps.n,
                             q.nps.score])
        for text in q.texts:
            writer.writerow([q.id, q.type, "text", text, 1, ""])
    return out.getvalue()


def render_json(results: SurveyResults) -> str:
    """The results dataclass as JSON."""
    import dataclasses
    import json

    return json.dumps(dataclasses.asdict(results), ensure_ascii=False, indent=1) + "\n"
