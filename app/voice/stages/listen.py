"""Stage 1, listen: microphone blocks -> VAD frames -> the echo gate and the endpointer.

The start of speech goes to the pipeline's fast lane at once (a barge-in must not wait for
anything); the audio so far is recognised now and then for the window (partial transcripts);
a pause mid-utterance starts recognition early; a finished utterance goes to the recognise
stage's queue. The echo canceller cleans each block before the VAD sees it (with
what the play stage played as its reference; the gate then judges what is left), and the
turn-completion model judges the audio at a pause and ends the turn with
:meth:`ListenStage.end_utterance` when the user is done.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from app.voice.settings import VoiceSettings
from app.voice.stages.base import Crew
from app.voice.stages.recognise import RecogniseStage
from speech.audio import FrameClock
from speech.echo import EchoGate
from speech.echo_cancel import EchoCanceller
from speech.endpoint import SpeechStarted
from speech.listen import Heard, HeardPause, HeardSoFar, Listener
from speech.microphone import Microphone
from speech.turn_end import TurnModel
from speech.vad import Vad

log = logging.getLogger(__name__)


class ListenStage:
    """Reads the microphone until it ends; ``on_speech`` is the pipeline's fast lane."""

    name = "listen"

    def __init__(
        self,
        crew: Crew,
        microphone: Microphone,
        vad: Vad,
        settings: VoiceSettings,
        echo: tuple[EchoCanceller | None, EchoGate | None],
        on_speech: Callable[[SpeechStarted], None],
        recognise: RecogniseStage,
        playing: Callable[[], bool],
        turn_model: TurnModel | None = None,
    ) -> None:
        self.microphone, self.vad, self.settings = microphone, vad, settings
        self.turns, self.workers = crew.turns, crew.workers
        self.on_speech, self.recognise, self.playing = on_speech, recognise, playing
        self.canceller, gate = echo
        partial_ms = settings.partial_ms
        self.listener = Listener(settings.endpoint, gate, settings.early_asr_ms, partial_ms)
        self.turn_model, self.rule = turn_model, settings.turn_rule
        if turn_model is not None:  # silence ends a turn only after max_ms; the model sooner
            endpoint = replace(settings.endpoint, end_silence_ms=self.rule.max_ms)
            self.listener = Listener(endpoint, gate, self.rule.quick_ms, partial_ms)
        self._pause_s = -1.0  # when the speech before the latest pause ended
        self._judging: set[asyncio.Future[None]] = set()
        self.muted = False
        self._utterance_turn = -1  # the turn the utterance being heard belongs to

    async def run(self) -> None:
        clock = FrameClock()
        while (block := await self.workers.call("microphone", self.microphone.read)) is not None:
            samples, block_s = block.samples, block.start_s
            if self.canceller is not None:  # every block, so the canceller's filter keeps up
                samples = await self.workers.call("echo", self.canceller.process, samples, block_s)
                block_s -= self.canceller.delay_s
            if self.muted or (self.playing() and not self.settings.barge_in):
                continue
            for frame, start_s in clock.push(samples, block_s):
                p = await self.workers.call("vad", self.vad.probability, frame)
                self.heard(self.listener.push(frame, start_s, p))
        self.end_utterance()
        self.turns.end_input()

    async def judge(self, turn_id: int, audio: np.ndarray, speech_end_s: float) -> None:
        """Ask the turn model whether the user is done at this pause; if so, and they are
        still quiet in the same pause, end the utterance now instead of after ``max_ms``."""
        assert self.turn_model is not None
        try:
            probability = await self.workers.call("turn", self.turn_model.completion, audio)
        except Exception:  # a failing model must not end the session: silence still ends turns
            log.exception("the turn model failed; the silence rule ends this turn")
            return
        same_pause = self._pause_s == speech_end_s and self.listener.quiet
        if self.rule.complete(probability) and same_pause and self.turns.live(turn_id):
            log.debug(
                "turn model: complete (%.2f) after the pause at %.2f", probability, speech_end_s
            )
            self.end_utterance()

    def mute(self, muted: bool) -> None:
        self.muted = muted
        if muted:
            self.listener.reset()

    def end_utterance(self) -> None:
        """What is being heard now is the utterance (push-to-talk released, the input
        ended), without waiting for the end-of-speech silence."""
        self.heard(self.listener.end(time.monotonic()))

    def heard(self, heard: Heard | None) -> None:
        if isinstance(heard, SpeechStarted):
            started = replace(heard, turn_id=self.turns.current.turn_id + 1)
            self.on_speech(started)
            self._utterance_turn = started.turn_id
            return
        turn = self.turns.live(self._utterance_turn)
        if turn is None or heard is None:
            return
        audio = heard.audio
        if turn.utterance is not None:  # what they said before a pause, see the pipeline
            audio = np.concatenate([turn.utterance, audio])
        if isinstance(heard, HeardSoFar):
            self.recognise.partial(turn.turn_id, audio)
            return
        if isinstance(heard, HeardPause):
            self.recognise.early(turn.turn_id, audio, heard.speech_end_s)
            self._pause_s = heard.speech_end_s
            if self.turn_model is not None:
                task = asyncio.ensure_future(self.judge(turn.turn_id, audio, heard.speech_end_s))
                self._judging.add(task)  # the loop keeps only weak references to tasks
                task.add_done_callback(self._judging.discard)
            return
        turn.utterance = audio
        turn.mark(speech_end_s=heard.speech_end_s, endpoint_s=heard.endpoint_s)
        self.recognise.put_now(replace(heard, audio=audio, turn_id=turn.turn_id))
