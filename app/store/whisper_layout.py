"""Where each CTranslate2 Whisper variable goes in openai-whisper: dimensions and key rules.

Pure name mapping, no tensors touched: CTranslate2 fuses the attention projections (query,
key and value in one matrix) and names layers by path, openai-whisper splits and dots them.
A rule pairs one CTranslate2 variable with the keys its rows split into.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from app.store.ct2_format import Ct2Source
from app.store.errors import ConversionError

if TYPE_CHECKING:
    import whisper.model

# (ct2 variable, openai-whisper keys its rows split into); None drops that slice.
Rule = tuple[str, tuple[str | None, ...]]


def _layer_count(src: Ct2Source, stack: str) -> int:
    n = 0
    while f"{stack}/layer_{n}/ffn/linear_0/weight" in src.variables:
        n += 1
    if n == 0:
        raise ConversionError(f"{src.path} has no {stack} layers; not a Whisper model?")
    return n


def dims_from(src: Ct2Source) -> whisper.model.ModelDimensions:
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


def _linear(src: str, dst: str, fused: str = "") -> Iterator[Rule]:
    """A linear layer, or several ``fused`` ones stacked by rows (e.g. "query key value").

    openai-whisper's key projections have no bias; dropping the key slice of a fused bias
    is exact, since q·b_k is the same for every key and cancels in the softmax.
    """
    names = tuple(f"{dst}.{part}" for part in fused.split()) or (dst,)
    yield f"{src}/weight", tuple(f"{n}.weight" for n in names)
    yield f"{src}/bias", tuple(None if n.endswith(".key") else f"{n}.bias" for n in names)


def _norm(src: str, dst: str) -> Iterator[Rule]:
    yield f"{src}/gamma", (f"{dst}.weight",)
    yield f"{src}/beta", (f"{dst}.bias",)


def _block(src: str, dst: str, cross: bool) -> Iterator[Rule]:
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


def state_rules(dims: whisper.model.ModelDimensions) -> list[Rule]:
    """The whole mapping from CTranslate2 names to openai-whisper state-dict keys."""
    rules: list[Rule] = []
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
