"""``wenda doctor``: what this machine has and lacks for Wenda, one line per check.

Every check is a small function returning a :class:`Check`; none may raise (a check that
crashes is reported as failed with its error) and none needs a screen or a sound card, so
the doctor runs on a headless box and names what is missing there.
"""

from __future__ import annotations

import ctypes.util
import importlib.metadata
import os
import platform
import shutil
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from app import paths
from app.config import Config, ConfigError

Level = Literal["ok", "warn", "fail"]
MIN_FREE_BYTES = 5 * 1024**3
LANGUAGES = ("en", "zh")
APT_HINT = "sudo apt-get install"


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    detail: str
    fix: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def check_python() -> Check:
    version = platform.python_version()
    if sys.version_info < (3, 11):  # noqa: UP036 - the doctor may run under another interpreter
        return Check("python", "fail", f"Python {version}", "install Python 3.11 or newer")
    return Check("python", "ok", f"Python {version} ({sys.executable})")


def check_torch() -> Check:
    try:
        import torch
    except ImportError as e:
        return Check("torch", "fail", f"not importable: {e}", "pip install torch")
    if torch.cuda.is_available():
        device = f"CUDA ({torch.cuda.get_device_name(0)})"
    elif getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        device = "MPS (Apple GPU)"
    else:
        device = f"CPU, {torch.get_num_threads()} threads"
    return Check("torch", "ok", f"torch {torch.__version__}, device {device}")


def check_portaudio() -> Check:
    if ctypes.util.find_library("portaudio") is None:
        return Check(
            "portaudio", "fail", "PortAudio library not found", f"{APT_HINT} libportaudio2"
        )
    return Check("portaudio", "ok", "PortAudio library found")


def _audio_devices(kind: str) -> Check:
    name = f"audio-{kind}"
    try:
        import sounddevice as sd

        devices = sd.query_devices()
        default_index = sd.default.device[0 if kind == "input" else 1]
    except Exception as e:  # PortAudio missing or broken: report, do not crash the doctor
        return Check(name, "fail", f"cannot query audio devices: {e}", f"{APT_HINT} libportaudio2")
    channel_key = "max_input_channels" if kind == "input" else "max_output_channels"
    usable = [d for d in devices if d[channel_key] > 0]
    if not usable:
        fix = "connect a microphone" if kind == "input" else "connect speakers or headphones"
        return Check(
            name,
            "warn",
            f"no {kind} device (typed chat still works)",
            f"{fix}, or start PulseAudio ({APT_HINT} pulseaudio)",
        )
    default = (
        devices[default_index]["name"]
        if default_index is not None and default_index >= 0
        else usable[0]["name"]
    )
    return Check(name, "ok", f"{len(usable)} {kind} device(s), default: {default}")


def check_audio_input() -> Check:
    return _audio_devices("input")


def check_audio_output() -> Check:
    return _audio_devices("output")


def check_display() -> Check:
    platform_name = os.environ.get("QT_QPA_PLATFORM", "")
    has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if platform_name == "offscreen":
        return Check("display", "ok", "Qt offscreen platform (no window is shown)")
    if not has_display and sys.platform.startswith("linux"):
        return Check(
            "display",
            "warn",
            "no display: the window cannot open; wenda chat works",
            "run on a desktop session, or use wenda chat",
        )
    try:
        version = importlib.metadata.version("PySide6-Essentials")
    except importlib.metadata.PackageNotFoundError:
        return Check(
            "display",
            "fail",
            "Qt (PySide6) is not installed",
            "pip install PySide6-Essentials==6.11.3",
        )
    return Check("display", "ok", f"display available, PySide6 {version}")


def check_program(program: str, package: str, purpose: str, required: bool) -> Check:
    path = shutil.which(program)
    if path:
        return Check(program, "ok", f"{path} ({purpose})")
    level: Level = "fail" if required else "warn"
    return Check(program, level, f"not found ({purpose})", f"{APT_HINT} {package}")


def check_libsndfile() -> Check:
    try:
        import soundfile

        return Check(
            "libsndfile", "ok", f"libsndfile {soundfile.__libsndfile_version__} (audio files)"
        )
    except Exception as e:
        return Check("libsndfile", "fail", f"cannot load: {e}", f"{APT_HINT} libsndfile1")


def check_models(config: Config) -> list[Check]:
    """Bundled models, then the domain's tuned models per language. Models of a language not
    in use are prepared when it is first chosen: not having them is fine."""
    from app.store.store import ModelStore

    store = ModelStore(config=config)
    language = config.general.language
    in_use = set(store.manifest.roles_for(language))
    checks = []
    for status in (store.status(entry) for entry in store.entries()):
        name = f"model {status.role}"
        if status.state == "ready":
            size = status.size_bytes / 1e6
            checks.append(Check(name, "ok", f"{status.name} ready ({size:,.0f} MB)"))
        elif status.role not in in_use and status.state == "missing":
            other = ", ".join(
                lang for lang in LANGUAGES if status.role in store.manifest.roles_for(lang)
            )
            checks.append(
                Check(
                    name, "ok", f"{status.name} not prepared: prepared when {other} is first chosen"
                )
            )
        else:
            checks.append(Check(name, "fail", f"{status.name} {status.state}", status.detail))
    return checks + check_domain_models(config)


def check_domain_models(config: Config) -> list[Check]:
    """One line per language of the domain: tuned models ready, training (percent, time left),
    failed, or not trained yet (models that need no training answer meanwhile)."""
    from app.domains import domain_dir
    from app.store.domain_models import KINDS, read_domain_meta
    from app.store.domain_progress import language_training
    from app.store.domain_training import log_file

    folder = domain_dir(config)
    _, languages = read_domain_meta(folder)
    meanwhile = "; meanwhile " + ", ".join(f"{k}: {kind.meanwhile}" for k, kind in KINDS.items())
    checks = []
    for language in languages:
        status = language_training(folder, language)
        name = f"domain models {language}"
        if status.ready:
            checks.append(Check(name, "ok", f"{status.domain}: {status.describe()}"))
        elif language != config.general.language:
            checks.append(
                Check(name, "ok", f"{status.domain}: trained when {language} is first chosen")
            )
        elif status.training or not status.error:
            checks.append(
                Check(
                    name,
                    "warn",
                    status.describe() + meanwhile,
                    f"log: {log_file(status.domain, language)}"
                    if status.training
                    else "they train in the background when Wenda starts, or now with: "
                    f"wenda models prepare --lang {language}",
                )
            )
        else:
            checks.append(
                Check(
                    name,
                    "fail",
                    status.describe(),
                    f"see {log_file(status.domain, language)}, "
                    f"then: wenda models prepare --lang {language}",
                )
            )
    return checks


def check_disk() -> Check:
    folder = paths.cache_dir()
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    detail = f"{free / 1024**3:,.1f} GiB free for {folder}"
    if free < MIN_FREE_BYTES:
        return Check("disk", "warn", detail, "free at least 5 GiB for models and training")
    return Check("disk", "ok", detail)


def check_config(error: ConfigError | None) -> Check:
    if error is not None:
        return Check("config", "fail", str(error), f"edit or delete {paths.config_file()}")
    exists = paths.config_file().exists()
    return Check(
        "config", "ok", f"{paths.config_file()}" + ("" if exists else " (defaults, no file)")
    )


def check_network_policy(config: Config) -> Check:
    if config.models.allow_online:
        return Check("network", "warn", "models.allow_online is on: hub ids may download", "")
    return Check("network", "ok", "offline: no model is fetched from a hub")


def _guarded(name: str, fn: Callable[[], Check | list[Check]]) -> list[Check]:
    try:
        result = fn()
    except Exception as e:  # one broken check must not hide the others
        return [Check(name, "fail", f"check crashed: {type(e).__name__}: {e}")]
    return result if isinstance(result, list) else [result]


def run_checks(config: Config, config_error: ConfigError | None = None) -> list[Check]:
    """Run every check, in the order a person would fix things."""
    steps: list[tuple[str, Callable[[], Check | list[Check]]]] = [
        ("python", check_python),
        ("config", lambda: check_config(config_error)),
        ("network", lambda: check_network_policy(config)),
        ("torch", check_torch),
        ("portaudio", check_portaudio),
        ("libsndfile", check_libsndfile),
        ("audio-input", check_audio_input),
        ("audio-output", check_audio_output),
        ("espeak-ng", lambda: check_program("espeak-ng", "espeak-ng", "fallback voice", False)),
        (
            "ffmpeg",
            lambda: check_program("ffmpeg", "ffmpeg", "optional: more audio formats", False),
        ),
        ("display", check_display),
        ("disk", check_disk),
        ("models", lambda: check_models(config)),
    ]
    checks: list[Check] = []
    for name, fn in steps:
        checks.extend(_guarded(name, fn))
    return checks
