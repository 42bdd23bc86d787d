"""Cut the first sentence of a reply so the voice can start sooner.

Synthesis time grows with the length of the text, and the user waits for the whole first
sentence to be synthesised before hearing anything. A long first sentence is therefore cut
in two at a natural break (a comma, or before a conjunction), where the short pause between
the two halves sounds like phrasing. Later sentences are synthesised while earlier ones
play, so they stay whole. Sentence splitting itself is the speech layer's
(``speech.sentences``).
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

CLAUSE_ENDS = (",", ";", ":", "，", "；", "：")
# Words that start a clause: a long first sentence may be cut before them.
CONJUNCTIONS = frozenset({"and", "but", "or", "so", "because", "which", "when", "if", "then"})


def lead_chunks(sentence: str, max_words: int = 8, min_words: int = 3) -> list[str]:
    """``sentence`` whole, or in two at its first clause break after ``min_words`` words
    when it has more than ``max_words`` words."""
    words = sentence.split()
    if len(words) <= max_words:
        return [sentence]
    for i in range(min_words, len(words) - 1):
        if words[i - 1].endswith(CLAUSE_ENDS):
            return [" ".join(words[:i]), " ".join(words[i:])]
        if words[i].lower() in CONJUNCTIONS and i > min_words:
            return [" ".join(words[:i]), " ".join(words[i:])]
    return [sentence]
