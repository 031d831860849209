"""`sarafan surveys ...`."""

from __future__ import annotations

import typer

app = typer.Typer(help="Surveys: check, list, invite, results.", no_args_is_help=True)
