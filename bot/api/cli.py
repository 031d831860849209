"""`sarafan tokens ...`: create (shown once), list and revoke API tokens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import typer

from bot.cli_common import with_session

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
T = TypeVar("T")
SCOPE_OPTION = typer.Option(..., "--scope", "-s", help="feedback:read, surveys:read, beta:write, "
                            "tickets:write, contacts:read or admin; repeat for several")


def run_in_session(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work(session)`` in one committed transaction; a ValueError (TokenError,
    EndpointError: the caller's mistake) is one line and exit 2."""
    return with_session(work, commit=True, refused=(ValueError,))


@app.command("create")
def create(
    name: str = typer.Argument(..., help="who or what uses the token, e.g. 'metabase'"),
    scope: list[str] = SCOPE_OPTION,
    rate: int = typer.Option(600, help="requests per minute"),
) -> None:
    """Create a token; it is printed once and only its hash is kept."""
    from bot.api.tokens import TokenView, create_token
    from bot.audit import audit

    async def work(session: AsyncSession) -> tuple[str, TokenView]:
        token, view = await create_token(session, name, scope, rate_per_minute=rate)
        await audit(session, "cli", "token.create", f"token:{view.id}",
                    {"name": view.name, "scopes": list(view.scopes)})
        return token, view

    token, view = run_in_session(work)
    typer.echo(f"token #{view.id} {view.name} scopes={','.join(view.scopes)}")
    typer.echo(token)
    typer.echo("Keep it now: it is shown only this once.", err=True)


@app.command("list")
def list_(all_: bool = typer.Option(False, "--all", help="include revoked tokens")) -> None:
    """Tokens with their scopes and last use; never the tokens themselves."""
    from bot.api.tokens import list_tokens

    for view in run_in_session(lambda session: list_tokens(session, include_revoked=all_)):
        used = f"{view.last_used_at:%Y-%m-%d %H:%M}" if view.last_used_at else "never"
        state = f" revoked {view.revoked_at:%Y-%m-%d %H:%M}" if view.revoked_at else ""
        typer.echo(f"#{view.id} {view.prefix}… {view.name} scopes={','.join(view.scopes)} "
                   f"rate={view.rate_per_minute}/min last_used={used}{state}")


@app.command("revoke")
def revoke(token_id: int = typer.Argument(..., help="the token's number from `tokens list`")
           ) -> None:
    """Revoke a token at once."""
    from bot.api.tokens import TokenView, revoke_token
    from bot.audit import audit

    async def work(session: AsyncSession) -> TokenView:
        view = await revoke_token(session, token_id)
        await audit(session, "cli", "token.revoke", f"token:{token_id}")
        return view

    view = run_in_session(work)
    typer.echo(f"revoked #{view.id} {view.name}")
