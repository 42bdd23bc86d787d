"""``wenda bench domain-training --only fallback``: what answers before training ends, scored
on the NLU's dev split (it used to fail in seqeval: the fallback's predictions carry no word
tags, and an empty tag list is not a sentence's tags)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests import REPO

pytestmark = pytest.mark.slow


def test_fallback_scores_intents_and_retrieval_on_the_base_encoder() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "bench", "domain-training", "--only", "fallback", "--json"],
        capture_output=True, text=True, cwd=REPO, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    fallback = json.loads(done.stdout)["fallback"]
    # the nearest labelled example knows most intents, far from every one
    assert 0.6 < fallback["intent_accuracy"] < 0.98, fallback
    assert 0.5 < fallback["kb_dev_top1_base_encoder"] < 1.0, fallback
