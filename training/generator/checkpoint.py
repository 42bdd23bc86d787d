"""An adapter folder: PEFT weights plus what made them, written so it is never half there.

Layout of ``out/``: ``adapter_config.json`` + ``adapter_model.safetensors`` (PEFT format,
loadable with ``PeftModel.from_pretrained``), ``wenda-adapter.json`` (training config, data
hash, base model, metrics), ``heldout.jsonl`` (the held-out split, so evaluation reuses it)
and ``train-log.jsonl`` (loss per step). Everything is written into a temporary sibling
folder that is renamed over ``out`` only once complete.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dialogue.atomic import atomic_folder

log = logging.getLogger(__name__)

INFO_FILE = "wenda-adapter.json"
HELDOUT_FILE = "heldout.jsonl"
LOG_FILE = "train-log.jsonl"
FORMAT_VERSION = 1


class AdapterError(Exception):
    """An adapter folder is missing, incomplete or not one of ours."""


def save_adapter_atomic(out: Path, write: Callable[[Path], None], info: dict[str, Any]) -> Path:
    """Call ``write(tmp)`` to fill a temporary folder, add the info file, rename it to ``out``.

    A crash at any point leaves the previous ``out`` (or none) in place, never a mixture.
    """
    with atomic_folder(Path(out)) as tmp:
        write(tmp)
        info_text = json.dumps({"format": FORMAT_VERSION, **info}, indent=2, ensure_ascii=False)
        (tmp / INFO_FILE).write_text(info_text + "\n", encoding="utf-8")
    log.info("Saved adapter to %s", out)
    return out


def read_info(adapter_dir: Path) -> dict[str, Any]:
    """The training record of an adapter made by ``wenda train generator``."""
    path = Path(adapter_dir) / INFO_FILE
    if not (Path(adapter_dir) / "adapter_config.json").is_file():
        raise AdapterError(
            f"{adapter_dir} is not a LoRA adapter folder (no adapter_config.json); "
            f"train one with `wenda train generator --out DIR`"
        )
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise AdapterError(f"{path}: missing or unreadable ({e}); retrain the adapter") from e
    if info.get("format") != FORMAT_VERSION:
        raise AdapterError(f"{path}: unknown format {info.get('format')!r}")
    return info
