"""Stage 2, recognise: an utterance -> what was said (``speech.transcript.Transcript``).

Recognition may start early, after a short pause (``VoiceSettings.early_asr_ms``): if the
pause turns out to be the end of the turn, that transcript is used and the user waits only
for what is left of it. :meth:`RecogniseStage.transcribe` is the one place a recognition is
asked for, told the words the dialogue expects (hotwords).

While the user speaks, the audio so far is recognised every ``VoiceSettings.partial_ms`` and
emitted as a ``Transcript`` with ``partial`` set, which a window shows and the final transcript
replaces. A partial never delays the final one: it is asked for only while the ASR worker is
idle and the user is voicing (a pause starts the early recognition instead), and one that has
not begun when a pause comes is dropped; an early transcript, if the user is still talking
when it is ready, is shown as a partial too.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from app.voice.stages.base import Crew, Stage
from app.voice.turns import TurnState
from speech.expectation import Expectation
from speech.listen import Utterance
from speech.recognition import Recognizer
from speech.transcript import Transcript

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Early:
    """A recognition started in a pause of turn ``turn_id`` that began at ``speech_end_s``."""

    turn_id: int
    speech_end_s: float
    result: asyncio.Future[Transcript | None]


class RecogniseStage(Stage[Utterance]):
    name = "asr"

    def __init__(
        self,
        crew: Crew,
        recognizer: Recognizer,
        language: str,
        out: Stage[Transcript],
        expected: Callable[[], Expectation | None] = lambda: None,
        partials: bool = False,
    ) -> None:
        super().__init__(crew)
        self.partials = partials  # emit what was heard so far (VoiceSettings.partial_ms > 0)
        self.recognizer, self.language, self.out = recognizer, language, out
        self.expected = expected  # what the dialogue's open question expects
        self.early_job: Early | None = None
        self.false_starts = 0  # utterances that held no words (noise, coughs)
        self._partial: asyncio.Task[None] | None = None  # the partial recognition in flight

    def transcribe(self, audio: np.ndarray) -> Transcript:
        """On the ASR worker: what ``audio`` says, told what the dialogue expects."""
        expected = self.expected()
        if expected is None or expected.empty:
            return self.recognizer.transcribe(audio)
        return self.recognizer.transcribe(audio, None, expected)

    def early(self, turn_id: int, audio: np.ndarray, speech_end_s: float) -> None:
        """Start recognising in a pause; a newer pause makes a job that has not begun moot."""

        def job() -> Transcript | None:
            early = self.early_job
            if early is None or (early.turn_id, early.speech_end_s) != (turn_id, speech_end_s):
                return None  # superseded before it started
            return self.transcribe(audio)

        future = asyncio.ensure_future(self.workers.call("asr", job))
        self.early_job = Early(turn_id, speech_end_s, future)
        if self.partials:
            future.add_done_callback(lambda f: self._show_early(turn_id, f))

    def partial(self, turn_id: int, audio: np.ndarray) -> None:
        """Recognise the audio so far for the window, unless the worker is busy with a
        partial or a pause's early recognition (then this one is skipped: the next comes)."""
        busy = self._partial is not None and not self._partial.done()
        early = self.early_job
        if busy or (early is not None and early.turn_id == turn_id and not early.result.done()):
            return
        self._partial = asyncio.ensure_future(self._recognise_partial(turn_id, audio, early))

    async def _recognise_partial(
        self, turn_id: int, audio: np.ndarray, early: Early | None
    ) -> None:
        def job() -> Transcript | None:
            if self.early_job is not early:
                return None  # a pause came first: its recognition goes before this one
            return self.transcribe(audio)

        try:
            result = await self.workers.call("asr", job)
        except Exception:  # a partial is a nicety: the final transcript still comes
            log.exception("a partial recognition failed")
            return
        self._show_partial(turn_id, result)

    def _show_early(self, turn_id: int, future: asyncio.Future[Transcript | None]) -> None:
        """An early transcript while the user is still talking is the best partial yet."""
        if not future.cancelled() and future.exception() is None:
            self._show_partial(turn_id, future.result())

    def _show_partial(self, turn_id: int, result: Transcript | None) -> None:
        turn = self.turns.live(turn_id)
        if result is None or result.empty or turn is None or turn.state is not TurnState.HEARING:
            return
        if turn.times.endpoint_s is not None:
            return  # the utterance has ended: the final transcript is (or will be) what counts
        language = result.language or self.language
        self.turns.emit(replace(result, language=language, turn_id=turn_id, partial=True))

    async def process(self, frame: Utterance) -> None:
        early, self.early_job = self.early_job, None
        result: Transcript | None = None
        if early is not None and (early.turn_id, early.speech_end_s) == (
            frame.turn_id,
            frame.speech_end_s,
        ):
            result = await early.result  # recognised during the pause that ended the turn
        if result is None:
            result = await self.workers.call("asr", self.transcribe, frame.audio)
        turn = self.turns.live(frame.turn_id)
        if turn is None:
            return
        turn.mark(transcript_s=time.monotonic())
        language = result.language or self.language
        transcript = replace(result, language=language, turn_id=turn.turn_id)
        turn.transcript = transcript.text
        self.turns.emit(transcript)
        if transcript.empty:
            self.false_starts += 1
            self.turns.finish(turn, cut=False)
            return
        turn.state = TurnState.ANSWERING
        await self.out.inbox.put(transcript)
