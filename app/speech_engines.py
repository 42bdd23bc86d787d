"""From the user's settings and the model store to the speech layer's engine configs.

``speech/`` takes paths and dataclasses and knows nothing of roles, the store or the
settings file; this module is the one place that translates ("model base" -> the prepared
``asr`` folder, "voice jm_kumo" -> Kokoro in the ``tts-zh`` folder), shared by the CLI
commands, the benchmark and later the voice session.
"""

from __future__ import annotations

import logging
from pathlib import Path

from app.config import Config
from app.store.errors import ModelStoreError
from app.store.store import ModelStore
from speech.asr import RecognizerConfig
from speech.endpoint import EndpointConfig
from speech.errors import LanguageError
from speech.microphone import MicrophoneConfig
from speech.speaker import SpeakerConfig
from speech.tts import VoiceConfig

log = logging.getLogger(__name__)

APP_LANGUAGES = ("en", "zh")  # what auto-detection may choose: the languages Wenda speaks
ASR_ROLES = {"base": "asr", "tiny.en": "asr-fast"}
ENGLISH_ONLY_MODELS = ("tiny.en",)
PIPER_VOICES = {"joe": "tts"}  # voice name -> store role
KOKORO_VOICES = ("jm_kumo", "jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro")
ESPEAK_VOICE = "espeak-ng"
DEFAULT_VOICES = {"en": "joe", "zh": "jm_kumo"}


def voice_names() -> list[str]:
    """Every voice ``--voice`` accepts, for help and error messages."""
    return [*PIPER_VOICES, *KOKORO_VOICES, ESPEAK_VOICE]


def asr_model_path(store: ModelStore, model: str) -> str:
    """The folder (or checkpoint) for ``base``, ``tiny.en`` or a path the user gave."""
    if model in ASR_ROLES:
        return store.path(ASR_ROLES[model])
    path = Path(model).expanduser()
    if not path.exists():
        raise ModelStoreError(
            f"no Whisper model {model!r}: not base or tiny.en, and no such file or folder",
            fix="wenda transcribe --model base FILE (or a folder holding a Whisper model)",
        )
    return str(path)


def recognizer_config(
    config: Config,
    store: ModelStore,
    engine: str | None = None,
    model: str | None = None,
    language: str | None = None,
) -> RecognizerConfig:
    """Settings from ``[asr]``, with command-line overrides; VAD gating always on."""
    model = model or config.asr.model
    language = language or config.asr.language
    if model in ENGLISH_ONLY_MODELS and language not in ("auto", "en"):
        raise LanguageError(
            f"Whisper {model} understands English only; use --model base for {language}"
        )
    engine = engine or config.asr.engine
    model_path = asr_model_path(store, model)
    bundled = model in ASR_ROLES and not config.models.paths.get(ASR_ROLES[model])
    if engine == "openai" and bundled:  # the checkpoint is converted on first use only
        from app.store.prepare import ensure_openai_whisper

        ensure_openai_whisper(Path(model_path))
    return RecognizerConfig(
        model_path=model_path,
        engine=engine,  # type: ignore[arg-type]
        language=language,
        languages=APP_LANGUAGES,
        device=config.asr.device,
        beam_size=config.asr.beam_size,
        vad_path=store.path("vad"),
    )


def endpoint_config(config: Config) -> EndpointConfig:
    return EndpointConfig(
        end_silence_ms=config.audio.end_silence_ms, max_utterance_s=config.audio.max_utterance_s
    )


def microphone_config(config: Config) -> MicrophoneConfig:
    return MicrophoneConfig(device=config.audio.input_device)


def speaker_config(config: Config) -> SpeakerConfig:
    return SpeakerConfig(device=config.audio.output_device)


def _espeak(language: str, speed: float) -> VoiceConfig:
    return VoiceConfig(engine="espeak-ng", language=language, speed=speed)


def voice_config(
    config: Config, store: ModelStore, language: str, voice: str | None = None
) -> VoiceConfig:
    """The voice to speak ``language`` with: ``voice``, else ``tts.voice``, else the default.

    A bundled voice whose model is not prepared falls back to espeak-ng with a warning, so
    the assistant still speaks; an unknown voice name is an error listing the real ones.
    """
    name = voice or config.tts.voice or DEFAULT_VOICES.get(language, "")
    speed = config.tts.speed
    if name in (ESPEAK_VOICE, "espeak"):
        return _espeak(language, speed)
    if name.endswith(".onnx") and Path(name).expanduser().is_file():
        return VoiceConfig("piper", str(Path(name).expanduser()), "", language, speed)
    if name in PIPER_VOICES or name in KOKORO_VOICES:
        engine, role = (
            ("piper", PIPER_VOICES[name]) if name in PIPER_VOICES else ("kokoro", "tts-zh")
        )
        try:
            path = store.path(role)
        except ModelStoreError as e:
            log.warning("voice %s unavailable (%s); speaking with espeak-ng", name, e.message)
            return _espeak(language, speed)
        kokoro_voice = name if engine == "kokoro" else ""
        return VoiceConfig(engine, path, kokoro_voice, language, speed)  # type: ignore[arg-type]
    raise ModelStoreError(
        f"unknown voice {name!r}; voices: {', '.join(voice_names())}, or a Piper .onnx file",
        fix="wenda say --voice joe TEXT",
    )
