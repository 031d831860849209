"""`sarafan users ...`: the dashboard's team members."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from bot.cli_common import with_session

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.dashboard.tables import DashboardUser

Result = TypeVar("Result")
app = typer.Typer(help="Dashboard users: add, list, set role, disable, change password.",
                  no_args_is_help=True)
ROLE_HELP = "viewer (read), operator (also answer tickets), admin (also campaigns)."


def _run(work: Callable[[AsyncSession], Awaitable[Result]]) -> Result:
    """Run ``work`` in one committed transaction; a refused request is one line, exit 1."""
    from bot.dashboard.users import UserError

    return with_session(work, commit=True, refused=(UserError,), refused_status=1)


def _password(from_stdin: bool) -> str:
    """Read a password without echoing it (or one line from stdin, for scripts)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat it: ") != first:
        typer.echo("error: the two passwords differ", err=True)
        raise typer.Exit(1)
    return first


@app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="Sign-in email.")],
    role: Annotated[str, typer.Option(help=ROLE_HELP)] = "viewer",
    name: Annotated[str | None, typer.Option(help="Name shown in the dashboard.")] = None,
    language: Annotated[str | None, typer.Option(help="en, ru, fa, bg or el (default: "
                                                      "the browser's).")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="Read the password from stdin.")] = False,
) -> None:
    """Add a team member; asks for the password (at least 10 characters)."""
    from bot.dashboard.users import add_user
    password = _password(password_stdin)

    async def work(session: AsyncSession) -> str:
        user = await add_user(session=session, email=email, password=password, role=role,
                              name=name, language=language)
        return f"added {user.email} ({user.role})"
    typer.echo(_run(work))


@app.command("list")
def list_() -> None:
    """Every team member with role, state and last sign-in."""
    from bot.dashboard.users import list_users

    async def work(session: AsyncSession) -> list[str]:
        return [_user_line(user) for user in await list_users(session=session)]
    lines = _run(work)
    typer.echo(f"{'email':<32} {'role':<9} {'state':<9} last sign-in (UTC)")
    for line in lines:
        typer.echo(line)
    if not lines:
        typer.echo("no users yet: sarafan users add EMAIL --role admin")


def _user_line(user: DashboardUser) -> str:
    seen = f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "never"
    state = "disabled" if user.disabled else "active"
    return f"{user.email:<32} {user.role:<9} {state:<9} {seen}"


@app.command("set-role")
def set_role_(
    email: Annotated[str, typer.Argument(help="Sign-in email.")],
    role: Annotated[str, typer.Argument(help=ROLE_HELP)],
) -> None:
    """Change what a team member may do."""
    from bot.dashboard.users import set_role

    async def work(session: AsyncSession) -> str:
        user = await set_role(session=session, email=email, role=role)
        return f"{user.email} is now {user.role}"
    typer.echo(_run(work))


@app.command("disable")
def disable(
    email: Annotated[str, typer.Argument(help="Sign-in email.")],
    enable: Annotated[bool, typer.Option("--enable", help="Let the user back in.")] = False,
) -> None:
    """Lock a team member out now (their open sessions end); --enable undoes it."""
    from bot.dashboard.users import set_disabled

    async def work(session: AsyncSession) -> str:
        user = await set_disabled(session=session, email=email, disabled=not enable)
        return f"{user.email} is {'disabled' if user.disabled else 'enabled'}"
    typer.echo(_run(work))


@app.command("password")
def password(
    email: Annotated[str, typer.Argument(help="Sign-in email.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin",
                                                 help="Read the password from stdin.")] = False,
) -> None:
    """Set a new password; the user's open sessions end."""
    from bot.dashboard.users import set_password
    secret = _password(password_stdin)

    async def work(session: AsyncSession) -> str:
        user = await set_password(session=session, email=email, password=secret)
        return f"password of {user.email} changed; their sessions ended"
    typer.echo(_run(work))
