"""Models Wenda trains itself from bundled data, per language of the domain: the NLU model
(from ``nlu.jsonl``) and the retrieval encoder tuned on the FAQ (from ``faq.jsonl``).

They are not in the weight manifest (no package ships them) but ``wenda models prepare``
builds them like any other model, into ``<cache>/models/<domain>-nlu-<lang>`` and
``<cache>/models/<domain>-kb-<lang>``. A model is ready when its ``training.json`` records the
sha256 of the data it was trained on and that still matches the domain's file; editing the
data makes it stale, and the next prepare retrains it. The trainers write folders atomically.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from app import paths
from app.config import Config
from app.store.errors import ModelStoreError
from app.store.status import ModelStatus, State
from dialogue.kb.encoder import EncoderConfig

log = logging.getLogger(__name__)

ENCODER_ROLES = {"en": "nlu-encoder", "zh": "nlu-encoder-zh"}
E5_PREFIXES = ("query: ", "passage: ")  # multilingual-e5 (the Chinese encoder) needs these


def retrieval_encoder_config(
    language: str, encoder_dir: Path, tuned_dir: Path | None = None
) -> EncoderConfig:
    """How the retrieval encoder of ``language`` is fed: the one place that knows prefixes."""
    prefixes = E5_PREFIXES if language == "zh" else ("", "")
    return EncoderConfig(Path(encoder_dir), *prefixes, tuned_dir=tuned_dir)


KINDS = {"nlu": ("nlu.jsonl", "nlu_sha256"), "kb": ("faq.jsonl", "faq_sha256")}


@dataclass(frozen=True)
class DomainModel:
    """The NLU model (``kind`` "nlu") or tuned retrieval encoder ("kb") of one language."""

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
    def examples(self) -> Path:
        return self.domain_dir / self.language / KINDS[self.kind][0]

    def folder(self, root: Path | None = None) -> Path:
        return (root or paths.models_dir()) / self.name


def domain_models(config: Config) -> list[DomainModel]:
    """Per language of the configured domain (the bundled shop by default): NLU, then KB."""
    import tomllib

    from app.conversation import domain_dir

    folder = domain_dir(config)
    try:
        meta = tomllib.loads((folder / "domain.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        log.warning("no domain models: cannot read %s: %s", folder / "domain.toml", e)
        return []
    name = str(meta.get("name", folder.name))
    return [
        DomainModel(name, lang, folder, kind)
        for kind in KINDS
        for lang in meta.get("languages", [])
        if lang in ENCODER_ROLES
    ]


def domain_model_status(model: DomainModel, root: Path | None = None) -> ModelStatus:
    """Ready when trained on exactly the current examples; else missing (never half-written)."""
    from dialogue.files import sha256_file
    from training.domain_nlu import trained_for
    from training.kb_encoder import tuned_for

    folder = model.folder(root)

    def status(state: State, detail: str = "") -> ModelStatus:
        size = (
            sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
            if folder.is_dir()
            else 0
        )
        return ModelStatus(
            model.role,
            model.name,
            state,
            str(folder),
            size,
            "trained locally from the domain's data",
            detail,
            "domain",
        )

    if not folder.is_dir():
        return status("missing", f"not trained: wenda models prepare {model.role}")
    record = trained_for(folder) if model.kind == "nlu" else tuned_for(folder)
    recorded = record.get(KINDS[model.kind][1])
    if recorded is None:
        return status("corrupt", f"no training record: wenda models prepare --force {model.role}")
    if not model.examples.is_file() or recorded != sha256_file(model.examples):
        return status(
            "missing", f"examples changed since training: wenda models prepare {model.role}"
        )
    return status("ready")


def prepare_domain_model(
    model: DomainModel, encoder_dir: Path, root: Path | None = None, force: bool = False
) -> Path:
    """Train the model unless it is ready (minutes on two CPU cores)."""
    from training.domain_nlu import train_domain_nlu
    from training.kb_encoder import train_kb_encoder

    folder = model.folder(root)
    if not force and domain_model_status(model, root).state == "ready":
        return folder
    log.info("training %s on %s", model.name, encoder_dir)
    try:
        if model.kind == "kb":
            encoder = retrieval_encoder_config(model.language, encoder_dir)
            return train_kb_encoder(model.domain_dir, model.language, encoder, folder)
        return train_domain_nlu(model.domain_dir, model.language, encoder_dir, folder)
    except Exception as e:  # the trainer's own errors name the file and line
        if isinstance(e, ModelStoreError):
            raise
        raise ModelStoreError(
            f"training {model.name} from {model.examples} failed: {e}",
            fix=f"wenda domain check {model.domain_dir}",
        ) from e
