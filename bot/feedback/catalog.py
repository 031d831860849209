"""The brand's product/feature catalog (``catalog.yml``): names and synonyms per language.

Every problem is reported as ``file:line: message`` (like ``sarafan kb check``); a catalog with
problems keeps its valid items, so one typo does not switch feedback tagging off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.config import LANGUAGES
from bot.support.kb.loader import BUNDLED, Problem
from nlu.themes import ConceptMatcher, builtin_terms

CATALOG_FILE = "catalog.yml"
ID = r"^[a-z][a-z0-9_]{0,47}$"
PRODUCT_PREFIX = "p:"
"""Catalog ids become concept ids with this prefix, so they never collide with shipped ones."""

Language = Literal["en", "ru", "fa", "bg", "el"]


class CatalogItem(BaseModel):
    """One product or feature customers give feedback about."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID)
    kind: Literal["product", "feature"] = "product"
    name: dict[Language, str] = Field(min_length=1)
    synonyms: dict[Language, list[str]] = Field(default_factory=dict)

    def title(self, language: str, default: str = "en") -> str:
        """The name in ``language``, else the default language's, else any."""
        names = {str(code): name for code, name in self.name.items()}
        return names.get(language) or names.get(default) or next(iter(names.values()))


@dataclass(frozen=True, eq=False)
class Catalog:
    """Catalog items by id, the problems found, and the concept matcher built from both."""

    items: dict[str, CatalogItem] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()

    @property
    def matcher(self) -> ConceptMatcher:
        """Matches catalog synonyms (as ``p:<id>``) and the shipped feedback concepts."""
        return _matcher(self)

    def product_of(self, concepts: dict[str, float] | object) -> str | None:
        """The catalog id among ``concepts``, the most mentioned first."""
        if not isinstance(concepts, dict):
            return None
        found = [(weight, key) for key, weight in concepts.items()
                 if key.startswith(PRODUCT_PREFIX)]
        return max(found)[1][len(PRODUCT_PREFIX):] if found else None


@cache
def _matcher(catalog: Catalog) -> ConceptMatcher:
    terms = {PRODUCT_PREFIX + item.id: {str(lang): [*syns, item.name.get(lang, "")]
                                        for lang, syns in item.synonyms.items()}
             for item in catalog.items.values()}
    return ConceptMatcher.build(terms, builtin_terms())


def catalog_file(content_dir: Path | None) -> Path:
    """Where the catalog of a content folder lives (the bundled demo by default)."""
    return (content_dir or BUNDLED) / CATALOG_FILE


def load_catalog(content_dir: Path | None = None) -> Catalog:
    """The catalog of ``content_dir``; a missing file is an empty catalog, not an error."""
    path = catalog_file(content_dir)
    if not path.exists():
        return Catalog()
    return parse_catalog(path)


def parse_catalog(path: Path) -> Catalog:
    """Read ``path``; every problem carries its line."""
    problems: list[Problem] = []
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        return Catalog(problems=(Problem(str(path), line, f"not valid YAML: {exc.problem}"),))
    except (OSError, UnicodeDecodeError) as exc:
        return Catalog(problems=(Problem(str(path), 1, f"cannot read the file: {exc}"),))
    nodes = _item_nodes(root, str(path), problems)
    items: dict[str, CatalogItem] = {}
    for node in nodes:
        item = _item(node, str(path), problems)
        if item is None:
            continue
        if item.id in items:
            problems.append(Problem(str(path), node.start_mark.line + 1,
                                    f"duplicate id {item.id!r}"))
            continue
        items[item.id] = item
    return Catalog(items, tuple(problems))


def _item_nodes(root: yaml.Node | None, file: str, problems: list[Problem]) -> list[yaml.Node]:
    if not isinstance(root, yaml.MappingNode):
        problems.append(Problem(file, 1, "the file must be a mapping with an 'items' list"))
        return []
    for key, value in root.value:
        if key.value == "items":
            if isinstance(value, yaml.SequenceNode):
                return list(value.value)
            problems.append(Problem(file, value.start_mark.line + 1, "'items' must be a list"))
            return []
        problems.append(Problem(file, key.start_mark.line + 1,
                                f"unknown key {key.value!r} (expected 'items')"))
    problems.append(Problem(file, 1, "no 'items' list"))
    return []


def _item(node: yaml.Node, file: str, problems: list[Problem]) -> CatalogItem | None:
    data = yaml.safe_load(yaml.serialize(node))
    try:
        item = CatalogItem.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            line = _line_of(node, error["loc"])
            where = ".".join(str(part) for part in error["loc"]) or "item"
            problems.append(Problem(file, line, f"{where}: {error['msg']}"))
        return None
    for language, synonyms in item.synonyms.items():
        for synonym in synonyms:
            if not re.sub(r"[\s*]", "", synonym):
                problems.append(Problem(file, _line_of(node, ("synonyms", language)),
                                        f"synonyms.{language}: empty synonym"))
    missing = [lang for lang in LANGUAGES if lang not in item.name]
    if missing:
        problems.append(Problem(file, _line_of(node, ("name",)),
                                f"name: missing language(s) {', '.join(missing)}"))
    return item


def _line_of(node: yaml.Node, loc: tuple[int | str, ...]) -> int:
    """The line of the YAML node at ``loc`` (as deep as it exists), 1-based."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            child = next((v if isinstance(part, str) and k.value == part else None
                          for k, v in node.value if k.value == part), None)
            if child is None:
                break
            node = child
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                and part < len(node.value):
            node = node.value[part]
        else:
            break
    return node.start_mark.line + 1
