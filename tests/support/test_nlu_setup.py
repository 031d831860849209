"""Wiring the NLU: core intents plus FAQ questions, cached model, Rasa with local fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from bot.nlu_setup import build_nlu, training_data
from nlu.backends.rasa import RasaNlu
from nlu.local import LocalNlu


def settings(model_dir: Path, **nlu: object) -> Settings:
    return Settings(_env_file=None, nlu={"model_dir": model_dir, **nlu})  # type: ignore[call-arg]


def test_training_data_has_core_and_every_faq_entry(model_dir: Path) -> None:
    intents = set(training_data(settings(model_dir)).intents)
    assert {"greet", "request_human", "complaint", "faq_returns", "faq_tea_brewing"} <= intents
    assert len([i for i in intents if i.startswith("faq_")]) == 15


def stamps(model_dir: Path) -> list[int]:
    """Modification times of the saved models: unchanged means nothing was retrained."""
    return [path.stat().st_mtime_ns for path in sorted(model_dir.glob("*.model"))]


async def test_the_model_is_trained_once_then_loaded(model_dir: Path) -> None:
    first = await build_nlu(settings(model_dir))
    before = stamps(model_dir)
    second = await build_nlu(settings(model_dir))
    assert isinstance(first, LocalNlu) and isinstance(second, LocalNlu)
    assert before and stamps(model_dir) == before
    parsed = await second.parse("where is my parcel?")
    assert parsed.intent.name == "faq_order_status"


async def test_rasa_backend_falls_back_to_the_local_model(model_dir: Path) -> None:
    nlu = await build_nlu(settings(model_dir, backend="rasa", rasa_url="http://127.0.0.1:9"))
    assert isinstance(nlu, RasaNlu) and isinstance(nlu.fallback, LocalNlu)
    with pytest.raises(ConfigError, match="SARAFAN_NLU__RASA_URL"):
        await build_nlu(settings(model_dir, backend="rasa"))
