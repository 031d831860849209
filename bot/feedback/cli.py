"""`sarafan feedback ...`: list, count, themes, show, merge, split, regroup, catalog check.

Only printing lives here; every number comes from ``bot.feedback.queries`` or ``themes``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.feedback.queries import AttachmentView, FeedbackFilter, FeedbackView

app = typer.Typer(help="Feedback: list, count, themes.", no_args_is_help=True)
Result = TypeVar("Result")
Since = typer.Option(None, help="from this date (YYYY-MM-DD)")
Until = typer.Option(None, help="before this date (YYYY-MM-DD)")
AsJson = typer.Option(False, "--json", help="JSON lines instead of a table")
ContentDir = typer.Option(None, help="content folder (default: the configured one)")


def _filter(since: str | None = None, until: str | None = None, **fields: Any
            ) -> FeedbackFilter:
    from bot.feedback.queries import FeedbackFilter

    def day(value: str | None) -> datetime | None:
        if value is None:
            return None
        try:
            return datetime.fromisoformat(value).astimezone()
        except ValueError:
            typer.echo(f"not a date: {value!r} (expected YYYY-MM-DD)", err=True)
            raise typer.Exit(2) from None

    return FeedbackFilter(since=day(since), until=day(until), **fields)


def _run(work: Callable[[AsyncSession], Awaitable[Result]]) -> Result:
    """Run ``work`` in one transaction of the configured database; errors are one line."""
    from sqlalchemy.exc import DBAPIError

    from bot.cli_common import settings_or_exit
    from bot.feedback.themes import ThemeError

    settings = settings_or_exit()
    try:
        return asyncio.run(_in_session(settings.database_url, work))
    except DBAPIError as exc:
        typer.echo(f"cannot read the database ({exc.orig}); is it migrated? "
                   "Run `sarafan db upgrade`.", err=True)
        raise typer.Exit(1) from None
    except (ThemeError, ValueError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None


def _in_session(url: str, work: Callable[[AsyncSession], Awaitable[Result]]
                ) -> Coroutine[Any, Any, Result]:
    from bot.storage.session import create_engine, create_sessionmaker

    async def run() -> Result:
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return run()


def _print_items(items: list[FeedbackView], as_json: bool) -> None:
    for item in items:
        if as_json:
            typer.echo(json.dumps(asdict(item), default=str, ensure_ascii=False))
            continue
        short = item.text.replace("\n", " ")
        short = short if len(short) <= 70 else short[:69] + "…"
        if item.attachments:
            short = f"[📎 {_summary(item.attachments)}] {short}".rstrip()
        typer.echo(f"{item.id:>6} {item.created_at:%Y-%m-%d} {item.language:<3} "
                   f"{item.channel:<9} {item.category or '-':<15} {item.product or '-':<12} "
                   f"{item.sentiment:<8} {item.theme_id or '-':>5}  {short}")
    if not items and not as_json:
        typer.echo("no feedback")


def _summary(attachments: list[AttachmentView]) -> str:
    """``photo×2, document``: what is attached, in the order sent."""
    counts: dict[str, int] = {}
    for attachment in attachments:
        kind = str(attachment.get("kind") or "other")
        counts[kind] = counts.get(kind, 0) + 1
    return ", ".join(kind if n == 1 else f"{kind}×{n}" for kind, n in counts.items())


def _describe(attachment: AttachmentView) -> str:
    """One attachment on one line: kind, name or platform id, type and size when known."""
    parts = [str(attachment.get("kind") or "other"),
             str(attachment.get("file_name") or attachment.get("file_id") or "(no id)")]
    if attachment.get("mime_type"):
        parts.append(str(attachment["mime_type"]))
    if attachment.get("size") is not None:
        parts.append(f"{attachment['size']} bytes")
    return " ".join(parts)


@app.command("list")
def list_command(
    since: str | None = Since, until: str | None = Until,
    channel: str | None = None, language: str | None = None, product: str | None = None,
    category: str | None = None, sentiment: str | None = None,
    theme: int | None = typer.Option(None, help="theme id"), source: str | None = None,
    campaign: str | None = None, text: str | None = typer.Option(None, help="text contains"),
    after_id: int | None = typer.Option(None, help="export cursor: items after this id"),
    limit: int = 50, as_json: bool = AsJson,
) -> None:
    """Feedback items, newest first (oldest first after --after-id)."""
    from bot.feedback.queries import list_feedback

    where = _filter(since, until, channel=channel, language=language, product=product,
                    category=category, sentiment=sentiment, theme_id=theme, source=source,
                    campaign=campaign, text=text)
    items = _run(lambda s: list_feedback(s, where, after_id=after_id, limit=limit))
    _print_items(items, as_json)


@app.command("count")
def count_command(
    by: str = typer.Option("category", help="channel, language, product, category, "
                           "sentiment, theme, source, campaign, origin or day"),
    since: str | None = Since, until: str | None = Until,
    category: str | None = None, product: str | None = None, language: str | None = None,
    source: str | None = None, as_json: bool = AsJson,
) -> None:
    """How many items and distinct people, grouped."""
    from bot.feedback.queries import count_feedback

    where = _filter(since, until, category=category, product=product, language=language,
                    source=source)
    rows = _run(lambda s: count_feedback(s, by, where))
    for row in rows:
        if as_json:
            typer.echo(json.dumps(asdict(row), ensure_ascii=False))
        else:
            typer.echo(f"{row.value or '(none)':<24} {row.items:>7} items {row.contacts:>6} people")
    if not rows and not as_json:
        typer.echo("no feedback")


@app.command("themes")
def themes_command(days: int = typer.Option(30, help="trend period in days"),
                   limit: int = 30, as_json: bool = AsJson) -> None:
    """Themes across languages: mentions, people, trend, languages."""
    from bot.feedback.queries import list_themes

    themes = _run(lambda s: list_themes(s, days=days, limit=limit))
    for theme in themes:
        if as_json:
            typer.echo(json.dumps(asdict(theme), default=str, ensure_ascii=False))
            continue
        trend = "new" if theme.trend is None else f"{theme.trend:+.0%}"
        langs = " ".join(f"{code}:{share:.0%}" for code, share in theme.languages.items())
        typer.echo(f"{theme.id:>5} {theme.mentions:>5} mentions {theme.contacts:>4} people "
                   f"{trend:>6}  {theme.label}  [{langs}]")
    if not themes and not as_json:
        typer.echo("no themes yet")


@app.command("show")
def show_command(theme: int, days: int = 30) -> None:
    """One theme: numbers, shares per language and channel, typical messages."""
    from bot.feedback.queries import theme_detail

    found = _run(lambda s: theme_detail(s, theme, days=days))
    if found is None:
        typer.echo(f"no theme {theme}", err=True)
        raise typer.Exit(1)
    trend = "n/a" if found.trend is None else f"{found.trend:+.0%}"
    typer.echo(f"theme {found.id}: {found.label}{' (edited by hand)' if found.manual else ''}")
    typer.echo(f"{found.mentions} mentions by {found.contacts} people; last {days} days "
               f"{found.this_period}, the {days} before {found.last_period} ({trend})")
    typer.echo("languages: " + ", ".join(f"{k} {v:.0%}" for k, v in found.languages.items()))
    typer.echo("channels: " + ", ".join(f"{k} {v:.0%}" for k, v in found.channels.items()))
    for item in found.representatives:
        typer.echo(f"  #{item.id} [{item.language}] {item.text[:200]}")
        for attachment in item.attachments:
            typer.echo(f"      📎 {_describe(attachment)}")


@app.command("merge")
def merge_command(into: int, sources: list[int]) -> None:
    """Merge themes SOURCES into theme INTO, for good."""
    from bot.feedback.themes import merge

    moved = _run(lambda s: merge(s, sources=sources, into=into))
    typer.echo(f"merged {len(sources)} theme(s) into {into}: {moved} items moved")


@app.command("split")
def split_command(items: list[int], label: str | None = None) -> None:
    """Move feedback ITEMS into a new theme of their own, for good."""
    from bot.cli_common import settings_or_exit
    from bot.feedback.catalog import load_catalog
    from bot.feedback.themes import split

    catalog = load_catalog(settings_or_exit().content_dir)
    theme = _run(lambda s: split(s, item_ids=items, label=label, catalog=catalog))
    typer.echo(f"new theme {theme} with {len(items)} item(s)")


@app.command("regroup")
def regroup_command() -> None:
    """Group all feedback again; what people merged or split stays as they left it."""
    from bot.cli_common import settings_or_exit
    from bot.feedback.catalog import load_catalog
    from bot.feedback.themes import regroup

    catalog = load_catalog(settings_or_exit().content_dir)
    themes = _run(lambda s: regroup(s, catalog))
    typer.echo(f"{themes} themes")


@app.command("catalog-check")
def catalog_check(content_dir: Path | None = ContentDir) -> None:
    """Validate the product catalog: every problem as file:line: message."""
    from bot.cli_common import settings_or_exit
    from bot.feedback.catalog import catalog_file, parse_catalog

    path = catalog_file(content_dir or settings_or_exit().content_dir)
    if not path.exists():
        typer.echo(f"no catalog at {path}", err=True)
        raise typer.Exit(1)
    catalog = parse_catalog(path)
    for problem in catalog.problems:
        typer.echo(str(problem))
    typer.echo(f"{len(catalog.items)} items, {len(catalog.problems)} problems")
    if catalog.problems:
        raise typer.Exit(1)
