"""Settings of one LoRA fine-tuning run; stored inside the adapter that the run produced.

Defaults are sized for two CPU cores: attention-only LoRA of rank 8, short sequences, two
passes over a domain's few hundred examples, so a run takes minutes. (Chosen on the dev
grounding set, ``training.generator.devset``: one pass left the adapter declining half the
questions it could answer; BENCHMARKS.md, Generator.) Every field validates
itself, so a bad value fails before the model is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class TrainConfigError(ValueError):
    """A training setting is out of range; the message names it and its allowed values."""


@dataclass(frozen=True)
class TrainConfig:
    """One training run.

    Attributes:
        data: a domain folder (uses ``<language>/dialogues.jsonl``, ``faq.jsonl`` and
            ``docs/``) or a chat JSONL file (OpenAI messages format, one chat per line).
        out: folder the adapter is written to (replaced atomically when the run succeeds).
        base: folder (or hub id) of the base causal LM the adapter is trained on.
        language: language of the data and the prompt, "en" or "zh".
        epochs: passes over the training split (ignored once ``max_steps`` is reached).
        max_steps: stop after this many optimizer steps; 0 means run all epochs.
        rank: LoRA rank r; higher learns more and trains slower.
        alpha: LoRA scaling numerator; the update is scaled by alpha / rank.
        dropout: dropout on the LoRA input during training.
        target_modules: linear layers that get a LoRA update (attention projections: enough
            to learn a style and the grounding habit, and cheap).
        top_layers: share of the transformer layers, counted from the top, that get LoRA.
            Gradients stop below the lowest adapted layer, so 0.5 saves about a third of the
            compute of a step (what makes CPU training take minutes); 1.0 adapts every layer.
        learning_rate: peak AdamW learning rate (linear warm-up, then linear decay to 0).
        warmup_steps: optimizer steps of warm-up.
        batch_size: examples per optimizer step.
        max_seq_len: longest example in tokens; longer ones lose their oldest history.
        decline_share: share of FAQ entries that also teach the decline (their question
            beside an unrelated passage); the rest teach only answering.
        heldout_fraction: share of example groups (an FAQ entry with its paraphrases, or one
            dialogue) kept apart for evaluation.
        seed: seeds shuffling, example building and LoRA initialisation.
        log_file: JSON-lines file that gets one line per step (for a live loss plot); empty
            means ``<out>.log.jsonl`` beside the adapter folder.
    """

    data: str
    out: str
    base: str
    language: str = "en"
    epochs: int = 2
    max_steps: int = 0
    rank: int = 8
    alpha: int = 16
    dropout: float = 0.05
    target_modules: tuple[str, ...] = field(default=("q_proj", "k_proj", "v_proj", "o_proj"))
    top_layers: float = 0.5
    learning_rate: float = 1e-3
    warmup_steps: int = 5
    batch_size: int = 4
    max_seq_len: int = 384
    decline_share: float = 1.0
    heldout_fraction: float = 0.1
    seed: int = 0
    log_file: str = ""

    def __post_init__(self) -> None:
        checks = (
            (self.language in ("en", "zh"), "language must be en or zh"),
            (self.epochs >= 1, "epochs must be at least 1"),
            (self.max_steps >= 0, "max_steps must be 0 (no limit) or more"),
            (self.rank >= 1, "rank must be at least 1"),
            (self.alpha >= 1, "alpha must be at least 1"),
            (0 <= self.dropout < 1, "dropout must be in [0, 1)"),
            (bool(self.target_modules), "target_modules must name at least one layer"),
            (0 < self.top_layers <= 1, "top_layers must be in (0, 1]"),
            (0 < self.learning_rate < 1, "learning_rate must be in (0, 1)"),
            (self.warmup_steps >= 0, "warmup_steps must be 0 or more"),
            (self.batch_size >= 1, "batch_size must be at least 1"),
            (64 <= self.max_seq_len <= 8192, "max_seq_len must be in [64, 8192]"),
            (0 <= self.decline_share <= 1, "decline_share must be in [0, 1]"),
            (0 <= self.heldout_fraction < 0.5, "heldout_fraction must be in [0, 0.5)"),
        )
        for ok, message in checks:
            if not ok:
                raise TrainConfigError(f"training setting: {message}")
