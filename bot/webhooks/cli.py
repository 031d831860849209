"""`sarafan webhooks ...`: endpoints (add, list, enable, disable, remove) and deliveries."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from bot.api.cli import run_in_session

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.webhooks.endpoints import DeliveryView, EndpointView

app = typer.Typer(help="Outbound webhook endpoints and deliveries.", no_args_is_help=True)
EVENT_OPTION = typer.Option([], "--event", "-e", help="feedback.created, survey.completed, "
                            "beta.applied, ticket.opened, ticket.closed or contact.erased; "
                            "repeat; none means every event")


@app.command("add")
def add(
    url: str = typer.Argument(..., help="where to POST, http(s)://…"),
    event: list[str] = EVENT_OPTION,
    secret: str = typer.Option("", help="a whsec_ secret to use (default: a new random one)"),
    description: str = typer.Option("", help="a note for people"),
) -> None:
    """Add an endpoint; its signing secret is printed once."""
    from bot.audit import audit
    from bot.webhooks.endpoints import add_endpoint

    async def work(session: AsyncSession) -> tuple[int, str]:
        endpoint, key = await add_endpoint(session, url, events=event, secret=secret or None,
                                           description=description or None)
        await audit(session, "cli", "webhook.add", f"webhook:{endpoint.id}",
                    {"url": endpoint.url, "events": list(endpoint.events)})
        return endpoint.id, key

    endpoint_id, key = run_in_session(work)
    typer.echo(f"webhook #{endpoint_id} {url} events={','.join(event) or 'all'}")
    typer.echo(key)
    typer.echo("Give this secret to the receiver now: it is shown only this once.", err=True)


@app.command("list")
def list_() -> None:
    """Endpoints with their delivery counts."""
    from bot.webhooks.endpoints import list_endpoints

    async def work(session: AsyncSession) -> list[EndpointView]:
        return await list_endpoints(session, limit=10_000)

    for view in run_in_session(work):
        state = "enabled" if view.enabled else "disabled"
        typer.echo(f"#{view.id} {view.url} {state} events={','.join(view.events) or 'all'} "
                   f"pending={view.pending} delivered={view.delivered} failed={view.failed}")


def _set_enabled(endpoint_id: int, enabled: bool) -> None:
    from bot.audit import audit
    from bot.webhooks.endpoints import update_endpoint

    async def work(session: AsyncSession) -> None:
        await update_endpoint(session, endpoint_id, enabled=enabled)
        await audit(session, "cli", "webhook.enable" if enabled else "webhook.disable",
                    f"webhook:{endpoint_id}")

    run_in_session(work)
    typer.echo(f"webhook #{endpoint_id} {'enabled' if enabled else 'disabled'}")


@app.command("enable")
def enable(endpoint_id: int) -> None:
    """Deliver to the endpoint again (also ends a pause after failures)."""
    _set_enabled(endpoint_id, True)


@app.command("disable")
def disable(endpoint_id: int) -> None:
    """Stop delivering to the endpoint; events keep being recorded for it."""
    _set_enabled(endpoint_id, False)


@app.command("remove")
def remove(endpoint_id: int) -> None:
    """Delete an endpoint and its delivery history."""
    from bot.audit import audit
    from bot.webhooks.endpoints import remove_endpoint

    async def work(session: AsyncSession) -> None:
        await remove_endpoint(session, endpoint_id)
        await audit(session, "cli", "webhook.remove", f"webhook:{endpoint_id}")

    run_in_session(work)
    typer.echo(f"removed webhook #{endpoint_id}")


@app.command("deliveries")
def deliveries(
    endpoint: int = typer.Option(0, help="only this endpoint"),
    status: str = typer.Option("", help="pending, delivered or failed"),
    limit: int = typer.Option(50, min=1, max=10_000),
) -> None:
    """Recent deliveries, newest first, with attempts and the last answer."""
    from bot.webhooks.endpoints import STATUSES, DeliveryFilter, list_deliveries

    if status and status not in STATUSES:
        typer.echo(f"error: --status must be one of {', '.join(STATUSES)}", err=True)
        raise typer.Exit(2)
    flt = DeliveryFilter(endpoint_id=endpoint or None, status=status or None)

    async def work(session: AsyncSession) -> list[DeliveryView]:
        return await list_deliveries(session, flt, limit=limit)

    for view in run_in_session(work):
        answer = view.last_error or (f"HTTP {view.last_status_code}"
                                     if view.last_status_code else "")
        nxt = f" next={view.next_attempt_at:%Y-%m-%d %H:%M:%S}" if view.next_attempt_at else ""
        typer.echo(f"#{view.id} webhook#{view.endpoint_id} {view.event_name} event#{view.event_id}"
                   f" {view.status} attempts={view.attempts}{nxt} {answer}".rstrip())
