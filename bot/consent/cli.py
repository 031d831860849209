"""`sarafan consent ...`."""

from __future__ import annotations

import typer

app = typer.Typer(help="Consent records and erasure.", no_args_is_help=True)
