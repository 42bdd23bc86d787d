"""Stage 4, speak: a sentence -> its audio, with the voice's leading and trailing silence
trimmed (``speech.trim``), for the play stage."""

from __future__ import annotations

import logging

from app.voice.frames import ReplyEndFrame, SentenceFrame, SpeechAudioFrame
from app.voice.stages.base import Crew, Stage
from speech.sentences import has_words, speakable
from speech.synthesis import Synthesizer
from speech.trim import trim_silence

log = logging.getLogger(__name__)


class SpeakStage(Stage[SentenceFrame | ReplyEndFrame]):
    name = "tts"

    def __init__(
        self, crew: Crew, synthesizer: Synthesizer, out: Stage[SpeechAudioFrame | ReplyEndFrame]
    ) -> None:
        super().__init__(crew)
        self.synthesizer, self.out = synthesizer, out

    async def process(self, frame: SentenceFrame | ReplyEndFrame) -> None:
        if isinstance(frame, ReplyEndFrame):
            await self.out.inbox.put(frame)
            return
        text = speakable(frame.text)
        if not has_words(text):
            return
        audio = await self.workers.call("tts", self.synthesizer.synthesize, text)
        audio = trim_silence(audio)
        if self.turns.live(frame.turn_id) is not None and len(audio):
            await self.out.inbox.put(SpeechAudioFrame(frame.turn_id, frame, audio))
