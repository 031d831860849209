"""FAQ entries as Markdown: YAML front matter, then one ``## <lang>`` answer section each."""

from __future__ import annotations

import re

import yaml

HEADING = re.compile(r"^##\s+([A-Za-z]{2})\s*$")
FENCE = "---"


class FrontMatterError(ValueError):
    """The file does not start with a ``---`` fenced YAML block; ``line`` says where it broke."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def entry_node(text: str) -> yaml.Node:
    """The entry as one YAML mapping node: the front matter plus an ``answer`` per section.

    Node marks keep the file's own line numbers, so problems point at the right line.
    """
    lines = text.splitlines()
    if not lines or lines[0].strip() != FENCE:
        raise FrontMatterError(1, "a Markdown entry must start with '---' and YAML front matter")
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() == FENCE), None)
    if end is None:
        raise FrontMatterError(len(lines), "the front matter is not closed with '---'")
    # Keeping the opening '---' (a YAML document start) keeps the line numbers of the file.
    root = yaml.compose("\n".join(lines[:end]), Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        raise FrontMatterError(2, "the front matter must be a mapping of keys to values")
    answers = _sections(lines, end + 1)
    if answers.value:
        root.value.append((_scalar("answer", end + 1), answers))
    return root


def _sections(lines: list[str], start: int) -> yaml.MappingNode:
    found: list[tuple[yaml.Node, yaml.Node]] = []
    language, first, body = "", start, list[str]()
    for number, line in enumerate([*lines[start:], "## zz"], start):
        heading = HEADING.match(line)
        if heading is None:
            body.append(line)
            continue
        if language:
            found.append((_scalar(language, first), _scalar("\n".join(body).strip(), first)))
        language, first, body = heading.group(1).lower(), number, []
    return yaml.MappingNode("tag:yaml.org,2002:map", found,
                            start_mark=_mark(found[0][0].start_mark.line if found else start))


def _scalar(value: str, line: int) -> yaml.ScalarNode:
    return yaml.ScalarNode("tag:yaml.org,2002:str", value, start_mark=_mark(line))


def _mark(line: int) -> yaml.Mark:
    return yaml.Mark("", 0, line, 0, "", 0)
