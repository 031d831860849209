"""`sarafan demo ...`."""

from __future__ import annotations

import asyncio

import typer

from bot.cli_common import settings_or_exit

app = typer.Typer(help="Demo data: seed realistic contacts, tickets, feedback, surveys, beta.",
                  no_args_is_help=True)


@app.command("seed")
def seed_command() -> None:
    """Fill the database with a month of demo customers in five languages (once)."""
    from sqlalchemy.exc import DBAPIError

    from bot.demo.seed import seed
    from bot.storage.base import utcnow
    from bot.storage.session import create_engine, create_sessionmaker

    async def work(url: str) -> dict[str, int] | None:
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session, session.begin():
                done = await seed(session=session, now=utcnow())
                return done.counts if done else None
        finally:
            await engine.dispose()

    try:
        counts = asyncio.run(work(settings_or_exit().database_url))
    except DBAPIError as exc:
        typer.echo(f"cannot use the database ({exc.orig}); is it migrated? "
                   "Run `sarafan db upgrade`.", err=True)
        raise typer.Exit(1) from None
    if counts is None:
        typer.echo("the demo data is already there; nothing added")
        return
    typer.echo("seeded " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    typer.echo("sign in at /dashboard after `sarafan users add you@example.com --role admin`")
