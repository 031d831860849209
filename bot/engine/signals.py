"""Per-chat wake-ups: a delivery wakes only the long-polls waiting on that chat."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator


class ChatSignals:
    """Listeners per chat key; ``notify(chat_key)`` wakes only that chat's listeners.

    A long-poll listens first, then reads the chat, then waits on the event it got, so a
    delivery between its read and its wait is not missed::

        with signals.listening(chat_key) as delivered:
            if not await new_messages():
                await asyncio.wait_for(delivered.wait(), timeout)
    """

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}
        self._listeners: dict[str, int] = {}

    def notify(self, chat_key: str) -> None:
        """Something was delivered to ``chat_key``: wake its listeners (nobody else)."""
        event = self._events.pop(chat_key, None)
        if event is not None:
            event.set()  # later listeners get a fresh event for the next delivery

    @contextlib.contextmanager
    def listening(self, chat_key: str) -> Iterator[asyncio.Event]:
        """The event the next delivery to ``chat_key`` sets."""
        event = self._events.setdefault(chat_key, asyncio.Event())
        self._listeners[chat_key] = self._listeners.get(chat_key, 0) + 1
        try:
            yield event
        finally:
            self._listeners[chat_key] -= 1
            if self._listeners[chat_key] == 0:  # the last listener: forget the chat
                del self._listeners[chat_key]
                self._events.pop(chat_key, None)
