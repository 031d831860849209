"""What every `sarafan` sub-command shares: settings or one clear line and exit 2."""

from __future__ import annotations

from typing import Any

import typer

from bot.config import ConfigError, Settings, load_settings, unknown_variables


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
