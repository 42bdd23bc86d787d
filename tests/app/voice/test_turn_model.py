"""The turn model in the live pipeline (fake engines): a pause the model calls complete ends
the turn after ``quick_ms``; one it calls incomplete waits for ``max_ms``; the transcript
recognised early in that pause is the one used."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from app.config import ConfigError
from app.config_file import config_from_dict
from app.serving import voice_settings
from app.voice import events as ev
from speech.turn_end import TurnRule
from tests.app.voice.rig import SETTINGS
from tests.fakes.speech import utterance

RULE = TurnRule(quick_ms=160, max_ms=1200)


class FixedTurnModel:
    """A turn model at the device boundary: always the same verdict; counts its calls."""

    def __init__(self, probability: float) -> None:
        self.probability, self.calls = probability, 0

    def completion(self, audio: np.ndarray) -> float:
        self.calls += 1
        return self.probability


@pytest.mark.parametrize(("probability", "low_ms", "high_ms"), [(0.9, 150, 600), (0.1, 1150, 1700)])
def test_the_turn_ends_when_the_model_says_so_or_after_max_ms(
    rig_factory, probability: float, low_ms: float, high_ms: float
) -> None:
    model = FixedTurnModel(probability)
    rig = rig_factory(settings=replace(SETTINGS, turn_rule=RULE), turn_model=model)
    rig.mic.say(utterance(3))
    rig.turns_done(1)
    done = rig.log.of(ev.TurnDone)[0]
    waited_ms = done.times.stage_ms()["endpointing_ms"]
    assert done.transcript == "number four two" and model.calls >= 1
    assert waited_ms is not None and low_ms <= waited_ms <= high_ms, waited_ms
    assert rig.asr.heard == ["number four two"]  # the early recognition, not a second one


def test_the_longest_wait_comes_from_the_config() -> None:
    assert voice_settings(config_from_dict({}), "en").turn_rule.max_ms == 1600
    config = config_from_dict({"voice": {"turn_end_max_ms": 2000}})
    assert voice_settings(config, "en").turn_rule.max_ms == 2000
    with pytest.raises(ConfigError, match="turn_end_max_ms"):
        config_from_dict({"voice": {"turn_end_max_ms": 100}})
