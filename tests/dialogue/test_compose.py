"""Composed knowledge answers: sentence by sentence, each checked against the passages; the
stored answer where the model cannot be trusted. The generator is scripted (the logic under
test is what happens to its words, not the words a model would choose)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from dialogue.compose import ComposeReport, compose_answer, split_sentences, supported
from dialogue.generation import GenerationRequest, Passage
from dialogue.generator.errors import GenerationTimeout

PASSAGES = (
    Passage("Express (DHL Express), Germany: next working day, 12.90 euros.", "shipping.md"),
    Passage("Express shipping is never free.", "shipping.md"),
)
REQUEST = GenerationRequest("What does express to Germany cost?", passages=PASSAGES)
STORED = "Express within Germany costs 12.90 euros."


class Scripted:
    """Streams ``text`` in pieces of ``size`` characters, then raises ``error`` if given."""

    def __init__(self, text: str, size: int = 3, error: Exception | None = None) -> None:
        self.text, self.size, self.error = text, size, error
        self.pieces_sent = 0

    def stream(
        self, request: GenerationRequest, stop: threading.Event | None = None
    ) -> Iterator[str]:
        for i in range(0, len(self.text), self.size):
            if stop is not None and stop.is_set():
                return
            self.pieces_sent += 1
            yield self.text[i : i + self.size]
        if self.error is not None:
            raise self.error


def run(
    text: str, request: GenerationRequest = REQUEST, **kw: object
) -> tuple[list[str], ComposeReport]:
    report = ComposeReport()
    pieces = list(compose_answer(Scripted(text, **kw), request, STORED, report=report))  # type: ignore[arg-type]
    return pieces, report


@pytest.mark.parametrize(
    ("text", "final", "sentences", "rest"),
    [
        ("It costs 9.90 euros. It arr", False, ["It costs 9.90 euros."], " It arr"),
        ("It costs 9.90", False, [], "It costs 9.90"),
        ("It costs 9.90.", False, [], "It costs 9.90."),  # a '.' at the end may be 9.90.5
        ("It costs 9.90.", True, ["It costs 9.90."], ""),
        ("运费12.90欧元。下一个工作日送达", False, ["运费12.90欧元。"], "下一个工作日送达"),
        ("Yes! Really? Ok", True, ["Yes!", " Really?", " Ok"], ""),
    ],
)
def test_split_sentences(text: str, final: bool, sentences: list[str], rest: str) -> None:
    assert split_sentences(text, final) == (sentences, rest)


def test_grounded_sentences_are_said_as_written() -> None:
    text = "Express within Germany costs 12.90 euros. It is never free."
    pieces, report = run(text)
    assert pieces == ["Express within Germany costs 12.90 euros.", " It is never free."]
    assert report == ComposeReport(sentences=2)


def test_a_first_sentence_with_an_unsupported_number_is_replaced_by_the_stored_answer() -> None:
    pieces, report = run("Express within Germany costs 9.90 euros. It arrives tomorrow.")
    assert pieces == [STORED]
    assert report.replaced and report.sentences == 0


def test_a_price_in_another_currency_is_replaced_by_the_stored_answer() -> None:
    """The number is the passage's, the currency invented (a composed reply said "at £12.90")."""
    pieces, report = run("Express within Germany is priced at £12.90. It arrives tomorrow.")
    assert pieces == [STORED] and report.replaced


def test_a_later_unsupported_sentence_ends_the_answer_there() -> None:
    pieces, report = run("It costs 12.90 euros. Orders over 50 euros ship free.")
    assert pieces == ["It costs 12.90 euros."]
    assert report.replaced and report.sentences == 1


def test_facts_from_the_dialogue_state_are_supported() -> None:
    request = GenerationRequest("Where is it?", passages=PASSAGES, state={"order_id": "10482"})
    assert run("Order 10482 ships with express for 12.90 euros.", request)[1].sentences == 1
    assert supported("Order 10482 is late.", ["12.90"]) is False


def test_a_decline_gives_way_to_the_stored_answer() -> None:
    pieces, report = run("I don't have that information, sorry.")
    assert pieces == [STORED] and report.declined


def test_a_failure_before_any_sentence_says_the_stored_answer() -> None:
    pieces, report = run("Express cos", error=GenerationTimeout("too slow", partial="Express cos"))
    assert pieces == [STORED] and report.failed
    pieces, report = run("", error=None)
    assert pieces == [STORED] and report.failed


def test_a_failure_after_a_sentence_keeps_what_was_said() -> None:
    pieces, report = run("It costs 12.90 euros. And th", error=GenerationTimeout("slow"))
    assert pieces == ["It costs 12.90 euros."] and not report.failed


def test_stop_ends_the_answer_without_the_stored_answer() -> None:
    stop = threading.Event()
    generator = Scripted("It costs 12.90 euros. It is never free. More text here.", size=1)
    pieces = []
    for piece in compose_answer(generator, REQUEST, STORED, stop):  # type: ignore[arg-type]
        pieces.append(piece)
        stop.set()
    assert pieces == ["It costs 12.90 euros."]
    assert generator.pieces_sent < len(generator.text)


def test_passages_are_the_two_best_hits_then_the_best_document_units() -> None:
    from dialogue.compose import pick_passages
    from dialogue.kb.types import Hit

    def hit(kind: str, name: str) -> Hit:
        return Hit(kind, name, name, name, 1.0, 1.0)

    hits = [
        hit("faq", "f1"),
        hit("faq", "f2"),
        hit("faq", "f3"),
        hit("doc", "d1"),
        hit("doc", "d2"),
    ]
    assert [h.id for h in pick_passages(hits)] == ["f1", "f2", "d1"]
    assert [h.id for h in pick_passages(hits[:3])] == ["f1", "f2", "f3"]
    assert [h.id for h in pick_passages(hits, 4)] == ["f1", "f2", "d1", "d2"]


@pytest.mark.parametrize(
    ("sentence", "ok"),
    [
        ("Express within Germany costs 12.90 euros.", True),
        ("Express is never free.", True),
        ("Express costs 12.90 euros, but members get it for free with a coupon.", False),
        ("If you want to exchange it, you pay the difference in cash.", False),
        ("Yes, sure.", True),  # too few words to judge
        ("It costs 20 euros.", False),  # the customer's own number is not a fact
    ],
)
def test_a_sentence_must_read_from_the_passages(sentence: str, ok: bool) -> None:
    sources = [p.text for p in PASSAGES]
    assert supported(sentence, sources, "en", "Is express 20 euros to Germany?") is ok


def test_chinese_sentences_are_checked_by_character_pairs() -> None:
    sources = ["快递（DHL Express），德国：下一个工作日送达，12.90欧元。"]
    assert supported("在德国发快递要12.90欧元，下一个工作日送达。", sources, "zh", "快递多少钱")
    assert not supported("会员发快递可以享受免费优惠券和积分奖励。", sources, "zh", "快递多少钱")
