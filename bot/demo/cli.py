"""`sarafan demo ...`."""

from __future__ import annotations

import typer

app = typer.Typer(help="Demo data: seed realistic contacts, tickets, feedback, surveys, beta.",
                  no_args_is_help=True)
