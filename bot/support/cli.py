"""`sarafan kb …` and `sarafan tickets list|show|reply|close`: the knowledge base and the handoff
queue (a brand without an operators' group answers and closes tickets from here)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from sqlalchemy.exc import DBAPIError

from bot.cli_common import settings_or_exit
from bot.storage.session import create_engine, create_sessionmaker
from bot.support.kb.check import content_problems
from bot.support.tickets import (
    CLOSED,
    OPEN,
    WAITING,
    Ticket,
    find_ticket,
    list_tickets,
    rating_summary,
)

Result = TypeVar("Result")
kb_app = typer.Typer(help="Knowledge base: the FAQ content support answers from.",
                     no_args_is_help=True)
tickets_app = typer.Typer(help="Support tickets handed over to people.", no_args_is_help=True)


@kb_app.command("check")
def kb_check(
    content_dir: Annotated[Path | None, typer.Argument(help="Content folder (default: settings).")]
    = None,
) -> None:
    """Validate the FAQ files; each problem is printed as file:line: message."""
    settings = settings_or_exit()
    files, parsed, problems = content_problems(content_dir or settings.content_dir,
                                               settings.default_language)
    for problem in problems:
        typer.echo(problem)
    from bot.support.kb.overlap import overlap_warnings  # warnings only: the exit code stays 0
    from bot.support.kb.words import brand_words, off_topic_warnings

    brand = brand_words(parsed.support)
    for warning in [*overlap_warnings(parsed.entries), *off_topic_warnings(parsed.entries, brand)]:
        typer.echo(f"warning: {warning}")
    typer.echo(f"{files} files, {len(parsed.entries)} entries, {len(problems)} problems")
    if problems:
        raise typer.Exit(1)


@kb_app.command("ratings")
def kb_ratings() -> None:
    """How customers rated each answer (👍 share), least helpful first."""
    rows = _run(_ratings(settings_or_exit().database_url))
    typer.echo(f"{'entry':<24} {'helpful':>8} {'ratings':>8}")
    for entry, helpful, total in rows:
        typer.echo(f"{entry:<24} {helpful / total:>8.0%} {total:>8}")
    if not rows:
        typer.echo("no ratings yet")


@tickets_app.command("list")
def tickets_list(
    status: Annotated[str | None, typer.Option(help="open, waiting or closed (default: all).")]
    = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 50,
) -> None:
    """Tickets, most urgent first, with the time to first response."""
    if status is not None and status not in (OPEN, WAITING, CLOSED):
        raise typer.BadParameter(f"{status!r} is not one of {OPEN}, {WAITING}, {CLOSED}",
                                 param_hint="--status")
    found = _run(_list(settings_or_exit().database_url, status, limit))
    typer.echo(f"{'ticket':<10} {'status':<8} {'prio':<5} {'reason':<12} {'channel':<10} "
               f"{'opened (UTC)':<17} {'first reply':<12}")
    for ticket in found:
        typer.echo(f"#{ticket.ref:<9} {ticket.status:<8} {ticket.priority:<5} "
                   f"{ticket.reason:<12} {ticket.channel:<10} {_when(ticket.opened_at):<17} "
                   f"{_took(ticket.time_to_first_response):<12}")
    if not found:
        typer.echo("no tickets")


@tickets_app.command("show")
def tickets_show(
    ref: Annotated[str, typer.Argument(help="The ticket, e.g. 12-1 or #12-1.")],
) -> None:
    """One ticket with its transcript."""
    ticket = _run(_find(settings_or_exit().database_url, ref))
    if ticket is None:
        typer.echo(f"no ticket {ref}", err=True)
        raise typer.Exit(1)
    typer.echo(f"ticket #{ticket.ref}: {ticket.status}, priority {ticket.priority}, "
               f"reason {ticket.reason}, {ticket.channel} chat {ticket.chat_id}, "
               f"language {ticket.language}")
    typer.echo(f"opened {_when(ticket.opened_at)}, first response after "
               f"{_took(ticket.time_to_first_response)}, closed {_when(ticket.closed_at)}"
               + (f" by {ticket.closed_by}" if ticket.closed_by else ""))
    for line in ticket.transcript:
        late = "" if line.delivered else " (not delivered)"
        typer.echo(f"[{_when(line.created_at)}] {line.author}{late}: {line.text}")


@tickets_app.command("reply")
def tickets_reply(
    ref: Annotated[str, typer.Argument(help="The ticket, e.g. 12-1 or #12-1.")],
    text: Annotated[str, typer.Argument(help="What to tell the customer.")],
) -> None:
    """Answer a ticket's customer on their channel (sent by a running `sarafan run`)."""
    settings = settings_or_exit()
    ticket = _run(_act(settings.database_url, ref, "reply", text))
    typer.echo(f"reply queued for ticket #{ticket.ref} ({ticket.channel} chat "
               f"{ticket.chat_id}); it goes out with the next `sarafan run`")


@tickets_app.command("close")
def tickets_close(
    ref: Annotated[str, typer.Argument(help="The ticket, e.g. 12-1 or #12-1.")],
) -> None:
    """Close a ticket: the customer is told, and ticket.closed hooks (surveys …) run."""
    settings = settings_or_exit()
    ticket = _run(_act(settings.database_url, ref, "close", ""))
    typer.echo(f"ticket #{ticket.ref} closed")


async def _act(url: str, ref: str, action: str, text: str) -> Ticket:
    """Reply to or close ``ref`` with the API's own functions, as the CLI's operator."""
    import getpass

    from bot.api.tickets import TicketActionError, close_ticket, get_ticket, reply_to_ticket
    from bot.engine.registry import build_registry

    actor = f"cli:{getpass.getuser()}"
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            ticket = await get_ticket(session, ref)
            if ticket is None:
                typer.echo(f"no ticket {ref}", err=True)
                raise typer.Exit(1)
            try:
                if action == "reply":
                    return await reply_to_ticket(session, ticket, text, actor=actor)
                registry = build_registry(settings=settings_or_exit())
                return await close_ticket(session, ticket, actor=actor, registry=registry)
            except TicketActionError as exc:
                typer.echo(f"cannot {action}: {exc}", err=True)
                raise typer.Exit(1) from None
    finally:
        await engine.dispose()


def _run(work: Coroutine[Any, Any, Result]) -> Result:
    try:
        return asyncio.run(work)
    except DBAPIError as exc:
        typer.echo(f"cannot read the database ({exc.orig}); is it migrated? "
                   "Run `sarafan db upgrade`.", err=True)
        raise typer.Exit(1) from None


async def _ratings(url: str) -> list[tuple[str, int, int]]:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            return await rating_summary(session=session)
    finally:
        await engine.dispose()


async def _list(url: str, status: str | None, limit: int) -> list[Ticket]:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            return await list_tickets(session=session, status=status, limit=limit)
    finally:
        await engine.dispose()


async def _find(url: str, ref: str) -> Ticket | None:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as session:
            return await find_ticket(session=session, ref=ref)
    finally:
        await engine.dispose()


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "—"


def _took(span: timedelta | None) -> str:
    if span is None:
        return "—"
    minutes = int(span.total_seconds() // 60)
    return f"{minutes // 60}h {minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"
