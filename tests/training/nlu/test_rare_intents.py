"""Real data has rare labels (ATIS as published has intents with a single example): such an
intent is a warning that names it and its count, and training goes on. It stays in train (out
of the dev split) and the out-of-scope calibration copes with its one reference vector. Only
data that cannot be trained on at all is an error."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from dialogue.nlu.errors import NluDataError
from tests.training.nlu.tiny import TINY_DATA, make_tiny_encoder, write_jointbert
from training.nlu.config import TrainConfig
from training.nlu.data import Splits, load_splits
from training.nlu.run import RunHooks, train_nlu

QUICK = TrainConfig(epochs=2, batch_size=4, references_per_intent=5, threads=1)
# An intent seen once, named the way ATIS names its combined intents.
RARE = ("when does the airport shuttle leave", "ground_service#ground_fare", [])


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_encoder(tmp_path_factory.mktemp("tiny") / "encoder")


def test_a_rare_intent_is_learnt_with_a_warning(tmp_path: Path, tiny_base: Path) -> None:
    data = write_jointbert(tmp_path / "atis-like", [*TINY_DATA, RARE])
    seen: list[Splits] = []
    hooks = RunHooks(on_data=seen.append, progress=False)
    run = train_nlu(data, tmp_path / "model", tiny_base, QUICK, hooks=hooks)
    splits = seen[0]
    warnings = [str(w) for w in splits.warnings if RARE[1] in w.message]
    assert len(warnings) == 1 and f"intent '{RARE[1]}' has only 1 example" in warnings[0]
    assert RARE[1] in {e.intent for e in splits.train}
    assert RARE[1] not in {e.intent for e in splits.dev}
    assert RARE[1] in run.predictor.meta.intents
    references = run.predictor.references
    assert references is not None and len(references) == len(splits.train)  # 5 per intent max
    thresholds = run.report["thresholds"]
    assert all(math.isfinite(thresholds[key]) for key in ("min_confidence", "min_similarity"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([t for t in TINY_DATA if t[1] == "PlayMusic"], "only one intent ('PlayMusic')"),
        ([TINY_DATA[0], TINY_DATA[5]], "no intent has 2 different examples"),
    ],
    ids=["one-intent", "nothing-for-dev"],
)
def test_data_that_cannot_train_is_an_error(tmp_path: Path, data: list, message: str) -> None:
    folder = write_jointbert(tmp_path / "data", data)
    with pytest.raises(NluDataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_splits(folder, dev_fraction=0.2, seed=0)
