"""A reply generator on a local transformers causal LM, streamed one token at a time.

A hand-written decoding loop instead of ``model.generate`` + a streamer thread: the loop
checks the stop event before every forward pass (barge-in ends generation at the next token),
checks the clock after every token (timeout), and needs no second thread to clean up. Text is
re-decoded from all reply tokens each step and only the new suffix is yielded, holding back an
incomplete UTF-8 character (a Chinese character often spans two byte-level tokens).
"""

from __future__ import annotations

import inspect
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from dialogue.generation import GenerationRequest
from dialogue.generator.errors import GenerationTimeout
from dialogue.generator.filters import LeakGuard, ReplyFilter
from dialogue.generator.options import GeneratorOptions
from dialogue.generator.prompt import (
    REFUSE_INSTRUCTIONS,
    build_messages,
    language_of,
    secret_segments,
)

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

# Letters/digits in a row of the rules that count as reciting them (about six English words);
# fewer in Chinese, where one character carries a word.
LEAK_MIN_CHARS = {"en": 32, "zh": 14}


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
        self.eos_ids = _eos_ids(model, tokenizer)
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
        language = language_of(request)
        deadline = self.clock() + self.options.timeout_s
        reply = ReplyFilter(
            self.options.stop_sequences,
            LeakGuard(secret_segments(language), LEAK_MIN_CHARS[language]),
            REFUSE_INSTRUCTIONS[language],
        )
        max_new = min(request.max_new_tokens, self.options.max_new_tokens)
        tokens: list[int] = []
        text = ""
        for token in self.tokens(self.encode(request), max_new, stop):
            tokens.append(token)
            decoded = self.tokenizer.decode(
                tokens, skip_special_tokens=True, clean_up_tokenization_spaces=False
            )
            if not decoded.endswith("\ufffd"):
                out, text = reply.push(decoded[len(text) :]), decoded
                if out:
                    yield out
            if reply.done:
                return
            if self.clock() > deadline:
                yield from _nonempty(reply.flush())
                raise GenerationTimeout(
                    f"the reply took longer than {self.options.timeout_s:g} s and was cut "
                    f"after {len(tokens)} tokens; raise generator.timeout_s or lower "
                    f"generator.max_new_tokens",
                    partial=reply.emitted,
                )
        if stop is None or not stop.is_set():
            yield from _nonempty(reply.flush())

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


def _eos_ids(model: Any, tokenizer: Any) -> set[int]:
    """Every id that ends a turn: the tokenizer's EOS, the generation config's, <|im_end|>."""
    ids: set[int] = set()
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    for value in (tokenizer.eos_token_id, configured):
        if isinstance(value, int):
            ids.add(value)
        elif value:
            ids.update(value)
    added = tokenizer.get_added_vocab()
    ids.update(added[m] for m in ("<|im_end|>", "<|endoftext|>", "<|eot_id|>") if m in added)
    return ids


def _nonempty(text: str) -> Iterator[str]:
    if text:
        yield text
