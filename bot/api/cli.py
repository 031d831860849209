"""`sarafan api ...`."""

from __future__ import annotations

import typer

app = typer.Typer(help="API tokens: create, list, revoke.", no_args_is_help=True)
