"""GCRA arithmetic: a burst of ``count``, then one send every ``period / count``."""

from __future__ import annotations

import pytest

from bot.channels.base import Limit
from bot.engine.ratelimit import RateLimiter, charge, take, wait

ALL = Limit("all", 3, 1.0)
CHAT = Limit("chat", 1, 1.0)


def test_a_burst_of_count_then_one_per_interval() -> None:
    tats: dict[str, float] = {}
    for _ in range(3):
        assert wait(tats, [ALL], 0.0) == 0
        take(tats, [ALL], 0.0)
    assert wait(tats, [ALL], 0.0) == pytest.approx(1 / 3)
    assert wait(tats, [ALL], 1 / 3) == 0  # one interval later: one more, not a new burst
    take(tats, [ALL], 1 / 3)
    assert wait(tats, [ALL], 1 / 3) == pytest.approx(1 / 3)


def test_an_idle_key_starts_a_fresh_burst() -> None:
    tats: dict[str, float] = {}
    for _ in range(3):
        take(tats, [ALL], 0.0)
    assert tats["all"] == pytest.approx(1.0)
    for _ in range(3):
        assert wait(tats, [ALL], 5.0) == 0
        take(tats, [ALL], 5.0)


def test_sends_that_did_not_wait_fill_a_limit_at_most_one_period_ahead() -> None:
    tats: dict[str, float] = {}
    for _ in range(100):  # a spike of replies: they count toward ALL without waiting for it
        charge(tats, [CHAT], [CHAT, ALL], 0.0)
    assert tats["all"] == pytest.approx(1.0)  # not 100/3 s: broadcasts wait one period
    assert wait(tats, [ALL], 1.0) == 0


def test_the_in_process_limiter_forgets_keys_whose_time_has_passed() -> None:
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    limiter.record([CHAT])
    assert limiter.delay([CHAT]) == pytest.approx(1.0)
    now[0] = 2.0
    assert limiter.delay([CHAT]) == 0
