"""`sarafan beta ...`."""

from __future__ import annotations

import typer

app = typer.Typer(help="Beta campaigns, applicants and referrals.", no_args_is_help=True)
