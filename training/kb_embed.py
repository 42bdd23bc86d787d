"""Embedding the retrieval tuner's texts with gradients, as ``dialogue.kb.encoder`` embeds at
run time (mean over real tokens, L2-normalised): through the whole encoder, or, with its
bottom frozen, through the top layers on features cached once per text
(``training/frozen_bottom.py``), short and long texts padded apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _pool(hidden: Any, attention_mask: Any) -> Any:
    """Mean over real tokens, L2-normalised: how ``dialogue.kb.encoder`` embeds."""
    import torch

    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
    return torch.nn.functional.normalize(pooled, dim=-1)


def _embed(model: Any, tokenizer: Any, texts: list[str], max_tokens: int) -> Any:
    inputs = tokenizer(
        texts, padding=True, truncation=True, max_length=max_tokens, return_tensors="pt"
    )
    return _pool(model(**inputs)[0], inputs["attention_mask"])


class TextEmbedder:
    """Embeds training texts with gradients: through the whole model, or, with its bottom
    frozen, through the top layers on the frozen layers' output cached once per text."""

    def __init__(
        self, model: Any, tokenizer: Any, texts: Sequence[str], max_tokens: int, n_frozen: int
    ) -> None:
        self.model, self.tokenizer, self.max_tokens, self.n_frozen = (
            model,
            tokenizer,
            max_tokens,
            n_frozen,
        )
        self.index: dict[str, int] = {}
        self.features: list[Any] = []
        if n_frozen:
            from training.frozen_bottom import bottom_features

            unique = list(dict.fromkeys(texts))
            self.index = {t: i for i, t in enumerate(unique)}
            ids = tokenizer(unique, truncation=True, max_length=max_tokens)["input_ids"]
            self.features = bottom_features(model, ids, n_frozen)

    def __call__(self, texts: list[str]) -> Any:
        from training.frozen_bottom import run_top

        if not self.n_frozen:
            return _embed(self.model, self.tokenizer, texts, self.max_tokens)
        cached = [self.features[self.index[t]] for t in texts]
        rows = []
        for group in _length_groups([len(c) for c in cached]):
            hidden, mask = run_top(self.model, [cached[i] for i in group], self.n_frozen)
            rows.append((group, _pool(hidden, mask)))
        import torch

        order = torch.tensor([i for group, _ in rows for i in group]).argsort()
        return torch.cat([pooled for _, pooled in rows])[order]


def _length_groups(lengths: list[int]) -> list[list[int]]:
    """Indices split into short and long texts when one padded batch would waste much: a
    question (~12 tokens) padded to an answer's 64 costs five times its own compute."""
    if not lengths:
        return []
    ranked = sorted(range(len(lengths)), key=lambda i: lengths[i])
    cut = next((k for k, i in enumerate(ranked) if lengths[i] > 2 * lengths[ranked[0]] + 8), None)
    return [ranked] if cut is None or cut == 0 else [ranked[:cut], ranked[cut:]]
