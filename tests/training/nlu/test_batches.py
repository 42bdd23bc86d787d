"""Length-bucketed batches: every example once, little padding, reproducible per seed/epoch."""

from __future__ import annotations

import random

import pytest

from training.nlu.batches import bucketed_batches


@pytest.mark.parametrize(("n", "batch_size"), [(0, 4), (1, 4), (10, 3), (1000, 32), (1001, 32)])
def test_every_index_once(n: int, batch_size: int) -> None:
    lengths = [random.Random(i).randint(3, 40) for i in range(n)]
    batches = bucketed_batches(lengths, batch_size, seed=1, epoch=1)
    assert sorted(i for b in batches for i in b) == list(range(n))
    assert all(1 <= len(b) <= batch_size for b in batches)


def test_buckets_cut_padding_and_are_seeded() -> None:
    rng = random.Random(0)
    lengths = [rng.randint(3, 40) for _ in range(3200)]
    batches = bucketed_batches(lengths, 32, seed=1, epoch=1)
    padded = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    assert padded < 1.05 * sum(lengths)  # random batches would pad ~60% more
    assert batches == bucketed_batches(lengths, 32, seed=1, epoch=1)
    assert batches != bucketed_batches(lengths, 32, seed=1, epoch=2)
