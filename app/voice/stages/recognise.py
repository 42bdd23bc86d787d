"""Stage 2, recognise: an utterance -> what was said (``speech.transcript.Transcript``).

Recognition may start early, after a short pause (``VoiceSettings.early_asr_ms``): if the
pause turns out to be the end of the turn, that transcript is used and the user waits only
for what is left of it. :meth:`RecogniseStage.transcribe` is the one place a recognition is
asked for, where issue 17 adds the words the dialogue expects (hotwords, a prompt) and
partial transcripts while the user speaks.
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
    ) -> None:
        super().__init__(crew)
        self.recognizer, self.language, self.out = recognizer, language, out
        self.expected = expected  # what the dialogue's open question expects
        self.early_job: Early | None = None
        self.false_starts = 0  # utterances that held no words (noise, coughs)

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
