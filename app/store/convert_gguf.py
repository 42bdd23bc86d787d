"""Convert a GGUF chat model into a plain transformers checkpoint (safetensors + tokenizer).

The bundled chat models ship only as quantized GGUF files. transformers can read them, but every
load re-dequantizes the whole file (15-45 s on two cores against about 3 s for safetensors), and
a GGUF-loaded model may keep a GGUF quantizer that refuses training and `save_pretrained`.
Converting once into a normal checkpoint folder lets the generator and the LoRA trainer load it
like any Hugging Face model, offline, with no GGUF code on the hot path.

The conversion is: load with `gguf_file=` (weights dequantized to `dtype`), drop the quantizer,
`save_pretrained`, save the tokenizer built from the GGUF vocabulary (chat template included),
then reload the folder without `gguf_file` to prove it stands on its own.

Only `out_dir` is written; the model store hands in a temporary folder and renames it once this
returns, so a failed conversion never leaves a half-written model in place.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.store.errors import ConversionError
from app.store.progress import ProgressFn

if TYPE_CHECKING:
    import torch
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

log = logging.getLogger(__name__)


# dtype names a caller may ask for; the values are `torch` attribute names.
SUPPORTED_DTYPES = ("float32", "bfloat16", "float16")

# load + dequantize, save model, save tokenizer, reload check
_STEPS = 4


def convert_gguf(
    gguf_file: Path,
    out_dir: Path,
    dtype: str = "float32",
    progress: ProgressFn | None = None,
) -> None:
    """Write config.json, generation_config.json, model.safetensors and tokenizer files to out_dir.

    Args:
        gguf_file: a GGUF file of an architecture transformers can read (llama, qwen2, ...).
        out_dir: folder to write into; created if missing. Nothing outside it is written.
        dtype: one of SUPPORTED_DTYPES; the dtype the dequantized weights are stored in.
            "bfloat16" halves disk and memory for the 0.5B model at no visible quality cost.
        progress: called with (done, total) after each coarse step, starting with (0, total).

    Raises:
        ValueError: dtype is not one of SUPPORTED_DTYPES (a programming error, not bad input).
        ConversionError: the file is missing or unreadable as a GGUF model, writing failed, or
            the written folder did not reload.

    Blocking and CPU-heavy (tens of seconds; peak memory two to three times the size of the
    converted weights): run it off the UI thread.
    """
    torch_dtype = _torch_dtype(dtype)
    gguf_file = Path(gguf_file).resolve()
    out_dir = Path(out_dir)
    report = progress or (lambda done, total: None)
    if not gguf_file.is_file():
        raise ConversionError(f"GGUF file {gguf_file} does not exist; reinstall the model package.")

    started = time.perf_counter()
    report(0, _STEPS)
    expected_keys = _convert_weights(gguf_file, out_dir, torch_dtype)
    # The weights are unreferenced now; collect them before the reload check so that peak
    # memory holds one copy of the model, not two.
    gc.collect()
    log.info("Wrote the weights of %s in %.1f s", gguf_file.name, _since(started))
    report(1, _STEPS)

    tokenizer = _load_gguf_tokenizer(gguf_file)
    _save(gguf_file, out_dir, "tokenizer", lambda: tokenizer.save_pretrained(out_dir))
    report(2, _STEPS)

    _check_reload(gguf_file, out_dir, torch_dtype, expected_keys, tokenizer.chat_template)
    report(3, _STEPS)
    log.info("Converted %s into %s (%s) in %.1f s", gguf_file.name, out_dir, dtype, _since(started))
    report(_STEPS, _STEPS)


def _torch_dtype(name: str) -> torch.dtype:
    """Map a dtype name to torch's; the store's config speaks strings, not torch objects."""
    if name not in SUPPORTED_DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(SUPPORTED_DTYPES)}, not {name!r}")
    import torch

    return getattr(torch, name)


def _convert_weights(gguf_file: Path, out_dir: Path, torch_dtype: torch.dtype) -> set[str]:
    """Dequantize the GGUF weights and save them as safetensors; return the state-dict keys.

    The model lives only inside this call, so its memory is free once it returns.
    """
    model = _load_gguf_model(gguf_file, torch_dtype)
    _drop_quantizer(model)
    _save(gguf_file, out_dir, "model", lambda: model.save_pretrained(out_dir))
    return set(model.state_dict())


def _load_gguf_model(gguf_file: Path, torch_dtype: torch.dtype) -> PreTrainedModel:
    """Load and dequantize the GGUF weights into a dense model in `torch_dtype`.

    The absolute path is passed as `gguf_file`: transformers resolves the model weights against
    the current directory first, so a bare file name could pick up a same-named file from there
    while the config comes from the folder.
    """
    import contextlib
    import io

    from transformers import AutoModelForCausalLM

    drawn = io.StringIO()  # transformers draws its own tqdm bar here; Wenda's bar shows the step
    try:
        with contextlib.redirect_stderr(drawn):
            loaded: Any = AutoModelForCausalLM.from_pretrained(
                str(gguf_file.parent),
                gguf_file=str(gguf_file),
                dtype=torch_dtype,
                local_files_only=True,
                output_loading_info=True,
                **_dequantize_kwargs(),
            )
    except Exception as e:
        raise ConversionError(
            f"Could not read {gguf_file.name} as a GGUF chat model ({type(e).__name__}: {e}). "
            f"The file may be truncated or corrupt (reinstall its package), or its architecture "
            f"is not supported by this transformers version."
        ) from e
    model, info = loaded
    # A tensor the GGUF lacks (say an untied `output.weight`) would be left at random init.
    problems = _loading_problems(info)
    if problems:
        raise ConversionError(
            f"{gguf_file.name} does not hold every weight its model needs: {problems}"
        )
    return model


def _dequantize_kwargs() -> dict[str, Any]:
    """Ask transformers 5 for a dense model even when GGUF matmul kernels are installed.

    From transformers 5, a GGUF may load with weights left packed in `GgufLinear` modules when
    the `kernels` package offers a matmul for the device; such a model cannot be saved or trained.
    Older versions always dequantize and have no `GgufConfig`.
    """
    try:
        from transformers import GgufConfig
    except ImportError:
        return {}
    return {"quantization_config": GgufConfig(dequantize=True)}


def _drop_quantizer(model: PreTrainedModel) -> None:
    """Turn the GGUF-loaded model into an ordinary one so `save_pretrained` writes plain weights.

    With `dequantize=True` transformers 5 already does this; older versions keep the quantizer,
    which refuses to serialize and would write a `quantization_config` that breaks reloading.
    """
    if getattr(model, "hf_quantizer", None) is not None:
        model.hf_quantizer = None  # type: ignore[assignment]  # nn.Module attribute typing
    if getattr(model.config, "quantization_config", None) is not None:
        del model.config.quantization_config
    if getattr(model, "is_quantized", False):
        model.is_quantized = False  # type: ignore[assignment]


def _load_gguf_tokenizer(gguf_file: Path) -> PreTrainedTokenizerBase:
    """Build the tokenizer from the GGUF vocabulary; it carries the file's chat template."""
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(
            str(gguf_file.parent), gguf_file=str(gguf_file), local_files_only=True
        )
    except Exception as e:
        raise ConversionError(
            f"Could not read the tokenizer of {gguf_file.name} ({type(e).__name__}: {e})."
        ) from e
    # from_pretrained records its own arguments as init kwargs; keep them out of the saved config.
    tokenizer.init_kwargs.pop("local_files_only", None)
    if not tokenizer.chat_template:
        # Not fatal (a base model has none), but the assistant formats turns with it.
        log.warning("%s has no chat template; replies will need one set by hand", gguf_file.name)
    return tokenizer


def _save(gguf_file: Path, out_dir: Path, what: str, save: Callable[[], object]) -> None:
    """Run one save step, turning a failed write (disk full, permissions) into ConversionError."""
    try:
        save()
    except Exception as e:
        raise ConversionError(
            f"Could not write the converted {what} of {gguf_file.name} to {out_dir} "
            f"({type(e).__name__}: {e}). Check free disk space and permissions."
        ) from e


def _check_reload(
    gguf_file: Path,
    out_dir: Path,
    torch_dtype: torch.dtype,
    expected_keys: set[str],
    chat_template: str | dict[str, str] | None,
) -> None:
    """Reload out_dir exactly as its users will (no gguf_file) and check nothing was lost.

    A missing weight would be silently re-initialized at random by `from_pretrained`, so the
    loading report is checked, not just the absence of an exception.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        loaded: Any = AutoModelForCausalLM.from_pretrained(
            str(out_dir), dtype="auto", local_files_only=True, output_loading_info=True
        )
        tokenizer = AutoTokenizer.from_pretrained(str(out_dir), local_files_only=True)
    except Exception as e:
        raise ConversionError(
            f"The checkpoint converted from {gguf_file.name} in {out_dir} does not reload "
            f"({type(e).__name__}: {e})."
        ) from e
    model, info = loaded
    problems = _loading_problems(info)
    if getattr(model.config, "quantization_config", None) is not None:
        problems["quantization_config"] = ["still present"]
    if model.dtype != torch_dtype:
        problems["dtype"] = [f"{model.dtype} instead of {torch_dtype}"]
    if not set(model.state_dict()) >= expected_keys:
        problems["state_dict"] = sorted(expected_keys - set(model.state_dict()))[:5]
    if tokenizer.chat_template != chat_template:
        problems["chat_template"] = ["differs from the GGUF's"]
    if problems:
        raise ConversionError(
            f"The checkpoint converted from {gguf_file.name} in {out_dir} is incomplete: {problems}"
        )


def _loading_problems(info: dict[str, Any]) -> dict[str, list[Any]]:
    """The non-empty entries of a `from_pretrained(..., output_loading_info=True)` report.

    Each means a weight was not loaded as saved; up to five names per kind keep messages short.
    """
    kinds = ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs")
    found = {kind: sorted(info.get(kind) or (), key=str) for kind in kinds}
    return {kind: names[:5] for kind, names in found.items() if names}


def _since(started: float) -> float:
    return time.perf_counter() - started
