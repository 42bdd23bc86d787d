"""Out-of-scope thresholds: chosen on dev, they keep the promised share of in-scope utterances
and reject what is clearly unlike the training data."""

from __future__ import annotations

import numpy as np
import pytest

from dialogue.nlu.outofscope import OosThresholds, is_out_of_scope, nearest_similarity
from training.nlu.calibrate import thresholds_for_recall, thresholds_with_oos


@pytest.mark.parametrize(
    ("confidence", "similarity", "oos_class", "expected"),
    [
        (0.9, 0.8, False, False),
        (0.4, 0.8, False, True),  # unsure classifier
        (0.9, 0.2, False, True),  # far from every training example
        (0.9, 0.8, True, True),  # a trained oos class wins outright
        (0.5, 0.5, False, False),  # exactly at the thresholds stays in scope
    ],
)
def test_is_out_of_scope(confidence, similarity, oos_class, expected) -> None:
    thresholds = OosThresholds(min_confidence=0.5, min_similarity=0.5)
    assert is_out_of_scope(confidence, similarity, thresholds, oos_class) is expected


def test_default_thresholds_never_reject() -> None:
    assert not is_out_of_scope(0.0, -1.0, OosThresholds())


@pytest.mark.parametrize("recall", [0.9, 0.95, 0.99, 1.0])
def test_thresholds_keep_target_recall(recall: float) -> None:
    rng = np.random.default_rng(0)
    confidences = rng.beta(8, 1, 1000).tolist()
    similarities = rng.uniform(0.3, 1.0, 1000).tolist()
    t = thresholds_for_recall(confidences, similarities, recall)
    kept = [not is_out_of_scope(c, s, t) for c, s in zip(confidences, similarities, strict=True)]
    assert np.mean(kept) >= recall
    assert np.mean(kept) <= recall + 0.01 or recall == 1.0  # and not much more: it does reject
    assert "keep" in t.method


def test_thresholds_with_oos_examples_separate_them() -> None:
    rng = np.random.default_rng(1)
    in_conf, oos_conf = rng.uniform(0.7, 1.0, 200), rng.uniform(0.2, 0.6, 50)
    in_sim, oos_sim = rng.uniform(0.6, 1.0, 200), rng.uniform(0.0, 0.9, 50)
    confidences = [*in_conf, *oos_conf]
    similarities = [*in_sim, *oos_sim]
    is_oos = [False] * 200 + [True] * 50
    t = thresholds_with_oos(confidences, similarities, is_oos, [False] * 250)
    flagged = [is_out_of_scope(c, s, t) for c, s in zip(confidences, similarities, strict=True)]
    assert np.mean(flagged[200:]) >= 0.95  # out of scope caught
    assert np.mean(flagged[:200]) <= 0.05  # in scope kept


def test_nearest_similarity() -> None:
    import torch

    references = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    pooled = torch.tensor([[3.0, 0.0], [1.0, 1.0], [-1.0, 0.0]])
    got = nearest_similarity(pooled, references)
    torch.testing.assert_close(got, torch.tensor([1.0, 2**-0.5, 0.0]))
    assert nearest_similarity(pooled, None).tolist() == [1.0, 1.0, 1.0]
