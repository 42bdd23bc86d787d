"""A linear-chain CRF over the slot tagger's per-word scores.

Why: the tagger scores each word on its own, and most of its SNIPS mistakes are the edges of
long open-vocabulary names (playlists, albums, object names): one word of a title tagged ``O``
splits the span. A CRF learns how likely each tag is to follow another and trains the whole
sequence at once, so a confident span start carries its neighbours along.

The BIO rules are built in: moves that make invalid BIO (``O`` -> ``I-x``, ``B-x`` -> ``I-y``)
are masked out of both training and decoding (``allowed_start``, ``allowed_pairs``, saved with
the weights), so the decoder still cannot return invalid tags.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

FORBIDDEN = -1e4  # added to masked-out moves; large enough to never win, small enough for fp16


class LinearChainCrf(nn.Module):
    """Start, end and transition scores (``transitions[i, j]``: tag i then tag j)."""

    allowed_start: torch.Tensor  # buffers, registered below (typed here for mypy)
    allowed_pairs: torch.Tensor

    def __init__(self, n_tags: int) -> None:
        super().__init__()
        self.start = nn.Parameter(torch.zeros(n_tags))
        self.end = nn.Parameter(torch.zeros(n_tags))
        self.transitions = nn.Parameter(torch.zeros(n_tags, n_tags))
        self.register_buffer("allowed_start", torch.ones(n_tags, dtype=torch.bool))
        self.register_buffer("allowed_pairs", torch.ones(n_tags, n_tags, dtype=torch.bool))

    def constrain(self, allowed_start: np.ndarray, allowed_pairs: np.ndarray) -> None:
        """Forbid moves (from :func:`dialogue.nlu.bio.transition_mask`)."""
        self.allowed_start.copy_(torch.from_numpy(allowed_start))
        self.allowed_pairs.copy_(torch.from_numpy(allowed_pairs))

    def scores(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(start, transitions, end) with the forbidden moves pushed down."""
        start = self.start.masked_fill(~self.allowed_start, FORBIDDEN)
        pairs = self.transitions.masked_fill(~self.allowed_pairs, FORBIDDEN)
        return start, pairs, self.end

    def neg_log_likelihood(
        self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """Summed negative log-likelihood of the gold ``tags`` (B, W) under ``emissions``
        (B, W, T); ``mask`` (B, W) marks real words, a prefix of each row. Rows without words
        contribute nothing."""
        rows = mask[:, 0]
        if not bool(rows.any()):
            return emissions.sum() * 0.0
        emissions, tags, mask = emissions[rows].float(), tags[rows], mask[rows]
        start, pairs, end = self.scores()
        batch = torch.arange(emissions.shape[0], device=emissions.device)
        steps = mask.float()
        # the gold path's score
        gold = start[tags[:, 0]] + emissions[batch, 0, tags[:, 0]]
        for i in range(1, emissions.shape[1]):
            move = pairs[tags[:, i - 1], tags[:, i]] + emissions[batch, i, tags[:, i]]
            gold = gold + move * steps[:, i]
        last = mask.long().sum(dim=1) - 1
        gold = gold + end[tags[batch, last]]
        # the log-sum over all paths (forward algorithm)
        alpha = start + emissions[:, 0]
        for i in range(1, emissions.shape[1]):
            step = torch.logsumexp(alpha.unsqueeze(2) + pairs.unsqueeze(0), dim=1) + emissions[:, i]
            alpha = torch.where(mask[:, i].unsqueeze(1), step, alpha)
        log_z = torch.logsumexp(alpha + end, dim=1)
        return (log_z - gold).sum()

    def numpy_scores(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(start, transitions, end) as float arrays for :func:`dialogue.nlu.bio.viterbi`."""
        with torch.no_grad():
            return tuple(t.detach().float().cpu().numpy() for t in self.scores())  # type: ignore[return-value]
