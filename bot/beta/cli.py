"""`sarafan beta ...`: campaigns, applicants (CSV), decisions, invitations, referrals."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli_common import settings_or_exit, with_session

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.beta.campaign import Campaign

app = typer.Typer(help="Beta campaigns, applicants and referrals.", no_args_is_help=True)


def _campaigns(content_dir: Path | None = None) -> dict[str, Campaign]:
    from bot.beta.loader import campaign_files, load

    return load(campaign_files(content_dir or settings_or_exit().content_dir)).campaigns




def _known(campaign: str) -> Campaign:
    found = _campaigns().get(campaign)
    if found is None:
        typer.echo(f"error: no campaign {campaign!r} (see `sarafan beta campaigns`)", err=True)
        raise typer.Exit(1)
    return found


@app.command("check")
def check(
    content_dir: Annotated[Path | None, typer.Argument(help="Content folder (default: settings).")]
    = None,
) -> None:
    """Validate the campaign files; each problem is printed as file:line: message."""
    from bot.beta.loader import campaign_files, load

    files = campaign_files(content_dir or settings_or_exit().content_dir)
    loaded = load(files)
    for problem in loaded.problems:
        typer.echo(str(problem))
    typer.echo(f"{len(files)} files, {len(loaded.campaigns)} campaigns, "
               f"{len(loaded.problems)} problems")
    if loaded.problems:
        raise typer.Exit(1)


@app.command("campaigns")
def campaigns() -> None:
    """Each campaign: open or closed, capacity, applications per status."""
    from bot.beta.queries import summaries
    from bot.beta.tables import STATUSES

    known = _campaigns()
    found = with_session(lambda session: summaries(session=session, campaigns=known))
    typer.echo(f"{'campaign':<24} {'open':<5} {'places':>6} " +
               " ".join(f"{s:>10}" for s in STATUSES))
    for row in found:
        typer.echo(f"{row.id:<24} {'yes' if row.open else 'no':<5} {row.capacity:>6} " +
                   " ".join(f"{row.counts.get(s, 0):>10}" for s in STATUSES))
    if not found:
        typer.echo("no campaigns")


@app.command("applicants")
def applicants(
    campaign: Annotated[str, typer.Argument(help="The campaign id.")],
    status: Annotated[str | None, typer.Option(help="Only this status.")] = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="CSV with every answer.")] = False,
) -> None:
    """The campaign's applicants, oldest first (contact details included: handle with care)."""
    from bot.beta import queries
    from bot.beta.tables import STATUSES

    if status is not None and status not in STATUSES:
        typer.echo(f"error: --status must be one of {', '.join(STATUSES)}", err=True)
        raise typer.Exit(2)
    known = _campaigns().get(campaign)
    rows = with_session(lambda session: queries.applicants(session=session, campaign=campaign,
                                                            status=status))
    if as_csv:
        questions = [q.id for q in known.questions] if known else []
        typer.echo(queries.to_csv(rows, questions), nl=False)
        return
    for row in rows:
        typer.echo(f"#{row.id:<5} {row.status:<10} {row.email or '—':<30} {row.phone or '—':<16} "
                   f"{row.channel:<10} {row.language:<3} {row.reason or ''}")
    if not rows:
        typer.echo(f"no applicants in {campaign!r}")


def _decide(campaign: str, ids: list[int], status: str) -> None:
    from bot.beta.queries import DecisionError, set_status

    _known(campaign)

    async def work(session: AsyncSession) -> list[int]:
        return await set_status(session=session, campaign=campaign, ids=ids, status=status)

    try:
        changed = with_session(work, commit=True)
    except DecisionError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{status}: {', '.join(f'#{n}' for n in changed)}")


@app.command("accept")
def accept(
    campaign: Annotated[str, typer.Argument(help="The campaign id.")],
    ids: Annotated[list[int], typer.Argument(help="Application ids (see `applicants`).")],
) -> None:
    """Accept applications (e.g. from the waiting list), even beyond the capacity."""
    _decide(campaign, ids, "accepted")


@app.command("reject")
def reject(
    campaign: Annotated[str, typer.Argument(help="The campaign id.")],
    ids: Annotated[list[int], typer.Argument(help="Application ids (see `applicants`).")],
) -> None:
    """Reject applications."""
    _decide(campaign, ids, "rejected")


@app.command("invite")
def invite(
    campaign: Annotated[str, typer.Argument(help="The campaign id.")],
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count.")] = False,
) -> None:
    """Invite accepted applicants whose beta consent is in force (once each, as broadcasts)."""
    from bot.beta.invites import invitable, queue_invites

    _known(campaign)
    if dry_run:
        found = with_session(lambda s: invitable(session=s, campaign=campaign, limit=limit))
        typer.echo(f"{len(found)} applicants would be invited")
        return
    queued = with_session(lambda s: queue_invites(session=s, campaign=campaign, limit=limit),
                           commit=True)
    typer.echo(f"{queued} invitations queued; `sarafan run` sends them")


@app.command("referrals")
def referrals() -> None:
    """Friends brought per referral code, and per source of the promoter and channel."""
    from bot.beta.referrals import counts_by_promoter, counts_by_source

    async def work(session: AsyncSession) -> tuple[list[Any], list[Any]]:
        return (await counts_by_promoter(session=session),
                await counts_by_source(session=session))

    promoters, sources = with_session(work)
    typer.echo(f"{'code':<10} {'promoter':>9} {'friends':>8}")
    for code, contact, count in promoters:
        typer.echo(f"{code:<10} {contact if contact is not None else 'erased':>9} {count:>8}")
    typer.echo(f"\n{'promoter source':<30} {'channel':<10} {'friends':>8}")
    for source, channel, count in sources:
        typer.echo(f"{source or '(direct)':<30} {channel:<10} {count:>8}")
