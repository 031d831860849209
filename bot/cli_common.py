"""What every `sarafan` sub-command shares: settings or one clear line and exit 2."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from bot.config import ConfigError, Settings, load_settings, unknown_variables

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

Result = TypeVar("Result")


def settings_or_exit(**overrides: Any) -> Settings:
    """The settings (``overrides`` win, e.g. command-line options); a wrong value is one line
    naming the setting, then exit status 2."""
    for problem in unknown_variables():
        typer.echo(f"warning: {problem}", err=True)
    try:
        return load_settings(**overrides)
    except ConfigError as exc:
        typer.echo(f"Configuration error: {exc}", err=True)
        raise typer.Exit(2) from None


def with_session(work: Callable[[AsyncSession], Awaitable[Result]], *,
                 commit: bool = False,
                 refused: tuple[type[Exception], ...] = (),
                 refused_status: int = 2) -> Result:
    """Run ``work`` in one session on the configured database (committed when ``commit``).

    Errors are one line, never a traceback: an exception of a ``refused`` type is the caller's
    mistake (a bad token scope, a duplicate user), said as ``error: ...`` with exit status
    ``refused_status``; an unreachable or unmigrated database exits 1.
    """
    from sqlalchemy.exc import DBAPIError

    from bot.storage.session import create_engine, create_sessionmaker

    url = settings_or_exit().database_url

    async def main() -> Result:
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session:
                result = await work(session)
                if commit:
                    await session.commit()
                return result
        finally:
            await engine.dispose()

    try:
        return asyncio.run(main())
    except refused as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(refused_status) from None
    except DBAPIError as exc:
        first = str(exc.orig or exc).splitlines()[0][:300]
        typer.echo(f"cannot use the database ({first}); is it up, and migrated? Run `sarafan db "
                   "upgrade`.", err=True)
        raise typer.Exit(1) from None
