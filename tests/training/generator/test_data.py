"""Training data: grounded examples from FAQ and dialogues, the split, clear errors."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from dialogue.generation import Message, Passage
from dialogue.generator.facts import fact_tokens, unsupported_facts
from dialogue.generator.prompt import DECLINE, SYSTEM_PROMPT
from training.generator.data import (
    Chat,
    TrainingDataError,
    data_sha256,
    read_chats,
    read_doc_units,
    read_examples,
    read_faq,
    split_heldout,
    write_examples,
)
from training.generator.examples import (
    chat_examples,
    faq_examples,
    is_backed,
    load_examples,
    perturb_numbers,
)


def test_faq_entries_teach_answering_from_passages_and_declining(mini_domain: Path) -> None:
    faq = read_faq(mini_domain / "en" / "faq.jsonl")
    docs = read_doc_units(mini_domain / "en" / "docs")
    examples = faq_examples(faq, "en", docs)
    kinds = Counter(e.kind for e in examples)
    assert kinds["decline"] == len(faq) and kinds["answer"] + kinds["answer-doc"] == 3 * len(faq)
    for entry in faq:  # the same question, once answered and once declined
        replies = {
            e.messages[-1]["content"]
            for e in examples
            if e.group == f"faq:{entry.id}" and entry.questions[0] in e.messages[-2]["content"]
        }
        assert DECLINE["en"] in replies and len(replies) == 2
    for example in examples:
        entry = next(f for f in faq if example.group == f"faq:{f.id}")
        passages, reply = example.messages[-2]["content"], example.messages[-1]["content"]
        assert example.messages[0]["content"] == SYSTEM_PROMPT["en"]
        if example.kind == "decline":
            assert entry.answer not in passages and reply == DECLINE["en"]
        else:
            assert not unsupported_facts(reply, [passages])  # every fact is in a passage
            perturbed = fact_tokens(reply) != fact_tokens(entry.answer)
            assert reply == entry.answer or (perturbed and example.kind == "answer")
    express = [e for e in examples if e.group == "faq:express" and e.kind == "answer-doc"]
    express_units = [u.text for u in docs if u.source.endswith("> Express")]
    assert any(u in express[0].messages[-2]["content"] for u in express_units)
    counts = Counter(e.messages[-2]["content"].count("\n[") for e in examples)
    assert counts[1] > counts[3] > 0  # mostly one passage (a composed answer), some three


@pytest.mark.parametrize("share", [0.0, 0.5, 1.0])
def test_decline_share_sets_how_many_entries_teach_declining(
    mini_domain: Path, share: float
) -> None:
    faq = read_faq(mini_domain / "en" / "faq.jsonl")
    examples = faq_examples(faq, "en", read_doc_units(mini_domain / "en" / "docs"))
    fewer = faq_examples(faq, "en", read_doc_units(mini_domain / "en" / "docs"), 0, share)
    declines = [e for e in fewer if e.kind == "decline"]
    assert [e for e in fewer if e.kind != "decline"] == [  # answers stay the same
        e for e in examples if e.kind != "decline"
    ]
    if share in (0.0, 1.0):
        assert len(declines) == share * len(faq)
    else:
        assert 0 < len(declines) < len(faq)


def test_numbers_change_consistently() -> None:
    passage, reply = perturb_numbers(
        ["Costs 3.90 euros, open 8:00 to 20:00.", "It costs 3.90 euros until 20:00."],
        random.Random(0),
    )
    numbers = fact_tokens(reply)
    assert numbers <= fact_tokens(passage) and not numbers & {"3.9", "20:00"}


def test_dialogue_turns_get_backing_passages_and_unbacked_facts_are_skipped() -> None:
    chat = Chat(
        (
            Message("user", "how much is shipping?"),
            Message("assistant", "Standard shipping costs 4.90 euros."),
            Message("user", "and when does order 10482 arrive?"),
            Message("assistant", "Order 10482 arrives on 18 March."),  # from a database
            Message("user", "thanks"),
            Message("assistant", "You're welcome!"),
        ),
        "chats.jsonl:1",
    )
    candidates = [
        Passage("Standard shipping in Germany costs 4.90 euros.", "faq:ship"),
        Passage("Returns are free within 30 days.", "faq:returns"),
    ]
    examples = chat_examples([chat], "en", candidates)
    assert [e.messages[-1]["content"] for e in examples] == [
        "Standard shipping costs 4.90 euros.",
        "You're welcome!",
    ]
    assert (
        "[1] Standard shipping in Germany costs 4.90 euros." in examples[0].messages[-2]["content"]
    )
    assert "Returns are free" not in examples[0].messages[-2]["content"]
    assert [m["content"] for m in examples[1].messages[1:-1]][0] == "how much is shipping?"
    everything = chat_examples([chat], "en", candidates, require_backing=False)
    assert len(everything) == 3


@pytest.mark.parametrize(
    "reply, sources, backed",
    [
        # "10" matches the unrelated "10 percent", but no source names the day or month
        ("Order 10402 was delivered on Tuesday, 10 March.",
         ["can you check order 10402", "Get a 10 percent welcome code."], False),
        ("We're open Monday to Friday.", ["Open Monday to Friday, 8:00 to 20:00."], True),
        ("Yes. I can help with that.", [], True),  # sentence openers and "I" are not names
        ("Express costs 24.90 euros.", ["Standard costs 4.90 euros."], False),
    ],
)  # fmt: skip
def test_a_turn_is_backed_only_if_its_numbers_and_names_are_in_the_sources(
    reply: str, sources: list[str], backed: bool
) -> None:
    assert is_backed(reply, sources) is backed


def test_domain_folder_and_chat_file_both_load(mini_domain: Path) -> None:
    examples, files = load_examples(mini_domain, "en")
    assert {e.kind for e in examples} == {"answer", "answer-doc", "decline", "dialogue"}
    assert {f.name for f in files} == {"dialogues.jsonl", "faq.jsonl", "shipping.md"}
    chat_only, files = load_examples(mini_domain / "en" / "dialogues.jsonl", "en")
    assert {e.kind for e in chat_only} == {"dialogue"} and len(files) == 1


def test_split_is_stable_disjoint_by_group_and_never_empty(mini_domain: Path) -> None:
    examples, _ = load_examples(mini_domain, "en")
    train, heldout = split_heldout(examples, 0.1)
    assert heldout and train
    assert not {e.group for e in train} & {e.group for e in heldout}
    assert split_heldout(examples, 0.1) == (train, heldout)
    assert split_heldout(examples, 0.0) == (examples, [])


def test_examples_round_trip_through_jsonl(mini_domain: Path, tmp_path: Path) -> None:
    examples, _ = load_examples(mini_domain, "en")
    write_examples(tmp_path / "x.jsonl", examples)
    assert read_examples(tmp_path / "x.jsonl") == examples


def test_data_hash_follows_content(mini_domain: Path, tmp_path: Path) -> None:
    copy = tmp_path / "faq.jsonl"
    copy.write_bytes((mini_domain / "en" / "faq.jsonl").read_bytes())
    before = data_sha256([copy])
    assert data_sha256([copy]) == before
    copy.write_text(copy.read_text().replace("4.90", "5.90"))
    assert data_sha256([copy]) != before


GOOD = (
    '{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}'
)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "each line must be a JSON object"),
        ('{"messages": []}', "'messages' must be a non-empty list"),
        ('{"messages": [{"role": "bot", "content": "x"}]}', "role must be one of"),
        ('{"messages": [{"role": "user", "content": ""}]}', "content' must be a non-empty"),
        ('{"messages": [{"role": "user", "content": "hi"}]}', "no assistant message"),
    ],
)
def test_malformed_chat_lines_name_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "chats.jsonl"
    path.write_text(f"{GOOD}\n\n{line}\n", encoding="utf-8")
    with pytest.raises(TrainingDataError, match=f"chats.jsonl:3: .*{message}"):
        read_chats(path)


def test_malformed_faq_and_missing_domain_files(tmp_path: Path) -> None:
    path = tmp_path / "faq.jsonl"
    path.write_text('{"id": "a", "questions": "not a list", "answer": "x"}\n')
    with pytest.raises(TrainingDataError, match="faq.jsonl:1: 'questions'"):
        read_faq(path)
    with pytest.raises(TrainingDataError, match="neither a chat JSONL file nor a domain"):
        load_examples(tmp_path, "en")
