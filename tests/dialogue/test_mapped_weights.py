"""A safetensors file mapped, not read (``dialogue.mapped_weights``): the same tensors as
``load_file``, never a change to the file, one clear error for a damaged one."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from dialogue.mapped_weights import mapped_tensors


def write(path: Path) -> dict[str, torch.Tensor]:
    tensors = {
        "table": torch.randn(300, 16),
        "half": torch.randn(7, 3).half(),
        "brain": torch.randn(5).bfloat16(),
        "ids": torch.arange(11, dtype=torch.int64).reshape(11, 1),
        "empty": torch.zeros(0, 4),
    }
    save_file(tensors, str(path), metadata={"format": "pt"})
    return tensors


def test_mapped_tensors_equal_the_read_ones(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    written = write(path)
    mapped, read = mapped_tensors(path), load_file(str(path))
    assert mapped.keys() == read.keys() == written.keys()
    for name, tensor in read.items():
        assert mapped[name].dtype == tensor.dtype and torch.equal(mapped[name], tensor), name


def test_a_write_to_a_mapped_tensor_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    write(path)
    before = path.read_bytes()
    mapped_tensors(path)["table"].mul_(0)
    assert path.read_bytes() == before


@pytest.mark.parametrize("keep", [4, 100, -50])
def test_a_damaged_file_is_a_value_error(tmp_path: Path, keep: int) -> None:
    path = tmp_path / "model.safetensors"
    write(path)
    path.write_bytes(path.read_bytes()[:keep])
    with pytest.raises(ValueError, match=str(path)):
        mapped_tensors(path)
