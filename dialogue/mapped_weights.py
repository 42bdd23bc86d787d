"""A safetensors file's tensors as views of the file mapped into memory, not copies.

``safetensors.torch.load_file`` reads every byte into the process. For an NLU model built on
multilingual-e5-small that is 384 MB of word table (96M of its 118M parameters), of which a
conversation touches a few thousand rows. Mapped, a page of the file is read (and resident)
only when a row on it is looked up, and the pages are the system's file cache, shared with
every other model and process that maps the same file. The mapping is private
(copy-on-write): a write, which serving never does, would copy that page and leave the file
as it was.
"""

from __future__ import annotations

import json
import mmap
import struct
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

_DTYPES = {
    "F64": "float64",
    "F32": "float32",
    "F16": "float16",
    "BF16": "bfloat16",
    "I64": "int64",
    "I32": "int32",
    "I16": "int16",
    "I8": "int8",
    "U8": "uint8",
    "BOOL": "bool",
}


def mapped_tensors(path: Path) -> dict[str, torch.Tensor]:
    """Every tensor of the safetensors file ``path``, backed by a private mapping of it.
    Raises ValueError for a file that is not safetensors (as ``load_file`` would)."""
    import torch

    with open(path, "rb") as f:
        try:
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
        except ValueError as e:  # an empty file
            raise ValueError(f"{path} is not a safetensors file: {e}") from e
    try:
        (length,) = struct.unpack("<Q", mapped[:8])
        header = json.loads(mapped[8 : 8 + length])
    except (struct.error, ValueError) as e:
        raise ValueError(f"{path} is not a safetensors file: {e}") from e
    start = 8 + length
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info.get("dtype") not in _DTYPES:
            raise ValueError(f"{path}: {name} has a dtype this reader does not map: {info}")
        dtype = getattr(torch, _DTYPES[info["dtype"]])
        begin, end = info["data_offsets"]
        count = (end - begin) // dtype.itemsize
        if start + end > len(mapped):
            raise ValueError(f"{path} is cut short: {name} ends past the end of the file")
        if count == 0:
            tensors[name] = torch.empty(info["shape"], dtype=dtype)
            continue
        flat = torch.frombuffer(mapped, dtype=dtype, count=count, offset=start + begin)
        tensors[name] = flat.reshape(info["shape"])
    return tensors
