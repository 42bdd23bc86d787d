"""The bundled shop domain's models, as setup trained them (the domain's own first-start
settings: the top layers on cached features of the frozen bottom), reach the dev quality of
the slower full fine-tuning they replaced, within a stated margin.

The models are the ones in the model cache (``scripts/setup.sh --test`` trains both
languages), so this checks what a user is served, in seconds: training them again here would
cost the suite minutes per language. ``wenda bench domain-training`` trains from scratch with
any settings and reports the same numbers with the time they took (BENCHMARKS.md, "First run").

Dev sets: the NLU's own held-out split of ``nlu.jsonl`` (the split the trainer holds out and
stops early on, so slightly optimistic, as the full fine-tuning's figures were: 154 English,
147 Chinese utterances, one utterance is 0.0065) and ``eval/kb_dev.jsonl`` for retrieval (132
per language, one question is 0.0076, never trained on). The margins allow about three
utterances or four questions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.store.domain_models import DomainModel, domain_model_state
from app.store.domain_trainers import retrieval_encoder_config
from app.store.errors import ModelStoreError
from app.store.roles import ENCODER_ROLES
from app.store.store import ModelStore
from dialogue.domain import load_domain
from tests import REPO

pytestmark = pytest.mark.slow

SHOP = REPO / "assets" / "domains" / "shop"
# Full fine-tuning of every layer, as before the first-run work (BENCHMARKS.md, "First run"):
# intent accuracy without the out-of-scope thresholds (the trainer's dev figure), slot F1,
# retrieval top-1. English measured again on today's code (`wenda bench domain-training
# --nlu '{"train_layers": 0}' --kb '{"train_layers": 0}'`), Chinese from 2026-12-06.
BEFORE = {
    "en": {"intent_accuracy": 0.955, "slot_f1": 0.983, "kb_dev_top1": 0.848},
    "zh": {"intent_accuracy": 0.849, "slot_f1": 0.914, "kb_dev_top1": 0.86},
}
NLU_MARGIN = 0.02
KB_MARGIN = 0.03


def _ready(language: str, kind: str) -> Path:
    model = DomainModel("shop", language, SHOP, kind)
    state = domain_model_state(model)
    if state.state != "ready":
        pytest.skip(f"{model.name} is {state.state} ({state.detail}): run scripts/setup.sh --test")
    return state.path


def _nlu_scores(language: str, folder: Path) -> tuple[dict[str, float], float]:
    """The dev scores as the trainer measures them (no out-of-scope thresholds: those are
    calibrated after training), and the intent accuracy as served (with them)."""
    from dataclasses import replace

    from dialogue.nlu.checkpoint import LoadedModel, load_model
    from dialogue.nlu.outofscope import OosThresholds
    from dialogue.nlu.predictor import NluPredictor
    from training.domain_nlu import domain_train_config
    from training.nlu.data import load_splits
    from training.nlu.evaluate import score

    config = domain_train_config(language)
    dev = load_splits(
        load_domain(SHOP).pack(language).nlu_file, config.dev_fraction, config.seed
    ).dev
    words = [(e.text, e.words) for e in dev]
    loaded = load_model(folder)
    served = score(dev, NluPredictor(loaded).predict_words(words))["intent_accuracy"]
    plain = replace(loaded.meta, thresholds=OosThresholds())
    untouched = NluPredictor(LoadedModel(loaded.model, loaded.tokenizer, plain, None))
    return score(dev, untouched.predict_words(words)), served


def _kb_top1(language: str, tuned: Path, cache: Path) -> float:
    from app.bench.domain_training import kb_dev_top1

    try:
        base = Path(ModelStore().path(ENCODER_ROLES[language]))
    except ModelStoreError as e:
        pytest.skip(f"no {language} encoder: {e.message}")
    config = retrieval_encoder_config(language, base, tuned)
    return kb_dev_top1(load_domain(SHOP), language, config, cache)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_served_domain_models_keep_dev_quality(tmp_path: Path, language: str) -> None:
    nlu, served = _nlu_scores(language, _ready(language, "nlu"))
    kb_top1 = _kb_top1(language, _ready(language, "kb"), tmp_path / "kb-cache")
    before = BEFORE[language]
    print(
        f"{language}: intent {nlu['intent_accuracy']:.3f} (served {served:.3f}) slot F1 "
        f"{nlu['slot_f1']:.3f} KB top-1 {kb_top1:.3f} (before: {before})"
    )
    assert nlu["intent_accuracy"] >= before["intent_accuracy"] - NLU_MARGIN
    assert nlu["slot_f1"] >= before["slot_f1"] - NLU_MARGIN
    assert kb_top1 >= before["kb_dev_top1"] - KB_MARGIN
