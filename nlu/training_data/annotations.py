"""Inline entity annotations: ``[text](entity)`` and ``[text]{"entity": .., "value": ..}``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from nlu.types import Entity

_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<short>[^)]+)\)|(?P<long>\{[^}]*\}))")


class AnnotationError(ValueError):
    """An inline annotation is malformed; the message says how."""


@dataclass(frozen=True, slots=True)
class Annotated:
    """Plain text with the entities that were marked in it."""

    text: str
    entities: tuple[Entity, ...]
    synonyms: tuple[tuple[str, str], ...]


def parse_annotated(raw: str) -> Annotated:
    """Strip annotations from ``raw`` and return the plain text with entity offsets."""
    parts: list[str] = []
    entities: list[Entity] = []
    synonyms: list[tuple[str, str]] = []
    cursor = 0
    length = 0
    for match in _ANNOTATION.finditer(raw):
        before = raw[cursor : match.start()]
        parts.append(before)
        length += len(before)
        surface = match["text"]
        name, value, role, group = _entity_and_value(match["short"], match["long"], surface)
        entities.append(
            Entity(name, value, length, length + len(surface), "annotation", role, group)
        )
        if value != surface:
            synonyms.append((surface, value))
        parts.append(surface)
        length += len(surface)
        cursor = match.end()
    parts.append(raw[cursor:])
    text = "".join(parts)
    if "](" in text or "]{" in text:
        raise AnnotationError(f"unbalanced entity annotation in {raw!r}")
    return Annotated(text, tuple(entities), tuple(synonyms))


def _entity_and_value(
    short: str | None, long: str | None, surface: str
) -> tuple[str, str, str | None, str | None]:
    """Read the entity name, value, role and group from either annotation form."""
    if short is not None:
        # Rasa 1.x also allowed ``[text](entity:value)``; keep accepting it.
        name, _, value = short.partition(":")
        return name.strip(), (value.strip() or surface), None, None
    try:
        spec = json.loads(long or "")
    except json.JSONDecodeError as exc:
        raise AnnotationError(f"entity annotation {long!r} is not valid JSON: {exc.msg}") from exc
    if not isinstance(spec, dict) or not isinstance(spec.get("entity"), str):
        raise AnnotationError(f'entity annotation {long!r} needs an "entity" name')
    role, group = spec.get("role"), spec.get("group")
    return (spec["entity"], str(spec.get("value", surface)),
            None if role is None else str(role), None if group is None else str(group))
