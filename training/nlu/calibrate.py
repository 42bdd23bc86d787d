"""Choosing the out-of-scope thresholds on dev data (never on the data the model learnt from).

Without ``oos`` examples in dev there is nothing to trade off against, so the thresholds keep a
target fraction of in-scope dev utterances (``in_scope_recall``, 0.99 by default): each of the
two signals (intent confidence, similarity to the nearest training example) gets the
``(1 - recall) / 2`` quantile of its dev values, so together they reject at most ``1 - recall``
of dev. With ``oos`` examples in dev, the pair of thresholds (from a grid of dev quantiles) that
maximises the mean of in-scope recall and out-of-scope recall is chosen instead.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dialogue.nlu.outofscope import OosThresholds, is_out_of_scope


def _quantile(values: Sequence[float], q: float) -> float:
    return float(np.quantile(np.asarray(values, dtype=np.float64), q, method="lower"))


def thresholds_for_recall(
    confidences: Sequence[float], similarities: Sequence[float], in_scope_recall: float
) -> OosThresholds:
    """Thresholds that keep about ``in_scope_recall`` of these in-scope dev utterances."""
    if not confidences:
        return OosThresholds()
    q = (1.0 - in_scope_recall) / 2
    # Just below the quantile, so the utterance at the quantile itself stays in scope.
    return OosThresholds(
        min_confidence=max(0.0, _quantile(confidences, q) - 1e-6),
        min_similarity=_quantile(similarities, q) - 1e-6,
        method=f"keep {in_scope_recall:.1%} of in-scope dev utterances",
    )


def thresholds_with_oos(
    confidences: Sequence[float],
    similarities: Sequence[float],
    is_oos: Sequence[bool],
    oos_class_wins: Sequence[bool],
) -> OosThresholds:
    """Thresholds that best separate in-scope from ``oos`` dev utterances (balanced recall)."""
    grid = np.linspace(0.0, 0.5, 26)
    conf_candidates = sorted({0.0, *(_quantile(confidences, q) for q in grid)})
    sim_candidates = sorted({-1.0, *(_quantile(similarities, q) for q in grid)})
    n_oos = sum(is_oos)
    n_in = len(is_oos) - n_oos
    best, best_score = OosThresholds(), -1.0
    for min_conf in conf_candidates:
        for min_sim in sim_candidates:
            candidate = OosThresholds(min_conf, min_sim, "balanced in-scope/oos recall on dev")
            flagged = [
                is_out_of_scope(c, s, candidate, w)
                for c, s, w in zip(confidences, similarities, oos_class_wins, strict=True)
            ]
            hits = sum(f and o for f, o in zip(flagged, is_oos, strict=True))
            kept = sum(not f and not o for f, o in zip(flagged, is_oos, strict=True))
            balanced = (hits / max(n_oos, 1) + kept / max(n_in, 1)) / 2
            if balanced > best_score + 1e-9:
                best, best_score = candidate, balanced
    return best
