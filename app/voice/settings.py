"""How a voice session behaves: one frozen dataclass, built from the app config by the
resolver (``app.serving.voice_settings``: ``[audio]`` and ``[voice]``), or by hand in tests."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from speech.echo import EchoGateConfig
from speech.endpoint import EndpointConfig
from speech.turn_end import TurnRule

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VoiceSettings:
    """How the loop behaves; ``endpoint`` carries ``audio.end_silence_ms`` and
    ``audio.max_utterance_s``, ``echo`` ``voice.echo_margin_db``, ``echo_cancel``
    ``voice.echo_cancel``."""

    endpoint: EndpointConfig = field(default_factory=EndpointConfig)
    echo: EchoGateConfig | None = field(default_factory=EchoGateConfig)  # None: no gating
    # Cancel Wenda's echo in the microphone (WebRTC AEC3) before the VAD and the gate: off
    # by default until it stops leaking while it converges (BENCHMARKS.md, echo cancellation).
    echo_cancel: bool = False
    barge_in: bool = True  # False: the microphone is ignored while Wenda speaks
    queue_frames: int = 8  # bound of each queue between stages
    lead_chunk_words: int = 8  # a longer first sentence is cut at a comma (0: never)
    early_asr_ms: int = 200  # silence after which ASR starts before the turn ends (0: never)
    partial_ms: int = 0  # recognise the audio so far this often while the user speaks (0: never)
    language: str = "en"
    # With a turn model: a pause of turn_rule.quick_ms ends the turn when the model says
    # complete, else turn_rule.max_ms does (the endpoint's end_silence_ms is then unused).
    turn_rule: TurnRule = field(default_factory=TurnRule)
