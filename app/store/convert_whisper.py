"""Convert a CTranslate2 (faster-whisper) Whisper folder into an openai-whisper checkpoint.

The bundled Whisper weights ship only in CTranslate2 format and no registry has an
openai-whisper ``.pt``, yet openai-whisper is what fine-tuning and cross-attention word
timestamps need. So the store converts once: read ``model.bin`` directly (ctranslate2 does
not hand out its tensors; ``app.store.ct2_format``), rename and split the fused tensors
(``app.store.whisper_layout``), and save the standard ``{"dims", "model_state_dict"}``
checkpoint that ``whisper.load_model`` reads weights-only. The file is an untrusted upload,
so every length and shape is checked before use, and the result must load strictly.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.store.ct2_format import Ct2Source, read_ct2_variables
from app.store.errors import ConversionError
from app.store.progress import ProgressFn
from app.store.whisper_layout import dims_from, state_rules

if TYPE_CHECKING:
    import torch
    import whisper.model

log = logging.getLogger(__name__)

CHECKPOINT_NAME = "model.pt"
ALIGNMENT_HEADS_NAME = "alignment_heads.json"


def _check_leftovers(src: Ct2Source) -> None:
    """Every stored tensor must be mapped; anything else means a layout we do not know.

    Rank-0 variables are CTranslate2 runtime settings (activation, pre_norm, ...), not
    weights. The output projection is tied to the token embedding in openai-whisper, so a
    separate copy is accepted only if it is identical.
    """
    projection = "decoder/projection/weight"
    if src.resolve(projection) in src.variables.keys() - src.used:
        if not np.array_equal(src.float(projection), src.float("decoder/embeddings/weight")):
            raise ConversionError(f"{src.path}: output projection is not tied to the embedding")
    extra = sorted(n for n, v in src.variables.items() if v.ndim > 0 and n not in src.used)
    if extra:
        raise ConversionError(f"{src.path} has tensors with no openai-whisper place: {extra}")


def _build_state_dict(
    src: Ct2Source, dims: whisper.model.ModelDimensions, progress: ProgressFn | None = None
) -> dict[str, torch.Tensor]:
    """float16 openai-whisper state dict; every tensor owns its storage so none are saved
    twice (a slice of a fused tensor saved as a view would drag the whole parent along)."""
    import torch

    rules = state_rules(dims)
    state: dict[str, torch.Tensor] = {}
    for done, (name, targets) in enumerate(rules, start=1):
        value = src.float(name)
        if value.shape[0] % len(targets):
            raise ConversionError(f"{src.path}: {name} {value.shape} can't split {len(targets)}")
        for key, part in zip(targets, np.split(value, len(targets), axis=0), strict=True):
            if key is not None:
                state[key] = torch.from_numpy(np.array(part, dtype=np.float16))
        if progress is not None:
            progress(done, len(rules))
    _check_leftovers(src)
    return state


def _check_loads_strict(
    state: dict[str, torch.Tensor], dims: whisper.model.ModelDimensions
) -> None:
    """Fail at conversion, not at first use, if a key or shape is off.

    Uses the encoder and decoder that ``Whisper(dims)`` is made of, on the meta device so
    nothing is allocated (Whisper's sparse alignment mask has no meta kernel; it and the
    causal mask are not persistent, so the keys are the same). ``assign`` just swaps in our
    tensors; missing, unexpected and mis-shaped keys are still errors.
    """
    import torch
    from whisper.model import AudioEncoder, TextDecoder

    with torch.device("meta"):
        skeleton = torch.nn.Module()
        skeleton.encoder = AudioEncoder(
            dims.n_mels, dims.n_audio_ctx, dims.n_audio_state, dims.n_audio_head, dims.n_audio_layer
        )
        skeleton.decoder = TextDecoder(
            dims.n_vocab, dims.n_text_ctx, dims.n_text_state, dims.n_text_head, dims.n_text_layer
        )
    try:
        skeleton.load_state_dict(state, strict=True, assign=True)
    except RuntimeError as e:
        raise ConversionError(f"converted weights do not fit openai-whisper: {e}") from e


def _read_alignment_heads(
    config_path: Path, dims: whisper.model.ModelDimensions
) -> list[list[int]]:
    """The ``[layer, head]`` pairs from faster-whisper's config.json, range-checked."""
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ConversionError(f"cannot read {config_path}: {e}") from e
    pairs = config.get("alignment_heads") or []
    limits = (dims.n_text_layer, dims.n_text_head)
    for pair in pairs:
        ok = isinstance(pair, list) and len(pair) == 2
        if not ok or not all(
            type(i) is int and 0 <= i < n for i, n in zip(pair, limits, strict=True)
        ):
            raise ConversionError(f"{config_path}: bad alignment head {pair!r} for {limits}")
    return [list(pair) for pair in pairs]


def _write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Write via a temp name in the same folder so a crash never leaves a half file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def convert_ct2_whisper(ct2_dir: Path, out_dir: Path, progress: ProgressFn | None = None) -> Path:
    """Convert a faster-whisper model folder into an openai-whisper checkpoint.

    Writes ``out_dir/alignment_heads.json`` (when config.json has heads) and then
    ``out_dir/model.pt`` (float16, ``{"dims", "model_state_dict"}``), each under its final
    name only once complete, so an existing ``model.pt`` means a finished conversion.
    ``progress(done, total)`` is called once per converted CTranslate2 tensor.
    Returns the checkpoint path; raises ConversionError naming the bad file.
    """
    import torch

    ct2_dir, out_dir = Path(ct2_dir), Path(out_dir)
    variables, aliases = read_ct2_variables(ct2_dir / "model.bin")
    src = Ct2Source(variables, aliases, ct2_dir / "model.bin")
    dims = dims_from(src)
    log.info("converting %s to openai-whisper: %s", ct2_dir, dims)
    state = _build_state_dict(src, dims, progress)
    del src, variables  # release the memory map before writing ~ the same amount again
    _check_loads_strict(state, dims)
    heads = _read_alignment_heads(ct2_dir / "config.json", dims)

    out_dir.mkdir(parents=True, exist_ok=True)
    if heads:
        text = json.dumps({"alignment_heads": heads}) + "\n"
        _write_atomically(out_dir / ALIGNMENT_HEADS_NAME, lambda p: p.write_text(text))
    else:
        log.warning("%s has no alignment_heads; word timestamps use the default heads", ct2_dir)
    checkpoint = {"dims": asdict(dims), "model_state_dict": state}
    target = out_dir / CHECKPOINT_NAME
    _write_atomically(target, lambda p: torch.save(checkpoint, p))
    log.info("wrote %s", target)
    return target


def load_openai_whisper(model_dir: Path, device: str = "cpu") -> whisper.model.Whisper:
    """Load a converted ``model_dir/model.pt`` (weights only) with its alignment heads.

    ``whisper.load_model`` only knows the heads of OpenAI's own checkpoints, so the mask
    from ``alignment_heads.json`` is set here, as ``Whisper.set_alignment_heads`` would.
    """
    import torch
    import whisper

    model_dir = Path(model_dir)
    checkpoint = model_dir / CHECKPOINT_NAME
    if not checkpoint.is_file():
        raise FileNotFoundError(f"{checkpoint} is missing; convert the model first")
    model = whisper.load_model(str(checkpoint), device=device)
    heads_path = model_dir / ALIGNMENT_HEADS_NAME
    if heads_path.is_file():
        dims = model.dims
        heads = _read_alignment_heads(heads_path, dims)
        mask = torch.zeros(dims.n_text_layer, dims.n_text_head, dtype=torch.bool)
        for layer, head in heads:
            mask[layer, head] = True
        model.register_buffer("alignment_heads", mask.to_sparse().to(device), persistent=False)
    return model
