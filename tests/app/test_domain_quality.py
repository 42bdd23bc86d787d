"""The bundled shop domain, trained as a first start trains it (the domain's own settings: the
top layers on cached features of the frozen bottom), still reaches the dev quality of the
slower full fine-tuning it replaced (BENCHMARKS.md, Dialogue), within a stated margin.

Dev sets: the NLU's own held-out split of ``nlu.jsonl`` (154 English, 147 Chinese utterances:
one utterance is 0.0065) and ``eval/kb_dev.jsonl`` for retrieval (132 per language: one
question is 0.0076). The margins allow about three utterances or four questions.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.store.errors import ModelStoreError
from app.store.store import ModelStore
from dialogue.domain import load_domain
from tests import REPO

pytestmark = pytest.mark.slow

SHOP = REPO / "assets" / "domains" / "shop"
# Full fine-tuning before the first-run work (BENCHMARKS.md, Dialogue, 2026-12-06):
BEFORE = {
    "en": {"intent_accuracy": 0.948, "slot_f1": 0.989, "kb_dev_top1": 0.88},
    "zh": {"intent_accuracy": 0.849, "slot_f1": 0.914, "kb_dev_top1": 0.86},
}
NLU_MARGIN = 0.02
KB_MARGIN = 0.03
ROLES = {"en": "nlu-encoder", "zh": "nlu-encoder-zh"}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_domain_training_keeps_dev_quality(tmp_path: Path, language: str) -> None:
    from app.bench.domain_training import _kb, _nlu

    try:
        encoder = Path(ModelStore().path(ROLES[language]))
    except ModelStoreError as e:
        pytest.skip(f"no {language} encoder: {e.message}")
    domain = load_domain(SHOP)
    nlu = _nlu(domain, language, encoder, tmp_path / "nlu", {})
    kb = _kb(domain, language, encoder, tmp_path / "kb", {})
    before = BEFORE[language]
    print(f"{language}: NLU {nlu}, KB {kb}")
    assert nlu["intent_accuracy"] >= before["intent_accuracy"] - NLU_MARGIN
    assert nlu["slot_f1"] >= before["slot_f1"] - NLU_MARGIN
    assert kb["kb_dev_top1"] >= before["kb_dev_top1"] - KB_MARGIN
