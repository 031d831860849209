"""The `sarafan` command: run the bot, manage the database, the NLU and the content."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
import sys
from collections.abc import Iterator

import typer
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from bot.api.cli import app as tokens_app
from bot.beta.cli import app as beta_app
from bot.channels.messenger_profile import messenger_app
from bot.cli_common import settings_or_exit
from bot.cli_support import kb_app, tickets_app
from bot.config import ConfigError, Settings, masked_url, secret_values
from bot.consent.cli import app as consent_app
from bot.dashboard.cli import app as users_app
from bot.demo.cli import app as demo_app
from bot.feedback.cli import app as feedback_app
from bot.logsetup import configure_logging
from bot.scheduler.cli import app as jobs_app
from bot.storage import migrate
from bot.surveys.cli import app as surveys_app
from bot.webhooks.cli import app as webhooks_app
from nlu.cli import app as nlu_app

app = typer.Typer(help="Sarafan: a word-of-mouth chat-bot.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(kb_app, name="kb")
app.add_typer(tickets_app, name="tickets")
app.add_typer(messenger_app, name="messenger")
app.add_typer(nlu_app, name="nlu")
app.add_typer(surveys_app, name="surveys")
app.add_typer(feedback_app, name="feedback")
app.add_typer(beta_app, name="beta")
app.add_typer(consent_app, name="consent")
app.add_typer(tokens_app, name="tokens")
app.add_typer(users_app, name="users")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(jobs_app, name="jobs")
app.add_typer(demo_app, name="demo")


@contextlib.contextmanager
def _database(settings: Settings) -> Iterator[None]:
    """An unreachable or unusable database is one line and exit 1, not a traceback."""
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
def run() -> None:
    """Run the bot: HTTP server with the web chat, workers, and configured channels."""
    from bot.app import serve

    settings = settings_or_exit()
    configure_logging(settings.log_level, secret_values(settings))
    try:
        _check_address(settings)
        with _database(settings):
            status = asyncio.run(serve(settings))
    except ConfigError as exc:  # the address is taken, or a channel rejected its settings
        logging.getLogger("sarafan").error("Configuration error: %s", exc)
        raise typer.Exit(2) from None
    if status:
        raise typer.Exit(status)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Migrate the database to REVISION (default: the newest)."""
    settings = settings_or_exit()
    with _database(settings):
        asyncio.run(migrate.upgrade(settings.database_url, revision))
        typer.echo(f"database at {asyncio.run(migrate.current(settings.database_url))}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Step the schema back to REVISION."""
    settings = settings_or_exit()
    with _database(settings):
        asyncio.run(migrate.downgrade(settings.database_url, revision))
        typer.echo(f"database at {asyncio.run(migrate.current(settings.database_url))}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's revision and the newest one shipped."""
    settings = settings_or_exit()
    with _database(settings):
        revision = asyncio.run(migrate.current(settings.database_url))
    typer.echo(f"current: {revision or 'none (not migrated)'}\nhead: {migrate.head()}")


def main() -> None:
    """Console entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
