"""Stage 5, play: a sentence's audio -> the speaker, and what the user heard of it.

While a sentence plays, the echo gate and canceller are told what is played and when (the
speaker's own account of when the first sample reached the output, moved when playback
slipped), so Wenda's voice coming back through the microphone is not taken for the user.
A cut sentence tells the reply how much of it was heard; the reply's end ends the turn.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence

import numpy as np

from app.voice import events as ev
from app.voice.frames import ReplyEndFrame, SpeechAudioFrame
from app.voice.stages.base import Crew, Stage
from app.voice.turns import Turn
from speech.audio import SAMPLE_RATE
from speech.echo import HearsPlayback
from speech.sentences import heard_part
from speech.speaker import Played, Speaker

log = logging.getLogger(__name__)


class PlayStage(Stage[SpeechAudioFrame | ReplyEndFrame]):
    name = "speaker"

    def __init__(self, crew: Crew, speaker: Speaker, echo: Sequence[HearsPlayback]) -> None:
        super().__init__(crew)
        self.speaker, self.echo = speaker, tuple(echo)  # told what plays: gate, canceller
        self.playing: int | None = None  # the turn whose sentence the speaker is playing

    def cut(self, turn_id: int) -> bool:
        """The fast lane: silence turn ``turn_id``'s sentence now if it is playing (the play
        in progress then ends the turn); False if nothing of it was playing."""
        if self.playing != turn_id:
            return False
        self.speaker.stop()  # the flush: silence within one audio block
        self._cut_reference(time.monotonic())
        return True

    async def process(self, frame: SpeechAudioFrame | ReplyEndFrame) -> None:
        turn = self.turns.current
        if isinstance(frame, ReplyEndFrame):
            self.turns.finish(turn, cut=False)
            return
        played = await self._play(turn, frame)
        self._played(turn, frame, played)

    async def _play(self, turn: Turn, frame: SpeechAudioFrame) -> Played:
        loop = asyncio.get_running_loop()
        planned: float | None = None  # when the clip's first sample was (re)planned to be heard

        def on_start(at_s: float) -> None:  # audio thread: hand the time to the loop
            nonlocal planned
            if planned is None:
                loop.call_soon_threadsafe(self._started, turn, frame, at_s)
            else:  # called again: playback slipped (an underflow), the rest comes later
                slip = (planned, at_s, time.monotonic())
                loop.call_soon_threadsafe(self._slipped, turn, frame, *slip)
            planned = at_s

        self.playing = turn.turn_id
        try:
            play = self.speaker.play
            return await self.workers.call("speaker", play, frame.audio, turn.stop, on_start)
        finally:
            self.playing = None

    def _started(self, turn: Turn, frame: SpeechAudioFrame, at_s: float) -> None:
        turn.mark(first_audio_s=at_s)
        self._add_reference(frame.audio, at_s)
        if turn.stop.is_set():
            self._cut_reference(time.monotonic())
        sentence = frame.sentence
        self.turns.emit(ev.Speaking(turn.turn_id, sentence.index, sentence.text, at_s))

    def _slipped(
        self, turn: Turn, frame: SpeechAudioFrame, was_s: float, now_s: float, noticed_s: float
    ) -> None:
        """Playback slipped: the clip planned to start at ``was_s`` now starts at ``now_s``;
        the audio thread noticed at ``noticed_s``, about when the rest begins to be heard.
        The echo plan is cut where the slip began and the rest planned anew, so the
        assistant's own voice, arriving late, is not taken for the user barging in."""
        if turn.stop.is_set():
            return
        self._cut_reference(noticed_s - (now_s - was_s))
        position = max(0, round((noticed_s - now_s) * SAMPLE_RATE))
        self._add_reference(frame.audio[position:], noticed_s)

    def _played(self, turn: Turn, frame: SpeechAudioFrame, played: Played) -> None:
        cut = played.interrupted or turn.stop.is_set()
        sentence = frame.sentence
        heard = heard_part(sentence.text, played.fraction) if played.started_s is not None else ""
        if heard:
            turn.reply.heard_until = max(turn.reply.heard_until, sentence.start + len(heard))
        if cut and played.started_s is not None:
            self._cut_reference(played.started_s + played.played_samples / SAMPLE_RATE)
        self.turns.emit(
            ev.SentencePlayed(
                turn.turn_id,
                sentence.index,
                sentence.text,
                heard,
                played.fraction,
                cut,
                played.ended_s,
            )
        )
        if cut:
            self.turns.finish(turn, cut=True)

    def _add_reference(self, audio: np.ndarray, start_s: float) -> None:
        for echo in self.echo:
            echo.add_reference(audio, start_s)

    def _cut_reference(self, at_s: float) -> None:
        for echo in self.echo:
            echo.cut_reference(at_s)
