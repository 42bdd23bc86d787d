"""Wenda's settings: frozen dataclasses with documented defaults and their allowed ranges.

The settings file (``wenda config path``) holds only what the user changed; everything else
takes the default documented here. Reading, checking and writing the file is
:mod:`app.config_file`; what each setting chooses (which Whisper, which voice, which adapter)
is decided in one place, :mod:`app.serving`.

One setting, one key: the spoken-conversation keys that used to repeat ``[asr]`` and
``[audio]`` (``voice.asr_model``, ``voice.beam_size``, ``voice.end_silence_ms``) were merged
into those sections; an old file that still has them keeps working, with a notice
(``app.config_file.RENAMED``).
"""

from __future__ import annotations

import math
import typing
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

DEVICES = ("auto", "cpu", "cuda")
LANGUAGES = ("en", "zh")


class ConfigError(Exception):
    """The settings file cannot be used; the message names the file, key and the fix."""


def _opt(default: Any, doc: str, choices: tuple[str, ...] = ()) -> Any:
    return field(default=default, metadata={"doc": doc, "choices": choices})


def _table(doc: str) -> Any:
    """A table of strings (role or language -> folder); its keys are checked on load."""
    return field(default_factory=dict, metadata={"doc": doc, "choices": ()})


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


def _within(value: float, low: float, high: float, key: str, unit: str = "") -> None:
    """``low <= value <= high`` (NaN never is), else an error naming the key and the range."""
    _require(math.isfinite(value) and low <= value <= high, f"{key} must be {low:g}-{high:g}{unit}")


@dataclass(frozen=True)
class GeneralConfig:
    language: str = _opt("en", "Conversation language.", LANGUAGES)
    domain: str = _opt("", "Domain folder; empty means the bundled online-shop domain.")


@dataclass(frozen=True)
class ModelsConfig:
    allow_online: bool = _opt(
        False,
        "Allow downloads from a model hub for roles set to a hub id. Off: Wenda never "
        "touches the network.",
    )
    paths: dict[str, str] = _table(
        "Use your own model for a role (`wenda models list` shows the roles): role = local "
        'folder, or a hub id (needs allow_online), e.g. asr = "/models/whisper-small".'
    )


@dataclass(frozen=True)
class AudioConfig:
    input_device: str = _opt("", "Microphone by name or index; empty means the system default.")
    output_device: str = _opt("", "Speaker by name or index; empty means the system default.")
    end_silence_ms: int = _opt(
        450,
        "Silence (ms) that ends your turn in a spoken conversation. Lower answers sooner but "
        "may cut you off at a pause; raise it if you pause mid-sentence.",
    )
    max_utterance_s: float = _opt(
        30.0, "Longest single spoken turn (s); longer speech is cut here and answered."
    )

    def __post_init__(self) -> None:
        _within(self.end_silence_ms, 150, 5000, "audio.end_silence_ms", " (ms)")
        _within(self.max_utterance_s, 1, 300, "audio.max_utterance_s", " (s)")


@dataclass(frozen=True)
class AsrConfig:
    engine: str = _opt("faster", "Speech recognition engine.", ("faster", "openai"))
    model: str = _opt(
        "auto",
        "Whisper model: auto (tiny.en in English conversations, the fastest; base for other "
        "languages and for files), base, tiny.en, or a folder.",
    )
    language: str = _opt(
        "auto",
        "Language of audio files (`wenda transcribe`), or auto to detect it; conversations "
        "use the conversation language.",
        ("auto", *LANGUAGES),
    )
    device: str = _opt("auto", "Where Whisper runs; auto uses a CUDA GPU if there is one.", DEVICES)
    beam_size: int = _opt(
        1, "Whisper beam width: 1 (greedy) is fastest; 5 is Whisper's default, slower on CPU."
    )
    max_audio_s: float = _opt(
        3600.0, "Longest audio file `wenda transcribe` accepts, in seconds; longer is refused."
    )
    window_s: float = _opt(
        30.0,
        "Shortest part of Whisper's 30 s window its encoder reads in conversations, in seconds "
        "(5-30): 30 reads it whole as Whisper does; 10 reads what the user said plus 2 s and "
        "answers about 0.25 s sooner on two CPU cores, at the cost of a word now and then "
        "(BENCHMARKS.md). Files are always read whole.",
    )

    def __post_init__(self) -> None:
        _within(self.beam_size, 1, 10, "asr.beam_size")
        _within(self.window_s, 5, 30, "asr.window_s", " (s)")
        _within(self.max_audio_s, 1, 86400, "asr.max_audio_s", " (s)")


@dataclass(frozen=True)
class TtsConfig:
    voice: str = _opt(
        "",
        "Voice name: joe (Piper, English), jm_kumo or another Kokoro voice (Chinese), "
        "espeak-ng (always available), or a Piper .onnx file; empty picks the default for "
        "the language.",
    )
    enabled: bool = _opt(True, "Speak replies aloud.")
    speed: float = _opt(1.0, "Speaking rate; 1.0 is the voice's natural pace (0.5-2.0).")

    def __post_init__(self) -> None:
        _within(self.speed, 0.5, 2.0, "tts.speed")


@dataclass(frozen=True)
class PrivacyConfig:
    history: bool = _opt(True, "Keep the conversation history on this machine.")


@dataclass(frozen=True)
class GeneratorConfig:
    enabled: bool = _opt(True, "Use the chat model when no template or FAQ answer fits.")
    url: str = _opt(
        "",
        "OpenAI-compatible server URL (vLLM, llama.cpp server), e.g. http://gpu-box:8000/v1; "
        "empty runs the local model. The key, if any, is read from WENDA_GENERATOR_API_KEY.",
    )
    served_model: str = _opt(
        "", "Model name sent to the server; with vLLM, the name of a LoRA adapter it serves."
    )
    max_new_tokens: int = _opt(
        96, "Longest reply, in tokens (about 0.75 English words each; 1-4096)."
    )
    temperature: float = _opt(
        0.0, "0 always picks the likeliest word (steady, factual); higher varies the wording (0-2)."
    )
    timeout_s: float = _opt(
        30.0, "Give up on a reply after this many seconds, keeping what was said so far (1-3600)."
    )
    device: str = _opt(
        "auto", "Where the local model runs: auto uses a CUDA GPU when present.", DEVICES
    )
    dtype: str = _opt(
        "auto",
        "Weight type of the local model: auto is what the device computes natively (int8 with "
        "the ctranslate2 engine; bfloat16 only on CPUs and GPUs that have it); float32 is the "
        "exact reference.",
        ("auto", "bfloat16", "float32", "float16"),
    )
    engine: str = _opt(
        "auto",
        "What runs the local model: ctranslate2 (auto; the adapter merged in and converted "
        "once, int8 on the CPU) or transformers (the reference, several times slower).",
        ("auto", "ctranslate2", "transformers"),
    )
    threads: int = _opt(0, "CPU threads for the chat model (ctranslate2; 0-256); 0 chooses.")
    compose: str = _opt(
        "documents",
        "Knowledge answers in the chat model's words, each sentence checked against the "
        "passage: documents (answers from the shop's documents; FAQ answers read as written, "
        "measured best), always (FAQ answers too), never (read what is stored). Only with a "
        "tuned adapter.",
        ("always", "documents", "never"),
    )
    adapters: dict[str, str] = _table(
        "LoRA adapter per language from `wenda train generator`, e.g. "
        'en = "/home/me/adapters/shop-en"; "none" serves the base model; else the adapter '
        "activated in the fine-tuning window, else none."
    )

    def __post_init__(self) -> None:
        _within(self.max_new_tokens, 1, 4096, "generator.max_new_tokens", " (tokens)")
        _within(self.temperature, 0, 2, "generator.temperature")
        _within(self.timeout_s, 1, 3600, "generator.timeout_s", " (s)")
        _within(self.threads, 0, 256, "generator.threads", " (0 chooses)")


@dataclass(frozen=True)
class VoiceConfig:
    """Spoken conversations (``wenda talk``, the window's microphone); see app/voice."""

    barge_in: bool = _opt(True, "Let you interrupt Wenda by talking while it speaks.")
    echo_margin_db: float = _opt(
        6.0,
        "How much louder than Wenda's own echo your voice must be to interrupt, in dB "
        "(raise it if Wenda interrupts itself, lower it if it does not hear you; 0-40).",
    )
    echo_cancel: bool = _opt(
        False,
        "Cancel Wenda's own voice in the microphone (WebRTC echo cancellation) before the "
        "echo margin judges it (experimental: it can still interrupt itself in the first "
        "seconds of a session); off: the echo margin alone decides.",
    )
    turn_end_max_ms: int = _opt(
        1600,
        "With the turn model: the longest silence Wenda waits when you sound unfinished, in "
        "ms (a finished answer ends your turn after 200 ms).",
    )
    partial_ms: int = _opt(
        700,
        "How often the window shows your words while you speak, in ms (0: only once you "
        "have finished; 300-5000).",
    )

    def __post_init__(self) -> None:
        _within(self.echo_margin_db, 0, 40, "voice.echo_margin_db", " (dB)")
        _within(self.turn_end_max_ms, 300, 5000, "voice.turn_end_max_ms", " (ms)")
        if self.partial_ms != 0:
            _within(self.partial_ms, 300, 5000, "voice.partial_ms", " (ms; 0 turns it off)")


@dataclass(frozen=True)
class Config:
    general: GeneralConfig = field(default_factory=GeneralConfig)
    models: ModelsConfig = field(default_factory=ModelsConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    asr: AsrConfig = field(default_factory=AsrConfig)
    tts: TtsConfig = field(default_factory=TtsConfig)
    privacy: PrivacyConfig = field(default_factory=PrivacyConfig)
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)


def section_types() -> dict[str, type]:
    """Section name -> its dataclass, in the order ``config show`` prints them."""
    hints = typing.get_type_hints(Config)
    return {f.name: hints[f.name] for f in fields(Config)}


def config_to_dict(config: Config) -> dict[str, Any]:
    """Plain nested dict of every setting (for ``config show --json`` and writing)."""
    return {
        f.name: {
            s.name: getattr(getattr(config, f.name), s.name)
            for s in fields(getattr(config, f.name))
        }
        for f in fields(config)
    }


def default_of(section: str, key: str) -> Any:
    """The documented default of one setting (used by docs and the settings dialog)."""
    cls = section_types()[section]
    f = {f.name: f for f in fields(cls)}[key]
    return f.default_factory() if f.default is MISSING else f.default  # type: ignore[operator]
