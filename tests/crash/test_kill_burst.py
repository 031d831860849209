"""kill -9 twice during a burst of 2,000 updates over 200 chats: nothing lost, order kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.crash.burst import duplicates, problems, run_burst, stalls

pytestmark = pytest.mark.slow


async def test_a_burst_survives_two_kills(database_url: str, tmp_path: Path) -> None:
    burst = await run_burst(database_url, tmp_path)
    found = problems(burst)
    assert not found, "\n".join(found[:20])
    waits = sorted(stalls(burst))
    print(f"{burst.seconds:.1f} s, {burst.redelivered} redeliveries, {duplicates(burst)} "
          f"duplicate replies, {len(waits)} chats held at kills, longest stall "
          f"{waits[-1] if waits else 0:.2f} s, starts {[round(s, 1) for s in burst.starts]} s")
    # Claims of the killed run are taken back at start: no chat waits for a lease to expire.
    assert duplicates(burst) <= sum(len(kill.held_chats) for kill in burst.kills)
    assert any(kill.held_chats for kill in burst.kills), "the kills hit an idle process"
