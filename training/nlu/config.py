"""Settings of one NLU training run. Defaults are the ones measured on SNIPS dev (see
BENCHMARKS.md, section NLU); every run saves the config it used in ``training.json``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from dialogue.nlu.schema import POOLINGS, SLOT_DECODERS


@dataclass(frozen=True)
class LoraSettings:
    """LoRA on the encoder's attention and feed-forward projections (BERT names by default).

    The heads are trained in full and saved through peft's ``modules_to_save``; the adapters
    are merged into the encoder when the model is saved, so a LoRA model loads like any other.
    """

    r: int = 16  # adapter rank
    alpha: int = 32  # scale = alpha / r
    dropout: float = 0.05
    target_modules: tuple[str, ...] = ("query", "key", "value", "dense")
    lr: float = 1e-3  # adapters learn from zero, so they take a larger rate than full tuning

    def __post_init__(self) -> None:
        if self.r < 1 or self.alpha < 1:
            raise ValueError(f"LoRA rank and alpha must be >= 1, got r={self.r} alpha={self.alpha}")
        if not self.target_modules:
            raise ValueError("LoRA needs at least one target module name")


@dataclass(frozen=True)
class TrainConfig:
    """One training run. Validated on creation, so a bad value fails before any work."""

    epochs: int = 6  # the learning rate decays to zero over these; SNIPS dev still rose at 6
    patience: int = 2  # stop after this many epochs without a better dev score
    batch_size: int = 16  # twice the steps of 32 for the same epochs: SNIPS dev slot F1 +0.3
    encoder_lr: float = 1e-4  # small encoder (MiniLM-L6): a higher rate than BERT-base's 5e-5
    head_lr: float = 1e-3  # the heads start from random weights
    warmup_fraction: float = 0.06  # of all steps, linear warm-up then linear decay to zero
    weight_decay: float = 0.01
    max_grad_norm: float = 1.0
    seed: int = 13
    pooling: str = "mean"  # intent pooling: "mean" or "cls"
    dropout: float = 0.1
    slot_decoder: str = "crf"  # learned tag transitions (SNIPS dev +0.5 slot F1), or "softmax"
    slot_sentence: bool = False  # slot head reads each word beside the pooled utterance
    slots_per_intent: bool = True  # decode only the slot types the chosen intent had in training
    max_tokens: int = 64  # sub-tokens per utterance incl. special tokens; spoken commands are short
    freeze_word_embeddings: bool = True  # half the parameters; frozen is faster on CPU
    # Top encoder layers trained (0: all). The embeddings and the layers below stay frozen and
    # run once per utterance: their output is cached (training/frozen_bottom.py).
    train_layers: int = 0
    # Save only what differs from the base encoder, which the model folder then names: for
    # models kept next to their base (a domain's, in the model cache). Off: self-contained.
    save_on_base: bool = False
    dev_fraction: float = 0.1  # held out of train (stratified, seeded) when there is no dev split
    threads: int = 0  # torch CPU threads; 0 = the cores not busy with other work, per epoch
    oos_in_scope_recall: float = 0.99  # out-of-scope thresholds keep this much of dev in scope
    references_per_intent: int = 2000  # training vectors kept per intent (out-of-scope distance)
    lora: LoraSettings | None = None  # None: full fine-tuning
    device: str = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"
    extra: dict[str, Any] = field(default_factory=dict)  # free-form notes saved with the run

    def __post_init__(self) -> None:
        checks = {
            "epochs": self.epochs >= 1,
            "patience": self.patience >= 1,
            "batch_size": self.batch_size >= 1,
            "encoder_lr": self.encoder_lr > 0,
            "head_lr": self.head_lr > 0,
            "warmup_fraction": 0 <= self.warmup_fraction < 1,
            "dev_fraction": 0 < self.dev_fraction < 1,
            "max_tokens": self.max_tokens >= 8,
            "threads": self.threads >= 0,
            "oos_in_scope_recall": 0 < self.oos_in_scope_recall <= 1,
            "references_per_intent": self.references_per_intent >= 0,
            "pooling": self.pooling in POOLINGS,
            "slot_decoder": self.slot_decoder in SLOT_DECODERS,
            "device": self.device in ("auto", "cpu", "cuda"),
            "train_layers": self.train_layers >= 0 and not (self.train_layers and self.lora),
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            values = ", ".join(f"{name}={getattr(self, name)!r}" for name in bad)
            raise ValueError(f"invalid training settings: {values}")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
