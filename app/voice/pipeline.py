"""The voice pipeline: five stages in a straight line on one asyncio loop.

    mic -> listen (echo canceller, VAD, echo gate, endpointer) -> recognise (ASR)
        -> think (dialogue, sentences) -> speak (TTS) -> play (speaker)

The stages (``app.voice.stages``) pass typed frames (``app.voice.frames``) through bounded
queues, each model on its own single-worker executor. Every data frame carries its
``turn_id``; a stage drops a frame whose turn is no longer the current one. A new turn
starts when the user starts talking (or types, or asks to interrupt): :meth:`control`
bumps the turn id and sets the old turn's ``stop`` event, which ends generation at the
next token and playback at the next audio block. That path runs on the loop the moment
speech is detected: the fast lane, never queued behind data and never dropped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from app.voice import events as ev
from app.voice.engines import Engines
from app.voice.frames import ControlFrame, InterruptFrame
from app.voice.settings import VoiceSettings
from app.voice.stages.base import Crew, Stage, Trace, Workers
from app.voice.stages.listen import ListenStage
from app.voice.stages.play import PlayStage
from app.voice.stages.recognise import RecogniseStage
from app.voice.stages.speak import SpeakStage
from app.voice.stages.think import ThinkStage
from app.voice.turns import ReplyStream, Turn, Turns, TurnState
from speech.echo import EchoGate
from speech.echo_cancel import make_canceller
from speech.endpoint import SpeechStarted
from speech.transcript import Transcript

__all__ = ["VoicePipeline"]
log = logging.getLogger(__name__)

# Behind the canceller the gate assumes the full echo until Wenda has spoken this long (the
# canceller converges within about a second, but leaks when it re-converges early on), and
# at the start of each reply (for ~150 ms after a silence AEC3 lets the echo through).
CANCELLER_SETTLE_S = 3.0
CANCELLER_ONSET_MS = 400.0


class VoicePipeline:
    """Wires the stages and owns the fast lane; all methods are called on the loop thread."""

    def __init__(self, engines: Engines, settings: VoiceSettings, emit: Callable[[Any], None]):
        self.engines, self.settings = engines, settings
        self.workers = Workers()
        self.turns = Turns(emit, self._tell_heard)
        now = time.monotonic()
        self.canceller = make_canceller(now) if settings.echo_cancel else None
        gate = settings.echo
        if gate is not None and self.canceller is not None:  # judge what the canceller leaves
            gate = replace(gate, settle_s=CANCELLER_SETTLE_S, onset_guard_ms=CANCELLER_ONSET_MS)
        self.gate = EchoGate(gate, now) if gate else None
        crew = Crew(self.turns, self.workers, settings.queue_frames)
        echo = [e for e in (self.canceller, self.gate) if e is not None]
        self.play = PlayStage(crew, engines.speaker, echo)
        self.speak = SpeakStage(crew, engines.synthesizer, self.play)
        self.think = ThinkStage(
            crew,
            engines.conversation,
            engines.sentences,
            settings.lead_chunk_words,
            self.speak,
            engines.expectation,
        )
        self.recognise = RecogniseStage(
            crew,
            engines.recognizer,
            settings.language,
            self.think,
            lambda: self.think.expected,
            partials=settings.partial_ms > 0,
        )
        self.listen = ListenStage(
            crew,
            engines.microphone,
            engines.vad,
            settings,
            (self.canceller, self.gate),
            self.control,
            self.recognise,
            lambda: self.play.playing == self.turn.turn_id,
            engines.turn_model,
        )
        self.stages: tuple[Stage[Any], ...] = (self.recognise, self.think, self.speak, self.play)

    @property
    def turn(self) -> Turn:
        return self.turns.current

    @property
    def finished(self) -> asyncio.Event:
        """Set when the input ended and the last turn is done."""
        return self.turns.finished

    @property
    def muted(self) -> bool:
        return self.listen.muted

    @property
    def trace(self) -> Trace | None:
        """Sees every frame a stage takes, and whether it was live (tests, debugging)."""
        return self.play.trace

    @trace.setter
    def trace(self, trace: Trace | None) -> None:
        for stage in self.stages:
            stage.trace = trace

    async def run(self) -> None:
        """Open the microphone and run every stage until cancelled."""
        await self.workers.call("microphone", self.engines.microphone.start)
        self.turns.emit(ev.Listening(self.turn.turn_id))
        async with asyncio.TaskGroup() as group:
            group.create_task(self.listen.run(), name=self.listen.name)
            for stage in self.stages:
                group.create_task(stage.run(), name=stage.name)

    def close(self) -> None:
        """Ordered shutdown, first step: stop input and output now (executors end after)."""
        self.engines.microphone.close()
        self.turn.stop.set()
        self.engines.speaker.stop()

    def shutdown_executors(self) -> None:
        self.workers.shutdown()

    # --- the fast lane -------------------------------------------------------------------

    def control(self, frame: ControlFrame) -> None:
        """Start a new turn now: the old one stops wherever it is."""
        old = self.turns.begin(frame.turn_id)
        if old.in_progress:
            old.stop.set()
            playing = self.play.cut(old.turn_id)  # else nothing of it is heard to finish
            if old.stream is ReplyStream.NOT_ASKED and old.utterance is not None:
                # The user went on after a pause, before the dialogue saw the first part:
                # recognise it all as one utterance, so nothing they said is lost.
                self.turn.utterance = old.utterance
            if not playing:
                self.turns.finish(old, cut=True)  # else the play stage finishes it
        for stage in self.stages:
            stage.drop_stale()
        if isinstance(frame, SpeechStarted):
            self.turn.state = TurnState.HEARING
            self.turn.mark(speech_start_s=frame.at_s)
            self.turns.emit(replace(frame, barge_in=old.in_progress))
        else:
            log.info("turn %d interrupted (%s)", old.turn_id, frame.reason)
            self.turns.emit(ev.Listening(self.turn.turn_id))

    def interrupt(self, reason: str = "command") -> None:
        self.control(InterruptFrame(self.turn.turn_id + 1, reason))

    def typed(self, text: str) -> None:
        """A typed turn: interrupts the current one and goes straight to the dialogue."""
        self.control(InterruptFrame(self.turn.turn_id + 1, "typed text"))
        turn = self.turn
        turn.state, turn.transcript = TurnState.ANSWERING, text
        turn.mark(transcript_s=time.monotonic())
        transcript = Transcript(text, self.settings.language, turn_id=turn.turn_id, typed=True)
        self.turns.emit(transcript)
        self.think.put_now(transcript)

    def mute(self, muted: bool) -> None:
        self.listen.mute(muted)

    def finish_utterance(self) -> None:
        """Push-to-talk released: what is being heard is the utterance."""
        self.listen.end_utterance()

    def _tell_heard(self, heard: str) -> None:
        """On the dialogue's executor, in order after its reply."""
        self.workers.submit("dialogue", self._heard_call, heard)

    def _heard_call(self, heard: str) -> None:
        try:
            self.engines.conversation.heard(heard)
        except Exception:  # the history is a nicety; the session goes on
            log.exception("the dialogue could not record what was heard")
