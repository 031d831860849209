"""`sarafan webhooks ...`."""

from __future__ import annotations

import typer

app = typer.Typer(help="Outbound webhook endpoints and deliveries.", no_args_is_help=True)
