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


def _wav_bytes(audio: Any) -> bytes:
    """16 kHz 16-bit PCM WAV of mono float ``audio``, in memory (written in one step)."""
    import io

    import numpy as np
    import soundfile as sf

    from speech.audio import SAMPLE_RATE

    buffer = io.BytesIO()
    sf.write(buffer, np.clip(audio, -1.0, 1.0), SAMPLE_RATE, format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def run(args: argparse.Namespace) -> int:
    from app.serving import voice_config
    from app.store.store import ModelStore
    from app.user_files import check_output_path, write_output
    from speech.audio import seconds
    from speech.errors import AudioDeviceError, SynthesisError
    from speech.sentences import speakable, split_sentences
    from speech.speak import speak, synthesize_all
    from speech.speaker import SpeakerConfig, make_speaker
    from speech.tts import make_synthesizer

    config = args.config
    text = " ".join(args.text)
    out = check_output_path(args.out, (".wav",)) if args.out is not None else None  # first
    if not split_sentences(speakable(text)):
        raise SynthesisError(
            "nothing to say: the text has no words (only spaces, emoji or symbols)"
        )
    language = args.lang or config.general.language
    voice = make_synthesizer(voice_config(config, ModelStore(config=config), language, args.voice))
    if out is not None:
        audio = synthesize_all(text, voice)
        if len(audio) == 0:
            raise SynthesisError(f"{voice.name} produced no audio for this text")
        write_output(out, _wav_bytes(audio))  # atomic: an old file stays whole on failure
        print(f"wrote {out} ({seconds(audio):.1f} s, {voice.name})")
        return 0
    try:
        speaker = make_speaker(SpeakerConfig(device=config.audio.output_device))
    except AudioDeviceError as e:
        raise AudioDeviceError(f"{e}; or write the speech to a file with --out FILE.wav") from e
    with speaker:
        spoken = speak(text, voice, speaker)
    for sentence in spoken:
        log.info("%.2f s to synthesize %d characters", sentence.synth_s, len(sentence.text))
        log.debug("synthesized: %s", sentence.text)  # the user's text: DEBUG only
    return 0
