"""Knowledge base: chunking, keyword tokens, hybrid search with sources, embedding cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.domain.model import Document, FaqEntry
from dialogue.kb.chunking import chunk_document, count_words
from dialogue.kb.index import build_kb
from dialogue.kb.lexical import tokenize
from tests.fakes.dialogue import BagOfWordsEncoder

FAQ = [
    FaqEntry(
        "shipping-cost",
        ("how much is shipping", "what does delivery cost"),
        "Shipping is 4.90 euros.",
    ),
    FaqEntry(
        "opening-hours",
        ("when are you open", "what are your opening hours"),
        "We are open 8 to 20.",
    ),
    FaqEntry(
        "pay-invoice",
        ("can I pay by invoice", "do you accept invoice payment"),
        "Invoice is possible in Germany.",
    ),
]
DOC = Document(
    "docs/catalogue.md",
    "# Catalogue\n\n## Bedding\n\n"
    "The LL-1042 stonewashed linen duvet cover comes in five colours.\n\n"
    "## Bath\n\nThe LL-1107 waffle bath towel is made of organic cotton.\n",
)


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Is LL-1042 in stock?", "en", ["ll-1042", "ll", "1042", "stock"]),
        ("returns and refunds", "en", ["return", "refund"]),
        ("运费多少", "zh", ["运", "费", "多", "少", "运费", "费多", "多少"]),
    ],
)
def test_tokens(text: str, language: str, expected: list[str]) -> None:
    assert tokenize(text, language) == expected


def test_chunks_follow_headings_and_overlap() -> None:
    sentence = "This sentence has exactly eight words in it. "
    text = "# Guide\n\n## Washing\n\n" + sentence * 40 + "\n\n## Drying\n\nHang it up.\n"
    chunks = chunk_document("guide.md", text, max_words=120, overlap_words=30)
    washing = [c for c in chunks if c.heading == "Guide > Washing"]
    assert len(washing) >= 3 and all(count_words(c.text) <= 120 for c in washing)
    first_end = washing[0].text.split(". ")[-1]
    assert first_end.rstrip(".") in washing[1].text  # overlap: the next chunk repeats the end
    assert chunks[-1].source == "guide.md#Guide > Drying"
    assert count_words("运费多少钱") == pytest.approx(5 / 1.7)


def test_hybrid_search_answers_with_source() -> None:
    kb = build_kb(FAQ, [DOC], "en", BagOfWordsEncoder())
    hit = kb.search("how much does shipping cost")[0]
    assert (hit.kind, hit.source) == ("faq", "faq:shipping-cost")
    assert hit.text == "Shipping is 4.90 euros."
    code = kb.search("tell me about LL-1107")[0]  # an exact product code: BM25 finds it
    assert code.kind == "doc" and code.source == "docs/catalogue.md#Catalogue > Bath"
    assert 0.0 <= code.confidence <= 1.0


def test_keywords_only_without_an_encoder() -> None:
    kb = build_kb(FAQ, [DOC], "en", None)
    assert kb.search("invoice payment")[0].id == "pay-invoice"
    assert kb.search("   ") == []


def test_embeddings_are_cached_by_content(tmp_path: Path) -> None:
    encoder = BagOfWordsEncoder()
    build_kb(FAQ, [DOC], "en", encoder, cache_dir=tmp_path)
    first = encoder.calls
    assert first > 0 and len(list(tmp_path.glob("kb-*.npy"))) == 1
    build_kb(FAQ, [DOC], "en", encoder, cache_dir=tmp_path)
    assert encoder.calls == first  # read from the cache
    changed = [*FAQ, FaqEntry("new", ("a new question",), "A new answer.")]
    build_kb(changed, [DOC], "en", encoder, cache_dir=tmp_path)
    assert encoder.calls > first and len(list(tmp_path.glob("kb-*.npy"))) == 2
