"""Reads survey files (YAML) into :class:`~bot.surveys.model.Survey` models, each problem with
its file and line (the approach of ``bot/support/kb/loader.py``: compose the node tree, keep
lines)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.support.kb.loader import BUNDLED, Problem
from bot.surveys.model import Survey

__all__ = ["Problem", "Read", "parse_files", "survey_files"]


@dataclass
class Read:
    """Surveys read so far, the file and line each came from, and the problems found."""

    surveys: list[Survey] = field(default_factory=list)
    where: dict[int, tuple[str, int]] = field(default_factory=dict)
    """``id(survey)`` -> (file, line)."""
    problems: list[Problem] = field(default_factory=list)


def survey_files(content_dir: Path | None) -> list[Path]:
    """``<content>/surveys/*.yml|yaml``; the bundled demo when no content folder is set."""
    folder = (content_dir or BUNDLED) / "surveys"
    return sorted(p for pattern in ("*.yml", "*.yaml") for p in folder.glob(pattern))


def parse_files(paths: Iterable[Path]) -> Read:
    """Every survey in ``paths``; a file holds one survey (a mapping) or a list of them."""
    read = Read()
    for path in paths:
        _parse_file(path, read)
    return read


def _parse_file(path: Path, read: Read) -> None:
    name = str(path)
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        read.problems.append(Problem(name, mark.line + 1 if mark else 1,
                                     f"not valid YAML: {exc.problem}"))
        return
    except (OSError, UnicodeDecodeError) as exc:
        read.problems.append(Problem(name, 1, f"cannot read the file: {exc}"))
        return
    if root is None:
        read.problems.append(Problem(name, 1, "the file is empty"))
        return
    nodes = root.value if isinstance(root, yaml.SequenceNode) else [root]
    for node in nodes:
        if not isinstance(node, yaml.MappingNode):
            read.problems.append(Problem(name, _line(node), "a survey must be a mapping with "
                                                            "'id', 'title' and 'questions'"))
            continue
        data = _plain(node)
        try:
            survey = Survey.model_validate(data).bound()
        except ValidationError as exc:
            for error in exc.errors():
                where = _node_at(node, error["loc"])
                path_text = ".".join(str(p) for p in error["loc"])
                read.problems.append(Problem(name, _line(where),
                                             f"{path_text}: {error['msg']}" if path_text
                                             else error["msg"]))
            continue
        read.surveys.append(survey)
        read.where[id(survey)] = (name, _line(node))


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _plain(node: yaml.Node) -> Any:
    """The node as plain data; questions and endings get their ``line``."""
    if isinstance(node, yaml.MappingNode):
        result = {str(_plain(k)): _plain(v) for k, v in node.value}
        if "id" in result and ("type" in result or "text" in result or "questions" in result):
            result.setdefault("line", _line(node))
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item) for item in node.value]
    return yaml.constructor.SafeConstructor().construct_object(node, deep=True)


def _node_at(node: yaml.Node, loc: tuple[int | str, ...]) -> yaml.Node:
    """The deepest node along a pydantic error location (union tags are skipped)."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            key = next(((k, v) for k, v in node.value if str(k.value) == str(part)), None)
            if key is not None:
                node = key[1]
        elif (isinstance(node, yaml.SequenceNode) and isinstance(part, int)
              and 0 <= part < len(node.value)):
            node = node.value[part]
    return node
