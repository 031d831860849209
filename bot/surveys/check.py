"""Checks across a survey's questions (`sarafan surveys check`) and the catalogue the bot uses.

Each problem is ``file:line: message``: duplicate ids, a rule naming an unknown question or
option, a cycle, an unreachable question, a text or option missing one of the survey's
languages, a piped ``{name}`` that is not an earlier question or hidden field.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.surveys.loader import Problem, Read, parse_files, survey_files
from bot.surveys.model import (
    CHOICE_TYPES,
    Csat,
    MultipleChoice,
    Nps,
    Number,
    Question,
    Rating,
    Rule,
    SingleChoice,
    Survey,
    Texts,
)

log = logging.getLogger("sarafan.surveys")
END = "end"
"""A rule may ``goto: end``: the survey's default (thank-you) ending."""
PIPE = re.compile(r"\{([a-z][a-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The usable surveys by id (those without problems)."""

    surveys: dict[str, Survey]

    def get(self, survey_id: str) -> Survey | None:
        """The survey, if it exists."""
        return self.surveys.get(survey_id)


def check(paths: Iterable[Path]) -> tuple[Read, list[Problem]]:
    """Read ``paths`` and report every problem, sorted by file and line."""
    read = parse_files(paths)
    problems = list(read.problems)
    seen: dict[str, tuple[str, int]] = {}
    for survey in read.surveys:
        file, line = read.where[id(survey)]
        if survey.id in seen:
            first = seen[survey.id]
            problems.append(Problem(file, line, f"duplicate survey id {survey.id!r} (first "
                                                f"defined at {first[0]}:{first[1]})"))
            continue
        seen[survey.id] = (file, line)
        problems += [Problem(file, at or line, message)
                     for at, message in survey_problems(survey)]
    return read, sorted(problems, key=lambda p: (p.file, p.line, p.message))


def survey_problems(survey: Survey) -> list[tuple[int, str]]:
    """``(line, message)`` for everything wrong inside one survey."""
    problems: list[tuple[int, str]] = []
    ids: dict[str, str] = {}
    for item in (*survey.questions, *survey.endings):
        kind = "question" if item in survey.questions else "ending"
        if item.id in ids or item.id == END:
            problems.append((item.line, f"duplicate id {item.id!r} ({kind}; ids of questions "
                                        f"and endings must be unique and not {END!r})"))
        ids.setdefault(item.id, kind)
    languages = survey.title.languages()
    for question in survey.questions:
        problems += [(question.line, m) for m in _question_problems(survey, question, languages)]
    for ending in survey.endings:
        problems += [(ending.line, m)
                     for m in _missing(ending.text, languages, f"ending {ending.id!r}")]
    problems += [(survey.line, m) for m in _missing(survey.title, {survey.default_language},
                                                     "the title")]
    problems += _graph_problems(survey)
    return problems


def _question_problems(survey: Survey, question: Question, languages: set[str]) -> Iterator[str]:
    where = f"question {question.id!r}"
    yield from _missing(question.text, languages, where)
    if isinstance(question, SingleChoice | MultipleChoice):
        option_ids: set[str] = set()
        for option in question.options:
            if option.id in option_ids:
                yield f"{where}: duplicate option id {option.id!r}"
            option_ids.add(option.id)
            yield from _missing(option.label, languages, f"{where}, option {option.id!r}")
    earlier = {q.id for q in survey.questions[:survey.index(question.id)]}
    for name in PIPE.findall(" ".join(question.text.values.values())):
        if name not in earlier and name not in survey.hidden:
            yield (f"{where} pipes {{{name}}}, which is neither an earlier question nor a "
                   f"hidden field ({', '.join(survey.hidden) or 'none'})")
    for rule in question.next:
        yield from _rule_problems(survey, question, rule)


def _missing(texts: Texts, languages: set[str], where: str) -> Iterator[str]:
    for language in sorted(languages - texts.languages()):
        yield f"{where} is missing language {language!r}"


def _rule_problems(survey: Survey, question: Question, rule: Rule) -> Iterator[str]:
    where = f"question {question.id!r}: rule"
    if rule.goto != END and survey.question(rule.goto) is None and \
            survey.ending(rule.goto) is None:
        yield f"{where} goes to unknown question or ending {rule.goto!r}"
    if rule.goto == question.id:
        yield f"{where} goes back to the same question (a cycle)"
    target = survey.question(rule.if_) if rule.if_ else question
    if target is None:
        yield f"{where} looks at unknown question {rule.if_!r}"
        return
    if survey.index(target.id) > survey.index(question.id):
        yield f"{where} looks at question {target.id!r}, which is asked later"
    if rule.in_:
        if isinstance(target, SingleChoice | MultipleChoice):
            known = {o.id for o in target.options}
        elif target.type == "yes_no":
            known = {"yes", "no"}
        else:
            yield f"{where} uses 'in' on {target.type!r} question {target.id!r}"
            known = set(rule.in_)
        for option in rule.in_:
            if option not in known:
                yield f"{where} names unknown option {option!r} of question {target.id!r}"
    if (rule.min is not None or rule.max is not None) and not isinstance(
            target, Rating | Nps | Csat | Number):
        yield f"{where} uses min/max on {target.type!r} question {target.id!r}"
    if rule.min is not None and rule.max is not None and rule.max < rule.min:
        yield f"{where} has an invalid range: max is below min"
    if rule.band is not None and not isinstance(target, Nps):
        yield f"{where} uses an NPS band on {target.type!r} question {target.id!r}"
    if target.type in CHOICE_TYPES and rule.skipped and target.required:
        yield f"{where} checks 'skipped' on required question {target.id!r}"


def successors(survey: Survey, question: Question) -> list[str]:
    """Where a question may lead: each rule's target, and the next question unless a rule
    without conditions stops the fall-through."""
    targets = [rule.goto for rule in question.next]
    unconditional = any(_unconditional(rule) for rule in question.next)
    index = survey.index(question.id)
    if not unconditional:
        following = survey.questions[index + 1] if index + 1 < len(survey.questions) else None
        targets.append(following.id if following else END)
    return targets


def _unconditional(rule: Rule) -> bool:
    return (rule.if_ is None and not rule.in_ and rule.min is None and rule.max is None
            and rule.band is None and rule.skipped is None)


def _graph_problems(survey: Survey) -> list[tuple[int, str]]:
    problems: list[tuple[int, str]] = []
    graph = {q.id: [t for t in successors(survey, q) if survey.question(t)]
             for q in survey.questions}
    reached: set[str] = set()
    stack = [survey.questions[0].id]
    while stack:
        current = stack.pop()
        if current not in reached:
            reached.add(current)
            stack += graph[current]
    for question in survey.questions:
        if question.id not in reached:
            problems.append((question.line, f"question {question.id!r} is unreachable"))
    state: dict[str, int] = {}  # 1 = on the path, 2 = done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in graph[node]:
            if state.get(target) == 1:
                cycle = [*path[path.index(target):], target] if target in path else [node, target]
                line = survey.questions[survey.index(node)].line
                problems.append((line, f"cycle: {' -> '.join(cycle)}"))
            elif target not in state:
                visit(target, [*path, target])
        state[node] = 2

    for question in survey.questions:
        if question.id not in state:
            visit(question.id, [question.id])
    return problems


def build(read: Read, problems: list[Problem]) -> Catalogue:
    """The surveys whose own file has no problem at their lines; the first of each id."""
    surveys: dict[str, Survey] = {}
    for survey in read.surveys:
        if survey.id in surveys:
            continue
        broken = [m for _, m in survey_problems(survey)]
        if broken:
            log.warning("survey %s is not used: %s", survey.id, "; ".join(broken[:3]))
            continue
        surveys[survey.id] = survey
    return Catalogue(surveys)


@cache
def load_catalogue(content_dir: Path | None) -> Catalogue:
    """The surveys of ``content_dir`` (or the bundled demo); problems are logged."""
    read, problems = check(survey_files(content_dir))
    for problem in problems:
        log.warning("surveys: %s", problem)
    return build(read, problems)
