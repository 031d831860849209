"""`sarafan consent ...`: the ledger, counts per purpose, the erasure log, erasing on request."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli_common import with_session

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

app = typer.Typer(help="Consent records and erasure.", no_args_is_help=True)




@app.command("counts")
def counts() -> None:
    """Contacts whose consent is in force, per purpose."""
    from bot.consent.queries import in_force_counts

    for purpose, count in with_session(lambda s: in_force_counts(session=s)).items():
        typer.echo(f"{purpose:<12} {count:>8}")


@app.command("show")
def show(contact_id: Annotated[int, typer.Argument(help="The contact's id.")]) -> None:
    """A contact's consent events, oldest first."""
    from bot.consent.queries import ledger_of

    events = with_session(lambda s: ledger_of(session=s, contact_id=contact_id))
    for event in events:
        typer.echo(f"{event.created_at:%Y-%m-%d %H:%M:%S} {event.purpose:<10} {event.action:<9} "
                   f"{event.channel or '—':<10} {event.text_version or ''}")
    if not events:
        typer.echo(f"no consent events for contact {contact_id}")


@app.command("erasures")
def erasures(limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50) -> None:
    """The erasure log, newest first: code, origin, status, times, row counts."""
    from bot.consent.queries import erasures as log

    for row in with_session(lambda s: log(session=s, limit=limit)):
        done = f"{row.done_at:%Y-%m-%d %H:%M:%S}" if row.done_at else "—"
        typer.echo(f"{row.code} {row.origin:<9} {row.status:<8} "
                   f"{row.requested_at:%Y-%m-%d %H:%M:%S} {done} {row.counts}")


@app.command("forget")
def forget(contact_id: Annotated[int, typer.Argument(help="The contact's id.")]) -> None:
    """Erase a contact on their request made elsewhere (e-mail, phone); runs like /forget."""
    from sqlalchemy import select

    from bot.consent.erase import request_erasure
    from bot.storage.models import Contact

    async def work(session: AsyncSession) -> str | None:
        if await session.scalar(select(Contact.id).where(Contact.id == contact_id)) is None:
            return None
        return (await request_erasure(session, contact_id, origin="operator")).code

    code = with_session(work, commit=True)
    if code is None:
        typer.echo(f"error: no contact {contact_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"erasure {code} scheduled; `sarafan run` carries it out within a minute")
