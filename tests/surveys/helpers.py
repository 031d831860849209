"""Hand-built turns and a small branching survey for the pure survey tests."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.engine.types import ContactInfo, DialogueState, Outcome, Turn
from bot.messages import Inbound, Kind
from bot.surveys.check import Catalogue
from bot.surveys.model import Survey

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
_ids = itertools.count(1)

SMALL: dict[str, Any] = {
    "id": "mini",
    "title": {"en": "Mini", "ru": "Мини"},
    "questions": [
        {"id": "drink", "type": "single",
         "text": {"en": "What do you drink?", "ru": "Что вы пьёте?"},
         "options": [{"id": "tea", "label": {"en": "Tea", "ru": "Чай"}},
                     {"id": "coffee", "label": {"en": "Coffee", "ru": "Кофе"}},
                     {"id": "none", "label": {"en": "Nothing", "ru": "Ничего"}}],
         "next": [{"in": ["none"], "goto": "out"}]},
        {"id": "shops", "type": "multiple", "max_picks": 2,
         "text": {"en": "Where do you buy {drink}?", "ru": "Где вы покупаете {drink}?"},
         "options": [{"id": "shop", "label": {"en": "Shop", "ru": "Магазин"}},
                     {"id": "web", "label": {"en": "Online", "ru": "Онлайн"}},
                     {"id": "market", "label": {"en": "Market", "ru": "Рынок"}}]},
        {"id": "nps", "type": "nps", "text": {"en": "Recommend us?", "ru": "Порекомендуете?"},
         "next": [{"band": "promoter", "goto": "end"}]},
        {"id": "why", "type": "text", "required": False, "feedback": True, "max_length": 200,
         "text": {"en": "Why {nps}?", "ru": "Почему {nps}?"}},
    ],
    "endings": [{"id": "out", "screen_out": True,
                 "text": {"en": "Thanks, that is all.", "ru": "Спасибо, это всё."}}],
}


def survey(data: Mapping[str, Any] | None = None) -> Survey:
    return Survey.model_validate(dict(data or SMALL)).bound()


def catalogue(*surveys: Survey) -> Catalogue:
    return Catalogue({s.id: s for s in (surveys or (survey(),))})


def turn(text: str | None = None, *, payload: str | None = None,
         state: DialogueState | None = None, language: str = "en",
         context: Mapping[str, Any] | None = None, kind: Kind | None = None,
         source: str | None = None) -> Turn:
    kind = kind or (Kind.BUTTON if payload is not None else Kind.TEXT)
    message = Inbound(channel="telegram", update_id=str(next(_ids)), user_id="u1", chat_id="u1",
                      kind=kind, text=text, payload=payload)
    contact = ContactInfo(7, "telegram", "u1", language, source=source)
    return Turn(message, contact, state or DialogueState(), NOW, None, dict(context or {}))


def then(outcome: Outcome, text: str | None = None, **kw: Any) -> Turn:
    """The next turn in the state ``outcome`` left."""
    return turn(text, state=outcome.state, **kw)
