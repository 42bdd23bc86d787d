"""Wenda's settings: frozen dataclasses with documented defaults, read from a TOML file.

The file (``wenda config path``) holds only what the user changed; everything else takes the
default documented here. An unknown section or key is an error naming it, so a typo never
silently falls back to a default.
"""

from __future__ import annotations

import tomllib
import typing
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import tomli_w

from app import paths
from dialogue.atomic import write_text_atomic


class ConfigError(Exception):
    """The settings file cannot be used; the message names the file, key and the fix."""


DEVICES = ("auto", "cpu", "cuda")


def _opt(default: Any, doc: str, choices: tuple[str, ...] = ()) -> Any:
    return field(default=default, metadata={"doc": doc, "choices": choices})


@dataclass(frozen=True)
class GeneralConfig:
    language: str = _opt("en", "Conversation language.", ("en", "zh"))
    domain: str = _opt("", "Domain folder; empty means the bundled online-shop domain.")


@dataclass(frozen=True)
class ModelsConfig:
    allow_online: bool = _opt(
        False,
        "Allow downloads from a model hub for roles set to a hub id. Off: Wenda never "
        "touches the network.",
    )
    paths: dict[str, str] = field(
        default_factory=dict,
        metadata={
            "doc": "Use your own model for a role: role = local folder, or a hub id "
            '(needs allow_online), e.g. asr = "/models/whisper-small".',
            "choices": (),
        },
    )


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


@dataclass(frozen=True)
class AudioConfig:
    input_device: str = _opt("", "Microphone by name or index; empty means the system default.")
    output_device: str = _opt("", "Speaker by name or index; empty means the system default.")
    end_silence_ms: int = _opt(
        550,
        "Silence (ms) that ends your turn. Lower answers sooner but may cut you off at a "
        "pause; raise it if you pause mid-sentence.",
    )
    max_utterance_s: float = _opt(30.0, "Longest single turn (s); longer speech is cut here.")

    def __post_init__(self) -> None:
        _require(150 <= self.end_silence_ms <= 5000, "audio.end_silence_ms must be 150-5000")
        _require(1.0 <= self.max_utterance_s <= 300, "audio.max_utterance_s must be 1-300")


@dataclass(frozen=True)
class AsrConfig:
    engine: str = _opt("faster", "Speech recognition engine.", ("faster", "openai"))
    model: str = _opt("base", "Whisper model: base, tiny.en, or a folder.")
    language: str = _opt("auto", "Spoken language, or auto to detect it.", ("auto", "en", "zh"))
    device: str = _opt(
        "auto", "Where Whisper runs; auto uses a CUDA GPU if there is one.", ("auto", "cpu", "cuda")
    )
    beam_size: int = _opt(
        1, "Whisper beam width: 1 (greedy) is fastest; 5 is Whisper's default, slower on CPU."
    )
    max_audio_s: float = _opt(
        3600.0, "Longest audio file `wenda transcribe` accepts, in seconds; longer is refused."
    )

    def __post_init__(self) -> None:
        _require(1 <= self.beam_size <= 10, "asr.beam_size must be 1-10")
        _require(self.max_audio_s > 0, "asr.max_audio_s must be more than 0")


@dataclass(frozen=True)
class TtsConfig:
    voice: str = _opt(
        "",
        "Voice name: joe (Piper, English), jm_kumo or another Kokoro voice (Chinese), "
        "espeak-ng (always available); empty picks the default for the language.",
    )
    enabled: bool = _opt(True, "Speak replies aloud.")
    speed: float = _opt(1.0, "Speaking rate; 1.0 is the voice's natural pace (0.5-2.0).")

    def __post_init__(self) -> None:
        _require(0.5 <= self.speed <= 2.0, "tts.speed must be between 0.5 and 2.0")


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
    max_new_tokens: int = _opt(96, "Longest reply, in tokens (about 0.75 English words each).")
    temperature: float = _opt(
        0.0, "0 always picks the likeliest word (steady, factual); higher varies the wording."
    )
    timeout_s: float = _opt(
        30.0, "Give up on a reply after this many seconds, keeping what was said so far."
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
    threads: int = _opt(0, "CPU threads for the chat model (ctranslate2); 0 chooses.")
    compose: str = _opt(
        "always",
        "Knowledge answers in the chat model's words, each sentence checked against the "
        "passages: always, documents (only answers from documents, FAQ answers read as "
        "written), never (read the stored answer). Only with a tuned adapter.",
        ("always", "documents", "never"),
    )
    adapters: dict[str, str] = field(
        default_factory=dict,
        metadata={
            "doc": "LoRA adapter per language from `wenda train generator`, e.g. "
            'en = "/home/me/adapters/shop-en"; else the adapter activated in the fine-tuning '
            "window, else none.",
            "choices": (),
        },
    )


@dataclass(frozen=True)
class VoiceConfig:
    """Spoken conversations (``wenda talk``, the GUI's microphone); see app/voice."""

    asr_model: str = _opt(
        "auto",
        "Whisper for conversations: auto (tiny.en for English, the fastest; asr.model for "
        "other languages), base, tiny.en, or a folder.",
    )
    beam_size: int = _opt(1, "Whisper beam width in conversations; 1 (greedy) is the fastest.")
    end_silence_ms: int = _opt(
        450, "Silence that ends your turn, in ms; shorter answers sooner but may cut you off."
    )
    barge_in: bool = _opt(True, "Let you interrupt Wenda by talking while it speaks.")
    echo_margin_db: float = _opt(
        6.0,
        "How much louder than Wenda's own echo your voice must be to interrupt, in dB "
        "(raise it if Wenda interrupts itself, lower it if it does not hear you).",
    )


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


def _section_types() -> dict[str, type]:
    hints = typing.get_type_hints(Config)
    return {f.name: hints[f.name] for f in fields(Config)}


def _check_value(value: Any, hint: Any, choices: tuple[str, ...], where: str) -> Any:
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, not {value!r}")
    elif hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number, not {value!r}")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} must be a number, not {value!r}")
        value = float(value)
    elif hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string in quotes, not {value!r}")
        if choices and value not in choices:
            raise ConfigError(f"{where} must be one of {', '.join(choices)}, not {value!r}")
    elif typing.get_origin(hint) is dict:
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise ConfigError(f"{where} must be a table of strings")
        value = dict(value)
    return value


def _build_section(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"[{where}] must be a table")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}
    for key in data:
        if key not in known:
            raise ConfigError(
                f"unknown key '{where}.{key}'; known keys in [{where}]: {', '.join(known)}"
            )
    values = {
        key: _check_value(data[key], hints[key], known[key].metadata["choices"], f"{where}.{key}")
        for key in data
    }
    return cls(**values)


def config_from_dict(data: dict[str, Any]) -> Config:
    """Validate a parsed TOML document and return the full config (defaults filled in)."""
    sections = _section_types()
    for name in data:
        if name not in sections:
            raise ConfigError(f"unknown section [{name}]; known sections: {', '.join(sections)}")
    built = {name: _build_section(sections[name], data[name], name) for name in data}
    return replace(Config(), **built)


def read_user_settings(path: Path | None = None) -> dict[str, Any]:
    """The settings the user wrote (parsed TOML), or {} when there is no file."""
    path = path or paths.config_file()
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: not valid TOML ({e}); fix or delete the file") from e


def load_config(path: Path | None = None) -> Config:
    """Read the settings file (missing file: all defaults); errors name the file and key."""
    path = path or paths.config_file()
    try:
        return config_from_dict(read_user_settings(path))
    except ConfigError as e:
        if str(e).startswith(str(path)):
            raise
        raise ConfigError(f"{path}: {e}") from None


def config_to_dict(config: Config) -> dict[str, Any]:
    """Plain nested dict of every setting (for ``config show --json`` and writing)."""
    return {
        f.name: {
            s.name: getattr(getattr(config, f.name), s.name)
            for s in fields(getattr(config, f.name))
        }
        for f in fields(config)
    }


def render_config(config: Config) -> str:
    """TOML text of every setting with its documentation as comments."""
    lines: list[str] = []
    for section in fields(config):
        obj = getattr(config, section.name)
        tables: list[tuple[str, Any, str]] = []
        lines.append(f"[{section.name}]")
        for f in fields(obj):
            value = getattr(obj, f.name)
            doc = f.metadata.get("doc", "")
            if isinstance(value, dict):
                tables.append((f.name, value, doc))
                continue
            choices = f.metadata.get("choices") or ()
            suffix = f" ({' | '.join(choices)})" if choices else ""
            lines.append(f"# {doc}{suffix}")
            lines.append(tomli_w.dumps({f.name: value}).strip())
        for name, value, doc in tables:
            lines.append("")
            lines.append(f"# {doc}")
            lines.append(f"[{section.name}.{name}]")
            lines.extend(tomli_w.dumps({k: v}).strip() for k, v in value.items())
        lines.append("")
    return "\n".join(lines)


def parse_cli_value(config: Config, key: str, text: str) -> tuple[list[str], Any]:
    """Turn ``section.key[.sub]`` and a command-line string into a TOML path and typed value."""
    parts = key.split(".")
    sections = _section_types()
    if len(parts) < 2 or parts[0] not in sections:
        raise ConfigError(f"unknown key '{key}'; use section.key, e.g. asr.engine")
    cls = sections[parts[0]]
    hints = typing.get_type_hints(cls)
    if parts[1] not in hints:
        raise ConfigError(f"unknown key '{key}'; known keys in [{parts[0]}]: {', '.join(hints)}")
    hint = hints[parts[1]]
    if typing.get_origin(hint) is dict:
        if len(parts) != 3:
            raise ConfigError(f"'{key}' is a table; set one entry, e.g. {key}.asr")
        return parts, text
    if len(parts) != 2:
        raise ConfigError(f"unknown key '{key}'")
    if hint is bool:
        if text.lower() not in ("true", "false"):
            raise ConfigError(f"{key} must be true or false, not {text!r}")
        return parts, text.lower() == "true"
    if hint in (int, float):
        try:
            return parts, hint(text)
        except ValueError:
            raise ConfigError(f"{key} must be a number, not {text!r}") from None
    return parts, text


def set_user_setting(key: str, text: str, path: Path | None = None) -> Config:
    """Change one setting in the file (validated first, written atomically); returns the result."""
    path = path or paths.config_file()
    data = read_user_settings(path)
    keys, value = parse_cli_value(Config(), key, text)
    node = data
    for part in keys[:-1]:
        node = node.setdefault(part, {})
    node[keys[-1]] = value
    config = config_from_dict(data)
    write_text_atomic(path, tomli_w.dumps(data))
    return config


def default_of(section: str, key: str) -> Any:
    """The documented default of one setting (used by docs and the settings dialog)."""
    cls = _section_types()[section]
    f = {f.name: f for f in fields(cls)}[key]
    return f.default_factory() if f.default is MISSING else f.default  # type: ignore[operator]
