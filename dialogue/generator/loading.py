"""Load a causal LM (and optionally a LoRA adapter) for generation: the one impure step.

CUDA gets bfloat16 (float16 on GPUs without bf16), the CPU gets float32: bf16 matmuls on a
CPU are several times slower than float32, and the bundled Chinese model is stored in bf16.
Weights are read as safetensors only, never with ``trust_remote_code``.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from dialogue.generator.errors import ModelLoadError

log = logging.getLogger(__name__)


def pick_device(preference: str = "auto") -> tuple[str, Any]:
    """(device, torch dtype) for ``preference`` ("auto", "cpu" or "cuda")."""
    import torch

    if preference == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError("generator.device is cuda but no CUDA GPU is available; use auto")
    if preference != "cpu" and torch.cuda.is_available():
        return "cuda", torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return "cpu", torch.float32


def load_causal_lm(model_path: str, device: str = "auto") -> tuple[Any, Any]:
    """(model in eval mode on its device, tokenizer) from a checkpoint folder or hub id."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    where, dtype = pick_device(device)
    started = time.perf_counter()
    try:
        tokenizer = AutoTokenizer.from_pretrained(model_path)
        model = AutoModelForCausalLM.from_pretrained(
            model_path, dtype=dtype, use_safetensors=True, trust_remote_code=False
        )
    except (OSError, ValueError) as e:
        raise ModelLoadError(
            f"could not load the chat model from {model_path} ({e}); run "
            f"`wenda models prepare generator` or point models.paths.generator at a folder"
        ) from e
    model.to(where)  # type: ignore[arg-type]  # transformers' stubs miss device strings
    model.eval()
    log.info("Loaded %s on %s (%s) in %.1f s", model_path, where, dtype, _since(started))
    return model, tokenizer


def attach_adapter(model: Any, adapter_dir: str, merge: bool = True) -> Any:
    """The model with the LoRA adapter in ``adapter_dir``; merged into the weights if asked.

    Merging makes generation as fast as the base model; keep it unmerged to switch the
    adapter off and on (evaluation compares both on one copy of the weights).
    """
    from peft import PeftModel

    config_file = Path(adapter_dir) / "adapter_config.json"
    if not config_file.is_file():
        raise ModelLoadError(
            f"{adapter_dir} is not a LoRA adapter (no adapter_config.json); train one with "
            f"`wenda train generator --out DIR`"
        )
    trained_on = json.loads(config_file.read_text(encoding="utf-8")).get("base_model_name_or_path")
    current = getattr(model.config, "_name_or_path", "")
    if trained_on and current and Path(trained_on).name != Path(current).name:
        log.warning("Adapter %s was trained on %s, not %s", adapter_dir, trained_on, current)
    try:
        peft_model = PeftModel.from_pretrained(model, adapter_dir, is_trainable=False)
    except (OSError, ValueError, RuntimeError, KeyError) as e:
        raise ModelLoadError(f"could not load the LoRA adapter in {adapter_dir} ({e})") from e
    return peft_model.merge_and_unload() if merge else peft_model.eval()


def _since(started: float) -> float:
    return time.perf_counter() - started
