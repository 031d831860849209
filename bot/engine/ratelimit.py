"""Sliding-window rate limiting for sends, per chat, per group and overall."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence

from bot.channels.base import Limit


class RateLimiter:
    """Remembers recent sends per key and says how long the next one must wait."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._sent: defaultdict[str, deque[float]] = defaultdict(deque)

    def delay(self, limits: Sequence[Limit]) -> float:
        """Seconds to wait before a send under ``limits`` is allowed (0 when allowed now)."""
        now = self._clock()
        wait = 0.0
        for limit in limits:
            window = self._sent[limit.key]
            while window and window[0] <= now - limit.period:
                window.popleft()
            if len(window) >= limit.count:
                wait = max(wait, window[0] + limit.period - now)
        return wait

    def record(self, limits: Sequence[Limit]) -> None:
        """Count one send against every limit."""
        now = self._clock()
        for limit in limits:
            self._sent[limit.key].append(now)
