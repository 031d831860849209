"""In-process token buckets: how many posts a key (a chat, a client address) may make.

Each process keeps its own buckets, so N processes behind one address multiply the limits by N;
a shared limit needs a shared store (or the proxy in front), which is not worth a round trip here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_KEYS = 10_000
"""Above this many tracked keys, full (idle) buckets are forgotten: a flood of fresh chat ids
must not grow the process without bound."""


@dataclass
class TokenBuckets:
    """``limit`` posts per ``seconds`` per key, with bursts up to ``limit``."""

    limit: int
    seconds: float
    clock: Callable[[], float] = time.monotonic
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    """key -> (tokens, when they were counted)."""

    def take(self, key: str) -> float:
        """Spend one token of ``key``: 0.0 when allowed, else the seconds until one is back."""
        now = self.clock()
        tokens = self._tokens(key, now)
        if tokens >= 1.0:
            if len(self._buckets) >= MAX_KEYS and key not in self._buckets:
                self._forget_idle(now)
            self._buckets[key] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) * self.seconds / self.limit

    def _tokens(self, key: str, now: float) -> float:
        tokens, then = self._buckets.get(key, (float(self.limit), now))
        return min(float(self.limit), tokens + (now - then) * self.limit / self.seconds)

    def _forget_idle(self, now: float) -> None:
        idle = [key for key in self._buckets if self._tokens(key, now) >= self.limit]
        for key in idle:
            del self._buckets[key]


def retry_after(seconds: float) -> str:
    """A ``Retry-After`` value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
