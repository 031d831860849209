"""Builds the NLU backend the settings ask for: core intents plus the knowledge base's FAQ."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.kb.check import load_knowledge_base
from bot.kb.model import KnowledgeBase
from nlu.local import LocalNlu
from nlu.store import load_or_train
from nlu.training_data import TrainingData, load_training_data
from nlu.types import Example, NluBackend

CORE_DATA = Path(__file__).resolve().parents[1] / "nlu" / "data"
"""Bundled core intents: greet, goodbye, thanks, affirm, deny, request_human, complaint, help."""


def kb_training_data(kb: KnowledgeBase) -> TrainingData:
    """Every entry's example questions as the intent ``faq_<id>``, tagged with their language."""
    return TrainingData.from_examples(
        Example(question, entry.intent, language)
        for entry in kb.entries.values()
        for language, questions in entry.questions.items()
        for question in questions
    )


def training_data(settings: Settings) -> TrainingData:
    """Core intents merged with the brand's FAQ questions."""
    kb = load_knowledge_base(settings.content_dir, settings.default_language)
    return load_training_data([CORE_DATA]).merge(kb_training_data(kb))


def local_model(settings: Settings) -> LocalNlu:
    """The local model, loaded from ``settings.nlu.model_dir`` unless the data changed."""
    return load_or_train(training_data(settings), settings.nlu.model_dir)


async def build_nlu(settings: Settings) -> NluBackend:
    """The local model, or a Rasa server that falls back to it when unreachable."""
    local = await asyncio.to_thread(local_model, settings)
    if settings.nlu.backend != "rasa":
        return local
    from nlu.backends.rasa import RasaNlu  # only deployments that use Rasa need it

    if not settings.nlu.rasa_url:
        raise ConfigError("setting SARAFAN_NLU__RASA_URL: required when SARAFAN_NLU__BACKEND "
                          "is 'rasa'")
    token = settings.nlu.rasa_token.get_secret_value() if settings.nlu.rasa_token else None
    return RasaNlu(settings.nlu.rasa_url, token=token, timeout=settings.nlu.rasa_timeout,
                   fallback=local)
