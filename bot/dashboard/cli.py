"""`sarafan dashboard ...`."""

from __future__ import annotations

import typer

app = typer.Typer(help="Dashboard users: create, list, set role, disable.", no_args_is_help=True)
