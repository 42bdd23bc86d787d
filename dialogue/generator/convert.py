"""Turn a chat model (and its LoRA adapter) into the one folder the CTranslate2 engine serves.

The adapter is merged into the base weights in float32 (peft's ``merge_and_unload``, exact),
the merged model is converted by CTranslate2's own converter and quantized (int8 by default:
the engine computes in int8 on CPUs and in int8/float16 on GPUs), and the tokenizer files and
chat template are copied beside it, so the folder is complete on its own. For the models
Wenda ships (135M and 0.5B parameters) this takes seconds; it runs when a model is prepared
or an adapter activated, never while a user waits for a reply.

Writes into ``out_dir`` (replacing what is there): the caller (the app's model store) converts
into a temporary folder and publishes it atomically with the files' hashes.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from pathlib import Path

from dialogue.generator.errors import ModelLoadError

log = logging.getLogger(__name__)

QUANTIZATIONS = ("int8", "int8_float16", "float16", "float32")
# What the Hugging Face tokenizer needs to load from the converted folder. config.json is not
# copied: CTranslate2 writes its own under that name.
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "chat_template.jinja",
    "generation_config.json",
    "vocab.json",
    "merges.txt",
)


def convert_for_serving(
    base_dir: Path, out_dir: Path, adapter_dir: Path | None = None, quantization: str = "int8"
) -> Path:
    """Convert ``base_dir`` (+ ``adapter_dir`` merged in) into ``out_dir``; returns it.

    Raises ModelLoadError when the base model or adapter cannot be read or converted.
    """
    if quantization not in QUANTIZATIONS:
        raise ValueError(f"quantization must be one of {', '.join(QUANTIZATIONS)}")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="wenda-merge-") as scratch:
        source = _merged(base_dir, adapter_dir, Path(scratch)) if adapter_dir else base_dir
        _ct2_convert(source, out_dir, quantization)
    for name in TOKENIZER_FILES:
        if (base_dir / name).is_file():
            shutil.copyfile(base_dir / name, out_dir / name)
    log.info(
        "converted %s%s for serving (%s) in %.1f s",
        base_dir.name,
        f" + {adapter_dir.name}" if adapter_dir else "",
        quantization,
        time.perf_counter() - started,
    )
    return out_dir


def _merged(base_dir: Path, adapter_dir: Path, scratch: Path) -> Path:
    """Save base + adapter, merged in float32, as a plain checkpoint under ``scratch``."""
    import torch

    from dialogue.generator.loading import attach_adapter, load_causal_lm

    model, tokenizer = load_causal_lm(str(base_dir), device="cpu", dtype="float32")
    merged = attach_adapter(model, str(adapter_dir), merge=True)
    out = scratch / "merged"
    with torch.inference_mode():
        merged.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    return out


def _ct2_convert(source: Path, out_dir: Path, quantization: str) -> None:
    from ctranslate2.converters import TransformersConverter

    try:
        converter = TransformersConverter(str(source), low_cpu_mem_usage=True)
        converter.convert(str(out_dir), quantization=quantization, force=True)
    except (OSError, ValueError, RuntimeError, NotImplementedError, KeyError) as e:
        raise ModelLoadError(
            f"could not convert the chat model in {source} for serving ({e}); "
            "a Llama, Qwen2 or Gemma checkpoint is needed"
        ) from e
