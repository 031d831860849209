"""Read Rasa NLU YAML files and Rasa project folders with line-accurate errors.

Rasa 3 files (``version: "3.1"``) are read as they are; Rasa 2 files (``"2.0"``) too, with a
warning, as Rasa 3 does. A Rasa project folder (``config.yml``/``domain.yml`` next to
``data/``) is read from its ``data/`` folder, and its domain's entity names are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from nlu.training_data.annotations import AnnotationError, parse_annotated
from nlu.training_data.errors import TrainingDataError
from nlu.training_data.model import Pattern, TrainingData
from nlu.types import Example

_KINDS = ("intent", "synonym", "regex", "lookup")
_ITEM_KEYS = {*_KINDS, "examples", "metadata"}
# Rasa project files may mix NLU with dialogue data; those sections are not ours to read.
_IGNORED_SECTIONS = {"responses", "stories", "rules", "metadata"}
_LANG_IN_NAME = re.compile(r"(?:^|[_.-])([a-z]{2})$")


_PROJECT_MARKERS = ("config.yml", "domain.yml", "domain")
"""A folder holding one of these is a Rasa project root, whose training data is in ``data/``."""
_YAML = {".yml", ".yaml"}


def load_training_data(paths: Iterable[Path]) -> TrainingData:
    """Load every ``*.yml``/``*.yaml`` file given directly or found under a given directory;
    a Rasa project folder contributes its ``data/`` files and its domain's entities."""
    data = TrainingData()
    for path in map(Path, paths):
        if is_rasa_project(path):
            data = data.merge(_read_project(path))
            continue
        for file in _expand(path):
            data = data.merge(read_file(file))
    return data


def is_rasa_project(path: Path) -> bool:
    """True for a Rasa project root (``rasa init`` layout)."""
    return path.is_dir() and any((path / marker).exists() for marker in _PROJECT_MARKERS)


def _read_project(root: Path) -> TrainingData:
    """A Rasa project: NLU items from ``data/``, entity names from ``domain.yml``/``domain/``."""
    data = TrainingData()
    if (root / "data").is_dir():
        for file in _expand(root / "data"):
            data = data.merge(read_file(file))
    else:
        raise TrainingDataError(root, 0, "Rasa project has no data/ folder")
    domains = [root / "domain.yml"] if (root / "domain.yml").is_file() else []
    if (root / "domain").is_dir():
        domains += list(_expand(root / "domain"))
    for domain in domains:
        data.declared_entities |= _domain_entities(domain)
    return data


def _domain_entities(path: Path) -> set[str]:
    """Entity names of a Rasa domain file (``entities:`` as names or ``- name: {roles: ..}``)."""
    try:
        domain = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise TrainingDataError(path, line, f"invalid YAML: {exc.problem}") from exc
    entities = domain.get("entities") if isinstance(domain, dict) else None
    names: set[str] = set()
    for item in entities or []:
        if isinstance(item, str):
            names.add(item)
        elif isinstance(item, dict):
            names.update(str(key) for key in item)
    return names


def _expand(path: Path) -> Iterator[Path]:
    """A file as given; a directory expanded recursively in a stable order."""
    if path.is_dir():
        yield from sorted(p for p in path.rglob("*") if p.suffix in _YAML and p.is_file())
    elif path.is_file():
        yield path
    else:
        raise TrainingDataError(path, 0, "no such file or directory")


def read_file(path: Path) -> TrainingData:
    """Parse one Rasa NLU YAML file."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise TrainingDataError(path, line, f"invalid YAML: {exc.problem}") from exc
    if root is None:
        return TrainingData()
    return _FileReader(path).read(root)


class _FileReader:
    """Walks the YAML node tree of one file, keeping marks for error messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        found = _LANG_IN_NAME.search(path.stem.lower())
        self.file_language = found.group(1) if found else None
        self.data = TrainingData()

    def fail(self, node: Node, problem: str) -> TrainingDataError:
        """Build an error pointing at ``node``."""
        return TrainingDataError(self.path, node.start_mark.line + 1, problem)

    def read(self, root: Node) -> TrainingData:
        """Read the top-level mapping."""
        top = self.mapping(root, "the file must be a mapping with 'version' and 'nlu' keys")
        for key, value in top.items():
            if key == "version":
                self.check_version(value)
            elif key == "nlu":
                for item in self.sequence(value, "'nlu' must be a list of items"):
                    self.read_item(item)
            elif key not in _IGNORED_SECTIONS:
                raise self.fail(value, f"unknown top-level key {key!r}")
        return self.data

    def check_version(self, node: Node) -> None:
        """Accept Rasa 3.x formats; 2.x too, with a warning, as Rasa 3 itself does."""
        value = node.value if isinstance(node, ScalarNode) else ""
        if value.startswith("2."):
            self.data.load_warnings.append(
                f"{self.path}:{node.start_mark.line + 1}: Rasa 2 training data format "
                f"(version {value!r}) read as 3.x; update it to version: \"3.1\""
            )
        elif not value.startswith("3."):
            raise self.fail(node, 'version must be a quoted "3.x" (or "2.x") string, '
                            'e.g. version: "3.1"')

    def read_item(self, node: Node) -> None:
        """Read one ``intent``/``synonym``/``regex``/``lookup`` item."""
        item = self.mapping(node, "each nlu item must be a mapping")
        unknown = sorted(set(item) - _ITEM_KEYS)
        if unknown:
            raise self.fail(node, f"unknown key(s) {', '.join(unknown)} in nlu item")
        kinds = [kind for kind in _KINDS if kind in item]
        if len(kinds) != 1:
            raise self.fail(node, f"an nlu item needs exactly one of {', '.join(_KINDS)}")
        if "examples" not in item:
            raise self.fail(node, f"{kinds[0]} item has no 'examples'")
        name = self.scalar(item[kinds[0]], f"{kinds[0]} name must be a string")
        if not name:
            raise self.fail(item[kinds[0]], f"{kinds[0]} name is empty")
        language = self.language(item.get("metadata"), self.file_language)
        lines = list(self.examples(item["examples"], language))
        if not lines:
            raise self.fail(item["examples"], f"{kinds[0]} {name!r} has no examples")
        self.store(kinds[0], name, lines)

    def store(self, kind: str, name: str, lines: list[tuple[str, int, str | None]]) -> None:
        """Add the parsed lines of one item to the data set."""
        texts = tuple(text for text, _, _ in lines)
        if kind == "synonym":
            self.data.synonyms.update((text, name) for text in texts)
        elif kind == "regex":
            for text, line, _ in lines:
                self.check_regex(text, line)
            self.data.regexes.append(Pattern(name, texts))
        elif kind == "lookup":
            self.data.lookups.append(Pattern(name, texts))
        else:
            for raw, line, language in lines:
                self.data.examples.append(self.example(raw, line, name, language))

    def check_regex(self, pattern: str, line: int) -> None:
        """Fail at load time rather than at parse time on a broken regex."""
        try:
            re.compile(pattern)
        except re.error as exc:
            raise TrainingDataError(self.path, line, f"invalid regex: {exc}") from exc

    def example(self, raw: str, line: int, intent: str, language: str | None) -> Example:
        """Turn one annotated line into an ``Example``; annotation synonyms are recorded."""
        try:
            parsed = parse_annotated(raw)
        except AnnotationError as exc:
            raise TrainingDataError(self.path, line, str(exc)) from exc
        self.data.synonyms.update(parsed.synonyms)
        return Example(parsed.text, intent, language, parsed.entities)

    def examples(self, node: Node, language: str | None) -> Iterator[tuple[str, int, str | None]]:
        """Yield ``(text, line, language)`` from a ``|`` block or a list of ``text:`` maps."""
        if isinstance(node, SequenceNode):
            yield from self.example_maps(node, language)
            return
        block = self.scalar(node, "examples must be a '|' block of '- ' lines or a list")
        # A literal block's content starts on the line after the '|' indicator.
        first = node.start_mark.line + (2 if getattr(node, "style", None) == "|" else 1)
        for offset, line in enumerate(block.splitlines()):
            stripped = line.strip()
            if not stripped:
                continue
            if not stripped.startswith("- "):
                problem = f"example line must start with '- ', got {stripped[:40]!r}"
                raise TrainingDataError(self.path, first + offset, problem)
            text = stripped[2:].strip()
            if not text:
                raise TrainingDataError(self.path, first + offset, "empty example")
            yield text, first + offset, language

    def example_maps(
        self, node: SequenceNode, language: str | None
    ) -> Iterator[tuple[str, int, str | None]]:
        """Yield examples written as ``- text: ...`` with optional per-example metadata."""
        for entry in node.value:
            fields = self.mapping(entry, "each example must be a mapping with 'text'")
            if "text" not in fields:
                raise self.fail(entry, "example has no 'text'")
            text = self.scalar(fields["text"], "example text must be a string").strip()
            if not text:
                raise self.fail(entry, "empty example")
            own = self.language(fields.get("metadata"), language)
            yield text, entry.start_mark.line + 1, own

    def language(self, node: Node | None, default: str | None) -> str | None:
        """``metadata: {language: xx}`` if present, else the inherited language."""
        if node is None:
            return default
        meta = self.mapping(node, "metadata must be a mapping")
        if "language" not in meta:
            return default
        code = self.scalar(meta["language"], "metadata.language must be a string").lower()
        if not re.fullmatch(r"[a-z]{2}", code):
            raise self.fail(meta["language"], f"language must be an ISO 639-1 code, got {code!r}")
        return code

    def mapping(self, node: Node, problem: str) -> dict[str, Node]:
        """The node as a ``{key: value node}`` dict, or a located error."""
        if not isinstance(node, MappingNode):
            raise self.fail(node, problem)
        result: dict[str, Node] = {}
        for key, value in node.value:
            name = self.scalar(key, "mapping keys must be strings")
            if name in result:
                raise self.fail(key, f"duplicate key {name!r}")
            result[name] = value
        return result

    def sequence(self, node: Node, problem: str) -> list[Node]:
        """The node's items, or a located error."""
        if not isinstance(node, SequenceNode):
            raise self.fail(node, problem)
        return list(node.value)

    def scalar(self, node: Node, problem: str) -> str:
        """The node's string value, or a located error."""
        if not isinstance(node, ScalarNode):
            raise self.fail(node, problem)
        return str(node.value)
