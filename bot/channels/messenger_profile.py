"""``sarafan messenger profile``: each page's Get Started button and welcome greeting."""

from __future__ import annotations

import asyncio
from typing import Any

import typer

from bot.channels.base import SendError
from bot.channels.messenger_graph import GraphClient
from bot.channels.messenger_inbound import GET_STARTED
from bot.config import LANGUAGES, ConfigError, Settings, load_settings
from bot.i18n import N_, gettext

GREETING = N_("Hello! Ask me your question here and I will answer right away.")
"""Shown on the welcome screen before the conversation starts (Meta allows 160 characters)."""
FACEBOOK_LOCALES = {"en": "en_US", "ru": "ru_RU", "fa": "fa_IR", "bg": "bg_BG", "el": "el_GR"}
"""Meta's locale codes for our languages: the greeting follows the reader's Facebook language."""

messenger_app = typer.Typer(help="Facebook Messenger pages.", no_args_is_help=True)


def profile_body(default_language: str) -> dict[str, Any]:
    """The Messenger Profile: Get Started sends ``GET_STARTED``; a greeting per language."""
    greeting = [{"locale": "default", "text": gettext(default_language, GREETING)}]
    greeting += [{"locale": FACEBOOK_LOCALES[code], "text": gettext(code, GREETING)}
                 for code in LANGUAGES]
    return {"get_started": {"payload": GET_STARTED}, "greeting": greeting}


async def set_profiles(settings: Settings) -> dict[str, str]:
    """Set the profile on every configured page; ``page id -> "ok"`` or the error."""
    config = settings.messenger
    graph = GraphClient(config.graph_base)
    body = profile_body(settings.default_language)
    outcome: dict[str, str] = {}
    try:
        for page in config.pages:
            try:
                await graph.post("/me/messenger_profile", body=body,
                                 token=page.access_token.get_secret_value())
                outcome[page.page_id] = "ok"
            except SendError as exc:
                outcome[page.page_id] = str(exc)
    finally:
        await graph.close()
    return outcome


@messenger_app.command("profile")
def profile() -> None:
    """Set the Get Started button and the greeting (in all languages) on every page."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        typer.echo(f"Configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    if not settings.messenger.pages:
        typer.echo("no Messenger pages configured (SARAFAN_MESSENGER__PAGES)", err=True)
        raise typer.Exit(2)
    outcome = asyncio.run(set_profiles(settings))
    for page_id, result in outcome.items():
        typer.echo(f"page {page_id}: {result}")
    if any(result != "ok" for result in outcome.values()):
        raise typer.Exit(1)
