"""The voice pipeline: five stages on one asyncio loop, each model on its own executor.

    mic -> listen (VAD, echo gate, endpointer) -> recognise (ASR) -> think (dialogue,
    sentence aggregation) -> synthesise (TTS) -> play (speaker)

Stages pass typed frames (``app.voice.frames``) through bounded queues. Every data frame
carries its ``turn_id``; a stage drops a frame whose turn is no longer the current one. A
new turn starts when the user starts talking (or types, or asks to interrupt): the turn id
is bumped and the old turn's ``stop`` event set, which ends generation at the next token and
playback at the next audio block. That control path runs on the loop the moment speech is
detected: the fast lane, never queued behind data and never dropped.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

from app.voice import events as ev
from app.voice.echo import EchoGate
from app.voice.engines import Engines, Played, ReplyInfo
from app.voice.frames import (
    InterruptFrame,
    ReplyEndFrame,
    SentenceFrame,
    SpeechAudioFrame,
    TranscriptFrame,
    UserSpeechFrame,
    UtteranceFrame,
)
from app.voice.listen import FrameClock, Heard, HeardPause, HeardStart, Listener
from app.voice.sentences import lead_chunks
from app.voice.settings import VoiceSettings
from app.voice.trim import trim_silence
from app.voice.turns import TurnLog, heard_part
from speech.asr import Transcript
from speech.audio import SAMPLE_RATE
from speech.sentences import has_words, speakable

__all__ = ["VoicePipeline", "VoiceSettings"]
log = logging.getLogger(__name__)
T = TypeVar("T")
STAGES = ("microphone", "vad", "asr", "dialogue", "tts", "speaker")


class VoicePipeline:
    """Runs the stages; all methods are called on the loop thread."""

    def __init__(self, engines: Engines, settings: VoiceSettings, emit: Callable[[Any], None]):
        self.engines, self.settings, self.emit = engines, settings, emit
        self.executors = {
            name: ThreadPoolExecutor(1, thread_name_prefix=f"voice-{name}") for name in STAGES
        }
        size = settings.queue_frames
        self.asr_q: asyncio.Queue[UtteranceFrame] = asyncio.Queue(size)
        self.think_q: asyncio.Queue[TranscriptFrame] = asyncio.Queue(size)
        self.tts_q: asyncio.Queue[SentenceFrame | ReplyEndFrame] = asyncio.Queue(size)
        self.play_q: asyncio.Queue[SpeechAudioFrame | ReplyEndFrame] = asyncio.Queue(size)
        origin = time.monotonic()
        self.gate = EchoGate(settings.echo, origin) if settings.echo else None
        self.listener = Listener(settings.endpoint, self.gate, settings.early_asr_ms)
        self.turn = TurnLog(turn_id=0)
        self.muted = False
        self.input_ended = False
        self.finished = asyncio.Event()  # set when the input ended and the last turn is done
        self.false_starts = 0  # utterances that held no words (noise, coughs)
        self._utterance_turn = -1  # the turn the utterance being heard belongs to
        # ASR started in a pause: (turn id, end of speech, result), used if the pause
        # turns out to be the end of the turn.
        self._early: tuple[int, float, asyncio.Future[Transcript | None]] | None = None
        # Sees every frame a stage takes, and whether it was live (tests, debugging).
        self.trace: Callable[[str, Any, bool], None] | None = None

    # --- running -------------------------------------------------------------------------

    async def _call(self, stage: str, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executors[stage], fn, *args)

    async def run(self) -> None:
        """Open the microphone and run every stage until cancelled."""
        await self._call("microphone", self.engines.microphone.start)
        self.emit(ev.Listening(self.turn.turn_id))
        async with asyncio.TaskGroup() as group:
            group.create_task(self._listen(), name="listen")
            for name, queue, step in (
                ("asr", self.asr_q, self._recognise),
                ("dialogue", self.think_q, self._think),
                ("tts", self.tts_q, self._synthesise),
                ("speaker", self.play_q, self._play),
            ):
                group.create_task(self._stage(name, queue, step), name=name)

    async def _stage(self, name: str, queue: asyncio.Queue, step: Callable[[Any], Any]) -> None:
        """Take frames in order, drop stale ones, and keep going whatever one turn does:
        an error becomes an event and ends that turn only."""
        while True:
            frame = await queue.get()
            live = self._live(frame.turn_id) is not None
            if self.trace is not None:
                self.trace(name, frame, live)
            if not live:
                continue
            try:
                await step(frame)
            except Exception as e:  # one bad turn must never end the session
                log.exception("voice stage %s failed on turn %d", name, frame.turn_id)
                self._fail(frame.turn_id, name, e)

    def close(self) -> None:
        """Ordered shutdown, first step: stop input and output now (executors end after)."""
        self.engines.microphone.close()
        self.turn.stop.set()
        self.engines.speaker.stop()

    def shutdown_executors(self) -> None:
        for executor in self.executors.values():
            executor.shutdown(wait=True, cancel_futures=True)

    # --- control: the fast lane ----------------------------------------------------------

    def control(self, frame: UserSpeechFrame | InterruptFrame) -> None:
        """Start a new turn now: the old one stops wherever it is."""
        old = self.turn
        self.turn = TurnLog(turn_id=frame.turn_id)
        if old.in_progress:
            old.stop.set()
            now = time.monotonic()
            if old.playing:
                self.engines.speaker.stop()  # the flush: silence within one audio block
                if self.gate is not None:
                    self.gate.cut_reference(now)
            if not old.responded and old.utterance is not None:
                # The user went on after a pause, before the dialogue saw the first part:
                # recognise it all as one utterance, so nothing they said is lost.
                self.turn.utterance = old.utterance
            if not old.playing:
                self._finish(old, interrupted=True)  # else the play stage finishes it
        self._drain_stale()
        if isinstance(frame, UserSpeechFrame):
            self.turn.state = "active"
            self._utterance_turn = frame.turn_id
            self.turn.mark(speech_start_s=frame.at_s)
            self.emit(ev.SpeechStarted(frame.turn_id, frame.at_s, barge_in=old.in_progress))
        else:
            log.info("turn %d interrupted (%s)", old.turn_id, frame.reason)
            self.emit(ev.Listening(self.turn.turn_id))

    def interrupt(self, reason: str = "command") -> None:
        self.control(InterruptFrame(self.turn.turn_id + 1, reason))

    def typed(self, text: str) -> None:
        """A typed turn: interrupts the current one and goes straight to the dialogue."""
        self.control(InterruptFrame(self.turn.turn_id + 1, "typed text"))
        turn = self.turn
        turn.state, turn.transcript, turn.typed = "active", text, True
        turn.mark(transcript_s=time.monotonic())
        self.emit(ev.Transcript(turn.turn_id, text, self.settings.language, typed=True))
        self._put_now(self.think_q, TranscriptFrame(turn.turn_id, text, typed=True))

    def mute(self, muted: bool) -> None:
        self.muted = muted
        if muted:
            self.listener.reset()

    def _drain_stale(self) -> None:
        for queue in (self.asr_q, self.think_q, self.tts_q, self.play_q):
            keep = [f for f in _drain(queue) if f.turn_id == self.turn.turn_id]
            for frame in keep:
                queue.put_nowait(frame)

    def _put_now(self, queue: asyncio.Queue, frame: Any) -> None:
        if queue.full():  # only stale frames can fill a queue this early in a turn
            self._drain_stale()
        queue.put_nowait(frame)

    def _live(self, turn_id: int) -> TurnLog | None:
        """The current turn if ``turn_id`` is it and it is still running, else None (stale)."""
        return self.turn if turn_id == self.turn.turn_id and self.turn.in_progress else None

    # --- stage 1: listen -----------------------------------------------------------------

    async def _listen(self) -> None:
        clock = FrameClock()
        mic = self.engines.microphone
        while (block := await self._call("microphone", mic.read)) is not None:
            if self.muted or (self.turn.playing and not self.settings.barge_in):
                continue
            for frame, start_s in clock.push(block.samples, block.start_s):
                p = await self._call("vad", self.engines.vad.probability, frame)
                self._heard(self.listener.push(frame, start_s, p))
        self._heard(self.listener.flush(time.monotonic()))
        self.input_ended = True
        self._check_finished()

    def _heard(self, heard: Heard | None) -> None:
        if isinstance(heard, HeardStart):
            self.control(UserSpeechFrame(self.turn.turn_id + 1, heard.at_s))
            return
        turn = self._live(self._utterance_turn)
        if turn is None or heard is None:
            return
        audio = heard.audio
        if turn.utterance is not None:  # what they said before a pause, see control()
            audio = np.concatenate([turn.utterance, audio])
        if isinstance(heard, HeardPause):
            self._recognise_early(turn, audio, heard.speech_end_s)
            return
        turn.utterance = audio
        turn.mark(speech_end_s=heard.speech_end_s, endpoint_s=heard.endpoint_s)
        frame = UtteranceFrame(
            turn.turn_id, audio, heard.speech_start_s, heard.speech_end_s, heard.endpoint_s
        )
        self._put_now(self.asr_q, frame)

    def _recognise_early(self, turn: TurnLog, audio: np.ndarray, speech_end_s: float) -> None:
        """Start ASR in a pause; a newer pause makes an early job that has not begun moot."""
        key = (turn.turn_id, speech_end_s)

        def job() -> Transcript | None:
            early = self._early
            if early is None or early[:2] != key:
                return None  # superseded before it started
            return self.engines.recognizer.transcribe(audio)

        future = asyncio.ensure_future(self._call("asr", job))
        self._early = (*key, future)

    # --- stage 2: recognise --------------------------------------------------------------

    async def _recognise(self, frame: UtteranceFrame) -> None:
        early, self._early = self._early, None
        result: Transcript | None = None
        if early is not None and early[:2] == (frame.turn_id, frame.speech_end_s):
            result = await early[2]  # recognised during the pause that ended the turn
        if result is None:
            result = await self._call("asr", self.engines.recognizer.transcribe, frame.audio)
        turn = self._live(frame.turn_id)
        if turn is None:
            return
        turn.mark(transcript_s=time.monotonic())
        turn.transcript = result.text
        language = result.language or self.settings.language
        self.emit(ev.Transcript(turn.turn_id, result.text, language))
        if result.empty:
            self.false_starts += 1
            self._finish(turn, interrupted=False)
            return
        await self.think_q.put(TranscriptFrame(turn.turn_id, result.text, language))

    # --- stage 3: think ------------------------------------------------------------------

    async def _think(self, frame: TranscriptFrame) -> None:
        turn = self.turn
        self.emit(ev.Thinking(turn.turn_id))
        conversation = self.engines.conversation
        pieces = await self._call("dialogue", conversation.respond, frame.text, turn.stop)
        turn.responded = True
        sentences = self.engines.sentences()
        # Drain the pieces even after a barge-in (``stop`` makes that quick), so the dialogue
        # finishes its turn before it is told what was heard.
        while (piece := await self._call("dialogue", next, pieces, None)) is not None:
            if isinstance(piece, ReplyInfo):
                turn.intent, turn.source, turn.extra = piece.intent, piece.source, piece.extra
                continue
            for text in sentences.push(piece):
                await self._sentences(turn, text)
        for text in sentences.flush():
            await self._sentences(turn, text)
        turn.reply_drained = True
        self._tell_heard(turn)  # if a barge-in finished the turn while the reply streamed
        if self._live(turn.turn_id):
            end = ReplyEndFrame(turn.turn_id, " ".join(turn.sentences), turn.intent, turn.source)
            await self.tts_q.put(end)

    async def _sentences(self, turn: TurnLog, text: str) -> None:
        """Send a sentence on to the voice; the first one in short chunks, so that the first
        audio does not wait for a long sentence to be synthesised whole."""
        words = self.settings.lead_chunk_words
        chunks = lead_chunks(text, words) if words and not turn.sentences else [text]
        for chunk in chunks:
            await self._sentence(turn, chunk)

    async def _sentence(self, turn: TurnLog, text: str) -> None:
        if self._live(turn.turn_id) is None:
            return
        turn.mark(first_sentence_s=time.monotonic())
        index = len(turn.sentences)
        turn.sentences.append(text)
        self.emit(ev.ReplyText(turn.turn_id, index, text))
        await self.tts_q.put(SentenceFrame(turn.turn_id, index, text))

    # --- stage 4: synthesise -------------------------------------------------------------

    async def _synthesise(self, frame: SentenceFrame | ReplyEndFrame) -> None:
        if isinstance(frame, ReplyEndFrame):
            await self.play_q.put(frame)
            return
        text = speakable(frame.text)
        if not has_words(text):
            return
        audio = await self._call("tts", self.engines.synthesizer.synthesize, text)
        audio = trim_silence(audio)
        if self._live(frame.turn_id) is not None and len(audio):
            await self.play_q.put(SpeechAudioFrame(frame.turn_id, frame.index, frame.text, audio))

    # --- stage 5: play -------------------------------------------------------------------

    async def _play(self, frame: SpeechAudioFrame | ReplyEndFrame) -> None:
        turn = self.turn
        if isinstance(frame, ReplyEndFrame):
            self._finish(turn, interrupted=False)
            return
        played = await self._speak(turn, frame)
        self._played(turn, frame, played)

    async def _speak(self, turn: TurnLog, frame: SpeechAudioFrame) -> Played:
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

        turn.playing = True
        try:
            speaker = self.engines.speaker
            return await self._call("speaker", speaker.play, frame.audio, turn.stop, on_start)
        finally:
            turn.playing = False

    def _started(self, turn: TurnLog, frame: SpeechAudioFrame, at_s: float) -> None:
        turn.played_any = True
        turn.mark(first_audio_s=at_s)
        if self.gate is not None:
            self.gate.add_reference(frame.audio, at_s)
            if turn.stop.is_set():
                self.gate.cut_reference(time.monotonic())
        self.emit(ev.Speaking(turn.turn_id, frame.index, frame.text, at_s))

    def _slipped(
        self, turn: TurnLog, frame: SpeechAudioFrame, was_s: float, now_s: float, noticed_s: float
    ) -> None:
        """Playback slipped: the clip planned to start at ``was_s`` now starts at ``now_s``;
        the audio thread noticed at ``noticed_s``, about when the rest begins to be heard.
        The echo gate's plan is cut where the slip began and the rest planned anew, so the
        assistant's own voice, arriving late, is not taken for the user barging in."""
        if self.gate is None or turn.stop.is_set():
            return
        self.gate.cut_reference(noticed_s - (now_s - was_s))
        position = max(0, round((noticed_s - now_s) * SAMPLE_RATE))
        self.gate.add_reference(frame.audio[position:], noticed_s)

    def _played(self, turn: TurnLog, frame: SpeechAudioFrame, played: Played) -> None:
        cut = played.interrupted or turn.stop.is_set()
        heard = heard_part(frame.text, played.fraction) if played.started_s is not None else ""
        turn.heard.append(heard)
        if cut and self.gate is not None and played.started_s is not None:
            self.gate.cut_reference(played.started_s + played.played_samples / SAMPLE_RATE)
        self.emit(
            ev.SentencePlayed(
                turn.turn_id, frame.index, frame.text, heard, played.fraction, cut, played.ended_s
            )
        )
        if cut:
            self._finish(turn, interrupted=True)

    # --- the end of a turn ---------------------------------------------------------------

    def _finish(self, turn: TurnLog, interrupted: bool) -> None:
        if turn.state == "done":
            return
        turn.cut_short = interrupted
        self.emit(turn.done_event(interrupted, time.monotonic()))
        self._tell_heard(turn)
        if turn is self.turn:
            self.emit(ev.Listening(turn.turn_id))
        self._check_finished()

    def _tell_heard(self, turn: TurnLog) -> None:
        """Once a cut-short turn is over and its reply stream has ended (the dialogue has
        recorded the whole reply by then), tell the dialogue what the user really heard."""
        if turn.cut_short and turn.responded and turn.reply_drained and not turn.told_heard:
            turn.told_heard = True
            self.executors["dialogue"].submit(self._heard_call, turn.heard_text)

    def _heard_call(self, heard: str) -> None:
        try:
            self.engines.conversation.heard(heard)
        except Exception:  # the history is a nicety; the session goes on
            log.exception("the dialogue could not record what was heard")

    def _fail(self, turn_id: int, stage: str, error: Exception) -> None:
        self.emit(ev.Error(turn_id, stage, f"{type(error).__name__}: {error}"))
        turn = self._live(turn_id)
        if turn is not None:
            turn.stop.set()
            self._finish(turn, interrupted=True)

    def _check_finished(self) -> None:
        if self.input_ended and not self.turn.in_progress:
            self.finished.set()


def _drain(queue: asyncio.Queue) -> list[Any]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items
