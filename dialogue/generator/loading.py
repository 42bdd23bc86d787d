"""Load a causal LM (and optionally a LoRA adapter) for generation: the one impure step.

This is the reference engine (training, evaluation, conversion); replies are served by the
CTranslate2 engine (``dialogue.generator.ct2``). By default ("auto") weights are bfloat16 only
where the hardware computes in it natively (GPUs that support it; CPUs with AVX-512 BF16 or
AMX), float16 on older GPUs, and float32 elsewhere: on a CPU without native bfloat16 it is
emulated, and a 550-token prompt took 10.1 s to the first token instead of 1.8 s in float32
(BENCHMARKS.md, Generator). Weights are read as safetensors only, never with
``trust_remote_code``.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from dialogue.generator.errors import ModelLoadError

log = logging.getLogger(__name__)


def pick_device(preference: str = "auto", dtype: str = "auto") -> tuple[str, Any]:
    """(device, torch dtype) for ``preference`` ("auto", "cpu" or "cuda") and ``dtype``.

    ``dtype`` is "auto" (see the module docstring) or a torch dtype name ("float32", ...).
    """
    import torch

    if preference == "cuda" and not torch.cuda.is_available():
        raise ModelLoadError("generator.device is cuda but no CUDA GPU is available; use auto")
    where = "cuda" if preference != "cpu" and torch.cuda.is_available() else "cpu"
    if dtype != "auto":
        return where, getattr(torch, dtype)
    if where == "cuda":
        return where, torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return where, torch.bfloat16 if cpu_has_native_bfloat16() else torch.float32


# CPU flags (Linux /proc/cpuinfo) of instruction sets that compute in bfloat16 natively.
NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def cpu_has_native_bfloat16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether this CPU computes in bfloat16 natively (False where it cannot be told)."""
    try:
        text = Path(cpuinfo).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return bool(NATIVE_BF16_FLAGS & set(line.split(":", 1)[-1].split()))
    return False


def load_causal_lm(model_path: str, device: str = "auto", dtype: str = "auto") -> tuple[Any, Any]:
    """(model in eval mode on its device, tokenizer) from a checkpoint folder or hub id."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    where, torch_dtype = pick_device(device, dtype)
    started = time.perf_counter()
    try:
        tokenizer = AutoTokenizer.from_pretrained(model_path)
        model = AutoModelForCausalLM.from_pretrained(
            model_path, dtype=torch_dtype, use_safetensors=True, trust_remote_code=False
        )
    except (OSError, ValueError) as e:
        raise ModelLoadError(
            f"could not load the chat model from {model_path} ({e}); run "
            f"`wenda models prepare generator` or point models.paths.generator at a folder"
        ) from e
    model.to(where)  # type: ignore[arg-type]  # transformers' stubs miss device strings
    model.eval()
    log.info("Loaded %s on %s (%s) in %.1f s", model_path, where, torch_dtype, _since(started))
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
