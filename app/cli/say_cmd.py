"""``wenda say TEXT``: speak text aloud (sentence by sentence), or write it to a WAV file."""

from __future__ import annotations

import argparse
import logging
from typing import Any

log = logging.getLogger(__name__)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "say",
        help="speak text aloud with the assistant's voice, or write it to a WAV file",
        description="Speak TEXT. Voices: joe (English, Piper), jm_kumo and other Kokoro "
        "voices (Chinese), espeak-ng (always available).",
    )
    parser.add_argument("text", nargs="+", metavar="TEXT", help="what to say")
    parser.add_argument("--voice", metavar="NAME", help="default: tts.voice, else per language")
    parser.add_argument("--lang", choices=("en", "zh"), help="default: general.language")
    parser.add_argument("--out", metavar="FILE.wav", help="write a 16 kHz WAV instead of playing")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from app.serving import voice_config
    from app.store.store import ModelStore
    from speech.audio import seconds
    from speech.audio_file import write_wav
    from speech.errors import AudioDeviceError, SynthesisError
    from speech.sentences import speakable, split_sentences
    from speech.speak import speak, synthesize_all
    from speech.speaker import SpeakerConfig, make_speaker
    from speech.tts import make_synthesizer

    config = args.config
    text = " ".join(args.text)
    if not split_sentences(speakable(text)):
        raise SynthesisError(
            "nothing to say: the text has no words (only spaces, emoji or symbols)"
        )
    language = args.lang or config.general.language
    voice = make_synthesizer(voice_config(config, ModelStore(config=config), language, args.voice))
    if args.out:
        audio = synthesize_all(text, voice)
        if len(audio) == 0:
            raise SynthesisError(f"{voice.name} produced no audio for this text")
        write_wav(args.out, audio)
        print(f"wrote {args.out} ({seconds(audio):.1f} s, {voice.name})")
        return 0
    try:
        speaker = make_speaker(SpeakerConfig(device=config.audio.output_device))
    except AudioDeviceError as e:
        raise AudioDeviceError(f"{e}; or write the speech to a file with --out FILE.wav") from e
    with speaker:
        spoken = speak(text, voice, speaker)
    for sentence in spoken:
        log.info("%.2f s to synthesize: %s", sentence.synth_s, sentence.text)
    return 0
