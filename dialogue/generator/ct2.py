"""The served chat model: CTranslate2, int8 on the CPU, with the fixed system turn cached.

CTranslate2 runs a converted copy of the chat model (``dialogue.generator.convert``: the LoRA
adapter merged into the base weights, then quantized). Two things make it the engine for
replies on a two-core CPU (measurements in BENCHMARKS.md, Generator): int8 matrix products,
and ``static_prompt``, which keeps the model state after the system turn, so a reply pays only
for the passages, history and question. The tokenizer and the chat template stay Hugging
Face's (copied into the converted folder), so the prompt is token for token the one the
adapter was trained on; filters and timeout are shared with the reference engine
(``dialogue.generator.decode``). Stopping: the token loop checks the stop event before every
token, and leaving the loop ends CTranslate2's decoding at the next step.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from dialogue.generation import GenerationRequest
from dialogue.generator.decode import end_of_turn_ids, stream_text
from dialogue.generator.errors import ModelLoadError
from dialogue.generator.options import GeneratorOptions
from dialogue.generator.prompt import build_messages, language_of

log = logging.getLogger(__name__)

Prompt = tuple[list[str], list[str]]  # (static system turn, the rest), as token strings

# Preferred CTranslate2 compute types per device, best first. CPUs without native bfloat16
# (this project's test machine) never get a bfloat16 type: only what the device supports is
# chosen (ctranslate2.get_supported_compute_types checks the CPU's instruction sets).
AUTO_COMPUTE = {"cpu": ("int8", "int8_float32", "float32"), "cuda": ("int8_float16", "float16")}
DTYPE_COMPUTE = {"float32": "float32", "float16": "float16", "bfloat16": "bfloat16"}


def pick_compute_type(device: str, dtype: str, supported: set[str]) -> str:
    """The compute type for ``dtype`` ("auto" or a float type) on ``device``.

    Raises ModelLoadError when the asked type is not supported natively there.
    """
    if dtype == "auto":
        for candidate in AUTO_COMPUTE[device]:
            if candidate in supported:
                return candidate
        return "default"
    wanted = DTYPE_COMPUTE[dtype]
    if wanted not in supported:
        raise ModelLoadError(
            f"generator.dtype = {dtype} is not supported natively on this {device} "
            f"(supported: {', '.join(sorted(supported))}); use auto"
        )
    return wanted


def load_ct2(model_dir: str, options: GeneratorOptions) -> tuple[Any, Any]:
    """(ctranslate2.Generator, tokenizer) for a converted folder; ModelLoadError if unusable."""
    import ctranslate2
    from transformers import AutoTokenizer

    folder = Path(model_dir)
    if not (folder / "model.bin").is_file():
        raise ModelLoadError(
            f"{folder} holds no converted chat model (model.bin is missing); "
            "run `wenda models prepare generator` to convert it again"
        )
    device = _device(options.device, ctranslate2.get_cuda_device_count())
    compute = pick_compute_type(
        device, options.dtype, ctranslate2.get_supported_compute_types(device)
    )
    started = time.perf_counter()
    try:
        engine = ctranslate2.Generator(
            str(folder),
            device=device,
            compute_type=compute,
            intra_threads=cpu_threads(options.threads, (folder / "model.bin").stat().st_size),
        )
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
    except (RuntimeError, ValueError, OSError) as e:
        raise ModelLoadError(
            f"the converted chat model in {folder} cannot be loaded ({e}); it is damaged or "
            "incomplete: run `wenda models prepare generator --force` to convert it again"
        ) from e
    log.info(
        "Loaded %s with CTranslate2 on %s (%s) in %.1f s",
        folder,
        device,
        compute,
        time.perf_counter() - started,
    )
    return engine, tokenizer


# Below this many bytes of weights, one thread decodes faster than two: SmolLM2-135M int8
# (135 MB) made 40.7 tokens/s on one thread and 25.3 on two, first token 130 vs 157 ms;
# Qwen2.5-0.5B int8 (633 MB) is faster on two (18 vs 14.5 tokens/s). BENCHMARKS.md, Engines.
ONE_THREAD_BELOW_BYTES = 300 * 2**20


def cpu_threads(configured: int, weight_bytes: int) -> int:
    """``generator.threads`` as CTranslate2 takes it: the setting when one is given (> 0);
    otherwise one thread for a small model, CTranslate2's own choice (0) for a larger one."""
    if configured > 0:
        return configured
    return 1 if weight_bytes < ONE_THREAD_BELOW_BYTES else 0


def _device(preference: str, cuda_devices: int) -> str:
    if preference == "cuda" and cuda_devices == 0:
        raise ModelLoadError("generator.device is cuda but no CUDA GPU is available; use auto")
    return "cuda" if preference != "cpu" and cuda_devices > 0 else "cpu"


class Ct2Generator:
    """Streams grounded replies from a CTranslate2 model; a ``dialogue.generation.Generator``."""

    def __init__(
        self,
        engine: Any,
        tokenizer: Any,
        options: GeneratorOptions,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.tokenizer = tokenizer
        self.options = options
        self.clock = clock
        self.eos_ids = end_of_turn_ids(tokenizer)
        self.end_tokens = tokenizer.convert_ids_to_tokens(sorted(self.eos_ids))
        self._static: dict[str, list[int]] = {}  # system turn's ids, per system text

    def encode(self, request: GenerationRequest) -> Prompt:
        """The prompt as (cached system turn, the rest), as token strings."""
        messages = build_messages(request, self.options.history_messages, self.options.max_passages)
        ids = self._ids(messages, add_generation_prompt=True)
        system = messages[0]["content"]
        if system not in self._static:
            self._static[system] = self._ids(messages[:1], add_generation_prompt=False)
        prefix = self._static[system]
        if prefix and ids[: len(prefix)] == prefix:
            rest = ids[len(prefix) :]
        else:  # a template that renders the system turn differently in context: no cache
            prefix, rest = [], ids
        to_tokens = self.tokenizer.convert_ids_to_tokens
        return list(to_tokens(prefix)), list(to_tokens(rest))

    def prompt_length(self, request: GenerationRequest) -> tuple[int, int]:
        """(cached, processed per reply) prompt tokens of ``request``."""
        static, rest = self.encode(request)
        return len(static), len(rest)

    def stream(
        self, request: GenerationRequest, stop: threading.Event | None = None
    ) -> Iterator[str]:
        """Yield the reply in pieces; return at the next token once ``stop`` is set.

        Raises GenerationTimeout (after yielding what was safe to yield) past ``timeout_s``.
        """
        max_new = min(request.max_new_tokens, self.options.max_new_tokens)
        tokens = self.tokens(self.encode(request), max_new, stop)
        yield from stream_text(
            tokens, self.tokenizer, self.options, language_of(request), self.clock, stop
        )

    def tokens(
        self, prompt: Prompt, max_new_tokens: int, stop: threading.Event | None = None
    ) -> Iterator[int]:
        """Yield new token ids until end of turn, ``max_new_tokens``, or ``stop`` is set."""
        static, rest = prompt
        steps = self.engine.generate_tokens(
            rest,
            max_length=max_new_tokens,
            end_token=self.end_tokens,
            static_prompt=static or None,
            **self._sampling(),
        )
        try:
            for step in steps:
                if stop is not None and stop.is_set():
                    return
                if step.token_id in self.eos_ids:
                    return
                yield step.token_id
        finally:
            steps.close()  # ends CTranslate2's decoding if we left early

    def _sampling(self) -> dict[str, Any]:
        options = self.options
        settings: dict[str, Any] = {"repetition_penalty": options.repetition_penalty}
        if options.temperature <= 0:
            return {**settings, "sampling_topk": 1}
        return {
            **settings,
            "sampling_topk": 0,
            "sampling_topp": options.top_p,
            "sampling_temperature": options.temperature,
        }

    def _ids(self, messages: list[dict[str, str]], add_generation_prompt: bool) -> list[int]:
        encoded = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=add_generation_prompt, return_dict=True
        )
        return list(encoded["input_ids"])
