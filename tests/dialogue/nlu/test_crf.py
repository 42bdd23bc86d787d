"""The CRF's likelihood against brute force over every tag path, and its decoding."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from dialogue.nlu.bio import is_valid_bio, transition_mask, viterbi
from dialogue.nlu.crf import LinearChainCrf

TAGS = ("O", "B-city", "I-city", "B-date")


def _crf(seed: int) -> LinearChainCrf:
    torch.manual_seed(seed)
    crf = LinearChainCrf(len(TAGS))
    with torch.no_grad():
        for param in crf.parameters():
            param.normal_(0, 1)
    crf.constrain(*transition_mask(TAGS))
    return crf


def _path_score(crf: LinearChainCrf, emissions: torch.Tensor, path: tuple[int, ...]) -> float:
    start, pairs, end = (t.detach() for t in crf.scores())
    total = start[path[0]] + emissions[0, path[0]] + end[path[-1]]
    for i in range(1, len(path)):
        total = total + pairs[path[i - 1], path[i]] + emissions[i, path[i]]
    return float(total)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_likelihood_matches_brute_force_with_padding(seed: int) -> None:
    crf = _crf(seed)
    emissions = torch.randn(2, 4, len(TAGS))
    mask = torch.tensor([[True, True, True, True], [True, True, False, False]])
    gold = torch.tensor([[1, 2, 0, 3], [3, 0, 0, 0]])
    expected = 0.0
    for row, length in enumerate([4, 2]):
        paths = itertools.product(range(len(TAGS)), repeat=length)
        scores = torch.tensor([_path_score(crf, emissions[row], p) for p in paths])
        gold_path = tuple(int(t) for t in gold[row, :length])
        expected += float(torch.logsumexp(scores, 0)) - _path_score(crf, emissions[row], gold_path)
    got = crf.neg_log_likelihood(emissions, gold, mask).item()
    assert got == pytest.approx(expected, rel=1e-4)


def test_rows_without_words_cost_nothing() -> None:
    crf = _crf(0)
    emissions = torch.randn(1, 3, len(TAGS), requires_grad=True)
    loss = crf.neg_log_likelihood(
        emissions, torch.zeros(1, 3, dtype=torch.long), torch.zeros(1, 3, dtype=torch.bool)
    )
    loss.backward()  # still part of the graph: a batch of such rows must not break training
    assert loss.item() == 0.0 and emissions.grad is not None


@pytest.mark.parametrize("seed", range(5))
def test_viterbi_with_crf_scores_is_the_best_valid_path(seed: int) -> None:
    crf = _crf(seed)
    emissions = torch.randn(4, len(TAGS))
    start, pairs = transition_mask(TAGS)
    path = viterbi(emissions.numpy(), start, pairs, crf.numpy_scores())
    assert is_valid_bio([TAGS[i] for i in path])
    valid = [
        p
        for p in itertools.product(range(len(TAGS)), repeat=4)
        if is_valid_bio([TAGS[i] for i in p])
    ]
    best = max(valid, key=lambda p: _path_score(crf, emissions, p))
    assert tuple(path) == best
    assert np.isfinite(_path_score(crf, emissions, tuple(path)))
