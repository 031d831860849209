"""A Rasa server as NLU backend (``POST /model/parse``), falling back to a local model."""

from __future__ import annotations

import logging
from typing import Any

import httpx

from nlu.langid import choose_language
from nlu.sentiment import sentiment
from nlu.types import OUT_OF_SCOPE, Entity, IntentScore, NluBackend, Parse, Retrieval

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 2.0
"""Seconds; a chat reply should not wait longer than this for intent detection."""


class RasaError(RuntimeError):
    """The Rasa server answered, but not with a parse result."""


class RasaNlu:
    """Parses with a running Rasa server; any failure is logged and served by ``fallback``."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        fallback: NluBackend,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.endpoint = url.rstrip("/") + "/model/parse"
        # Rasa's token auth is a query parameter (``rasa run --auth-token``).
        self.params = {"token": token} if token else {}
        self.timeout = timeout
        self.fallback = fallback
        self.client = client or httpx.AsyncClient(timeout=timeout)

    async def parse(self, text: str, *, language: str | None = None) -> Parse:
        """Parse via Rasa; on an unreachable or broken server use the fallback backend."""
        try:
            body = await self._post(text)
            return from_rasa(body, text, language)
        except (httpx.HTTPError, RasaError, ValueError, KeyError, TypeError) as exc:
            log.warning("Rasa NLU at %s failed (%s); using the local model", self.endpoint, exc)
            return await self.fallback.parse(text, language=language)

    async def _post(self, text: str) -> dict[str, Any]:
        """One ``/model/parse`` call; returns the JSON body."""
        response = await self.client.post(
            self.endpoint, params=self.params, json={"text": text}, timeout=self.timeout
        )
        response.raise_for_status()
        body = response.json()
        if not isinstance(body, dict) or "intent" not in body:
            raise RasaError(f"unexpected /model/parse response: {str(body)[:200]}")
        return body

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self.client.aclose()


def from_rasa(body: dict[str, Any], text: str, language: str | None) -> Parse:
    """Translate Rasa's parse result into our neutral ``Parse``."""
    intent = _intent(body.get("intent"))
    ranking = tuple(_intent(item) for item in body.get("intent_ranking") or [])
    guess = choose_language(text, language)
    return Parse(
        text=text,
        language=guess,
        intent=intent,
        ranking=ranking or (intent,),
        entities=tuple(_entity(item) for item in body.get("entities") or []),
        sentiment=sentiment(text, guess.code),
        response_selector=_selection(body.get("response_selector"), intent.name),
    )


def _selection(raw: Any, intent: str) -> Retrieval | None:
    """Rasa's ``response_selector`` entry for the top intent (``faq``, else ``default``)."""
    if not isinstance(raw, dict):
        return None
    chosen = raw.get(intent) or raw.get("default")
    if not isinstance(chosen, dict):
        return None
    response = chosen.get("response")
    if not isinstance(response, dict) or not response.get("intent_response_key"):
        return None
    ranking = tuple(
        IntentScore(str(item["intent_response_key"]), float(item.get("confidence", 0.0)))
        for item in chosen.get("ranking") or []
        if isinstance(item, dict) and item.get("intent_response_key")
    )
    return Retrieval(intent, str(response["intent_response_key"]),
                     float(response.get("confidence", 0.0)), ranking)


def _intent(raw: Any) -> IntentScore:
    """Rasa reports ``{"name": .., "confidence": ..}``; a null intent means nothing matched."""
    if not isinstance(raw, dict) or not raw.get("name"):
        return IntentScore(OUT_OF_SCOPE, 1.0)
    # Rasa's FallbackClassifier names its rejection ``nlu_fallback``; that is our out_of_scope.
    name = OUT_OF_SCOPE if raw["name"] == "nlu_fallback" else str(raw["name"])
    return IntentScore(name, float(raw.get("confidence", 0.0)))


def _entity(raw: dict[str, Any]) -> Entity:
    """One Rasa entity dict (``entity``, ``value``, ``start``, ``end``, ``extractor``,
    ``role`` and ``group`` when Rasa set them)."""
    return Entity(
        entity=str(raw["entity"]),
        value=str(raw.get("value", "")),
        start=int(raw.get("start", 0)),
        end=int(raw.get("end", 0)),
        extractor=str(raw.get("extractor") or "rasa"),
        role=None if raw.get("role") is None else str(raw["role"]),
        group=None if raw.get("group") is None else str(raw["group"]),
    )
