"""The Facebook Messenger channel: webhook in, Send API out, any number of pages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from bot.channels.base import Limit, PermanentFailure, RetryLater
from bot.channels.messenger_graph import GraphClient
from bot.channels.messenger_inbound import NAME
from bot.channels.messenger_render import render
from bot.channels.messenger_webhook import PATH, Webhook
from bot.channels.runtime import ChannelRuntime, Ingest
from bot.config import MessengerSettings, Settings
from bot.messages import Reply

log = logging.getLogger("sarafan.messenger")
PIECE_RETRIES = (0.5, 2.0)
"""Waits before retrying a later piece of a split text in place: a retry of the whole reply
would send the earlier pieces twice."""


class MessengerChannel:
    """Delivers replies through the Send API with the access token of the page addressed."""

    name = NAME

    def __init__(self, graph: GraphClient, tokens: Mapping[str, str],
                 settings: MessengerSettings | None = None) -> None:
        self._graph = graph
        self._tokens = dict(tokens)
        self.settings = settings or MessengerSettings()

    def limits(self, chat_id: str, account: str | None = None) -> Sequence[Limit]:
        """Meta's per-page Send API cap (with headroom) and a per-thread (PSID) cap.

        The page cap is an enforced API limit for every call, replies included, unlike
        Telegram's bot-wide guidance; Messenger has no separate cap for broadcasts.
        """
        config = self.settings
        return (
            Limit(f"{NAME}:page:{account or ''}", config.page_sends_per_second, 1.0),
            Limit(f"{NAME}:psid:{chat_id}", config.thread_sends, config.thread_period_seconds),
        )

    async def send(self, *, chat_id: str, reply: Reply, account: str | None) -> str:
        """Send ``reply`` to PSID ``chat_id`` as page ``account``; the last message's id."""
        token = self._token(account)
        try:
            bodies = render(chat_id, reply)
        except ValueError as exc:
            raise PermanentFailure(f"cannot render for Messenger: {exc}") from exc
        message_id = await self._graph.send_message(token=token, body=bodies[0])
        for body in bodies[1:]:
            message_id = await self._send_piece(token, body)
        return message_id

    async def _send_piece(self, token: str, body: dict[str, Any]) -> str:
        for wait in PIECE_RETRIES:
            try:
                return await self._graph.send_message(token=token, body=body)
            except RetryLater:
                await asyncio.sleep(wait)
        return await self._graph.send_message(token=token, body=body)

    def _token(self, account: str | None) -> str:
        if account is None and len(self._tokens) == 1:
            return next(iter(self._tokens.values()))
        token = self._tokens.get(account or "")
        if token is None:
            raise PermanentFailure(f"no access token configured for Messenger page {account!r}")
        return token


def runtime(settings: Settings, ingest: Ingest) -> ChannelRuntime | None:
    """The Messenger channel when an app secret and at least one page are configured."""
    config = settings.messenger
    secret = config.app_secret.get_secret_value() if config.app_secret else ""
    if not secret or not config.pages:
        if secret or config.pages:
            log.warning("Messenger stays off: it needs both SARAFAN_MESSENGER__APP_SECRET and "
                        "at least one page in SARAFAN_MESSENGER__PAGES")
        return None
    if config.verify_token is None:
        log.warning("SARAFAN_MESSENGER__VERIFY_TOKEN is not set: Meta cannot verify %s", PATH)
    graph = GraphClient(config.graph_base)
    tokens = {page.page_id: page.access_token.get_secret_value() for page in config.pages}
    verify_token = config.verify_token.get_secret_value() if config.verify_token else None
    webhook = Webhook(app_secret=secret, verify_token=verify_token, ingest=ingest)
    pages = ", ".join(tokens)
    return ChannelRuntime(MessengerChannel(graph, tokens, config),
                          f"Messenger (pages {pages}) at {PATH}",
                          routes=webhook.routes(), close=graph.close)
