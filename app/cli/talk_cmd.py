"""``wenda talk``: a hands-free spoken conversation in the terminal.

Live, it listens on the microphone and answers through the speaker; you can talk over it
to interrupt. With ``--input a.wav b.wav ...`` the recordings are played into the same
pipeline in place of the microphone, one per turn, each after the previous reply has been
spoken: a script runner. Every turn prints the transcript, the reply and its latency; with
``--json``, one JSON line per turn instead (transcript, reply, intent, stage times).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from typing import Any

log = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("talk", help="talk with the assistant (microphone or files)")
    parser.add_argument(
        "--input", nargs="+", metavar="FILE", default=[], help="recordings to play in, one a turn"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON line per turn")
    parser.add_argument("--lang", choices=("en", "zh"), default="", help="conversation language")
    parser.add_argument("--user", default="local", help="whose memory to use (default: local)")
    parser.add_argument("--no-generator", action="store_true", help="never use the chat model")
    parser.add_argument(
        "--asr-model", default="", metavar="MODEL", help="base, tiny.en or a folder"
    )
    parser.add_argument("--nlu-model", default="", metavar="DIR", help="NLU model folder")
    parser.set_defaults(run=run)


def turn_json(done: Any) -> dict[str, Any]:
    """The JSON line of one finished turn (``TurnDone``)."""
    extra = done.extra or {}
    return {
        "turn": done.turn_id,
        "transcript": done.transcript,
        "reply": done.reply,
        "heard": done.heard,
        "interrupted": done.interrupted,
        "intent": done.intent,
        "source": done.source,
        "confidence": extra.get("confidence"),
        "slots": extra.get("slots", {}),
        "action": extra.get("action", ""),
        "times_ms": done.times.relative_ms(),
        "stages_ms": done.times.stage_ms(),
    }


class Printer:
    """Turns session events into terminal lines (runs on the session's thread)."""

    def __init__(self, as_json: bool, advance: Any = None) -> None:
        self.as_json = as_json
        self.advance = advance  # ReplayMicrophone.next_turn, for --input
        self.errors = 0
        self._turns = 0

    def __call__(self, event: Any) -> None:
        from app.voice import events as ev

        if isinstance(event, ev.TurnDone):
            self._turns += 1
            if self.as_json:
                print(json.dumps(turn_json(event), ensure_ascii=False), flush=True)
            elif event.transcript:
                stages = event.times.stage_ms()
                heard = _ms(stages["end_of_speech_to_transcript_ms"])
                spoke = _ms(stages["end_of_speech_to_first_audio_ms"])
                cut = ", interrupted" if event.interrupted else ""
                print(f"  (end of speech -> transcript {heard}, -> first audio {spoke}{cut})")
        elif isinstance(event, ev.Listening):
            if self.advance is not None and self._turns:
                self.advance()
            if not self.as_json:
                print("listening...", file=sys.stderr, flush=True)
        elif isinstance(event, ev.Transcript) and not self.as_json and event.text:
            print(f"you> {event.text}", flush=True)
        elif isinstance(event, ev.ReplyText) and not self.as_json:
            print(f"wenda> {event.text}", flush=True)
        elif isinstance(event, ev.Error):
            self.errors += 1
            print(f"wenda: {event.stage} failed: {event.message}", file=sys.stderr, flush=True)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def _devices(args: argparse.Namespace, serving: Any) -> tuple[Any, Any]:
    """The microphone (or the recordings) and the speaker (or none, for scripts)."""
    from app.voice.replay import ReplayMicrophone
    from speech.audio_file import load_audio
    from speech.errors import AudioDeviceError
    from speech.microphone import MicrophoneConfig, make_microphone
    from speech.speaker import SilentSpeaker, SpeakerConfig, make_speaker

    if args.input:
        microphone: Any = ReplayMicrophone([load_audio(path) for path in args.input])
    else:
        microphone = make_microphone(MicrophoneConfig(device=serving.input_device))
    if not serving.speak:
        return microphone, SilentSpeaker()  # tts.enabled = false: replies are printed only
    try:
        speaker: Any = make_speaker(SpeakerConfig(device=serving.output_device))
    except AudioDeviceError as e:
        if not args.input:
            raise
        log.warning("%s; replies are not played", e)
        speaker = SilentSpeaker()
    return microphone, speaker


def run(args: argparse.Namespace) -> int:
    from app.cli.progress import prepare_language_cli
    from app.serving import Asked, resolve
    from app.voice import events as ev
    from app.voice.build import load_engines
    from app.voice.memory import configure_model_process
    from app.voice.session import VoiceSession

    configure_model_process()
    asked = Asked(
        language=args.lang,
        nlu_model=args.nlu_model,
        asr_model=args.asr_model,
        generator=not args.no_generator,
    )
    prepare_language_cli(args.config, args.lang or args.config.general.language)  # first use
    serving = resolve(args.config, asked, speech=True)
    microphone, speaker = _devices(args, serving)
    if not args.json:
        print("loading models...", file=sys.stderr, flush=True)
    engines = load_engines(serving, microphone, speaker, args.user)
    printer = Printer(args.json, getattr(microphone, "next_turn", None))
    # A terminal shows final transcripts only: no partial recognitions to pay for.
    session = VoiceSession(engines, replace(serving.voice, partial_ms=0), printer)
    session.start(listen=True)
    try:
        session.wait()
    except KeyboardInterrupt:
        session.submit(ev.Stop())
        session.wait()
    finally:
        close = getattr(speaker, "close", None)
        if close:
            close()
    return 1 if session.stop_reason.startswith("error") else 0
