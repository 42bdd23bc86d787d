"""Which model, adapter, voice and settings serve language L now: one answer for every front end.

``wenda chat``, ``wenda talk``, ``wenda say``/``transcribe``, the window's session and the
benches ask :func:`resolve` (or, for one engine alone, the part functions below it) and load
what the answer names; nothing else picks a model folder, a Whisper or a voice. For every
part the order is the same:

1. what the front end asks for (its command-line options: :class:`Asked`);
2. the user's settings (``config.toml``) and what the fine-tuning window activated
   (``app.models_active``): an activated NLU model serves instead of the domain's own, a
   ``generator.adapters`` entry instead of the activated adapter;
3. the bundled models of the model store and the models trained from the domain's data.

Resolving reads small files only (the domain, the store's markers, the activation
pointers), so it is cheap to ask again after a model was activated; loading the models is the
front end's job (``app.conversation``, ``app.voice.build``). The chat model's part is
``app.generator`` (``generator_options``, ``compose_mode``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from app.config import Config, ConfigError
from app.domains import check_language, configured_domain, nlu_model_dir, train_fix
from app.generator import compose_mode, generator_options
from app.models_active import active_model, slot_name
from app.store.domain_choice import retrieval_choice, still_training
from app.store.errors import ModelStoreError
from app.store.roles import (
    ASR_ROLES,
    KOKORO_ROLE,
    PIPER_VOICES,
    TURN_ROLE,
    VAD_ROLE,
)
from app.store.store import ModelStore
from app.voice.settings import VoiceSettings
from dialogue.domain import Domain
from dialogue.generator.options import GeneratorOptions
from dialogue.kb.encoder import EncoderConfig
from speech.asr import RecognizerConfig
from speech.echo import EchoGateConfig
from speech.endpoint import EndpointConfig
from speech.errors import LanguageError
from speech.tts import VoiceConfig
from speech.turn_end import TurnRule

log = logging.getLogger(__name__)

APP_LANGUAGES = ("en", "zh")  # what Whisper's detection may choose: the languages Wenda speaks
ENGLISH_ONLY_MODELS = ("tiny.en",)
KOKORO_VOICES = ("jm_kumo", "jf_alpha", "jf_gongitsune", "jf_nezumi", "jf_tebukuro")
ESPEAK_VOICE = "espeak-ng"
DEFAULT_VOICES = {"en": "joe", "zh": "jm_kumo"}


@dataclass(frozen=True)
class Asked:
    """What a front end asks for on top of the settings; empty (or True): the settings."""

    language: str = ""  # general.language
    domain: str = ""  # general.domain, else the bundled shop
    nlu_model: str = ""  # an NLU model folder (--nlu-model): beats the activated one
    asr_model: str = ""  # asr.model
    voice: str = ""  # tts.voice
    generator: bool = True  # False: no chat model, whatever generator.enabled says
    tuned_encoder: bool = True  # False: the base retrieval encoder (for comparisons)


@dataclass(frozen=True)
class Serving:
    """What serves one language now. The speech parts (``asr``, ``tts``, ``vad``) are
    resolved only for spoken conversations (``resolve(..., speech=True)``)."""

    language: str
    domain: Domain
    nlu: Path  # the NLU model folder
    nlu_source: str  # "asked", "activated" or "domain"
    retrieval: EncoderConfig | None  # the knowledge base's encoder; None: keywords only
    generator: GeneratorOptions | None  # None: no chat model (see generator_note)
    generator_note: str  # why there is no chat model
    compose: str  # generator.compose as served: "never" while no chat model or no adapter
    history: bool  # privacy.history: keep the conversation history
    voice: VoiceSettings  # how a spoken conversation behaves
    input_device: str
    output_device: str
    speak: bool  # tts.enabled: replies are spoken aloud
    asr: RecognizerConfig | None = None
    tts: VoiceConfig | None = None
    vad: str = ""  # the Silero VAD model file
    nlu_fix: str = ""  # the command that trains the domain's NLU model, when it serves
    # The domain's models ("nlu", "kb") not trained yet: models that need no training answer
    # meanwhile and hand over when they land (app.store.handover); () when all serve.
    training: tuple[str, ...] = ()
    turn: str = ""  # the Smart Turn model file (optional: without it, silence ends turns)


def resolve(
    config: Config, asked: Asked = Asked(), *, speech: bool = False, store: ModelStore | None = None
) -> Serving:
    """What serves ``asked.language`` (else ``general.language``) now; raises ChatSetupError
    or DomainError for a domain that cannot serve it, ModelStoreError or LanguageError for
    a speech model that cannot (with ``speech``)."""
    store = store or ModelStore(config=config)
    language = asked.language or config.general.language
    domain = configured_domain(config, asked.domain)
    check_language(domain, language)
    nlu, source = nlu_choice(domain.name, language, asked.nlu_model)
    generator, note = generator_choice(config, language, store, asked.generator)
    compose = compose_mode(config, language) if generator is not None else "never"
    retrieval = retrieval_choice(domain, language, store, asked.tuned_encoder)
    serving = Serving(
        language=language,
        domain=domain,
        nlu=nlu,
        nlu_source=source,
        retrieval=retrieval,
        generator=generator,
        generator_note=note,
        compose=compose,
        history=config.privacy.history,
        voice=voice_settings(config, language),
        input_device=config.audio.input_device,
        output_device=config.audio.output_device,
        speak=config.tts.enabled,
        nlu_fix=train_fix(domain, language, config) if source == "domain" else "",
        training=(  # without the base encoder nothing can train (nor stand in)
            still_training(domain, language, source, asked.tuned_encoder) if retrieval else ()
        ),
    )
    if not speech:
        return serving
    return replace(
        serving,
        asr=conversation_recognizer(config, store, language, asked.asr_model),
        tts=voice_config(config, store, language, asked.voice),
        vad=store.path(VAD_ROLE),
        turn=turn_model_path(store),
    )


def nlu_choice(domain_name: str, language: str, asked: str = "") -> tuple[Path, str]:
    """(folder, source): the folder asked for, else the one activated in the fine-tuning
    window, else the model trained from the domain's examples (``wenda models prepare``)."""
    if asked:
        return Path(asked).expanduser(), "asked"
    active = active_model(slot_name("nlu", language))
    if active is not None:
        return active, "activated"
    return nlu_model_dir(domain_name, language), "domain"


def generator_choice(
    config: Config, language: str, store: ModelStore, wanted: bool = True
) -> tuple[GeneratorOptions | None, str]:
    """(options, "") for the chat model serving ``language``, or (None, why not)."""
    if not (wanted and config.generator.enabled):
        return None, "the chat model is turned off"
    try:
        return generator_options(config, language, store), ""
    except ModelStoreError as e:
        return None, e.message
    except ConfigError as e:
        return None, str(e)


def voice_settings(config: Config, language: str) -> VoiceSettings:
    """How a spoken conversation behaves, from ``[audio]`` and ``[voice]``."""
    endpoint = EndpointConfig(
        end_silence_ms=config.audio.end_silence_ms, max_utterance_s=config.audio.max_utterance_s
    )
    return VoiceSettings(
        endpoint=endpoint,
        echo=EchoGateConfig(margin_db=config.voice.echo_margin_db),
        echo_cancel=config.voice.echo_cancel,
        barge_in=config.voice.barge_in,
        language=language,
        turn_rule=TurnRule(max_ms=config.voice.turn_end_max_ms),
        partial_ms=config.voice.partial_ms,
    )


def turn_model_path(store: ModelStore) -> str:
    """The prepared Smart Turn model, or "" (optional: turns then end on silence alone)."""
    try:
        return store.path(TURN_ROLE)
    except ModelStoreError as e:
        log.warning("no turn model, turns end on silence alone: %s", e.message)
        return ""


def whisper_name(setting: str, language: str, conversation: bool) -> str:
    """``asr.model`` with "auto" made concrete: tiny.en in English conversations (measured
    the fastest with the same answers, see BENCHMARKS.md), else base."""
    if setting != "auto":
        return setting
    return "tiny.en" if conversation and language == "en" else "base"


def asr_model_path(store: ModelStore, model: str, language: str = "auto") -> str:
    """The folder (or checkpoint) for ``base``, ``tiny.en`` or a path the user gave."""
    if model in ENGLISH_ONLY_MODELS and language not in ("auto", "en"):
        raise LanguageError(
            f'Whisper {model} understands English only; for {language} set asr.model = "base"'
            " (or --model base)"
        )
    if model in ASR_ROLES:
        return store.path(ASR_ROLES[model])
    path = Path(model).expanduser()
    if not path.exists():
        raise ModelStoreError(
            f"no Whisper model {model!r}: not auto, base or tiny.en, and no such file or folder",
            fix="wenda config set asr.model base (or a folder holding a Whisper model)",
        )
    return str(path)


def recognizer_config(
    config: Config,
    store: ModelStore,
    engine: str | None = None,
    model: str | None = None,
    language: str | None = None,
) -> RecognizerConfig:
    """Whisper for audio files (``[asr]``, with command-line overrides); VAD gate on."""
    language = language or config.asr.language
    name = whisper_name(model or config.asr.model, language, conversation=False)
    engine = engine or config.asr.engine
    model_path = asr_model_path(store, name, language)
    bundled = name in ASR_ROLES and not config.models.paths.get(ASR_ROLES[name])
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
        vad_path=store.path(VAD_ROLE),
    )


def conversation_recognizer(
    config: Config, store: ModelStore, language: str, model: str = ""
) -> RecognizerConfig:
    """Whisper for a spoken conversation: decodes in the conversation language (no
    detection pass), without a VAD gate (the session's endpointer found the speech), and
    reads ``asr.window_s`` of its 30 s window (files are read whole: there words count more
    than the 0.3 s)."""
    name = whisper_name(model or config.asr.model, language, conversation=True)
    files = recognizer_config(config, store, model=name, language=language)
    return replace(files, vad_path="", window_s=config.asr.window_s)


def voice_names() -> list[str]:
    """Every voice ``tts.voice`` and ``--voice`` accept, for help and error messages."""
    return [*PIPER_VOICES, *KOKORO_VOICES, ESPEAK_VOICE]


def voice_config(
    config: Config, store: ModelStore, language: str, voice: str | None = None
) -> VoiceConfig:
    """The voice to speak ``language`` with: ``voice``, else ``tts.voice``, else the
    language's default, at ``tts.speed``. A bundled voice whose model is not prepared falls
    back to espeak-ng with a warning, so the assistant still speaks."""
    name = voice or config.tts.voice or DEFAULT_VOICES.get(language, "")
    speed = config.tts.speed
    espeak = VoiceConfig(engine="espeak-ng", language=language, speed=speed)
    if name in (ESPEAK_VOICE, "espeak"):
        return espeak
    if name.endswith(".onnx") and Path(name).expanduser().is_file():
        return VoiceConfig("piper", str(Path(name).expanduser()), "", language, speed)
    if name not in PIPER_VOICES and name not in KOKORO_VOICES:
        raise ModelStoreError(
            f"unknown voice {name!r}; voices: {', '.join(voice_names())}, or a Piper .onnx file",
            fix="wenda config set tts.voice joe",
        )
    piper = name in PIPER_VOICES
    try:
        path = store.path(PIPER_VOICES[name] if piper else KOKORO_ROLE)
    except ModelStoreError as e:
        log.warning("voice %s unavailable (%s); speaking with espeak-ng", name, e.message)
        return espeak
    if piper:
        return VoiceConfig("piper", path, "", language, speed)
    return VoiceConfig("kokoro", path, name, language, speed)
