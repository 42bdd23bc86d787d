"""Training on cached features of the frozen bottom layers gives what the whole encoder gives:
the top layers run on the cache produce the encoder's own last hidden states, padding or not,
and only the top layers are left trainable."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from tests.training.nlu.tiny import make_tiny_encoder
from training.frozen_bottom import (
    bottom_features,
    freeze_bottom,
    frozen_count,
    pad_ids,
    run_top,
)

TEXTS = ["play jazz", "weather in new york tomorrow", "play some rock music", "paris"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, object]:
    from transformers import AutoModel, AutoTokenizer

    folder = make_tiny_encoder(tmp_path_factory.mktemp("frozen") / "encoder")
    return AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()


@pytest.mark.parametrize(("train_layers", "frozen"), [(0, 0), (1, 1), (2, 0), (5, 0)])
def test_frozen_count(tiny: tuple, train_layers: int, frozen: int) -> None:
    _, model = tiny
    assert frozen_count(model, train_layers) == frozen  # the tiny encoder has 2 layers


@pytest.mark.parametrize("n_frozen", [0, 1, 2])
def test_top_on_cache_equals_whole_encoder(tiny: tuple, n_frozen: int) -> None:
    tokenizer, model = tiny
    ids = tokenizer(TEXTS)["input_ids"]
    features = bottom_features(model, ids, n_frozen, batch_size=3)
    assert [len(f) for f in features] == [len(i) for i in ids]  # unpadded, in input order
    with torch.no_grad():
        hidden, mask = run_top(model, features, n_frozen)
        batch, full_mask = pad_ids(ids, pad_id=int(tokenizer.pad_token_id))
        whole = model(input_ids=batch, attention_mask=full_mask)[0]
    assert torch.equal(mask, full_mask)
    real = mask.bool()
    assert torch.allclose(hidden[real], whole[real], atol=1e-5)


def test_freeze_bottom_leaves_top_trainable(tmp_path: Path) -> None:
    from transformers import AutoModel

    model = AutoModel.from_pretrained(make_tiny_encoder(tmp_path / "encoder"))
    freeze_bottom(model, 1)
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert any(n.startswith("encoder.layer.1.") for n in trainable)
    assert all(n.startswith(("encoder.layer.1.", "pooler.")) for n in trainable)
    assert all(n.startswith(("embeddings.", "encoder.layer.0.")) for n in frozen)


def test_cached_runner_gives_the_models_predictions(tmp_path: Path) -> None:
    """Dev evaluation on cached features predicts exactly what the whole model predicts."""
    from dialogue.nlu.checkpoint import LoadedModel, ModelMeta
    from dialogue.nlu.outofscope import OosThresholds
    from dialogue.nlu.predictor import NluPredictor
    from tests.training.nlu.tiny import tiny_jsonl_rows, write_jsonl
    from training.nlu.cached import cached_runner
    from training.nlu.config import TrainConfig
    from training.nlu.data import load_splits
    from training.nlu.run import build_model, head_config

    write_jsonl(tmp_path / "data" / "train.jsonl", tiny_jsonl_rows())
    write_jsonl(tmp_path / "data" / "dev.jsonl", tiny_jsonl_rows())
    splits = load_splits(tmp_path / "data", 0.1, 13)
    config = TrainConfig(train_layers=1)
    tags = ("O", "B-city", "I-city", "B-genre", "I-genre")
    meta = ModelMeta(("GetWeather", "PlayMusic"), tags, head_config(config), 64, OosThresholds())
    torch.manual_seed(0)
    tokenizer, model = build_model(make_tiny_encoder(tmp_path / "enc"), tags, 2, config)
    model.eval()
    runner = cached_runner(model, tokenizer, meta, splits.dev, n_frozen=1)
    items = [(e.text, e.words) for e in splits.dev]
    whole = NluPredictor(LoadedModel(model, tokenizer, meta, None)).predict_words(items)
    cached = NluPredictor(LoadedModel(runner, tokenizer, meta, None)).predict_words(items)  # type: ignore[arg-type]
    assert [(p.intent, p.tags) for p in cached] == [(p.intent, p.tags) for p in whole]
    for a, b in zip(cached, whole, strict=True):
        assert abs(a.confidence - b.confidence) < 1e-5
