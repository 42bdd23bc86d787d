"""Models Wenda trains itself from a domain's data, per language: one row of :data:`KINDS` per
kind (today the NLU model, from ``nlu.jsonl``, and the retrieval encoder tuned on the FAQ, from
``faq.jsonl``; a new kind is a new row).

They are not in the weight manifest (no package ships them) but ``wenda models prepare`` builds
them like any other model, into ``<cache>/models/<domain>-<kind>-<lang>``; a first start trains
them in the background (``app/store/domain_training.py``) while models that need no training
answer (``app/store/handover.py``).

A model's state, torch-free so the window can ask too (:func:`domain_model_state`):
- ``ready``: its ``training.json`` records the sha256 of the data it was trained on, and that
  still matches the domain's file;
- ``training``: a training job for its domain and language is running now;
- ``stale``: trained, but on other data (the user edited the domain) or with other settings
  (an upgrade trains differently): retrained next;
- ``missing``: never trained (or its folder is damaged).
The trainers write folders atomically, so a half-written model is never ``ready``.

A new kind (e.g. a LoRA adapter of the chat model) is one :class:`DomainKind` row: its data
files, the record key its trainer writes, its base model's role per language, a trainer
``(model, base folder, out, progress) -> out`` and its share of a language's training time.
The job, the states, ``wenda models list/prepare``, the doctor and the window's note follow
from the row; what serves until it is ready is the resolver's part (as ``handover`` is for
the NLU and the retriever).

What a resolver ("which model serves language L now") calls: :func:`domain_model_state` for a
kind, ``app.store.domain_progress.language_training`` for the whole language (state, percent,
time left), and ``app.store.handover.serve_domain`` for the engines that serve meanwhile and
switch when training lands.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from app import paths
from app.config import Config
from app.domains import domain_or_none
from app.store.domain_trainers import Progress, kb_settings, nlu_settings, train_kb, train_nlu
from app.store.errors import ModelStoreError
from app.store.job_files import job_running
from app.store.roles import ENCODER_ROLES
from app.store.status import ModelStatus
from dialogue.files import sha256_file

log = logging.getLogger(__name__)

DomainState = Literal["ready", "training", "stale", "missing"]


@dataclass(frozen=True)
class DomainKind:
    """One kind of model trained from a domain's data: what it learns from, which model it is
    trained on, how it is trained, and what serves until it is ready.

    ``train(model, base, out, progress)`` trains from ``model.data_files`` on ``base`` (the
    folder of the model store's ``base_roles[language]``) into ``out``, atomically, and records
    :func:`data_fingerprint` of the data under ``record_key`` in ``out/training.json``'s
    ``extra`` (:func:`training_record`), calling ``progress(done, total)`` as it goes.
    """

    name: str
    data: tuple[str, ...]  # files in <domain>/<lang>/ it learns from (their hash is its record)
    record_key: str  # the key of the data's fingerprint in the model's training record
    base_roles: dict[str, str]  # language -> model store role of the model it is trained on
    train: Callable[[DomainModel, Path, Path, Progress], Path]  # (model, base, out, progress)
    share: float  # of a language's whole training time (measured), for one overall percent
    meanwhile: str  # what serves until it is ready, in words
    # The settings a language's model is trained with, as its training.json's "config" records
    # them (torch-free); a model trained with others is stale. None: not checked.
    settings: Callable[[str], dict[str, Any]] | None = None


KINDS: dict[str, DomainKind] = {
    k.name: k
    for k in (  # trained in this order: the NLU first, it decides most turns
        DomainKind(
            "nlu",
            ("nlu.jsonl",),
            "nlu_sha256",
            ENCODER_ROLES,
            train_nlu,
            0.6,
            "the nearest labelled example",
            nlu_settings,
        ),
        DomainKind(
            "kb",
            ("faq.jsonl",),
            "faq_sha256",
            ENCODER_ROLES,
            train_kb,
            0.4,
            "the untuned encoder",
            kb_settings,
        ),
    )
}


@dataclass(frozen=True)
class DomainModel:
    """One domain model: the ``kind`` (a key of :data:`KINDS`) of one language of a domain."""

    domain: str
    language: str
    domain_dir: Path
    kind: str = "nlu"

    @property
    def role(self) -> str:
        return f"{self.kind}-domain-{self.language}"

    @property
    def name(self) -> str:
        return f"{self.domain}-{self.kind}-{self.language}"

    @property
    def data_files(self) -> list[Path]:
        return [self.domain_dir / self.language / name for name in KINDS[self.kind].data]

    @property
    def examples(self) -> Path:
        """The first data file (the one messages name)."""
        return self.data_files[0]

    @property
    def base_role(self) -> str:
        return KINDS[self.kind].base_roles[self.language]

    def folder(self, root: Path | None = None) -> Path:
        return (root or paths.models_dir()) / self.name


def read_domain_meta(folder: Path) -> tuple[str, list[str]]:
    """The domain's name and languages from its ``domain.toml`` (torch-free, no validation)."""
    import tomllib

    try:
        meta = tomllib.loads((folder / "domain.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        log.warning("no domain models: cannot read %s: %s", folder / "domain.toml", e)
        return folder.name, []
    languages = [str(lang) for lang in meta.get("languages", [])]
    return str(meta.get("name", folder.name)), languages


def language_models(domain_dir: Path, language: str) -> list[DomainModel]:
    """Every kind's model of one language of the domain in ``domain_dir`` (the kinds that
    have a base model for that language)."""
    name, _ = read_domain_meta(domain_dir)
    return [
        DomainModel(name, language, Path(domain_dir), kind.name)
        for kind in KINDS.values()
        if language in kind.base_roles
    ]


def domain_models(config: Config) -> list[DomainModel]:
    """Per kind, per language of the configured domain (the bundled shop by default)."""
    domain = domain_or_none(config)
    if domain is None:
        return []
    return [
        DomainModel(domain.name, lang, domain.root, kind.name)
        for kind in KINDS.values()
        for lang in domain.languages
        if lang in kind.base_roles
    ]


def data_fingerprint(model: DomainModel) -> str:
    """What a model's training record holds of its data: the sha256 of its one data file, or
    of the names and sha256s of several. Raises OSError when a file cannot be read."""
    files = model.data_files
    if len(files) == 1:
        return sha256_file(files[0])
    lines = "".join(f"{f.name}\0{sha256_file(f)}\n" for f in files)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def _training_json(folder: Path) -> dict[str, Any]:
    try:
        training = json.loads((Path(folder) / "training.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return training if isinstance(training, dict) else {}


def training_record(folder: Path) -> dict[str, Any]:
    """What a model folder was trained on (its training.json's ``extra``), or {}."""
    training = _training_json(folder)
    extra = training.get("extra", training.get("config", {}).get("extra", {}))
    return extra if isinstance(extra, dict) else {}


def settings_changed(model: DomainModel, folder: Path) -> bool:
    """Whether the folder's model was trained with other settings than its kind's today (an
    upgrade that trains differently retrains it; the data's own record is apart, in extra)."""
    wanted = KINDS[model.kind].settings
    if wanted is None:
        return False
    recorded = dict(_training_json(folder).get("config") or {})
    recorded.pop("extra", None)
    settings = json.loads(json.dumps(wanted(model.language)))  # as JSON keeps it
    settings.pop("extra", None)
    return recorded != settings


@dataclass(frozen=True)
class ModelState:
    """Where one domain model stands (see the module docstring)."""

    state: DomainState
    path: Path
    detail: str = ""


def domain_model_state(model: DomainModel, root: Path | None = None) -> ModelState:
    """The model's state; reads files only (no torch), so any process may ask often."""
    folder = model.folder(root)
    trained = folder.is_dir() and all(f.is_file() for f in model.data_files)
    recorded = training_record(folder).get(KINDS[model.kind].record_key) if trained else None
    same_data = recorded is not None and recorded == data_fingerprint(model)
    if same_data and not settings_changed(model, folder):
        return ModelState("ready", folder)
    if job_running(model.domain, model.language, root):
        return ModelState("training", folder, f"training now ({model.name})")
    fix = f"wenda models prepare {model.role}"
    if same_data:
        return ModelState("stale", folder, f"training settings changed since training: {fix}")
    if recorded is not None:
        return ModelState("stale", folder, f"examples changed since training: {fix}")
    return ModelState("missing", folder, f"not trained: {fix}")


def domain_model_status(model: DomainModel, root: Path | None = None) -> ModelStatus:
    """One row of ``wenda models list`` (states other than ready show as missing, with why)."""
    state = domain_model_state(model, root)
    folder = state.path
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
    return ModelStatus(
        model.role,
        model.name,
        "ready" if state.state == "ready" else "missing",
        str(folder),
        size,
        "trained locally from the domain's data",
        state.detail,
        "domain",
    )


def train_kind(model: DomainModel, base_dir: Path, out: Path, progress: Progress) -> Path:
    """Run the kind's trainer on ``base_dir``; its failures become one plain ModelStoreError."""
    try:
        return KINDS[model.kind].train(model, Path(base_dir), out, progress)
    except Exception as e:  # the trainer's own errors name the file and line
        if isinstance(e, ModelStoreError):
            raise
        raise ModelStoreError(
            f"training {model.name} from {model.examples} failed: {e}",
            fix=f"wenda domain check {model.domain_dir}",
        ) from e
