"""Reads FAQ files (YAML) into entries, noting every problem with its file and line."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.config import LANGUAGES
from bot.support.kb.markdown import FrontMatterError, entry_node
from bot.support.kb.model import Entry, LocalLink
from bot.support.kb.words import read_support

BUNDLED = Path(__file__).resolve().parents[2] / "content"
FILE_KEYS = frozenset({"entries", "policy", "support"})
ENTRY_KEYS = frozenset({"id", "title", "questions", "answer", "links", "related", "tags"})
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong in a content file, pointing at the line to fix."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class Parsed:
    """Entries read so far, where each was defined, policy values, and the problems found."""

    entries: list[Entry] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)
    policy: dict[str, object] = field(default_factory=dict)
    support: dict[str, set[str]] = field(default_factory=dict)
    """The brands' own words for the judgement (``support:``), by key."""
    problems: list[Problem] = field(default_factory=list)


def kb_files(content_dir: Path | None) -> list[Path]:
    """The FAQ files of a content folder (``<dir>/kb/*.yml|md``), the bundled demo by default."""
    folder = (content_dir or BUNDLED) / "kb"
    return sorted(path for pattern in ("*.yml", "*.yaml", "*.md") for path in folder.glob(pattern))


def parse_files(paths: Iterable[Path]) -> Parsed:
    """Every entry of every file, in order."""
    parsed = Parsed()
    for path in paths:
        _parse_file(path, parsed)
    return parsed


def _parse_file(path: Path, parsed: Parsed) -> None:
    where = _Where(str(path), parsed.problems)
    if path.suffix == ".md":
        node = _read(path, where, entry_node)
        if node is not None:
            _add(parsed, node, where)
        return
    root = _read(path, where, _compose)
    if root is None:
        return
    top = where.mapping(root, "the file")
    for key, value in top.items():
        if key not in FILE_KEYS:
            where.problem(where.key_lines.get(id(value), _line(value)),
                          f"unknown key {key!r} (expected one of {', '.join(sorted(FILE_KEYS))})")
    if "support" in top:
        for key, found in read_support(top["support"], where.problem).items():
            parsed.support.setdefault(key, set()).update(found)
    policy = _plain(top.get("policy"))
    if isinstance(policy, dict):
        parsed.policy.update(policy)
    entries = top.get("entries")
    if entries is None:
        return
    if not isinstance(entries, yaml.SequenceNode):
        where.problem(_line(entries), "'entries' must be a list")
        return
    for node in entries.value:
        _add(parsed, node, where)


def _compose(source: str) -> yaml.Node | None:
    return yaml.compose(source, Loader=yaml.SafeLoader)


def _read(
    path: Path, where: _Where, parse: Callable[[str], yaml.Node | None]
) -> yaml.Node | None:
    """The file's YAML node tree; an unreadable or malformed file is a problem with its line."""
    try:
        return parse(path.read_text(encoding="utf-8"))
    except FrontMatterError as exc:
        where.problem(exc.line, str(exc))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where.problem(mark.line + 1 if mark else 1, f"not valid YAML: {exc.problem}")
    except (OSError, UnicodeDecodeError) as exc:
        where.problem(1, f"cannot read the file: {exc}")
    return None


def _add(parsed: Parsed, node: yaml.Node, where: _Where) -> None:
    entry = _entry(node, where)
    if entry is not None:
        parsed.entries.append(entry)
        parsed.lines.setdefault(entry.id, _line(node))


def _entry(node: yaml.Node, where: _Where) -> Entry | None:
    fields = where.mapping(node, "an entry")
    for key, value in fields.items():
        if key not in ENTRY_KEYS:
            where.problem(_line(value), f"unknown key {key!r} (expected one of "
                                        f"{', '.join(sorted(ENTRY_KEYS))})")
    entry_id = _plain(fields["id"]) if "id" in fields else None
    if not isinstance(entry_id, str | int) or not ID_PATTERN.match(str(entry_id)):
        where.problem(_line(fields.get("id", node)),
                      "entry needs an 'id' of lowercase letters, digits and '_'")
        return None
    questions = where.per_language(fields.get("questions"), "questions", node, str(entry_id))
    return Entry(
        id=str(entry_id),
        titles=_texts(where.per_language(fields.get("title"), "title", node, str(entry_id))),
        questions={lang: tuple(str(q).strip() for q in _list(value) if str(q).strip())
                   for lang, value in questions.items()},
        answers=_texts(where.per_language(fields.get("answer"), "answer", node, str(entry_id))),
        links=tuple(_link(link, where) for link in _nodes(fields.get("links"))),
        related=tuple(str(x) for x in _list(fields.get("related"))),
        tags=tuple(str(x) for x in _list(fields.get("tags"))),
        source=f"{where.file}:{_line(node)}",
    )


def _link(node: yaml.Node, where: _Where) -> LocalLink:
    fields = where.mapping(node, "a link")
    url = str(_plain(fields.get("url")) or "")
    if not url.startswith(("https://", "http://")):
        where.problem(_line(node), f"link needs an http(s) 'url', got {url!r}")
    titles = _plain(fields.get("title"))
    return LocalLink(url, _texts(titles if isinstance(titles, dict) else {"en": titles or url}))


class _Where:
    """Collects problems for one file."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file, self.problems = file, problems
        self.key_lines: dict[int, int] = {}
        """Line of the key each value node stands under, by ``id(node)``."""

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def mapping(self, node: yaml.Node, what: str) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            self.problem(_line(node), f"{what} must be a mapping of keys to values")
            return {}
        self.key_lines.update((id(value), _line(key)) for key, value in node.value)
        return {str(key.value): value for key, value in node.value}

    def per_language(
        self, node: yaml.Node | None, what: str, entry: yaml.Node, entry_id: str
    ) -> dict[str, object]:
        if node is None:
            self.problem(_line(entry), f"entry {entry_id!r} has no {what!r}")
            return {}
        fields = self.mapping(node, f"{what!r}")
        for lang, value in fields.items():
            if lang not in LANGUAGES:
                self.problem(_line(value), f"{what!r} has unknown language {lang!r}")
        for lang in LANGUAGES:
            if lang not in fields:
                self.problem(self.key_lines.get(id(node), _line(node)),
                             f"entry {entry_id!r}: {what!r} misses language {lang!r}")
            elif what != "questions" and not str(_plain(fields[lang]) or "").strip():
                self.problem(_line(fields[lang]), f"entry {entry_id!r}: empty {what} in {lang!r}")
        return {lang: _plain(value) for lang, value in fields.items() if lang in LANGUAGES}


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _plain(node: yaml.Node | None) -> object:
    return None if node is None else yaml.SafeLoader(" ").construct_object(node, deep=True)


def _nodes(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _list(value: object) -> list[object]:
    if isinstance(value, yaml.Node):
        value = _plain(value)
    return list(value) if isinstance(value, list) else []


def _texts(values: Mapping[str, object] | object) -> dict[str, str]:
    if not isinstance(values, Mapping):
        return {}
    return {str(k): str(v).strip() for k, v in values.items() if v is not None and str(v).strip()}
