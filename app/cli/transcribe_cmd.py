"""``wenda transcribe FILE...``: speech in audio files to text, one line (or JSON object) each.

A file that cannot be read or transcribed is reported on its own line and the rest still
run; the exit status is 2 if any file failed.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from typing import Any

log = logging.getLogger(__name__)

EXIT_SOME_FAILED = 2


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "transcribe",
        help="turn speech in audio files (WAV, FLAC, OGG, MP3) into text",
        description="Transcribe audio files with Whisper. Silence and noise give empty text.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="audio files to transcribe")
    parser.add_argument("--engine", choices=("faster", "openai"), help="default: asr.engine")
    parser.add_argument("--model", metavar="base|tiny.en|PATH", help="default: asr.model")
    parser.add_argument("--language", choices=("auto", "en", "zh"), help="default: asr.language")
    parser.add_argument("--json", action="store_true", help="one JSON object per line per file")
    parser.set_defaults(run=run)


def _result(name: str, transcript: Any, seconds: float) -> dict[str, Any]:
    return {
        "file": name,
        "text": transcript.text,
        "language": transcript.language,
        "language_probability": transcript.language_probability,
        "audio_seconds": round(transcript.audio_seconds, 3),
        "seconds": round(seconds, 3),
        "segments": [
            {"start": s.start_s, "end": s.end_s, "text": s.text} for s in transcript.segments
        ],
    }


def _error_text(name: str, error: Exception) -> str:
    from speech.audio_file import AudioTooLongError

    message = str(error) or type(error).__name__
    if isinstance(error, AudioTooLongError):
        message += " (asr.max_audio_s in `wenda config`)"
    return message if name in message else f"{name}: {message}"


def _report_failure(args: argparse.Namespace, name: str, error: Exception) -> None:
    if args.debug:
        raise error
    log.debug("transcribing %s failed", name, exc_info=True)
    if args.json:
        print(json.dumps({"file": name, "error": _error_text(name, error)}), flush=True)
    else:
        print(f"wenda: {_error_text(name, error)}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from app.serving import recognizer_config
    from app.store.store import ModelStore
    from speech.asr import Recognizer, make_recognizer
    from speech.audio_file import load_audio

    config = args.config
    settings = recognizer_config(
        config, ModelStore(config=config), args.engine, args.model, args.language
    )
    recognizer: Recognizer | None = None  # loaded at the first readable file
    failed = 0
    for name in args.files:
        started = time.perf_counter()
        try:
            audio = load_audio(name, max_seconds=config.asr.max_audio_s)
        except Exception as e:  # one bad file must not stop the others (--debug re-raises)
            failed += 1
            _report_failure(args, name, e)
            continue
        if recognizer is None:  # a model that cannot load ends the command (exit 2)
            recognizer = make_recognizer(settings)
            started = time.perf_counter()
        try:
            transcript = recognizer.transcribe(audio)
        except Exception as e:  # e.g. a decoder error on this one file
            failed += 1
            _report_failure(args, name, e)
            continue
        result = _result(name, transcript, time.perf_counter() - started)
        if args.json:
            print(json.dumps(result, ensure_ascii=False), flush=True)
        elif len(args.files) == 1:
            print(transcript.text, flush=True)
        else:
            print(f"{name}: {transcript.text}", flush=True)
    return EXIT_SOME_FAILED if failed else 0
