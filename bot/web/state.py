"""What HTTP handlers share: the session factory and the wake-up signals of the workers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.storage.session import SessionMaker


@dataclass
class AppState:
    """Handed to handlers as ``request.app.state.sarafan``."""

    sessionmaker: SessionMaker
    processor_wake: Callable[[], None] = lambda: None
    extras: dict[str, Any] = field(default_factory=dict)
    _sent: asyncio.Event = field(default_factory=asyncio.Event)

    def sent_waiter(self) -> asyncio.Event:
        """An event set the next time the sender delivers something."""
        return self._sent

    def notify_sent(self) -> None:
        """Wake every long-poll waiting for new messages."""
        self._sent.set()
        self._sent = asyncio.Event()
