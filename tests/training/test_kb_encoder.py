"""The retrieval-encoder tuner on a tiny random encoder: batches never pair two phrasings of
one entry as negatives, the loss falls, each phrasing then finds its own entry, and the saved
layers loaded on top of the base give the tuned model's embeddings exactly."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
import torch

from dialogue.domain.model import FaqEntry
from dialogue.kb.encoder import EncoderConfig, TunedEncoderError, load_tuned, make_encoder
from tests.training.nlu.tiny import make_tiny_encoder
from training.kb_embed import TextEmbedder, _embed, _length_groups
from training.kb_encoder import (
    KbTuneConfig,
    entry_distinct_batches,
    fit,
    save_tuned,
    training_pairs,
)

FAQ = [
    FaqEntry("hours", ("when are you open", "opening times today", "what time do you close"),
             "we open at eight"),
    FaqEntry("refund", ("where is my money", "refund not paid yet", "when do i get paid back"),
             "refunds take five days"),
    FaqEntry("ship", ("do you ship abroad", "delivery to france", "which countries get parcels"),
             "we ship within the eu"),
]  # fmt: skip
WORDS = tuple({w for e in FAQ for t in (*e.questions, e.answer) for w in t.split()})


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_encoder(tmp_path_factory.mktemp("kb") / "encoder", WORDS)


@pytest.mark.parametrize("batch_size", [3, 4, 33])
def test_batches_hold_one_pair_per_entry(batch_size: int) -> None:
    rng = random.Random(0)
    pairs = training_pairs(FAQ, rng, with_answers=True)
    batches = entry_distinct_batches(
        [[(i, *p) for p in entry] for i, entry in enumerate(pairs)], batch_size, rng
    )
    assert all(len({b[0] for b in batch}) == len(batch) <= batch_size for batch in batches)
    assert sum(len(b) for b in batches) == sum(len(p) for p in pairs)  # nothing lost


def _own_entry_top1(vectors: np.ndarray) -> float:
    """Share of phrasings whose nearest *other* phrasing belongs to the same entry."""
    owner = np.array([i for i, e in enumerate(FAQ) for _ in e.questions])
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    return float((owner[sims.argmax(1)] == owner).mean())


@pytest.mark.parametrize("train_layers", [0, 1], ids=["all-layers", "top-layer-cached"])
def test_overfit_then_save_and_reload(tiny: Path, tmp_path: Path, train_layers: int) -> None:
    from safetensors.torch import load_file
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny)
    model = AutoModel.from_pretrained(tiny)
    encoder = EncoderConfig(tiny)
    config = KbTuneConfig(epochs=40, learning_rate=3e-3, scale=10.0, train_layers=train_layers)
    history = fit(model, tokenizer, FAQ, encoder, config)
    assert history[-1]["loss"] < 0.5 * history[0]["loss"]
    questions = [q for e in FAQ for q in e.questions]
    with torch.inference_mode():
        tuned = _embed(model, tokenizer, questions, 64).numpy()
    assert _own_entry_top1(tuned) == 1.0
    save_tuned(model, tmp_path / "tuned", {"history": history})
    saved = load_file(str(tmp_path / "tuned" / "encoder.safetensors"))
    assert any(k.startswith("encoder.layer.1.") for k in saved)
    assert any(k.startswith("encoder.layer.0.") for k in saved) == (train_layers == 0)
    loaded = make_encoder(EncoderConfig(tiny, tuned_dir=tmp_path / "tuned"))
    np.testing.assert_allclose(loaded.embed(questions), tuned, atol=1e-5)
    base = make_encoder(encoder)
    assert base.name != loaded.name  # the embedding cache tells them apart
    assert not np.allclose(base.embed(questions), tuned, atol=1e-3)


def test_tuned_weights_of_another_base_are_refused(tiny: Path, tmp_path: Path) -> None:
    from transformers import AutoModel

    other = make_tiny_encoder(tmp_path / "other", (*WORDS, "extra", "words"))
    model = AutoModel.from_pretrained(other)
    model.encoder.layer[0].attention.self.query.weight.requires_grad = True
    save_tuned(model, tmp_path / "tuned", {})
    with pytest.raises(TunedEncoderError):
        load_tuned(AutoModel.from_pretrained(tiny).embeddings, tmp_path / "tuned")


@pytest.mark.parametrize(
    ("lengths", "groups"),
    [
        ([], []),
        ([12, 10, 11], [[1, 2, 0]]),
        ([12, 64, 10, 60], [[2, 0], [3, 1]]),
    ],
)
def test_length_groups(lengths: list[int], groups: list[list[int]]) -> None:
    assert _length_groups(lengths) == groups


@pytest.mark.parametrize("groups", [1, 2])
def test_grouped_embedding_equals_one_padded_batch(tiny: Path, groups: int) -> None:
    """Rows come back in the order asked for, whether the texts are padded in one group or in
    two (the first version returned a single group sorted by length: nothing was learnt)."""
    from transformers import AutoModel, AutoTokenizer

    from training.frozen_bottom import run_top

    tokenizer, model = AutoTokenizer.from_pretrained(tiny), AutoModel.from_pretrained(tiny).eval()
    long = " ".join([FAQ[1].answer] * 6) if groups == 2 else FAQ[1].answer
    texts = [FAQ[0].questions[2], long, FAQ[2].questions[1], FAQ[0].questions[0]]
    embedder = TextEmbedder(model, tokenizer, texts, 64, n_frozen=1)
    with torch.no_grad():
        grouped = embedder(texts)
        hidden, mask = run_top(model, [embedder.features[embedder.index[t]] for t in texts], 1)
        mask_ = mask.unsqueeze(-1).float()
        together = torch.nn.functional.normalize((hidden * mask_).sum(1) / mask_.sum(1), dim=-1)
    lengths = [len(embedder.features[embedder.index[t]]) for t in texts]
    assert lengths != sorted(lengths) and len(_length_groups(lengths)) == groups
    assert torch.allclose(grouped, together, atol=1e-5)
