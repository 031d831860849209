"""Builds the NLU backend the settings ask for: core intents, the knowledge base's FAQ and any
feature's training data; and the ``sarafan nlu`` commands working on that same model."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from bot.config import ConfigError, Settings
from bot.support.kb.check import load_knowledge_base
from bot.support.kb.model import KnowledgeBase
from nlu.cli import ModelSource, make_app
from nlu.embeddings_onnx import CACHE_ENV
from nlu.local import LocalNlu
from nlu.settings import ClassifierSettings
from nlu.store import load_or_train
from nlu.training_data import TrainingData, load_training_data
from nlu.types import Example, NluBackend

CORE_DATA = Path(__file__).resolve().parents[1] / "nlu" / "data"
"""Bundled core intents: greet, goodbye, thanks, affirm, deny, request_human, complaint, help."""
TRAINING_DATA_HOOK = "nlu.training_data"
"""Features add: ``registry.hook(TRAINING_DATA_HOOK, fn(settings) -> TrainingData)``."""


def kb_training_data(kb: KnowledgeBase) -> TrainingData:
    """Every entry's example questions as the intent ``faq_<id>``, tagged with their language."""
    return TrainingData.from_examples(
        Example(question, entry.intent, language)
        for entry in kb.entries.values()
        for language, questions in entry.questions.items()
        for question in questions
    )


def feature_training_data(settings: Settings) -> TrainingData:
    """What the features registered under ``TRAINING_DATA_HOOK`` contribute."""
    from bot.engine.registry import build_registry  # the features, only when asked

    data = TrainingData()
    for contribute in build_registry(settings=settings).hooks_for(TRAINING_DATA_HOOK):
        data = data.merge(contribute(settings))
    return data


def training_data(settings: Settings) -> TrainingData:
    """Core intents merged with the brand's FAQ questions and the features' intents."""
    kb = load_knowledge_base(settings.content_dir, settings.default_language)
    return (load_training_data([CORE_DATA]).merge(kb_training_data(kb))
            .merge(feature_training_data(settings)))


def classifier_settings(settings: Settings) -> ClassifierSettings:
    """The classifier knobs the bot's settings choose (``SARAFAN_NLU__EMBEDDINGS``,
    ``SARAFAN_NLU__ENCODER``)."""
    nlu = settings.nlu
    if nlu.onnx_cache is not None:
        os.environ[CACHE_ENV] = str(nlu.onnx_cache)
    # Naming an encoder is asking for it: one setting switches embeddings on, unless
    # SARAFAN_NLU__EMBEDDINGS=false says otherwise.
    chosen = "encoder" in nlu.model_fields_set and "embeddings" not in nlu.model_fields_set
    return ClassifierSettings(embeddings=nlu.embeddings or chosen, encoder=nlu.encoder)


def local_model(settings: Settings, *, train_apart: bool = False) -> LocalNlu:
    """The local model, loaded from ``settings.nlu.model_dir`` unless the data changed;
    ``train_apart`` trains it in a child process (``nlu.store.load_or_train``)."""
    return load_or_train(training_data(settings), settings.nlu.model_dir,
                         classifier_settings(settings), train_apart=train_apart)


async def build_nlu(settings: Settings) -> NluBackend:
    """The local model, or a Rasa server that falls back to it when unreachable."""
    # A server never imports scikit-learn: ~95 MB per process (nlu/ngrams.py).
    local = await asyncio.to_thread(local_model, settings, train_apart=True)
    if settings.nlu.backend != "rasa":
        return local
    from nlu.backends.rasa import RasaNlu  # only deployments that use Rasa need it

    if not settings.nlu.rasa_url:
        raise ConfigError("setting SARAFAN_NLU__RASA_URL: required when SARAFAN_NLU__BACKEND "
                          "is 'rasa'")
    token = settings.nlu.rasa_token.get_secret_value() if settings.nlu.rasa_token else None
    return RasaNlu(settings.nlu.rasa_url, token=token, timeout=settings.nlu.rasa_timeout,
                   fallback=local)


def bot_source() -> ModelSource:
    """The model ``sarafan run`` answers with, from the same settings."""
    from bot.cli_common import settings_or_exit

    settings = settings_or_exit()
    return ModelSource(lambda: training_data(settings), settings.nlu.model_dir,
                       classifier_settings(settings),
                       "the bot's model (core intents, knowledge base, features)")


cli_app = make_app(bot_source, help="Train, inspect and test the NLU model the bot answers with.")
"""``sarafan nlu``: the library's commands on the bot's model (mounted in ``bot/cli.py``)."""
