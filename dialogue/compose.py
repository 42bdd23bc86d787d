"""Answer a knowledge question in the model's words, one checked sentence at a time.

The knowledge base found passages that answer the question; the chat model writes the reply
from them ("Express delivery within Germany costs 12.90 euros and arrives the next working
day."), streamed so speech starts with the first sentence. Every sentence is held until it is
complete and checked before it is let out: each number, amount, time and product code in it
must occur in the passages or the dialogue state (``dialogue.generator.facts``), and most of
its words must come from the passages or the question (a sentence that brings in words of its
own is the model telling, not reading: "if you want to exchange it, you pay the difference"
after a passage that only says vouchers cannot be exchanged for cash). A first
sentence that fails the check, a model that declines although the passages were judged to
answer the question, or one that fails, times out or says nothing, gives way to the stored
answer (the FAQ answer or the best passage, what Wenda said before it composed), so the worst
case is the old behaviour, never an invented fact. A later sentence that fails the check ends
the answer there: what was said is grounded, and repeating it as the stored answer would only
say it twice.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from dialogue.generation import GenerationRequest, Generator
from dialogue.generator.errors import GeneratorError
from dialogue.generator.facts import unsupported_facts
from dialogue.generator.prompt import DECLINE
from dialogue.kb.lexical import tokenize
from dialogue.kb.types import Hit

log = logging.getLogger(__name__)

COMPOSE_MODES = ("always", "documents", "never")
# A composed answer reads the best passage alone: with three, the 135M model often copied the
# wrong one (its answers held the key fact for 0.60 of the development questions against 0.71
# for the stored answers); with one it keeps the retrieval's choice (0.71) and words it in
# 0.6 s instead of 0.9 s (median turn). A reply the model writes without a fitting answer
# (the ladder's "generate") still reads three.
COMPOSE_PASSAGES = 1
COMPOSE_HISTORY = 2  # messages of history a composed answer sees (the last exchange)
PASSAGES = 3
READ_SHARE = 0.6  # share of a composed sentence's words that must come from what it read
MIN_CHECKED_WORDS = 3  # shorter sentences have too few words to judge
_CJK_CHAR = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
BEST_OVERALL = 2  # ... the best hits of any kind, then the best document units

# A sentence ends at . ! ? followed by a space (not inside 9.90), at a Chinese full stop, or at
# a line break. The end of the text is a boundary only once the stream is over.
_BOUNDARY = re.compile(r"[.!?](?=\s)|[。！？]|\n")


@dataclass
class ComposeReport:
    """What happened to one composed answer (for the turn's details and the evaluation)."""

    sentences: int = 0  # sentences spoken as the model wrote them
    replaced: bool = False  # a sentence failed the check: the stored answer was said instead
    declined: bool = False  # the model declined; the stored answer was said instead
    failed: bool = False  # the model failed or said nothing; the stored answer was said


def composes(mode: str, has_generator: bool, hit: Hit) -> bool:
    """Whether the chat model words the answer from ``hit`` under ``generator.compose``."""
    return has_generator and (mode == "always" or (mode == "documents" and hit.kind == "doc"))


def pick_passages(hits: Sequence[Hit], n: int = PASSAGES) -> list[Hit]:
    """The passages a composed answer reads: the ``BEST_OVERALL`` best hits, then the best
    document units not yet among them. FAQ entries outscore document units (several
    phrasings each, and curated), so the best few hits are often all FAQ answers while the
    fact asked for (a price in the catalogue, a row of a table) is in a document: on the
    development questions the answer was among the top three hits for 36 of 42 (en) and 32
    of 41 (zh), and among these three for 40 and 38."""
    chosen = list(hits[:BEST_OVERALL])
    docs = [h for h in hits[BEST_OVERALL:] if h.kind == "doc"]
    rest = [h for h in hits[BEST_OVERALL:] if h.kind != "doc"]
    return (chosen + docs + rest)[:n]


def split_sentences(text: str, final: bool = False) -> tuple[list[str], str]:
    """(complete sentences, rest) of streamed ``text``; each sentence keeps the whitespace
    before it, so joining them gives the text back."""
    sentences, start = [], 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        if text[start:end].strip():
            sentences.append(text[start:end])
            start = end
    rest = text[start:]
    if final and rest.strip():
        return [*sentences, rest], ""
    return sentences, rest


def supported(sentence: str, sources: list[str], language: str = "en", question: str = "") -> bool:
    """Whether every fact of ``sentence`` occurs in one of ``sources`` (a number the customer
    said is not a fact), and at least ``READ_SHARE`` of its words occur in the sources or the
    question (see the module doc)."""
    if unsupported_facts(sentence, sources):  # numbers, codes and currencies
        return False
    words = _words(sentence, language)
    if len(words) < MIN_CHECKED_WORDS:
        return True  # "Yes." "Sure, here it is." say nothing to check
    seen = set().union(*(_words(s, language) for s in [*sources, question]))
    return len(words & seen) >= READ_SHARE * len(words)


def _words(text: str, language: str) -> set[str]:
    """Content words as the keyword search sees them (stemmed; Chinese as character pairs)."""
    return {t for t in tokenize(text, language) if not _CJK_CHAR.fullmatch(t)}


def is_decline(text: str, language: str) -> bool:
    """Whether ``text`` is (or starts with) the model's trained decline."""
    wanted = re.sub(r"\W+", "", DECLINE.get(language, DECLINE["en"])).lower()
    return re.sub(r"\W+", "", text).lower().startswith(wanted[:24])


def compose_answer(
    generator: Generator,
    request: GenerationRequest,
    stored: str,
    stop: threading.Event | None = None,
    report: ComposeReport | None = None,
) -> Iterator[str]:
    """Yield the composed answer sentence by sentence (see the module doc).

    ``stored`` is what is said instead when the model cannot be trusted with this answer.
    """
    report = report if report is not None else ComposeReport()
    sources = [p.text for p in request.passages] + list(request.state.values())
    said = ""
    try:
        for sentence in _sentences(generator, request, stop):
            if not said and is_decline(sentence, request.language):
                report.declined = True
                break
            if not supported(sentence, sources, request.language, request.user_text):
                log.info("composed sentence not supported by the passages; stored answer used")
                report.replaced = True
                break
            report.sentences += 1
            said += sentence
            yield sentence if said != sentence else sentence.lstrip()
    except GeneratorError as e:
        log.warning("composing the answer failed (%s); stored answer used", e)
        report.failed = not said
    if stop is not None and stop.is_set():
        return
    if not said.strip():
        report.failed = report.failed or not (report.declined or report.replaced)
        yield stored


def _sentences(
    generator: Generator, request: GenerationRequest, stop: threading.Event | None
) -> Iterator[str]:
    buffer = ""
    for piece in generator.stream(request, stop):
        buffer += piece
        complete, buffer = split_sentences(buffer)
        yield from complete
    complete, _ = split_sentences(buffer, final=True)
    yield from complete
