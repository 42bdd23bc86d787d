"""The trained model folder: everything needed to run the NLU, with no model store or hub.

Layout (``save_model`` writes, ``load_model`` reads):
- ``config.json`` + tokenizer files: the encoder's architecture and vocabulary;
- ``model.safetensors``: encoder and head weights (LoRA adapters already merged);
- ``references.safetensors``: pooled training vectors for the out-of-scope distance;
- ``nlu.json``: label maps, head config, token limit, out-of-scope thresholds, the slot types
  each intent may carry (absent in older folders: no restriction) and the size and sha256 of
  every file the model needs (``files``, like a prepared model's marker), checked on load so
  a missing or damaged file is reported instead of giving nonsense (a folder without its
  ``tokenizer.json`` loaded a different tokenizer and answered "where is order 10482" with
  ``provide_name``). Older folders record only the weights' hash; their tokenizer and config
  must at least be there.
A model trained with its word embeddings and lower layers frozen can be saved *on its base
encoder* (``save_model(..., base=folder)``): ``model.safetensors`` then holds only the tensors
that differ from the base (the trained layers and heads: a few MB instead of e5's 470 MB, whose
250k-word embedding table would otherwise be stored twice), and ``nlu.json`` names the base
folder (relative to the model when they share a parent) and its weights' sha256; loading
starts from the base and checks it is the same one.
The trainer adds ``training.json``, ``report.json`` and ``loss.jsonl`` beside them.
Weights are loaded as tensors only (safetensors), never as pickled code.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from dialogue.files import sha256_file
from dialogue.mapped_weights import mapped_tensors
from dialogue.nlu.errors import NluModelError
from dialogue.nlu.folder_files import NEEDED_FILES, describe_files, file_problem, missing_file
from dialogue.nlu.model import HeadConfig, JointModel
from dialogue.nlu.outofscope import OosThresholds
from dialogue.shared_tokenizers import load_tokenizer

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
META_FILE = "nlu.json"
WEIGHTS_FILE = "model.safetensors"
REFERENCES_FILE = "references.safetensors"


@dataclass(frozen=True)
class ModelMeta:
    """What ``nlu.json`` holds: the model's label maps and settings."""

    intents: tuple[str, ...]
    tags: tuple[str, ...]
    head: HeadConfig
    max_tokens: int
    thresholds: OosThresholds
    weights_sha256: str = ""
    intent_slots: dict[str, tuple[str, ...]] | None = None  # None: any slot with any intent
    base: dict[str, str] | None = None  # {"path", "weights_sha256"}: saved on this encoder
    files: dict[str, dict[str, Any]] | None = None  # {name: {size_bytes, sha256}}; None: old

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "intents": list(self.intents),
            "tags": list(self.tags),
            "head": asdict(self.head),
            "max_tokens": self.max_tokens,
            "thresholds": self.thresholds.to_json(),
            "weights_sha256": self.weights_sha256,
            **(
                {"intent_slots": {k: list(v) for k, v in self.intent_slots.items()}}
                if self.intent_slots is not None
                else {}
            ),
            **({"base": dict(self.base)} if self.base else {}),
            **({"files": self.files} if self.files is not None else {}),
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ModelMeta:
        if raw.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported format {raw.get('format')!r}")
        return cls(
            intents=tuple(raw["intents"]),
            tags=tuple(raw["tags"]),
            head=HeadConfig(**raw["head"]),
            max_tokens=int(raw["max_tokens"]),
            thresholds=OosThresholds.from_json(raw["thresholds"]),
            weights_sha256=str(raw.get("weights_sha256", "")),
            intent_slots=(
                {str(k): tuple(map(str, v)) for k, v in raw["intent_slots"].items()}
                if raw.get("intent_slots") is not None
                else None
            ),
            base={str(k): str(v) for k, v in raw["base"].items()} if raw.get("base") else None,
            files=_files_from_json(raw.get("files")),
        )


def _files_from_json(raw: Any) -> dict[str, dict[str, Any]] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not all(isinstance(v, dict) for v in raw.values()):
        raise ValueError("files must map each file name to its size and sha256")
    return {str(k): dict(v) for k, v in raw.items()}


@dataclass
class LoadedModel:
    """A model folder in memory, ready for :class:`dialogue.nlu.predictor.NluPredictor`."""

    model: JointModel
    tokenizer: Any
    meta: ModelMeta
    references: torch.Tensor | None


BASE_WEIGHTS = "model.safetensors"  # the base encoder's weights file (transformers' name)


def _base_reference(folder: Path, base: Path) -> dict[str, str]:
    """Where the base is, seen from the model folder, and its weights' sha256."""
    import os

    path = os.path.relpath(base.absolute(), folder.absolute())
    same_parent = base.absolute().parent == folder.absolute().parent
    return {
        "path": path if same_parent else str(base.absolute()),
        "weights_sha256": _base_sha256(base),
    }


def _base_sha256(base: Path) -> str:
    """The base weights' sha256: from the model store's marker when there is one (no re-hash
    of e5's 470 MB at every start), else hashed."""
    try:
        marker = json.loads((base / "wenda-model.json").read_text(encoding="utf-8"))
        return str(marker["files"][BASE_WEIGHTS]["sha256"])
    except (OSError, ValueError, KeyError, TypeError):
        return sha256_file(base / BASE_WEIGHTS)


def _differing(state: dict[str, torch.Tensor], base: Path) -> dict[str, torch.Tensor]:
    """The tensors of ``state`` not equal to the base encoder's (heads, trained layers)."""
    base_state = load_file(str(base / BASE_WEIGHTS))
    kept = {}
    for key, value in state.items():
        own = key.removeprefix("encoder.")
        if key.startswith("encoder.") and own in base_state and torch.equal(base_state[own], value):
            continue
        kept[key] = value
    return kept


def save_model(
    folder: Path,
    model: JointModel,
    tokenizer: Any,
    meta: ModelMeta,
    references: torch.Tensor | None = None,
    base: Path | None = None,
) -> ModelMeta:
    """Write a loadable model folder into ``folder`` (created); returns the meta with the hash.

    With ``base`` (the encoder folder it was trained from) only the tensors that differ from
    it are written. Not atomic by itself: the trainer writes into a temporary folder and
    renames it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    model.encoder_config.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    if base is not None:
        state = _differing(state, Path(base))
        meta = ModelMeta(**{**meta.__dict__, "base": _base_reference(folder, Path(base))})
    save_file(state, str(folder / WEIGHTS_FILE), metadata={"format": "pt"})
    if references is not None:
        refs = references.detach().to(torch.float16).contiguous()
        save_file({"references": refs}, str(folder / REFERENCES_FILE))
    meta = ModelMeta(
        **{
            **meta.__dict__,
            "weights_sha256": sha256_file(folder / WEIGHTS_FILE),
            "files": describe_files(folder, skip={META_FILE}),
        }
    )
    (folder / META_FILE).write_text(json.dumps(meta.to_json(), indent=2) + "\n", encoding="utf-8")
    return meta


def _read_meta(folder: Path) -> ModelMeta:
    path = folder / META_FILE
    if not path.is_file():
        raise NluModelError(
            f"{folder} is not a trained NLU model (no {META_FILE}); "
            "train one with: wenda train nlu --data PATH --out DIR"
        )
    try:
        return ModelMeta.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as e:
        raise NluModelError(f"{path} is damaged ({e}); train the model again") from e


def _base_state(folder: Path, base: dict[str, str]) -> dict[str, torch.Tensor]:
    """The base encoder's tensors, as the joint model names them; the base must be the one
    the model was trained on."""
    path = Path(base["path"])
    path = path if path.is_absolute() else (folder / path).resolve()
    if not (path / BASE_WEIGHTS).is_file():
        raise NluModelError(
            f"the NLU model in {folder} was saved on the encoder {path}, which is missing; "
            "prepare it (wenda models prepare) or train the model again"
        )
    if _base_sha256(path) != base.get("weights_sha256"):
        raise NluModelError(
            f"the encoder {path} is not the one the NLU model in {folder} was trained on; "
            "train the model again"
        )
    # Mapped, not read: the word table's pages load only for the rows a turn looks up, and
    # they are the file cache's, shared with the retrieval encoder built on the same base.
    tensors = mapped_tensors(path / BASE_WEIGHTS)
    return {f"encoder.{k}": v for k, v in tensors.items()}


def load_model(folder: Path, verify: bool = True) -> LoadedModel:
    """Load a model folder written by :func:`save_model`; raises :class:`NluModelError`.

    ``verify`` re-hashes the weights against ``nlu.json`` (about 0.2 s for MiniLM).
    """
    from transformers import AutoConfig, AutoModel

    folder = Path(folder)
    meta = _read_meta(folder)
    weights = folder / WEIGHTS_FILE
    problem = missing_file(folder, (WEIGHTS_FILE, *NEEDED_FILES))
    if meta.files is not None:
        problem = problem or file_problem(folder, meta.files, deep=verify)
    if problem:
        raise NluModelError(f"{problem}; train the model again")
    stale = meta.files is None and meta.weights_sha256  # an older folder: the weights only
    if verify and stale and sha256_file(weights) != meta.weights_sha256:
        raise NluModelError(f"{weights} is corrupt (sha256 mismatch); train the model again")
    try:
        config = AutoConfig.from_pretrained(folder, local_files_only=True)
        tokenizer = load_tokenizer(folder)  # shared with the retrieval encoder's, if identical
        encoder = AutoModel.from_config(config)
        model = JointModel(encoder, len(meta.intents), len(meta.tags), meta.head)
        state = mapped_tensors(weights)  # mapped: pages load as rows are looked up
        if meta.base:
            expected = model.state_dict().keys()
            base = _base_state(folder, meta.base)
            state = {**{k: v for k, v in base.items() if k in expected}, **state}
        model.load_state_dict(state, strict=True, assign=True)  # the mapped tensors serve
    except (OSError, ValueError, RuntimeError) as e:
        raise NluModelError(f"cannot load the NLU model in {folder}: {e}") from e
    references = None
    if (folder / REFERENCES_FILE).is_file():
        references = load_file(str(folder / REFERENCES_FILE))["references"].float()
    model.eval()
    return LoadedModel(model, tokenizer, meta, references)
