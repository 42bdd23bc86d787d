"""Slot types per intent: learnt from the training data, saved with the model, and used by
decoding so a chosen intent only gets the slot types it carried in training."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dialogue.nlu.bio import allowed_tags
from dialogue.nlu.checkpoint import LoadedModel, ModelMeta
from dialogue.nlu.model import HeadConfig
from dialogue.nlu.outofscope import OosThresholds
from dialogue.nlu.predictor import NluPredictor
from dialogue.nlu.schema import Example
from dialogue.nlu.validate import intent_slot_types
from dialogue.nlu.words import split_words
from tests.training.nlu.test_overfit import OVERFIT, _train
from tests.training.nlu.tiny import make_tiny_encoder
from training.nlu.config import TrainConfig


def _example(text: str, intent: str, tags: tuple[str, ...]) -> Example:
    return Example(text=text, words=tuple(split_words(text)), intent=intent, tags=tags)


def test_intent_slot_types_from_examples() -> None:
    examples = [
        _example("play jazz", "PlayMusic", ("O", "B-genre")),
        _example("play adele", "PlayMusic", ("O", "B-artist")),
        _example("weather in new york", "GetWeather", ("O", "O", "B-city", "I-city")),
        _example("hello there", "Greet", ("O", "O")),
    ]
    assert intent_slot_types(examples) == {
        "GetWeather": ("city",),
        "Greet": (),
        "PlayMusic": ("artist", "genre"),
    }


def test_allowed_tags_keeps_outside_and_both_bio_halves() -> None:
    labels = ("O", "B-city", "I-city", "B-genre", "I-genre")
    assert allowed_tags(labels, ["city"]).tolist() == [True, True, True, False, False]
    assert allowed_tags(labels, []).tolist() == [True, False, False, False, False]


def test_meta_round_trip_and_older_folders() -> None:
    meta = ModelMeta(
        ("a", "b"), ("O", "B-x", "I-x"), HeadConfig(), 32, OosThresholds(), "", {"a": ("x",)}
    )
    assert ModelMeta.from_json(meta.to_json()) == meta
    older = meta.to_json()
    del older["intent_slots"]
    assert ModelMeta.from_json(older).intent_slots is None  # no restriction


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_encoder(tmp_path_factory.mktemp("tiny") / "encoder")


def test_decoding_keeps_to_the_intents_slot_types(tmp_path: Path, tiny_base: Path) -> None:
    trained = _train(tmp_path, tiny_base, OVERFIT)
    saved = NluPredictor.load(tmp_path / "model")
    assert saved.meta.intent_slots == {"GetWeather": ("city",), "PlayMusic": ("genre",)}
    texts = ["play jazz music", "weather in paris"]
    before = trained.predictor.predict(texts)
    assert [[s.label for s in u.slots] for u in before] == [["genre"], ["city"]]
    # The same weights, told that PlayMusic carries no slots: its genre goes, the city stays.
    meta = dataclasses.replace(saved.meta, intent_slots={"GetWeather": ("city",), "PlayMusic": ()})
    loaded = LoadedModel(saved.model, saved.tokenizer, meta, saved.references)
    restricted = NluPredictor(loaded).predict(texts)
    assert [u.intent for u in restricted] == [u.intent for u in before]
    assert [[s.label for s in u.slots] for u in restricted] == [[], ["city"]]
    assert restricted[0].tags == ("O", "O", "O")


def test_switched_off_saves_no_restriction(tmp_path: Path, tiny_base: Path) -> None:
    config = TrainConfig(**{**OVERFIT.__dict__, "epochs": 2, "slots_per_intent": False})
    trained = _train(tmp_path, tiny_base, config)
    assert trained.predictor.meta.intent_slots is None
    assert NluPredictor.load(tmp_path / "model").meta.intent_slots is None
