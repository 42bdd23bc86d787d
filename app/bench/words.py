"""Word error rate for transcripts, with a small normaliser: lower case, punctuation and
hyphens to spaces, numbers 0-99 spelled out, and the titles Whisper abbreviates ("Mr." ->
"mister"). Used by the benchmarks and by the tests that score real recordings."""

from __future__ import annotations

import re

ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
ONES += "fifteen sixteen seventeen eighteen nineteen"
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
TITLES = {"mr": "mister", "mrs": "missus", "dr": "doctor", "st": "saint"}


def _number_words(n: int) -> str:
    names = ONES.split()
    if n < 20:
        return names[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + names[n % 10])
    return " ".join(names[int(d)] for d in str(n))  # read digit by digit


def normalize(text: str) -> list[str]:
    """Words for scoring: case, punctuation, hyphens, digits and titles made uniform."""
    text = re.sub(r"[^\w\s']|_", " ", text.lower()).replace("'", "")
    words = []
    for word in text.split():
        if word.isdigit():
            words.extend(_number_words(int(word)).split())
        else:
            words.append(TITLES.get(word, word))
    return words


def edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    """Word-level Levenshtein distance (substitutions + deletions + insertions)."""
    row = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        previous, row[0] = row[:], i
        for j, hyp_word in enumerate(hypothesis, start=1):
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ref_word != hyp_word))
    return row[-1]


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(errors, reference words) after normalising both."""
    ref, hyp = normalize(reference), normalize(hypothesis)
    return edit_distance(ref, hyp), len(ref)
