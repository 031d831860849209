"""The parts of aiogram the Telegram channel uses, imported with the Bot API types' validators
built on first use instead of all at import.

``aiogram.types`` ends by calling ``model_rebuild`` on each of its ~400 pydantic models, which
builds every validator and serializer at once (aiogram/aiogram#1513, open): measured here,
importing aiogram took a process from 10 to 166 MB of RSS, for a bot that sends messages,
answers button taps and manages its webhook. The models already ask pydantic to defer that
work (``defer_build=True``); the rebuild loop undoes it only because the models name each other
under ``TYPE_CHECKING`` and need a namespace to resolve those names. So while aiogram is
imported here the loop's calls are not run but remembered: every model gets that namespace as
the one pydantic reads when it builds a model on first use, and so does ``Response``, whose
``Response[Message]`` aiogram builds for each method's answer. Imported this way aiogram costs
~50 MB; each model the bot touches costs its own build the first time.

Every other module imports aiogram's names from here, so this import is the first one in the
process (a test keeps it so). If aiogram was already imported, eagerly, nothing changes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

_deferred: list[tuple[type[BaseModel], dict[str, Any]]] = []


@contextlib.contextmanager
def _deferring_aiogram_rebuilds() -> Iterator[None]:
    """While active, aiogram's own ``model_rebuild(_types_namespace=...)`` calls are recorded,
    not run; every other rebuild runs as usual."""
    original = BaseModel.__dict__["model_rebuild"]

    def record(cls: type[BaseModel], *args: Any, **kwargs: Any) -> bool | None:
        namespace = kwargs.get("_types_namespace")
        if namespace is not None and cls.__module__.startswith("aiogram.") and not args:
            _deferred.append((cls, namespace))
            return None
        result: bool | None = original.__func__(cls, *args, **kwargs)
        return result

    BaseModel.model_rebuild = classmethod(record)  # type: ignore[assignment,method-assign]
    try:
        yield
    finally:
        BaseModel.model_rebuild = original  # type: ignore[method-assign]


with _deferring_aiogram_rebuilds():
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.exceptions import (
        AiogramError,
        ClientDecodeError,
        TelegramEntityTooLarge,
        TelegramMigrateToChat,
        TelegramNetworkError,
        TelegramRetryAfter,
        TelegramServerError,
        TelegramUnauthorizedError,
    )
    from aiogram.methods import AnswerCallbackQuery, GetUpdates, SendMessage
    from aiogram.methods.base import Response, TelegramMethod
    from aiogram.types import (
        InlineKeyboardButton,
        InlineKeyboardMarkup,
        KeyboardButton,
        ReplyKeyboardMarkup,
        ReplyParameters,
    )
    from aiogram.utils.token import TokenValidationError


def _resolve_names_on_first_use() -> int:
    """Give every unbuilt aiogram model the namespace the skipped rebuilds would have used;
    the number of models left to build on first use."""
    if not _deferred:
        return 0
    namespace = _deferred[0][1]
    unbuilt = [model for model in _subclasses(BaseModel)
               if model.__module__.startswith("aiogram.") and not model.__pydantic_complete__]
    for model in unbuilt:
        # pydantic reads this when it builds a model on first use. The methods
        # (``SendMessage``) are unbuilt too: they name types that were unbuilt when they were
        # defined. A generic's parametrisation (``Response[Message]``) inherits it.
        model.__pydantic_parent_namespace__ = namespace
    Response.__pydantic_parent_namespace__ = namespace
    return len(unbuilt)


def _subclasses(root: type[BaseModel]) -> Iterator[type[BaseModel]]:
    for child in root.__subclasses__():
        yield child
        yield from _subclasses(child)


DEFERRED_MODELS = _resolve_names_on_first_use()
"""How many Bot API models this import left unbuilt (0 if aiogram was imported before)."""

__all__ = [
    "DEFERRED_MODELS",
    "AiogramError",
    "AiohttpSession",
    "AnswerCallbackQuery",
    "Bot",
    "ClientDecodeError",
    "GetUpdates",
    "InlineKeyboardButton",
    "InlineKeyboardMarkup",
    "KeyboardButton",
    "ReplyKeyboardMarkup",
    "ReplyParameters",
    "Response",
    "SendMessage",
    "TelegramAPIServer",
    "TelegramEntityTooLarge",
    "TelegramMethod",
    "TelegramMigrateToChat",
    "TelegramNetworkError",
    "TelegramRetryAfter",
    "TelegramServerError",
    "TelegramUnauthorizedError",
    "TokenValidationError",
]
