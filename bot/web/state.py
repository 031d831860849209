"""What HTTP handlers share: the session factory, the processor's wake-up and the app's extras."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.storage.session import SessionMaker


@dataclass
class AppState:
    """Handed to handlers as ``request.app.state.sarafan``.

    ``extras`` carries what the app wires in: ``ingest`` (group-committed inbox writes),
    ``chat_signals`` (per-chat delivery wake-ups for the web chat's long-polls), settings.
    """

    sessionmaker: SessionMaker
    processor_wake: Callable[[], None] = lambda: None
    extras: dict[str, Any] = field(default_factory=dict)
