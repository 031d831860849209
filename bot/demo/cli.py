"""`sarafan demo ...`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from bot.cli_common import with_session

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

app = typer.Typer(help="Demo data: seed realistic contacts, tickets, feedback, surveys, beta.",
                  no_args_is_help=True)


@app.command("seed")
def seed_command() -> None:
    """Fill the database with a month of demo customers in five languages (once)."""
    from bot.demo.seed import seed
    from bot.storage.base import utcnow

    async def work(session: AsyncSession) -> dict[str, int] | None:
        done = await seed(session=session, now=utcnow())
        return done.counts if done else None

    counts = with_session(work, commit=True)
    if counts is None:
        typer.echo("the demo data is already there; nothing added")
        return
    typer.echo("seeded " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    typer.echo("sign in at /dashboard after `sarafan users add you@example.com --role admin`")
