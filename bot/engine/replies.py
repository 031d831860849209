"""Helpers that build translated replies and outcomes for handlers."""

from __future__ import annotations

from bot.engine.types import DialogueState, Outcome, Record, Turn
from bot.i18n import gettext
from bot.messages import Button, Link, Reply


def text(turn: Turn, msgid: str, **values: object) -> str:
    """``msgid`` translated into the turn's language."""
    return gettext(turn.language, msgid, **values)


def reply(
    turn: Turn,
    msgid: str,
    *,
    buttons: tuple[Button, ...] = (),
    links: tuple[Link, ...] = (),
    **values: object,
) -> Reply:
    """A reply in the turn's language."""
    return Reply(text(turn, msgid, **values), buttons=buttons, links=links, language=turn.language)


def say(
    turn: Turn,
    msgid: str,
    *,
    state: DialogueState | None = None,
    buttons: tuple[Button, ...] = (),
    records: tuple[Record, ...] = (),
    **values: object,
) -> Outcome:
    """An outcome with one translated reply; the state is kept unless given."""
    return Outcome(
        state=turn.state if state is None else state,
        replies=(Reply(text(turn, msgid, **values), buttons=buttons, language=turn.language),),
        records=records,
    )
