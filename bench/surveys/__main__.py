"""`python -m bench.surveys`: simulated respondents answer the demo branching survey through the
real bot (inbox, turns, outbox, scheduler) on Telegram, Messenger and the web chat, with random
answers, invalid input, /back, /skip, abandonments and duplicate button presses. The results the
query functions report must equal what the simulation gave, exactly; the run time is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.app import Bot, build_bot
from bot.channels.base import Limit
from bot.config import LANGUAGES, Settings
from bot.messages import Inbound, Kind, Reply
from bot.storage.base import utcnow
from bot.surveys.check import load_catalogue
from bot.surveys.cli import render_table
from bot.surveys.model import MultipleChoice, Question, SingleChoice, Survey
from bot.surveys.questions import label
from bot.surveys.results import SurveyResults, survey_results

SURVEY = "tea_discovery"
CHANNELS = ("telegram", "messenger", "webchat")
PROGRESS = re.compile(r"^(\d+)/(\d+) · ")
TEXTS = ("Fresher harvests", "Smaller packs to try", "Clear brewing tips", "Better prices",
         "Tea from Georgia", "Свежий урожай", "چای تازه", "Повече билкови", "Φρέσκο τσάι")


class Collecting:
    """A channel that keeps what it was asked to send, per chat."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: dict[str, list[Reply]] = {}

    def limits(self, chat_id: str, account: str | None = None) -> list[Limit]:
        return []

    async def send(self, *, chat_id: str, reply: Reply, account: str | None) -> str:
        self.sent.setdefault(chat_id, []).append(reply)
        return f"m{sum(map(len, self.sent.values()))}"


@dataclass
class Respondent:
    """One simulated person and everything they actually answered."""

    number: int
    channel: str
    language: str
    abandon_after: int | None
    """Stop after this many accepted answers (None: answer to the end)."""
    answers: dict[str, Any] = field(default_factory=dict)
    path: list[str] = field(default_factory=list)
    old_payloads: list[str] = field(default_factory=list)
    ticks: list[str] = field(default_factory=list)
    pending: tuple[str, Any] | None = None
    """The answer just sent: (question id, value), accepted when the next question arrives."""
    backs: int = 0
    status: str = "running"
    stopped_at: str | None = None
    seen: int = 0

    @property
    def chat(self) -> str:
        return f"r{self.number}"


class Simulation:
    """Drives many respondents in waves: each sends one message, then the bot runs."""

    def __init__(self, bot: Bot, survey: Survey, count: int, rng: random.Random) -> None:
        self.bot, self.survey, self.rng = bot, survey, rng
        self.channels = {name: Collecting(name) for name in CHANNELS}
        for name, channel in self.channels.items():
            bot.sender.channels[name] = channel  # type: ignore[index]
        self.people = [Respondent(n, rng.choice(CHANNELS), rng.choice(LANGUAGES),
                                  rng.randrange(0, 9) if rng.random() < 0.18 else None)
                       for n in range(count)]
        self.update = 0
        self.messages = 0
        self.duplicates = 0
        self.invalid = 0

    async def send(self, person: Respondent, *, text: str | None = None,
                   payload: str | None = None, kind: Kind | None = None) -> None:
        self.update += 1
        self.messages += 1
        kind = kind or (Kind.BUTTON if payload is not None else Kind.TEXT)
        await self.bot.ingest(Inbound(
            channel=person.channel, update_id=f"b{self.update}", user_id=person.chat,
            chat_id=person.chat, kind=kind, text=text, payload=payload,
            language_hint=person.language))

    def replies(self, person: Respondent) -> list[Reply]:
        sent = self.channels[person.channel].sent.get(person.chat, [])
        new = sent[person.seen:]
        person.seen = len(sent)
        return new

    async def run(self) -> None:
        for person in self.people:
            await self.send(person, payload=f"survey-{SURVEY}-bench", kind=Kind.START)
        await self.drain()
        active = list(self.people)
        while active:
            for person in active:
                await self.step(person, self.replies(person))
            await self.drain()
            active = [p for p in self.people if p.status == "running"
                      and p.stopped_at is None]
        # Three days later the unfinished ones are marked abandoned by the scheduler.
        await self.drain(utcnow() + timedelta(hours=80))

    async def drain(self, now: Any = None) -> None:
        bot = self.bot
        while (await bot.processor.run_once() + await bot.jobs.run_once(now)
               + await bot.sender.run_once()):
            pass

    def current(self, replies: list[Reply]) -> tuple[Question, Reply] | None:
        for reply in reversed(replies):
            match = PROGRESS.match(reply.text)
            if match:
                return self.survey.questions[int(match.group(1)) - 1], reply
        return None

    async def step(self, person: Respondent, replies: list[Reply]) -> None:
        asked = self.current(replies)
        if asked is None:  # an ending: the survey is over
            self._accept_pending(person)
            person.status = "screened_out" if person.answers.get("drink") == "none" \
                else "completed"
            return
        question, reply = asked
        if person.pending is not None and person.pending[0] != question.id:
            self._accept_pending(person)
        elif person.pending is not None and question.type != "multiple":
            person.pending = None  # refused: the same question again
        if person.abandon_after is not None and len(person.answers) >= person.abandon_after:
            person.stopped_at, person.status = question.id, "abandoned"
            return
        roll = self.rng.random()
        here = f":{self.survey.index(question.id)}:"
        old = [p for p in person.old_payloads if here not in p]  # taps on earlier questions
        if roll < 0.05 and old:  # an old button pressed again: never recorded
            self.duplicates += 1
            await self.send(person, payload=self.rng.choice(old))
            return
        if roll < 0.08 and person.path and person.backs < 2 and not person.ticks:
            person.backs += 1
            undone = person.path.pop()
            person.answers.pop(undone, None)
            await self.send(person, text="/back")
            return
        if roll < 0.13 and not person.ticks:
            self.invalid += 1
            wrong = ("🙂🙂", "x" * 5000, "??") if question.type == "text" else \
                ("🙂🙂", "x" * 5000, "999", "??")
            await self.send(person, text=self.rng.choice(wrong))
            return
        await self.answer(person, question, reply)

    def _accept_pending(self, person: Respondent) -> None:
        if person.pending is None:
            return
        question_id, value = person.pending
        person.answers[question_id] = value
        person.path.append(question_id)
        person.pending = None

    async def answer(self, person: Respondent, question: Question, reply: Reply) -> None:
        rng = self.rng
        buttons = list(reply.buttons)
        if not question.required and rng.random() < 0.25:
            person.pending = (question.id, None)
            await self.send(person, text="/skip")
            return
        if isinstance(question, MultipleChoice):
            await self.multiple(person, question, buttons)
            return
        if isinstance(question, SingleChoice):
            option = rng.choice(question.options)
            person.pending = (question.id, option.id)
            how = rng.random()
            if how < 0.6:
                index = question.options.index(option)
                payload = buttons[index].payload
                person.old_payloads.append(payload)
                await self.send(person, payload=payload, text=buttons[index].title)
            elif how < 0.8:
                await self.send(person, text=str(question.options.index(option) + 1))
            else:
                await self.send(person, text=label(option, person.language, "en"))
            return
        if question.type == "yes_no":
            yes = rng.random() < 0.6
            person.pending = (question.id, "yes" if yes else "no")
            payload = buttons[0 if yes else 1].payload
            person.old_payloads.append(payload)
            await self.send(person, payload=payload)
            return
        if question.type == "rating":
            value = rng.randint(1, 5)
            person.pending = (question.id, value)
            payload = buttons[value - 1].payload
            person.old_payloads.append(payload)
            await self.send(person, payload=payload)
            return
        if question.type == "number":
            value = rng.choice((3, 7, 12, 19, 20, 25, 40, 80))
            person.pending = (question.id, value)
            await self.send(person, text=str(value))
            return
        if question.type == "email":
            address = f"person{person.number}@example.org"
            person.pending = (question.id, address)
            await self.send(person, text=address)
            return
        text = rng.choice(TEXTS)
        person.pending = (question.id, text)
        await self.send(person, text=text)

    async def multiple(self, person: Respondent, question: MultipleChoice,
                       buttons: list[Any]) -> None:
        rng = self.rng
        limit = question.max_picks or len(question.options)
        if not person.ticks and rng.random() < 0.3:  # typed numbers answer at once
            picks = sorted(rng.sample(range(len(question.options)), rng.randint(1, limit)))
            person.pending = (question.id, [question.options[i].id for i in picks])
            await self.send(person, text=", ".join(str(i + 1) for i in picks))
            return
        if not person.ticks:
            wanted = rng.sample([o.id for o in question.options], rng.randint(1, limit))
            person.ticks = [o.id for o in question.options if o.id in wanted]
            person.pending = (question.id, list(person.ticks))
            person.ticks.append("")  # "" marks Done after the ticks
        tick = person.ticks.pop(0)
        if tick == "":
            person.ticks = []
            done = buttons[-1].payload
            person.old_payloads.append(done)
            await self.send(person, payload=done)
            return
        await self.send(person, payload=buttons[[o.id for o in question.options]
                                                .index(tick)].payload)


def expected(sim: Simulation) -> dict[str, Any]:
    """What the results must say, from the simulation's own record."""
    statuses = Counter(p.status for p in sim.people)
    per_question: dict[str, Any] = {}
    for question in sim.survey.questions:
        given = [p.answers[question.id] for p in sim.people if question.id in p.answers]
        answered = [v for v in given if v is not None]
        options: Counter[str] = Counter()
        for value in answered:
            if isinstance(value, list):
                options.update(value)
            elif isinstance(value, str) and question.type in ("single", "yes_no"):
                options[value] += 1
        numbers = [v for v in answered if isinstance(v, int | float)]
        per_question[question.id] = {
            "answered": len(answered), "skipped": len(given) - len(answered),
            "options": dict(sorted(options.items())),
            "average": round(statistics.fmean(numbers), 2) if numbers else None,
            "texts": sorted(v for v in answered if isinstance(v, str)
                            and question.type in ("text", "email")),
            "dropped": sum(1 for p in sim.people if p.stopped_at == question.id),
        }
    return {"responses": len(sim.people), "completed": statuses["completed"],
            "screened_out": statuses["screened_out"], "abandoned": statuses["abandoned"],
            "questions": per_question}


def reported(results: SurveyResults) -> dict[str, Any]:
    """The same shape, from the query functions."""
    return {"responses": results.responses, "completed": results.completed,
            "screened_out": results.screened_out, "abandoned": results.abandoned,
            "questions": {q.id: {"answered": q.answered, "skipped": q.skipped,
                                 "options": dict(sorted((o.id, o.count) for o in q.options
                                                        if o.count)),
                                 "average": q.average if q.type in ("number", "rating")
                                 else None,
                                 "texts": sorted(q.texts), "dropped": q.dropped}
                          for q in results.questions}}


async def bench(count: int, seed: int, database: Path) -> int:
    settings = Settings(database_url=f"sqlite+aiosqlite:///{database}",
                        environment="test", workers=1, _env_file=None)
    bot = await build_bot(settings)
    bot.processor.nlu = None  # a survey needs no NLU; the FAQ is not part of this measurement
    try:
        survey = load_catalogue(None).surveys[SURVEY]
        sim = Simulation(bot, survey, count, random.Random(seed))
        started = time.perf_counter()
        await sim.run()
        took = time.perf_counter() - started
        async with bot.sessionmaker() as session:
            results = await survey_results(session, SURVEY)
        assert results is not None
        print(render_table(results))
        want, got = expected(sim), reported(results)
        channels = Counter(p.channel for p in sim.people)
        print(f"{count} respondents ({', '.join(f'{c} {n}' for c, n in channels.items())}), "
              f"{sim.messages} messages incl. {sim.duplicates} repeated old buttons and "
              f"{sim.invalid} invalid answers")
        print(f"run time: {took:.1f} s ({sim.messages / took:.0f} messages/s) on SQLite")
        if want == got:
            print("results equal the simulation: yes")
            return 0
        print("results equal the simulation: NO")
        for key in want:
            if want[key] != got.get(key):
                if key == "questions":
                    for qid in want[key]:
                        if want[key][qid] != got[key].get(qid):
                            print(f"  {qid}: expected {want[key][qid]}\n  {' ' * len(qid)}  "
                                  f"reported {got[key].get(qid)}")
                else:
                    print(f"  {key}: expected {want[key]}, reported {got[key]}")
        return 1
    finally:
        await bot.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--respondents", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    # A RAM disk where there is one: the bench measures the bot, not the disk's fsync.
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as folder:
        sys.exit(asyncio.run(bench(args.respondents, args.seed,
                                   Path(folder) / "bench.sqlite3")))


if __name__ == "__main__":
    main()
