"""Measure the dialogue parts on a domain's held-out data: knowledge-base retrieval top-1
(eval/kb_paraphrases.jsonl) and emotion accuracy / macro-F1 (eval/emotion.jsonl).

Also two *dev* measures used to tune retrieval without looking at the eval file: customer-style
paraphrases written for tuning (eval/kb_dev.jsonl, ``kb_dev_pairs``), and a split of the FAQ
itself: each entry's last phrasing is held out, the index is built from the rest, and the
held-out phrasings are the queries (``faq_dev_split``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from dialogue.domain.model import FaqEntry, LanguagePack
from dialogue.emotion import EMOTIONS, detect_emotion
from dialogue.files import load_jsonl
from dialogue.kb.types import Hit


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The objects of a held-out file (the domain check has vetted it; raises JsonlError)."""
    return [record for _, record in load_jsonl(path)]


def top1(search: Callable[[str], list[Hit]], pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """Share of ``(question, faq_id)`` pairs whose best hit is that FAQ entry."""
    misses = []
    for question, faq_id in pairs:
        hits = search(question)
        if not hits or hits[0].id != faq_id:
            misses.append(
                {"question": question, "expected": faq_id, "got": hits[0].source if hits else None}
            )
    n = len(pairs)
    return {"top1": (n - len(misses)) / n if n else 0.0, "n": n, "misses": misses}


def kb_eval_pairs(pack: LanguagePack, root: Path) -> list[tuple[str, str]]:
    """The held-out test paraphrases: score them, never tune on them."""
    rows = read_jsonl(root / pack.language / "eval" / "kb_paraphrases.jsonl")
    return [(r["question"], r["faq_id"]) for r in rows]


def kb_dev_pairs(pack: LanguagePack, root: Path) -> list[tuple[str, str]]:
    """Customer-style paraphrases written for tuning (``eval/kb_dev.jsonl``; may be absent)."""
    path = root / pack.language / "eval" / "kb_dev.jsonl"
    return [(r["question"], r["faq_id"]) for r in read_jsonl(path)] if path.is_file() else []


def faq_dev_split(faq: Sequence[FaqEntry]) -> tuple[list[FaqEntry], list[tuple[str, str]]]:
    """(FAQ without each entry's last phrasing, [(held-out phrasing, id)])."""
    kept, held = [], []
    for entry in faq:
        if len(entry.questions) >= 2:
            kept.append(replace(entry, questions=entry.questions[:-1]))
            held.append((entry.questions[-1], entry.id))
        else:
            kept.append(entry)
    return kept, held


def emotion_scores(pack: LanguagePack, root: Path) -> dict[str, Any]:
    """Accuracy and macro-F1 of :func:`detect_emotion` on eval/emotion.jsonl."""
    rows = read_jsonl(root / pack.language / "eval" / "emotion.jsonl")
    gold = [r["emotion"] for r in rows]
    predicted = [detect_emotion(r["text"], pack.language).label for r in rows]
    per_label = {}
    for label in EMOTIONS:
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "n": gold.count(label),
        }
    present = [label for label in EMOTIONS if per_label[label]["n"]]
    n = len(gold)
    return {
        "accuracy": sum(g == p for g, p in zip(gold, predicted, strict=True)) / n if n else 0.0,
        "macro_f1": sum(per_label[lb]["f1"] for lb in present) / len(present) if present else 0.0,
        "n": n,
        "per_label": per_label,
    }
