"""From token ids to safe reply text: the part of streaming every local engine shares.

An engine (transformers, CTranslate2) yields token ids; this turns them into text pieces. Text
is re-decoded from all reply tokens each step and only the new suffix is yielded, holding back
an incomplete UTF-8 character (a Chinese character often spans two byte-level tokens). The
output filters (stop sequences, the leak guard) run on the text, and the clock is checked after
every token, so a slow reply ends with :class:`GenerationTimeout` after what was safe to say.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from dialogue.generator.errors import GenerationTimeout
from dialogue.generator.filters import LeakGuard, ReplyFilter
from dialogue.generator.options import GeneratorOptions
from dialogue.generator.prompt import REFUSE_INSTRUCTIONS, secret_segments

# Letters/digits in a row of the rules that count as reciting them (about six English words);
# fewer in Chinese, where one character carries a word.
LEAK_MIN_CHARS = {"en": 32, "zh": 14}


def reply_filter(options: GeneratorOptions, language: str) -> ReplyFilter:
    """The output filters for one reply in ``language``."""
    return ReplyFilter(
        options.stop_sequences,
        LeakGuard(secret_segments(language), LEAK_MIN_CHARS[language]),
        REFUSE_INSTRUCTIONS[language],
    )


def stream_text(
    tokens: Iterable[int],
    tokenizer: Any,
    options: GeneratorOptions,
    language: str,
    clock: Callable[[], float],
    stop: threading.Event | None = None,
) -> Iterator[str]:
    """Yield the reply text of ``tokens`` in safe pieces (see the module doc).

    The deadline is ``options.timeout_s`` from the call; past it, GenerationTimeout is raised
    after the safe text so far. Nothing is flushed once ``stop`` is set (barge-in).
    """
    deadline = clock() + options.timeout_s
    reply = reply_filter(options, language)
    ids: list[int] = []
    text = ""
    for token in tokens:
        ids.append(token)
        decoded = tokenizer.decode(
            ids, skip_special_tokens=True, clean_up_tokenization_spaces=False
        )
        if not decoded.endswith("\ufffd"):
            out, text = reply.push(decoded[len(text) :]), decoded
            if out:
                yield out
        if reply.done:
            return
        if clock() > deadline:
            yield from _nonempty(reply.flush())
            raise GenerationTimeout(
                f"the reply took longer than {options.timeout_s:g} s and was cut after "
                f"{len(ids)} tokens; raise generator.timeout_s or lower generator.max_new_tokens",
                partial=reply.emitted,
            )
    if stop is None or not stop.is_set():
        yield from _nonempty(reply.flush())


def end_of_turn_ids(tokenizer: Any, configured: Any = None) -> set[int]:
    """Every id that ends a turn: the tokenizer's EOS, the generation config's, <|im_end|>."""
    ids: set[int] = set()
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
