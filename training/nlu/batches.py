"""Length-bucketed batches: utterances of similar length share a batch, so padding (wasted CPU
time) stays small while the order of batches is still shuffled every epoch.

Indices are shuffled, cut into pools of ``pool_batches`` batches, each pool sorted by length and
cut into batches, then the batches are shuffled. Seeded per epoch: the same seed and epoch give
the same batches.
"""

from __future__ import annotations

import random
from collections.abc import Sequence


def bucketed_batches(
    lengths: Sequence[int], batch_size: int, seed: int, epoch: int, pool_batches: int = 50
) -> list[list[int]]:
    """Batches of indices into ``lengths``; every index appears exactly once."""
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = batch_size * pool_batches
    batches: list[list[int]] = []
    for first in range(0, len(order), pool):
        chunk = sorted(order[first : first + pool], key=lambda i: lengths[i])
        batches += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches
