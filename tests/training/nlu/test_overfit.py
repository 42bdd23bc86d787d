"""Every trainer's overfit-and-reload test, on a tiny random encoder (seconds, no weights):
on a handful of examples the loss falls, predictions come out right, and the saved folder
loads into a model with exactly the outputs of the one in memory. Also LoRA and seeding."""

from __future__ import annotations

import json
from pathlib import Path
from statistics import mean

import pytest
import torch

from dialogue.nlu.bio import is_valid_bio
from dialogue.nlu.predictor import NluPredictor
from tests.training.nlu.tiny import TINY_DATA, make_tiny_encoder, tiny_jsonl_rows, write_jsonl
from training.nlu.config import LoraSettings, TrainConfig
from training.nlu.run import RunHooks, TrainedRun, build_model, train_nlu

OVERFIT = TrainConfig(
    epochs=30,
    patience=30,
    batch_size=4,
    encoder_lr=2e-3,
    head_lr=1e-2,
    warmup_fraction=0.0,
    dropout=0.0,
    freeze_word_embeddings=False,
    references_per_intent=5,
    threads=1,
)


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_encoder(tmp_path_factory.mktemp("tiny") / "encoder")


def _train(tmp_path: Path, base: Path, config: TrainConfig, name: str = "model") -> TrainedRun:
    rows = tiny_jsonl_rows()
    write_jsonl(tmp_path / "data" / "train.jsonl", rows)
    write_jsonl(tmp_path / "data" / "dev.jsonl", rows)  # dev = train: we want to overfit
    return train_nlu(
        tmp_path / "data", tmp_path / name, base, config, hooks=RunHooks(progress=False)
    )


def _losses(folder: Path) -> list[float]:
    lines = (folder / "loss.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["loss"] for line in lines]


def _assert_learnt(predictor: NluPredictor) -> None:
    predictions = predictor.predict([text for text, _, _ in TINY_DATA])
    for (text, intent, slots), got in zip(TINY_DATA, predictions, strict=True):
        assert got.intent == intent, text
        assert [(s.label, s.text) for s in got.slots] == slots, text
        assert is_valid_bio(got.tags)


def _assert_same_outputs(a: NluPredictor, b: NluPredictor) -> None:
    texts = [text for text, _, _ in TINY_DATA] + ["play some jazz in paris", "unknown words here"]
    for x, y in zip(a.predict(texts), b.predict(texts), strict=True):
        assert x == y  # every float too: same weights, same code, same threads


@pytest.mark.parametrize(
    ("lora", "decoder", "sentence"),
    [
        (False, "softmax", False),
        (True, "softmax", False),
        (False, "crf", False),
        (True, "crf", False),
        (False, "crf", True),
        (True, "crf", True),
    ],
    ids=["full", "lora", "full-crf", "lora-crf", "full-crf-sentence", "lora-crf-sentence"],
)
def test_overfit_and_reload(
    tmp_path: Path, tiny_base: Path, lora: bool, decoder: str, sentence: bool
) -> None:
    config = TrainConfig(**{**OVERFIT.__dict__, "slot_decoder": decoder, "slot_sentence": sentence})
    if lora:
        lora_settings = LoraSettings(r=8, alpha=16, dropout=0.0, lr=1e-2)
        config = TrainConfig(**{**config.__dict__, "lora": lora_settings, "epochs": 40})
    trained = _train(tmp_path, tiny_base, config)
    crf = trained.predictor.model.crf
    hidden = trained.predictor.model.encoder_config.hidden_size
    assert trained.predictor.model.slot_head.in_features == (2 if sentence else 1) * hidden
    assert (crf is not None) == (decoder == "crf")
    if crf is not None:  # the transitions learnt something, and were saved
        assert crf.transitions.detach().abs().max().item() > 0.01
    losses = _losses(tmp_path / "model")
    assert mean(losses[-3:]) < 0.1 * mean(losses[:3]), losses
    _assert_learnt(trained.predictor)
    reloaded = NluPredictor.load(tmp_path / "model")
    _assert_same_outputs(trained.predictor, reloaded)
    report = json.loads((tmp_path / "model" / "report.json").read_text(encoding="utf-8"))
    assert report["best_dev"]["intent_accuracy"] == 1.0 and report["best_dev"]["slot_f1"] == 1.0


def test_overfit_top_layer_on_cached_features(tmp_path: Path, tiny_base: Path) -> None:
    """Only the top layer and the heads train (the bottom runs once, cached): it still learns,
    the frozen weights are saved unchanged, and the folder reloads to the same outputs."""
    from transformers import AutoModel

    config = TrainConfig(**{**OVERFIT.__dict__, "train_layers": 1, "epochs": 40})
    trained = _train(tmp_path, tiny_base, config)
    _assert_learnt(trained.predictor)
    base = AutoModel.from_pretrained(tiny_base).state_dict()
    tuned = trained.predictor.model.encoder.state_dict()
    assert torch.equal(
        tuned["encoder.layer.0.output.dense.weight"], base["encoder.layer.0.output.dense.weight"]
    )
    assert not torch.equal(
        tuned["encoder.layer.1.output.dense.weight"], base["encoder.layer.1.output.dense.weight"]
    )
    _assert_same_outputs(trained.predictor, NluPredictor.load(tmp_path / "model"))


def test_saved_on_its_base_encoder(tmp_path: Path, tiny_base: Path) -> None:
    """With the bottom frozen, the folder keeps only what differs from the base encoder and
    names the base; it loads to the same outputs, and refuses a missing or different base."""
    import shutil

    from safetensors.torch import load_file

    from dialogue.nlu.errors import NluModelError

    base = tmp_path / "models" / "encoder"
    shutil.copytree(tiny_base, base)
    config = TrainConfig(
        **{**OVERFIT.__dict__, "train_layers": 1, "epochs": 40, "save_on_base": True}
    )
    rows = tiny_jsonl_rows()
    write_jsonl(tmp_path / "data" / "train.jsonl", rows)
    write_jsonl(tmp_path / "data" / "dev.jsonl", rows)
    out = tmp_path / "models" / "nlu"
    trained = train_nlu(tmp_path / "data", out, base, config, hooks=RunHooks(progress=False))
    saved = load_file(str(out / "model.safetensors"))
    assert not any(k.startswith(("encoder.embeddings.", "encoder.encoder.layer.0.")) for k in saved)
    assert any(k.startswith("encoder.encoder.layer.1.") for k in saved)
    assert "intent_head.weight" in saved
    assert json.loads((out / "nlu.json").read_text())["base"]["path"] == "../encoder"
    _assert_same_outputs(trained.predictor, NluPredictor.load(out))
    moved = tmp_path / "elsewhere"
    shutil.copytree(tmp_path / "models", moved)  # moved together: the relative path holds
    _assert_same_outputs(trained.predictor, NluPredictor.load(moved / "nlu"))
    make_tiny_encoder(base, extra_words=("other",))  # another encoder in the base's place
    with pytest.raises(NluModelError, match="not the one"):
        NluPredictor.load(out)
    shutil.rmtree(base)
    with pytest.raises(NluModelError, match="missing"):
        NluPredictor.load(out)


def test_same_seed_same_run(tmp_path: Path, tiny_base: Path) -> None:
    config = TrainConfig(**{**OVERFIT.__dict__, "epochs": 3})
    first = _train(tmp_path / "a", tiny_base, config)
    second = _train(tmp_path / "b", tiny_base, config)
    assert _losses(tmp_path / "a" / "model") == _losses(tmp_path / "b" / "model")
    _assert_same_outputs(first.predictor, second.predictor)
    other = _train(tmp_path / "c", tiny_base, TrainConfig(**{**config.__dict__, "seed": 7}))
    assert _losses(tmp_path / "c" / "model") != _losses(tmp_path / "a" / "model")
    assert other.report["steps"] == first.report["steps"]


def test_lora_merged_equals_unmerged(tiny_base: Path) -> None:
    torch.manual_seed(0)
    config = TrainConfig(lora=LoraSettings(r=4, alpha=8, dropout=0.0))
    tags = ("O", "B-x", "I-x", "B-y", "I-y")
    _, model = build_model(tiny_base, tags, n_intents=3, config=config)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert any("lora_" in n for n in trainable)
    assert any("intent_head" in n for n in trainable) and any("slot_head" in n for n in trainable)
    assert not any("word_embeddings" in n for n in trainable)
    with torch.no_grad():  # LoRA B starts at zero: give the adapters something to merge
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.2)
    model.eval()
    inputs = {
        "input_ids": torch.tensor([[2, 5, 6, 7, 3], [2, 8, 9, 3, 0]]),
        "attention_mask": torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 1, 0]]),
        "word_index": torch.tensor([[1, 2, 3], [1, 2, 0]]),
        "word_mask": torch.tensor([[True, True, True], [True, True, False]]),
    }
    with torch.no_grad():
        unmerged = model(**inputs)
        merged_model = model.merge_and_unload()
        merged = merged_model(**inputs)
    assert not any("lora_" in n for n, _ in merged_model.named_parameters())
    torch.testing.assert_close(merged.intent_logits, unmerged.intent_logits, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(merged.slot_logits, unmerged.slot_logits, atol=1e-5, rtol=1e-4)
