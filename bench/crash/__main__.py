"""``python -m bench.crash [--updates N] [--chats N] [--databases sqlite,postgres]``

The crash figures of a kill -9 burst (``tests/crash/burst.py``): a real ``sarafan run`` gets N
Telegram updates over C chats through its webhook, is killed -9 at 30% and 65% of the
acknowledged updates and restarted under the same worker identity; unacknowledged updates are
posted again, as Telegram does. Prints one row per database: duplicate replies (the
at-least-once window) and their rate, the chats that held a claim at a kill and how long they
waited after the restart for their next reply (p50/max), the restart times, the load average.
``--before``: as before short leases, a 60 s lease and no reclaiming at restart.
PostgreSQL: a scratch database on ``SARAFAN_TEST_POSTGRES`` (default postgres@127.0.0.1).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
from pathlib import Path

from bench.e2e.databases import scratch_database
from tests.crash.burst import NEW_IDENTITY, Burst, duplicates, problems, run_burst, stalls


def row(kind: str, burst: Burst, load: tuple[float, float, float]) -> str:
    waits = stalls(burst) or [0.0]
    replies = sum(len(rows) for rows in burst.outbox.values())
    dups = duplicates(burst)
    broken = len(problems(burst))
    restarts = "/".join(f"{s:.0f}" for s in burst.starts[1:])
    held = sum(len(kill.held_chats) for kill in burst.kills)
    return (f"{kind:<9} {burst.updates:>7} {len(burst.kills):>5} {broken:>6} {dups:>5} "
            f"{100 * dups / max(1, replies):>7.2f}% {held:>5} "
            f"{statistics.median(waits):>8.2f} {max(waits):>8.2f} {restarts:>11} "
            f"{burst.seconds:>7.0f}  {' '.join(f'{x:.2f}' for x in load)}")


async def main(args: argparse.Namespace) -> None:
    lines = []
    env = {"SARAFAN_LEASE_SECONDS": "60", "SARAFAN_WORKER_ID": NEW_IDENTITY} if args.before \
        else None
    for kind in args.databases.split(","):
        with tempfile.TemporaryDirectory(prefix="sarafan-crash-") as tmp:
            async with scratch_database(kind, Path(tmp)) as url:
                burst = await run_burst(url, Path(tmp), updates=args.updates, chats=args.chats,
                                        env=env)
                lines.append(row(kind, burst, os.getloadavg()))
    print(f"{'database':<9} {'updates':>7} {'kills':>5} {'broken':>6} {'dups':>5} "
          f"{'dup rate':>8} {'held':>5} {'stall p50':>8} {'stall max':>8} {'restart s':>11} "
          f"{'total s':>7}  load (1/5/15)")
    print("\n".join(lines))


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--before", action="store_true",
                        help="60 s leases and a new identity per start (the old behaviour)")
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse()))
