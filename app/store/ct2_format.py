"""Read a CTranslate2 ``model.bin``: its variables as numpy arrays, aliases and dequantisation.

ctranslate2 does not hand out its tensors, so the file is parsed here (CTranslate2's own
layout, versions 4 to 6). It is an untrusted upload: every length, dtype and byte count is
checked before use, and a bad file is a ConversionError naming it. What the variables mean
for Whisper is ``app.store.whisper_layout``'s business.
"""

from __future__ import annotations

import mmap
import os
import struct
from pathlib import Path

import numpy as np

from app.store.errors import ConversionError

# Binary versions that CTranslate2's own reader parses with the layout below (u8 dtype ids
# from 4, aliases from 3); ctranslate2 3.x and 4.x write 6.
_SUPPORTED_VERSIONS = range(4, 7)
# Type ids in CTranslate2's order: f32, i8, i16, i32, f16, bf16 (bf16 is read as raw u2
# and widened to float32, numpy has no bfloat16).
_DTYPES = [np.dtype(t) for t in ("<f4", "i1", "<i2", "<i4", "<f2", "<u2")]
_BFLOAT16 = 5


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


class Ct2Source:
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
