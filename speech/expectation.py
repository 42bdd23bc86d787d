"""What the dialogue expects to hear next, as words the recogniser is nudged towards.

A customer-service answer is often one word: "yes" after "shall I place the order?", a digit
string after "what is your order number?", "navy" after "which colour?". Whisper decodes such
a clip with almost no context and often hears nothing or the wrong word; told the words it
should expect (faster-whisper's ``hotwords``, openai-whisper's prompt), it gets them right.
The nudge is a prefix the decoder conditions on, not a grammar: a free question still comes
through as said.

This module is plain data: the caller (``app.voice``) reads the dialogue's open question and
builds an :class:`Expectation` with :func:`expect`; the recogniser turns it into a hint with
:meth:`Expectation.hint`. English and Chinese word lists; other languages get the caller's
values only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

log = logging.getLogger(__name__)

Kind = Literal["yes_no", "digits", "number", "choice", "free"]

YES_NO: dict[str, tuple[str, ...]] = {
    "en": ("yes", "no", "yeah", "nope", "sure", "correct"),
    "zh": ("是", "是的", "对", "对的", "好的", "不", "不是", "不用", "没有"),
}
# Digits get no stock words. Measured on short answers cut from recordings of people
# (BENCHMARKS.md, "Short answers"): with the digit words as hotwords Whisper base went on
# counting ("four" -> "four, four, five, four, six ...") and got 8 of 12 right instead of 11;
# padding the clip with silence is what helps there (``speech.asr.pad_short``).
# Words per hint: Whisper's prompt is at most 223 tokens, and a long list dilutes the nudge.
MAX_WORDS = 40


@dataclass(frozen=True)
class Expectation:
    """The answer the dialogue's open question expects, in ``language``.

    ``kind`` says what sort of answer (a yes or no, digits, a number, one of a list); ``words``
    are the surface forms to nudge towards, most useful first.
    """

    kind: Kind
    language: str
    words: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.words

    def hint(self) -> str | None:
        """The words as one hint string (faster-whisper ``hotwords`` / a decoder prompt)."""
        if not self.words:
            return None
        joiner = "，" if self.language == "zh" else ", "
        return joiner.join(self.words[:MAX_WORDS])


def expect(
    kind: Kind, language: str, values: Iterable[str] = (), yes_no: bool = False
) -> Expectation:
    """The expectation for a question of ``kind``: the language's yes/no words for
    ``yes_no`` (none for ``digits`` and ``number``, see above), then ``values`` (a choice
    slot's surface forms),
    then yes/no words when the question is also a confirmation (``yes_no``). Order kept,
    duplicates and blanks dropped."""
    stock = YES_NO.get(language, ()) if kind == "yes_no" else ()
    extra = YES_NO.get(language, ()) if yes_no and kind != "yes_no" else ()
    words = tuple(dict.fromkeys(w.strip() for w in (*stock, *values, *extra) if w.strip()))
    return Expectation(kind, language, words)


FREE = Expectation("free", "")
