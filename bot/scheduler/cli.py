"""`sarafan jobs ...`: what the durable scheduler holds."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from sqlalchemy import func, select

from bot.cli_common import with_session

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

app = typer.Typer(help="The durable scheduler: pending, failed and periodic jobs.",
                  no_args_is_help=True)


@app.command("list")
def list_jobs(
    status: str = typer.Option("", help="only jobs in this state: pending, running, done, "
                                        "failed, cancelled"),
    limit: int = typer.Option(50, min=1, max=10_000),
) -> None:
    """Jobs newest first, with counts per kind and state."""
    from bot.scheduler.tables import Job
    states = ("pending", "running", "done", "failed", "cancelled")
    if status and status not in states:
        typer.echo(f"error: --status must be one of {', '.join(states)}", err=True)
        raise typer.Exit(2)
    async def main(session: AsyncSession) -> None:
        counts = (await session.execute(
            select(Job.kind, Job.status, func.count()).group_by(Job.kind, Job.status)
            .order_by(Job.kind, Job.status))).all()
        for kind, state, count in counts:
            typer.echo(f"{kind:32} {state:10} {count}")
        query = select(Job).order_by(Job.id.desc()).limit(limit)
        if status:
            query = query.where(Job.status == status)
        for job in (await session.scalars(query)).all():
            when = f"{job.run_at:%Y-%m-%d %H:%M:%S}"
            typer.echo(f"#{job.id} {job.kind} {job.status} run_at={when} "
                       f"attempts={job.attempts} {job.error or ''}".rstrip())

    with_session(main)
