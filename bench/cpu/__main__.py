"""``python -m bench.cpu [--lone N] [--burst N] [--setups sqlite,postgres]``

CPU time of the bot's own process per update, without HTTP: the real ``build_bot`` (demo
content, local NLU, the web chat channel, whose send is a database write) in this process,
on a scratch database of each setup.

- **lone**: one update stored, its turn run, its reply sent, then the next (a steady, low
  rate, where nothing is batched): CPU per update, mean and median after the first quarter;
- **burst**: N updates over 500 chats stored at once, then processed and sent in groups:
  CPU per update for storing them and for their turns and sends.

It reads ``time.process_time()`` (every thread of this process, no waiting), so it moves far
less with the machine's load than ``bench.e2e``'s wall-clock rates: use it to compare two code
states (run it in each checkout, one after the other) when a change saves CPU per update.
What it leaves out is HTTP: the webhook's request and the platform's send (see ``bench.e2e``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from pathlib import Path

from bench.e2e.__main__ import TEXTS
from bench.e2e.databases import scratch_database
from bot.app import build_bot
from bot.config import Settings
from bot.messages import Inbound

LANGUAGES = list(TEXTS)


def message(prefix: str, number: int, chats: int) -> Inbound:
    """Customer ``number % chats`` writes in the web chat, in one of the five languages."""
    language = LANGUAGES[number % len(LANGUAGES)]
    texts = TEXTS[language]
    return Inbound(channel="webchat", update_id=f"{prefix}{number}",
                   user_id=f"c{number % chats}", chat_id=str(number % chats),
                   text=texts[number % len(texts)])


async def measure(url: str, lone: int, burst: int) -> dict[str, float]:
    """The figures of one setup (ms of CPU per update)."""
    bot = await build_bot(Settings(database_url=url, environment="test",
                                   _env_file=None))
    try:
        spent: list[float] = []
        for number in range(lone):
            started = time.process_time()
            await bot.ingest(message("lone", number, 200))
            await bot.processor.run_once()
            await bot.sender.run_once()
            spent.append(time.process_time() - started)
        warm = spent[lone // 4:] or [float("nan")]
        figures = {"lone mean": statistics.mean(warm) * 1e3,
                   "lone median": statistics.median(warm) * 1e3}
        if burst:
            started = time.process_time()
            await asyncio.gather(*(bot.ingest(message("burst", n, 500)) for n in range(burst)))
            stored = time.process_time()
            turns = sent = 0
            for _ in range(burst * 4):  # bounded: each round runs and sends at least one
                if turns >= burst and sent >= burst:
                    break
                turns += await bot.processor.run_once()
                sent += await bot.sender.run_once()
            figures["burst store"] = (stored - started) / burst * 1e3
            figures["burst turn+send"] = (time.process_time() - stored) / burst * 1e3
        return figures
    finally:
        await bot.close()


async def main(args: argparse.Namespace) -> None:
    rows: list[tuple[str, dict[str, float]]] = []
    for setup in args.setups.split(","):
        with tempfile.TemporaryDirectory(prefix="sarafan-cpu-") as tmp:
            async with scratch_database(setup, Path(tmp)) as url:
                rows.append((setup, await measure(url, args.lone, args.burst)))
    names = list(rows[0][1])
    print(f"{'ms CPU/update':<14}" + "".join(f"{name:>17}" for name in names))
    for setup, figures in rows:
        print(f"{setup:<14}" + "".join(f"{figures.get(name, float('nan')):>17.2f}"
                                       for name in names))


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lone", type=int, default=800, help="updates one at a time")
    parser.add_argument("--burst", type=int, default=3000, help="updates stored at once")
    parser.add_argument("--setups", default="sqlite,postgres",
                        help="sqlite, postgres, comma-separated")
    return parser.parse_args()


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main(parse()))
