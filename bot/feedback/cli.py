"""`sarafan feedback ...`."""

from __future__ import annotations

import typer

app = typer.Typer(help="Feedback: list, count, themes.", no_args_is_help=True)
