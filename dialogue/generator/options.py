"""How a generator runs: which model, how long a reply may be, when to give up.

One frozen dataclass shared by the local model and the server client, so the app builds it
once from its config and a test builds it by hand. Validation happens here, at construction,
so a bad value fails at startup, not in the middle of a conversation.
"""

from __future__ import annotations

from dataclasses import dataclass

DEVICES = ("auto", "cpu", "cuda")
DTYPES = ("auto", "bfloat16", "float32", "float16")
ENGINES = ("auto", "ctranslate2", "transformers")

# Chat-template markers a model may print as text when it rambles into a new turn; the reply
# ends there. The end-of-turn *token* is handled separately (it stops generation directly).
DEFAULT_STOP_SEQUENCES = ("<|im_end|>", "<|im_start|>", "<|endoftext|>", "\nUser:", "\nCustomer:")


@dataclass(frozen=True)
class GeneratorOptions:
    """Settings for one generator; every field has a safe default except where the model is.

    Attributes:
        model: local folder (or hub id, when the app allows it) of a causal LM checkpoint.
            Unused when ``url`` is set.
        adapter: folder of a PEFT LoRA adapter trained with ``wenda train generator``; empty
            means the base model alone. Merged into the weights at load, so it costs nothing
            per token.
        url: base URL of an OpenAI-compatible server (vLLM, llama.cpp server, ...); when set,
            the reply comes from there and no model is loaded here.
        served_model: model name sent to the server; with vLLM this selects a LoRA adapter
            registered with ``--lora-modules NAME=PATH``.
        api_key: bearer token for the server; empty sends none.
        max_new_tokens: hard cap on reply length in tokens (a request may ask for fewer).
        temperature: 0 picks the most likely token each step (deterministic, best for facts);
            above 0 samples, with ``top_p`` nucleus filtering.
        top_p: nucleus sampling mass, used only when ``temperature`` > 0.
        repetition_penalty: divides the logits of tokens already in the reply (1 = off); small
            models loop without it. Prompt tokens are exempt so passage facts can be copied.
        timeout_s: wall-clock limit for one reply, prompt processing included; past it the
            stream ends with GenerationTimeout after yielding what it has.
        stop_sequences: texts that end the reply where they appear; never emitted.
        history_messages: how many recent history messages go into the prompt.
        max_passages: how many retrieved passages go into the prompt (best first).
        device: "auto" uses a CUDA GPU when present, else the CPU.
        dtype: weight type. "auto" is bfloat16 on the CPU (half the memory of float32, which
            keeps the voice loop within its RSS budget) and on GPUs that support it, float16
            on older GPUs. "float32" is the exact reference (training and evaluation use it).
    """

    model: str = ""
    adapter: str = ""
    url: str = ""
    served_model: str = ""
    api_key: str = ""
    max_new_tokens: int = 96
    temperature: float = 0.0
    top_p: float = 0.9
    repetition_penalty: float = 1.1
    timeout_s: float = 30.0
    stop_sequences: tuple[str, ...] = DEFAULT_STOP_SEQUENCES
    history_messages: int = 6
    max_passages: int = 4
    device: str = "auto"
    dtype: str = "auto"
    engine: str = "auto"
    threads: int = 0

    def __post_init__(self) -> None:
        checks = (
            (self.max_new_tokens >= 1, "max_new_tokens must be at least 1"),
            (self.temperature >= 0, "temperature must be 0 or more"),
            (0 < self.top_p <= 1, "top_p must be in (0, 1]"),
            (self.repetition_penalty >= 1, "repetition_penalty must be 1 or more"),
            (self.timeout_s > 0, "timeout_s must be more than 0"),
            (self.history_messages >= 0, "history_messages must be 0 or more"),
            (self.max_passages >= 0, "max_passages must be 0 or more"),
            (self.device in DEVICES, f"device must be one of {', '.join(DEVICES)}"),
            (self.dtype in DTYPES, f"dtype must be one of {', '.join(DTYPES)}"),
            (self.engine in ENGINES, f"engine must be one of {', '.join(ENGINES)}"),
            (self.threads >= 0, "threads must be 0 (automatic) or more"),
            (all(self.stop_sequences), "stop sequences must not be empty strings"),
            (bool(self.model or self.url), "set either model (a folder) or url (a server)"),
        )
        for ok, message in checks:
            if not ok:
                raise ValueError(f"GeneratorOptions: {message}")
