"""A reply generator on a local transformers causal LM, streamed one token at a time.

A hand-written decoding loop instead of ``model.generate`` + a streamer thread: the loop
checks the stop event before every forward pass (barge-in ends generation at the next token)
and needs no second thread to clean up. Turning tokens into safe text (filters, timeout) is
shared with the CTranslate2 engine (``dialogue.generator.decode``). This is the reference
engine: training and evaluation use it, and the served engine is checked against it.
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from dialogue.generation import GenerationRequest
from dialogue.generator.decode import end_of_turn_ids, stream_text
from dialogue.generator.options import GeneratorOptions
from dialogue.generator.prompt import build_messages, language_of

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)


class LocalGenerator:
    """Streams grounded replies from a loaded model; implements ``dialogue.generation.Generator``.

    The model and tokenizer are passed in (see ``dialogue.generator.loading``) so tests and
    the evaluator can hand in any causal LM, with or without an adapter.
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        options: GeneratorOptions,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.options = options
        self.clock = clock
        configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
        self.eos_ids = end_of_turn_ids(tokenizer, configured)
        forward = getattr(model, "get_base_model", lambda: model)().forward
        params = inspect.signature(forward).parameters
        self._cache_arg = "cache" if "cache" in params else "past_key_values"
        self._keep_arg = "logits_to_keep" if "logits_to_keep" in params else None

    def encode(self, request: GenerationRequest) -> torch.Tensor:
        """Prompt token ids, shape (1, prompt_len), on the model's device."""
        messages = build_messages(request, self.options.history_messages, self.options.max_passages)
        encoded = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        return encoded["input_ids"].to(self.model.device)

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
        self, input_ids: torch.Tensor, max_new_tokens: int, stop: threading.Event | None = None
    ) -> Iterator[int]:
        """Yield new token ids until end of turn, ``max_new_tokens``, or ``stop`` is set."""
        import torch

        cache = None
        step_ids = input_ids
        reply: list[int] = []
        for _ in range(max_new_tokens):
            if stop is not None and stop.is_set():
                return
            kwargs: dict[str, Any] = {self._cache_arg: cache, "use_cache": True}
            if self._keep_arg:
                kwargs[self._keep_arg] = 1
            # Per step, not around the loop: the caller's code between tokens runs normally.
            with torch.inference_mode():
                out = self.model(input_ids=step_ids, **kwargs)
                token = self._pick(out.logits[0, -1].float(), reply)
            cache = out["cache"] if "cache" in out else out["past_key_values"]
            if token in self.eos_ids:
                return
            reply.append(token)
            yield token
            step_ids = torch.tensor([[token]], device=input_ids.device)

    def _pick(self, logits: torch.Tensor, reply: list[int]) -> int:
        """Choose the next token: greedy at temperature 0, else nucleus sampling."""
        import torch

        penalty = self.options.repetition_penalty
        if penalty > 1 and reply:
            seen = torch.tensor(sorted(set(reply)), device=logits.device)
            picked = logits[seen]
            logits[seen] = torch.where(picked > 0, picked / penalty, picked * penalty)
        if self.options.temperature <= 0:
            return int(logits.argmax())
        probs = torch.softmax(logits / self.options.temperature, dim=-1)
        sorted_probs, order = probs.sort(descending=True)
        outside = sorted_probs.cumsum(0) - sorted_probs > self.options.top_p
        sorted_probs[outside] = 0
        return int(order[torch.multinomial(sorted_probs, 1)])
