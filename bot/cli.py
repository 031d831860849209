"""The `sarafan` command: run the bot, manage the database, the NLU and the content.

Every command starts fast: the groups below are imported only when their command runs (some
pull scikit-learn, FastAPI or the whole bot), and `sarafan --help` reads their one-line help
from their source instead of importing them.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import errno
import importlib
import socket
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer import _click as click  # typer 0.29 vendors click; its groups take these types
from typer.core import TyperGroup

from bot.cli_common import settings_or_exit

if TYPE_CHECKING:
    from bot.config import Settings

GROUPS: dict[str, str] = {
    "kb": "bot.support.cli:kb_app",
    "tickets": "bot.support.cli:tickets_app",
    "messenger": "bot.channels.messenger_profile:messenger_app",
    "nlu": "bot.nlu_setup:cli_app",
    "surveys": "bot.surveys.cli:app",
    "feedback": "bot.feedback.cli:app",
    "beta": "bot.beta.cli:app",
    "consent": "bot.consent.cli:app",
    "tokens": "bot.api.cli:app",
    "users": "bot.dashboard.cli:app",
    "webhooks": "bot.webhooks.cli:app",
    "jobs": "bot.scheduler.cli:app",
    "demo": "bot.demo.cli:app",
}
"""Sub-command groups, as ``module:typer app``; a feature adds its line here."""
SOURCE_ROOT = Path(__file__).resolve().parents[1]


class LazyGroups(TyperGroup):
    """A typer group whose sub-groups in ``GROUPS`` are imported when used, not at start."""

    listing = False
    """True while help is being formatted: sub-groups then stand in as their help line."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *GROUPS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in GROUPS:
            return super().get_command(ctx, cmd_name)
        if self.listing:
            return TyperGroup(name=cmd_name, help=_help_line(GROUPS[cmd_name]))
        module, _, attribute = GROUPS[cmd_name].partition(":")
        # get_group, not get_command: a group of one command stays a group (`jobs list`).
        command = typer.main.get_group(getattr(importlib.import_module(module), attribute))
        command.name = cmd_name
        return command

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        LazyGroups.listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            LazyGroups.listing = False


@cache
def _help_line(target: str) -> str:
    """The ``help=`` of the group's ``typer.Typer(...)``, read from its source file."""
    path = SOURCE_ROOT.joinpath(*target.partition(":")[0].split(".")).with_suffix(".py")
    attribute = target.partition(":")[2]
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return ""
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and any(isinstance(t, ast.Name) and t.id == attribute for t in node.targets)):
            for keyword in node.value.keywords:
                if keyword.arg == "help" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return ""


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"sarafan {version('sarafan')}")
        except PackageNotFoundError:
            typer.echo("sarafan (not installed as a package)")
        raise typer.Exit


app = typer.Typer(help="Sarafan: a word-of-mouth chat-bot.", no_args_is_help=True,
                  cls=LazyGroups)
db_app = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Sarafan: a word-of-mouth chat-bot."""


@contextlib.contextmanager
def _database(settings: Settings) -> Iterator[None]:
    """An unreachable or unusable database is one line and exit 1, not a traceback."""
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError

    from bot.config import masked_url

    try:
        yield
    except (OSError, SQLAlchemyError) as exc:
        cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig else exc
        detail = " ".join(f"{type(cause).__name__}: {cause}".split())[:300]
        typer.echo(f"Database error: cannot use {masked_url(settings.database_url)} "
                   f"(SARAFAN_DATABASE_URL): {detail}", err=True)
        raise typer.Exit(1) from None


def _check_address(settings: Settings) -> None:
    """A port already taken is a setting to change: say so before starting anything."""
    from bot.config import ConfigError

    if settings.port == 0:
        return
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(
            settings.host, settings.port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        name = "SARAFAN_PORT" if exc.errno == errno.EADDRINUSE else "SARAFAN_HOST"
        raise ConfigError(f"setting {name}: cannot listen on {settings.host}:{settings.port} "
                          f"({exc.strerror or exc})") from None


@app.command()
def run(
    host: Annotated[str | None, typer.Option(help="Listen address (SARAFAN_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (SARAFAN_PORT).")] = None,
) -> None:
    """Run the bot: HTTP server with the web chat, workers, and configured channels."""
    import logging

    from bot.app import run_serve
    from bot.config import ConfigError, secret_values
    from bot.logsetup import configure_logging

    overrides: dict[str, Any] = {"host": host, "port": port}
    settings = settings_or_exit(**{k: v for k, v in overrides.items() if v is not None})
    configure_logging(settings.log_level, secret_values(settings),
                      message_texts=settings.log_message_texts)
    try:
        _check_address(settings)
        with _database(settings):
            status = run_serve(settings)
    except ConfigError as exc:  # the address is taken, the content is broken, a channel …
        logging.getLogger("sarafan").error("Configuration error: %s", exc)
        raise typer.Exit(2) from None
    if status:
        raise typer.Exit(status)


@app.command()
def health(
    ready: Annotated[bool, typer.Option("--ready", help="Check /readyz (the database too).")]
    = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the answer.")] = 4.0,
) -> None:
    """Exit 0 when the bot running with these settings answers on its configured port.

    For container health checks: it reads the port wherever it is configured (variables,
    `.env`, `sarafan.yml`), so the check follows a port moved away from 8080.
    """
    import urllib.error
    import urllib.request

    settings = settings_or_exit()
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "", "::") else settings.host
    host = f"[{host}]" if ":" in host else host
    url = f"http://{host}:{settings.port}/{'readyz' if ready else 'healthz'}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            status = answer.status
    except (OSError, urllib.error.URLError) as exc:
        typer.echo(f"unhealthy: {url}: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"ok: {url} answered {status}")


@app.command()
def shell(
    chat: Annotated[str, typer.Option(help="Who you are in the bot's database.")] = "shell",
    language: Annotated[str | None, typer.Option(help="Your language hint (en, ru, fa …).")]
    = None,
) -> None:
    """Chat with the bot in this terminal: no server, the configured database and content.

    Type a message, or the number of a button to tap it; Ctrl+D (or /quit) ends.
    """
    from bot.config import ConfigError
    from bot.shell import chat_in_terminal

    settings = settings_or_exit()
    try:
        with _database(settings):
            asyncio.run(chat_in_terminal(settings, chat=chat, language=language))
    except ConfigError as exc:
        typer.echo(f"Configuration error: {exc}", err=True)
        raise typer.Exit(2) from None


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    from bot.storage import migrate

    settings = settings_or_exit()
    with _database(settings):
        asyncio.run(migrate.upgrade(settings.database_url, revision))
        typer.echo(f"database at {asyncio.run(migrate.current(settings.database_url))}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Step the schema back to REVISION."""
    from bot.storage import migrate

    settings = settings_or_exit()
    with _database(settings):
        asyncio.run(migrate.downgrade(settings.database_url, revision))
        typer.echo(f"database at {asyncio.run(migrate.current(settings.database_url))}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and the newest one shipped (creates nothing)."""
    from sqlalchemy.engine import make_url

    from bot.storage import migrate

    settings = settings_or_exit()
    url = make_url(settings.database_url)
    revision = None
    # Connecting would create a missing SQLite file (and its folder): a read must not write.
    if url.get_backend_name() != "sqlite" or Path(url.database or "").exists():
        with _database(settings):
            revision = asyncio.run(migrate.current(settings.database_url))
    typer.echo(f"current: {revision or 'none (not migrated)'}\nhead: {migrate.head()}")


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
