"""Grounded training examples from a domain: FAQ entries, documents and example dialogues.

Every example is a full chat in the exact shape inference uses (``dialogue.generator.prompt``):
the system rules, recent history, a user turn carrying reference passages, and one assistant
reply to learn. Passages look as the dialogue hands them over (``dialogue.compose``): a
composed answer reads the one best unit (an FAQ answer, a document sentence, list item or
table row); a reply written without a fitting answer reads three, the right one usually but
not always first, beside units on a similar subject. Three things must be learned, so FAQ
entries give three kinds of example:

- answer from the FAQ answer as the passage;
- answer from *document units* that state the same facts: the reply has to be worded from
  text written for another purpose (a table row, a catalogue item), as at run time;
- decline, for a question whose passage is about something else.

About half the FAQ-passage answers have their numbers changed consistently in passage and
reply ("3.90 euros" becomes "4.90 euros" in both): the adapter learns to read facts from the
passage instead of recalling the shop's real ones. Example dialogues teach the voice; each
assistant turn gets as passages the texts that share most words with it, and a turn stating a
fact that no passage backs (an order date from the database, say) is left out.
"""

from __future__ import annotations

import logging
import random
import re
from pathlib import Path

from dialogue.generation import GenerationRequest, Passage
from dialogue.generator.facts import fact_tokens, unsupported_facts
from dialogue.generator.prompt import DECLINE, build_messages, neutralize
from training.generator.data import (
    Chat,
    ChatExample,
    FaqEntry,
    TrainingDataError,
    read_chats,
    read_doc_units,
    read_faq,
)

log = logging.getLogger(__name__)

MIN_OVERLAP = 0.3  # share of a reply's content words a passage must hold to be offered with it
DOC_BACKING = 0.6  # ... to stand in for an FAQ answer as the only passage
TURN_BACKING = 0.5  # ... that a dialogue turn's passages and history must hold to be learned
SMALL_TALK_WORDS = 6  # a reply with no more content words than this states nothing to back
FAQ_QUESTIONS = 3  # questions per FAQ entry that become answer examples
PASSAGES = 3  # passages per example: what a composed answer gets (dialogue.turn)
GOLD_FIRST = 0.6  # share of examples with the right passage first (retrieval's usual order)
NOT_THE_ANSWER = 0.3  # a distractor shares less than this of the answer's content words
UNRELATED = 0.1  # ... and a decline's passages less than this (a decline on passages that
# half answer the question teaches the model to decline what it could say)
_STOPWORDS = set(
    "the a an and or but to of in on at for with from by is are was were be been it its this "
    "that you your we our us i me my can will would could should do does did have has had not "
    "no yes please thanks thank hi hello if so as".split()
)
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)?")
_CJK = re.compile(r"[\u3400-\u9fff]")
# A capitalised word that does not open a sentence (and is not "I" or "I'm").
_NAME = re.compile(r"(?<![.!?:]\s)(?<!^)\b(?!I\b|I')([A-Z][a-z]+)\b")


def content_words(text: str) -> set[str]:
    """Words that carry facts: numbers, non-stopwords, and Chinese character pairs."""
    lowered = text.lower()
    words = {w for w in re.findall(r"[a-z]+|\d+(?:[.,:]\d+)*", lowered) if w not in _STOPWORDS}
    words = {w for w in words if len(w) > 2 or w[0].isdigit()}
    for run in re.findall(r"[\u3400-\u9fff]+", text):
        words.update(run[i : i + 2] for i in range(len(run) - 1))
    return words


def overlap(reply: str, passage: str) -> float:
    """Share of the reply's content words that the passage contains (0 when it has none)."""
    words = content_words(reply)
    return len(words & content_words(passage)) / len(words) if words else 0.0


def backing_passages(reply: str, candidates: list[Passage], limit: int = 2) -> tuple[Passage, ...]:
    """The candidates holding at least MIN_OVERLAP of the reply's words, best first."""
    scored = [(overlap(reply, p.text), p) for p in candidates]
    best = sorted((s for s in scored if s[0] >= MIN_OVERLAP), key=lambda s: -s[0])
    return tuple(p for _, p in best[:limit])


def perturb_numbers(texts: list[str], rng: random.Random) -> list[str]:
    """The texts with every number changed the same way in all of them (3.90 -> 5.90)."""
    mapping: dict[str, str] = {}
    for number in (n for t in texts for n in _NUMBER.findall(t)):
        if number not in mapping:
            head, sep, tail = re.fullmatch(r"(\d+)([.,:]?)(\d*)", number).groups()  # type: ignore[union-attr]
            value = int(head) + rng.randint(1, 3)
            mapping[number] = f"{value % 24 if sep == ':' else value}{sep}{tail}"
    return [_NUMBER.sub(lambda m: mapping[m.group(0)], t) for t in texts]


def unsupported_names(reply: str, sources: list[str]) -> set[str]:
    """Capitalised words inside a sentence of ``reply`` (days, months, places, products)
    that no source contains: "delivered on Tuesday, 10 March" states a date as much as a
    number does, and the "10" alone may match some unrelated "10 percent"."""
    known = " ".join(sources).lower()
    names = {m.group(1) for m in _NAME.finditer(reply)}
    return {n for n in names if n.lower() not in known}


def is_backed(reply: str, sources: list[str]) -> bool:
    """Whether what ``reply`` states can come from ``sources`` (passages and the history).

    Every number, code and name must be there; beyond that, a question to the customer or
    small talk needs nothing, and any other reply needs TURN_BACKING of its words in the
    sources.
    """
    if unsupported_facts(reply, sources) or unsupported_names(reply, sources):
        return False
    words = content_words(reply)
    small = len(words) <= SMALL_TALK_WORDS * (2 if _CJK.search(reply) else 1)
    question = reply.rstrip().endswith(("?", "？"))
    return small or question or overlap(reply, " ".join(sources)) >= TURN_BACKING


def _example(request: GenerationRequest, reply: str, group: str, kind: str) -> ChatExample:
    messages = build_messages(request)
    return ChatExample(
        (*messages, {"role": "assistant", "content": neutralize(reply)}), group, kind
    )


def faq_examples(
    faq: list[FaqEntry],
    language: str,
    units: list[Passage] | None = None,
    seed: int = 0,
    decline_share: float = 1.0,
) -> list[ChatExample]:
    """Grounded examples from FAQ entries (see the module docstring).

    Up to FAQ_QUESTIONS questions per entry: the first with the FAQ answer as the one passage
    (as a composed answer reads it), the second with the document units that state its facts
    (or the FAQ answer again when no units do), the third with the FAQ answer among
    distractors (as a reply written without a fitting answer reads three). The first question
    comes back once more with an unrelated passage and the decline: the same words with two
    passages and two replies, so only the passage can tell which reply is right.
    ``decline_share`` of the entries (drawn per entry) get that decline; a small model given
    too many learns to decline when unsure.
    """
    rng = random.Random(seed)
    units = units or []
    examples = []
    for entry in faq:
        group = f"faq:{entry.id}"
        pool = [Passage(e.answer, f"faq:{e.id}") for e in faq if e.id != entry.id] + units
        backing = backing_units(entry.answer, units)
        for k, question in enumerate(entry.questions[:FAQ_QUESTIONS]):
            gold, reply, kind = [Passage(entry.answer, group)], entry.answer, "answer"
            if k == 1 and backing:
                gold, kind = list(backing), "answer-doc"
            elif rng.random() < 0.5 and _NUMBER.search(reply):  # read it, don't recall it
                text, reply = perturb_numbers([entry.answer, entry.answer], rng)
                gold = [Passage(text, group)]
            others = distractors(question, entry.answer, pool, PASSAGES - 1, rng) if k == 2 else []
            passages = place(gold, others, rng)
            request = GenerationRequest(question, language, passages=tuple(passages))
            examples.append(_example(request, reply, group, kind))
        own = random.Random(f"{seed}:{entry.id}")  # declines draw apart: answers stay the same
        declines = own.random() < decline_share
        unrelated = [p for p in pool if overlap(entry.answer, p.text) < UNRELATED]
        if unrelated and declines:
            passage = unrelated[own.randrange(len(unrelated))]
            request = GenerationRequest(entry.questions[0], language, passages=(passage,))
            examples.append(_example(request, DECLINE[language], group, "decline"))
    return examples


def distractors(
    question: str, answer: str, pool: list[Passage], n: int, rng: random.Random
) -> list[Passage]:
    """``n`` passages on the question's subject that do not hold ``answer`` (as retrieval's
    runners-up are): drawn from the pool's closest matches to the question."""
    if n <= 0:
        return []
    fair = [p for p in pool if overlap(answer, p.text) < NOT_THE_ANSWER]
    close = sorted(fair, key=lambda p: -overlap(question + " " + answer, p.text))[: 3 * n]
    return rng.sample(close, min(n, len(close)))


def place(gold: list[Passage], others: list[Passage], rng: random.Random) -> list[Passage]:
    """The right passages (kept together, in order) among the distractors."""
    at = 0 if rng.random() < GOLD_FIRST else rng.randrange(len(others) + 1)
    return [*others[:at], *gold, *others[at:]]


def backing_units(answer: str, units: list[Passage], limit: int = 2) -> tuple[Passage, ...]:
    """At most ``limit`` document units that together state every fact of ``answer`` (and
    share DOC_BACKING of its words when it has no facts); empty when none do."""
    facts = fact_tokens(answer)
    ranked = sorted(units, key=lambda u: -overlap(answer, u.text))[:8]
    if not facts:
        best = ranked[:1]
        return tuple(best) if best and overlap(answer, best[0].text) >= DOC_BACKING else ()
    chosen: list[Passage] = []
    covered: set[str] = set()
    for unit in ranked:
        new = (fact_tokens(unit.text) & facts) - covered
        if new and len(chosen) < limit:
            chosen.append(unit)
            covered |= new
    reads = overlap(answer, " ".join(u.text for u in chosen)) >= DOC_BACKING
    return tuple(chosen) if covered == facts and reads else ()


def backing_paragraph(answer: str, docs: list[Passage]) -> Passage | None:
    """The document paragraph that best states ``answer``'s facts, if one states them all."""
    for passage in backing_passages(answer, docs, limit=3):
        if overlap(answer, passage.text) >= DOC_BACKING and not unsupported_facts(
            answer, [passage.text]
        ):
            return passage
    return None


def chat_examples(
    chats: list[Chat], language: str, candidates: list[Passage], require_backing: bool = True
) -> list[ChatExample]:
    """One example per assistant turn that answers a user turn, history as in inference.

    With ``require_backing``, a turn stating a fact (number, product code) found in none of
    its passages or earlier turns is skipped: learning it would teach the adapter to invent
    facts. Evaluation keeps every turn (it measures, it does not teach).
    """
    examples = []
    unbacked = 0
    for chat in chats:
        turns = [m for m in chat.messages if m.role != "system"]
        for j, message in enumerate(turns):
            if message.role != "assistant" or j == 0 or turns[j - 1].role != "user":
                continue
            passages = chat.passages or backing_passages(message.content, candidates)
            sources = [p.text for p in passages] + [m.content for m in turns[:j]]
            if require_backing and not is_backed(message.content, sources):
                unbacked += 1  # e.g. an order's status from the database: in no passage
                continue
            request = GenerationRequest(
                turns[j - 1].content, language, passages=passages, history=tuple(turns[: j - 1])
            )
            kind = "given" if chat.passages else "dialogue"
            examples.append(_example(request, message.content, chat.where, kind))
    if unbacked:
        log.info("Skipped %d dialogue turn(s) that no passage backs", unbacked)
    return examples


def language_folder(domain: Path, language: str) -> Path:
    """``domain/<language>`` for a domain root, or the folder itself if it is one already."""
    return domain / language if (domain / language).is_dir() else domain


def load_examples(
    data: Path, language: str, seed: int = 0, decline_share: float = 1.0
) -> tuple[list[ChatExample], list[Path]]:
    """Examples from a domain folder (dialogues + FAQ + docs) or a chat JSONL file.

    Returns the examples and the files they came from (for the data hash).
    """
    if data.is_file():
        return chat_examples(read_chats(data), language, []), [data]
    folder = language_folder(data, language)
    files = [folder / "dialogues.jsonl", folder / "faq.jsonl"]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise TrainingDataError(
            f"{data} is neither a chat JSONL file nor a domain folder with "
            f"{language}/dialogues.jsonl and {language}/faq.jsonl (missing: {', '.join(missing)})"
        )
    faq = read_faq(files[1])
    docs = read_doc_units(folder / "docs") if (folder / "docs").is_dir() else []
    candidates = [Passage(e.answer, f"faq:{e.id}") for e in faq] + docs
    examples = faq_examples(faq, language, docs, seed, decline_share)
    examples += chat_examples(read_chats(files[0]), language, candidates)
    docs_files = sorted((folder / "docs").glob("*.*")) if docs else []
    return examples, files + docs_files
