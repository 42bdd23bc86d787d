"""Tune the retrieval encoder of one language of a domain on its own FAQ: every phrasing of
an entry should land nearer its other phrasings (and its answer) than any other entry's.

Reads top to bottom: config, pairs, batches, loop, save. The loss is the in-batch-negatives
ranking loss of sentence-transformers (``MultipleNegativesRankingLoss``), written with plain
torch: in a batch of (anchor, positive) pairs from *different* entries, each anchor must pick
its own positive among all the batch's positives (and the other way round). The word
embeddings stay frozen (they are most of e5's parameters and the FAQ is small), so only the
transformer layers are saved: ``encoder.safetensors`` plus ``training.json`` with the config,
the base encoder and the FAQ's sha256 (a changed FAQ makes the tuned encoder stale).
``dialogue.kb.encoder.make_encoder`` loads it on top of the base encoder.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dialogue.atomic import atomic_folder
from dialogue.domain import load_domain
from dialogue.domain.model import FaqEntry
from dialogue.files import sha256_file
from dialogue.kb.encoder import TUNED_WEIGHTS, EncoderConfig
from training.kb_embed import TextEmbedder

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KbTuneConfig:
    """Contrastive tuning settings (chosen on eval/kb_dev.jsonl: see BENCHMARKS.md, Dialogue).

    Two pairs per phrasing and epoch (one with another phrasing of its entry, one with the
    answer): about 1,700 pairs an epoch for the shop's FAQ. On two cores an epoch of MiniLM
    takes about 50 s, but the first one several minutes (every new padded batch shape is a
    first-time kernel setup): see BENCHMARKS.md, Dialogue.
    """

    epochs: int = 3
    batch_size: int = 33  # at most one pair per entry in a batch: no false negatives
    learning_rate: float = 3e-5
    scale: float = 20.0  # logits = scale * cosine (temperature 0.05, as sentence-transformers)
    max_tokens: int = 64  # FAQ phrasings are short; answers are cut here (their start is enough)
    with_answers: bool = True  # pair each phrasing with its entry's answer too
    seed: int = 13
    # Top transformer layers tuned (0: all). The layers below run once per text, cached
    # (training/frozen_bottom.py), and only the tuned layers are saved.
    train_layers: int = 0

    def __post_init__(self) -> None:
        if (
            self.epochs < 1
            or self.batch_size < 2
            or self.learning_rate <= 0
            or self.scale <= 0
            or self.train_layers < 0
        ):
            raise ValueError(f"invalid KbTuneConfig: {self}")


def training_pairs(
    faq: Sequence[FaqEntry], rng: random.Random, with_answers: bool
) -> list[list[tuple[str, str, str]]]:
    """Per entry, one epoch's ``(kind of positive, anchor, positive)`` pairs, shuffled: each
    phrasing with one other phrasing of the entry (and with the answer)."""
    per_entry = []
    for entry in faq:
        pairs = []
        questions = list(entry.questions)
        for i, question in enumerate(questions):
            others = questions[:i] + questions[i + 1 :]
            if others:
                pairs.append(("query", question, rng.choice(others)))
            if with_answers:
                pairs.append(("passage", question, entry.answer))
        rng.shuffle(pairs)
        per_entry.append(pairs)
    return per_entry


def entry_distinct_batches(
    per_entry: list[list[Any]], batch_size: int, rng: random.Random
) -> list[list[Any]]:
    """Batches in which no two pairs come from the same entry (round-robin over entries); a
    batch of one (no negatives to learn from) is left out."""
    batches: list[list[Any]] = []
    queues = [list(p) for p in per_entry if p]
    while queues:
        rng.shuffle(queues)
        round_ = [q.pop() for q in queues]
        queues = [q for q in queues if q]
        batches += [round_[i : i + batch_size] for i in range(0, len(round_), batch_size)]
    rng.shuffle(batches)
    return [b for b in batches if len(b) >= 2]


def _all_texts(faq: Sequence[FaqEntry], prefix: dict[str, str]) -> list[str]:
    """Every text a training pair can hold, with its prefix: phrasings as queries (anchors
    and positives), answers as passages (see :func:`training_pairs`)."""
    texts = [prefix["query"] + q for entry in faq for q in entry.questions]
    return texts + [prefix["passage"] + entry.answer for entry in faq]


def ranking_loss(anchors: Any, positives: Any, scale: float) -> Any:
    """Symmetric in-batch-negatives cross-entropy over ``scale * cosine`` (rows normalised)."""
    import torch

    logits = scale * anchors @ positives.T
    target = torch.arange(len(anchors))
    return (
        torch.nn.functional.cross_entropy(logits, target)
        + torch.nn.functional.cross_entropy(logits.T, target)
    ) / 2


class _Steps:
    """Optimizer steps done, passed on as (done, in all) to a progress callback."""

    def __init__(self, total: int, progress: Callable[[int, int], None] | None) -> None:
        self.total, self.done, self.progress = total, 0, progress

    def advance(self) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)


def fit(
    model: Any,
    tokenizer: Any,
    faq: Sequence[FaqEntry],
    encoder: EncoderConfig,
    config: KbTuneConfig,
    progress: Callable[[dict[str, Any]], None] | None = None,
    step_progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Tune ``model`` in place (word embeddings and ``train_layers``' frozen bottom fixed);
    returns the per-epoch history. ``step_progress`` gets (steps done, steps in all)."""
    import torch

    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    started = time.perf_counter()
    prefix = {"query": encoder.query_prefix, "passage": encoder.passage_prefix}
    optimizer, embed = _prepare(model, tokenizer, faq, prefix, config)
    cache_s = round(time.perf_counter() - started, 1)
    epochs = [
        entry_distinct_batches(
            training_pairs(faq, rng, config.with_answers), config.batch_size, rng
        )
        for _ in range(config.epochs)
    ]  # drawn up front (the same draws as epoch by epoch): the number of steps is known
    steps, history = _Steps(sum(len(batches) for batches in epochs), step_progress), []
    model.train()
    for epoch, batches in enumerate(epochs, start=1):
        losses = []
        for batch in batches:
            anchors = [prefix["query"] + anchor for _, anchor, _ in batch]
            positives = [prefix[kind] + positive for kind, _, positive in batch]
            loss = ranking_loss(embed(anchors), embed(positives), config.scale)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
            steps.advance()
        record = {
            "epoch": epoch,
            "loss": sum(losses) / len(losses) if losses else 0.0,
            "seconds": round(time.perf_counter() - started, 1),
            "cache_s": cache_s,
        }
        history.append(record)
        log.info("kb encoder epoch %d: loss %.4f", epoch, record["loss"])
        if progress is not None:
            progress(record)
    model.eval()
    return history


def _prepare(
    model: Any,
    tokenizer: Any,
    faq: Sequence[FaqEntry],
    prefix: dict[str, str],
    config: KbTuneConfig,
) -> tuple[Any, TextEmbedder]:
    """Freeze what stays fixed, cache its output, and make the optimizer of the rest."""
    import torch

    from training.frozen_bottom import freeze_bottom, frozen_count

    n_frozen = frozen_count(model, config.train_layers)
    for name, parameter in model.named_parameters():
        parameter.requires_grad = not name.startswith("embeddings.")
    freeze_bottom(model, n_frozen)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate)
    embed = TextEmbedder(model, tokenizer, _all_texts(faq, prefix), config.max_tokens, n_frozen)
    return optimizer, embed


def save_tuned(model: Any, out_dir: Path, info: dict[str, Any]) -> Path:
    """Write the tuned (trainable) tensors and ``training.json`` to ``out_dir`` atomically."""
    from safetensors.torch import save_file

    tuned = {
        name: parameter.detach().contiguous()
        for name, parameter in model.named_parameters()
        if parameter.requires_grad
    }
    with atomic_folder(Path(out_dir)) as folder:
        save_file(tuned, str(folder / TUNED_WEIGHTS))
        (folder / "training.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return Path(out_dir)


def tune_encoder(
    faq: Sequence[FaqEntry],
    encoder: EncoderConfig,
    out_dir: Path,
    config: KbTuneConfig | None = None,
    extra: dict[str, Any] | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
    step_progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Tune ``encoder`` on ``faq`` and write ``out_dir`` (atomically); returns it."""
    from transformers import AutoModel, AutoTokenizer

    config = config or KbTuneConfig()
    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(encoder.model_dir, local_files_only=True)
    model = AutoModel.from_pretrained(encoder.model_dir, local_files_only=True)
    load_s = round(time.perf_counter() - started, 1)
    history = fit(model, tokenizer, faq, encoder, config, progress, step_progress)
    info = {
        "load_s": load_s,
        "config": asdict(config),
        "base_encoder": str(encoder.model_dir),
        "prefixes": [encoder.query_prefix, encoder.passage_prefix],
        "faq_entries": len(faq),
        "faq_phrasings": sum(len(e.questions) for e in faq),
        "history": history,
        "extra": extra or {},
    }
    return save_tuned(model, out_dir, info)


def train_kb_encoder(
    domain_dir: Path,
    language: str,
    encoder: EncoderConfig,
    out_dir: Path,
    config: KbTuneConfig | None = None,
    progress: Callable[[dict[str, Any]], None] | None = None,
    step_progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Validate the domain and tune its ``language`` retrieval encoder into ``out_dir``."""
    domain = load_domain(Path(domain_dir))
    pack = domain.pack(language)
    faq_file = domain.root / language / "faq.jsonl"
    extra = {"domain": domain.name, "language": language, "faq_sha256": sha256_file(faq_file)}
    log.info("tuning the %s retrieval encoder of domain %s", language, domain.name)
    return tune_encoder(pack.faq, encoder, out_dir, config, extra, progress, step_progress)


# Per language, what a domain's tuning changes from KbTuneConfig's defaults (measured on
# eval/kb_dev.jsonl: BENCHMARKS.md, "First run"). English: the top 2 of MiniLM's 6 layers
# tune in 56 s to top-1 0.864, all of them in 227 s to 0.848 (the top 3: 84 s, 0.848; the
# top 2 at 1e-4: 0.848). Chinese: the top 4 of e5-small's 12 at 1e-4 in 123 s to 0.886, the
# top 6 at 3e-5 in 195 s to 0.871, the top 4 at 3e-5 in 129 s to 0.818 (all, before: 0.86).
DOMAIN_KB_SETTINGS: dict[str, dict[str, Any]] = {
    "en": {"train_layers": 2},
    "zh": {"train_layers": 4, "learning_rate": 1e-4},
}


def domain_kb_config(language: str, **overrides: Any) -> KbTuneConfig:
    """The tuning settings of a domain's ``language`` retrieval encoder (``overrides`` win)."""
    return KbTuneConfig(**{**DOMAIN_KB_SETTINGS.get(language, {}), **overrides})


def tuned_for(model_dir: Path) -> dict[str, Any]:
    """What a tuned encoder folder was trained on (``extra`` of its training.json), or {}."""
    try:
        info = json.loads((Path(model_dir) / "training.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    extra = info.get("extra", {})
    return extra if isinstance(extra, dict) else {}
