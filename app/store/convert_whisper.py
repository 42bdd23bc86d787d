"""Convert a CTranslate2 (faster-whisper) Whisper folder into an openai-whisper checkpoint.

The bundled Whisper weights ship only in CTranslate2 format and no registry has an
openai-whisper ``.pt``, yet openai-whisper is what fine-tuning and cross-attention word
timestamps need. So the store converts once: read ``model.bin`` directly (ctranslate2 does
not hand out its tensors), rename and split the fused tensors, and save the standard
``{"dims", "model_state_dict"}`` checkpoint that ``whisper.load_model`` reads weights-only.
The file is an untrusted upload, so every length and shape is checked before use.
"""

from __future__ import annotations

import json
import logging
import mmap
import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.store.errors import ConversionError
from app.store.progress import ProgressFn

if TYPE_CHECKING:
    import torch
    import whisper.model

log = logging.getLogger(__name__)

CHECKPOINT_NAME = "model.pt"
ALIGNMENT_HEADS_NAME = "alignment_heads.json"

# Binary versions that CTranslate2's own reader parses with the layout below (u8 dtype ids
# from 4, aliases from 3); ctranslate2 3.x and 4.x write 6.
_SUPPORTED_VERSIONS = range(4, 7)
# Type ids in CTranslate2's order: f32, i8, i16, i32, f16, bf16 (bf16 is read as raw u2
# and widened to float32, numpy has no bfloat16).
_DTYPES = [np.dtype(t) for t in ("<f4", "i1", "<i2", "<i4", "<f2", "<u2")]
_BFLOAT16 = 5

# (ct2 variable, openai-whisper keys its rows split into); None drops that slice.
_Rule = tuple[str, tuple[str | None, ...]]


class _Reader:
    """Bounds-checked little-endian cursor over the bytes of ``model.bin``."""

    def __init__(self, buf: mmap.mmap, path: Path) -> None:
        self.buf, self.path, self.pos = buf, path, 0

    def take(self, n: int, what: str) -> int:
        """Reserve ``n`` bytes and return their offset; a short file is a ConversionError."""
        if self.pos + n > len(self.buf):
            raise ConversionError(
                f"{self.path} is truncated: needed {n} bytes for {what} at offset {self.pos}, "
                f"file has {len(self.buf)} bytes. Re-download or re-install the model."
            )
        start, self.pos = self.pos, self.pos + n
        return start

    def unpack(self, fmt: str, what: str) -> tuple[int, ...]:
        size = struct.calcsize("<" + fmt)
        return struct.unpack_from("<" + fmt, self.buf, self.take(size, what))

    def string(self, what: str) -> str:
        (length,) = self.unpack("H", what)
        start = self.take(length, what)
        raw = self.buf[start : start + length]
        if length == 0 or raw[-1] != 0:
            raise ConversionError(f"{self.path}: {what} is not a NUL-terminated string")
        return raw[:-1].decode("utf-8", errors="replace")


def read_ct2_variables(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Parse a CTranslate2 ``model.bin`` into arrays and an alias table.

    Returns ``(variables, aliases)``: arrays by name in their stored shape and dtype,
    read-only views onto a memory map (no copy of the file; bfloat16 is widened to
    float32), and ``alias -> target`` names.
    """
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                raise ConversionError(f"{path} is empty. Re-download or re-install the model.")
            buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except OSError as e:
        raise ConversionError(f"cannot read {path}: {e}") from e
    r = _Reader(buf, path)
    (version,) = r.unpack("I", "format version")
    if version not in _SUPPORTED_VERSIONS:
        raise ConversionError(f"{path}: unsupported CTranslate2 format version {version}")
    spec = r.string("spec name")
    (revision,) = r.unpack("I", "spec revision")
    if spec != "WhisperSpec":
        raise ConversionError(f"{path} holds a {spec!r} model (revision {revision}), not Whisper")
    (count,) = r.unpack("I", "variable count")
    variables: dict[str, np.ndarray] = {}
    for index in range(count):
        name = r.string(f"name of variable {index}")
        (rank,) = r.unpack("B", f"rank of {name}")
        shape = r.unpack("I" * rank, f"shape of {name}")
        (dtype_id,) = r.unpack("B", f"dtype of {name}")
        (nbytes,) = r.unpack("I", f"byte count of {name}")
        if dtype_id >= len(_DTYPES):
            raise ConversionError(f"{path}: variable {name} has unknown dtype id {dtype_id}")
        dtype = _DTYPES[dtype_id]
        if nbytes != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize:
            raise ConversionError(f"{path}: variable {name} has {nbytes} bytes for {shape}")
        data = np.frombuffer(buf, dtype, int(np.prod(shape)), r.take(nbytes, name))
        data = data.reshape(shape)
        if dtype_id == _BFLOAT16:
            data = (data.astype(np.uint32) << 16).view(np.float32)
        variables[name] = data
    (n_aliases,) = r.unpack("I", "alias count")
    aliases = {r.string("alias"): r.string("alias target") for _ in range(n_aliases)}
    if r.pos != len(buf):
        raise ConversionError(f"{path}: {len(buf) - r.pos} unexpected bytes after the aliases")
    return variables, aliases


class _Source:
    """Variables of one model, looked up through aliases and dequantized on demand."""

    def __init__(self, variables: dict[str, np.ndarray], aliases: dict[str, str], path: Path):
        self.variables, self.aliases, self.path = variables, aliases, path
        self.used: set[str] = set()

    def resolve(self, name: str) -> str:
        seen = {name}
        while name in self.aliases and name not in self.variables:
            name = self.aliases[name]
            if name in seen:
                raise ConversionError(f"{self.path}: alias loop at {name}")
            seen.add(name)
        return name

    def raw(self, name: str) -> np.ndarray:
        target = self.resolve(name)
        if target not in self.variables:
            raise ConversionError(f"{self.path} has no variable {name}; not a Whisper model?")
        self.used.add(target)
        return self.variables[target]

    def float(self, name: str) -> np.ndarray:
        """The variable as floats. Quantized weights are ``round(w * scale)`` with a per-row
        (int8) or scalar (int16) ``<name>_scale``, so ``w = q / scale``."""
        target = self.resolve(name)
        value = self.raw(target)
        if value.dtype.kind == "f":
            return value
        scale = self.raw(target + "_scale").astype(np.float32)
        scale = scale.reshape(scale.shape + (1,) * (value.ndim - scale.ndim))
        return value.astype(np.float32) / scale

    def scalar(self, name: str) -> int:
        value = self.raw(name)
        if value.shape != ():
            raise ConversionError(f"{self.path}: {name} should be a scalar, has {value.shape}")
        return int(value)


def _layer_count(src: _Source, stack: str) -> int:
    n = 0
    while f"{stack}/layer_{n}/ffn/linear_0/weight" in src.variables:
        n += 1
    if n == 0:
        raise ConversionError(f"{src.path} has no {stack} layers; not a Whisper model?")
    return n


def _dims_from(src: _Source) -> whisper.model.ModelDimensions:
    """Every ModelDimensions field, from tensor shapes and the stored head counts."""
    from whisper.model import ModelDimensions

    conv1 = src.raw("encoder/conv1/weight")  # [n_audio_state, n_mels, 3]
    audio_pos = src.raw("encoder/position_encodings/encodings")  # [n_audio_ctx, state]
    embed = src.raw("decoder/embeddings/weight")  # [n_vocab, n_text_state]
    text_pos = src.raw("decoder/position_encodings/encodings")  # [n_text_ctx, state]
    return ModelDimensions(
        n_mels=conv1.shape[1],
        n_audio_ctx=audio_pos.shape[0],
        n_audio_state=conv1.shape[0],
        n_audio_head=src.scalar("encoder/num_heads"),
        n_audio_layer=_layer_count(src, "encoder"),
        n_vocab=embed.shape[0],
        n_text_ctx=text_pos.shape[0],
        n_text_state=embed.shape[1],
        n_text_head=src.scalar("decoder/num_heads"),
        n_text_layer=_layer_count(src, "decoder"),
    )


def _linear(src: str, dst: str, fused: str = "") -> Iterator[_Rule]:
    """A linear layer, or several ``fused`` ones stacked by rows (e.g. "query key value").

    openai-whisper's key projections have no bias; dropping the key slice of a fused bias
    is exact, since q·b_k is the same for every key and cancels in the softmax.
    """
    names = tuple(f"{dst}.{part}" for part in fused.split()) or (dst,)
    yield f"{src}/weight", tuple(f"{n}.weight" for n in names)
    yield f"{src}/bias", tuple(None if n.endswith(".key") else f"{n}.bias" for n in names)


def _norm(src: str, dst: str) -> Iterator[_Rule]:
    yield f"{src}/gamma", (f"{dst}.weight",)
    yield f"{src}/beta", (f"{dst}.bias",)


def _block(src: str, dst: str, cross: bool) -> Iterator[_Rule]:
    """One residual attention block (self-attention, optional cross-attention, MLP)."""
    yield from _linear(f"{src}/self_attention/linear_0", f"{dst}.attn", "query key value")
    yield from _linear(f"{src}/self_attention/linear_1", f"{dst}.attn.out")
    yield from _norm(f"{src}/self_attention/layer_norm", f"{dst}.attn_ln")
    if cross:
        yield from _linear(f"{src}/attention/linear_0", f"{dst}.cross_attn.query")
        yield from _linear(f"{src}/attention/linear_1", f"{dst}.cross_attn", "key value")
        yield from _linear(f"{src}/attention/linear_2", f"{dst}.cross_attn.out")
        yield from _norm(f"{src}/attention/layer_norm", f"{dst}.cross_attn_ln")
    yield from _linear(f"{src}/ffn/linear_0", f"{dst}.mlp.0")
    yield from _linear(f"{src}/ffn/linear_1", f"{dst}.mlp.2")
    yield from _norm(f"{src}/ffn/layer_norm", f"{dst}.mlp_ln")


def _rules(dims: whisper.model.ModelDimensions) -> list[_Rule]:
    """The whole mapping from CTranslate2 names to openai-whisper state-dict keys."""
    rules: list[_Rule] = []
    for conv in ("conv1", "conv2"):
        rules += _linear(f"encoder/{conv}", f"encoder.{conv}")
    rules.append(("encoder/position_encodings/encodings", ("encoder.positional_embedding",)))
    for i in range(dims.n_audio_layer):
        rules += _block(f"encoder/layer_{i}", f"encoder.blocks.{i}", cross=False)
    rules += _norm("encoder/layer_norm", "encoder.ln_post")
    rules.append(("decoder/embeddings/weight", ("decoder.token_embedding.weight",)))
    rules.append(("decoder/position_encodings/encodings", ("decoder.positional_embedding",)))
    for i in range(dims.n_text_layer):
        rules += _block(f"decoder/layer_{i}", f"decoder.blocks.{i}", cross=True)
    rules += _norm("decoder/layer_norm", "decoder.ln")
    return rules


def _check_leftovers(src: _Source) -> None:
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
    src: _Source, dims: whisper.model.ModelDimensions, progress: ProgressFn | None = None
) -> dict[str, torch.Tensor]:
    """float16 openai-whisper state dict; every tensor owns its storage so none are saved
    twice (a slice of a fused tensor saved as a view would drag the whole parent along)."""
    import torch

    rules = _rules(dims)
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
    src = _Source(variables, aliases, ct2_dir / "model.bin")
    dims = _dims_from(src)
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
