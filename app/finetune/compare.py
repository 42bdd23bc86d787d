"""The evaluation page's table: each metric for the current model and the new one, and which
is better, from the NLU eval job's report or ``wenda eval generator --json``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.finetune.eval_job import METRICS

# generator metrics: lower is better; "base" is the model without any adapter
GENERATOR_METRICS = (
    ("loss", "base_loss", "adapter_loss"),
    ("perplexity", "base_perplexity", "adapter_perplexity"),
)


@dataclass(frozen=True)
class Row:
    """One metric: ``current`` None when there is no current model to compare with."""

    metric: str
    current: float | None
    new: float
    higher_is_better: bool = True

    @property
    def verdict(self) -> str:
        if self.current is None:
            return ""
        if abs(self.new - self.current) < 1e-9:
            return "same"
        better = self.new > self.current if self.higher_is_better else self.new < self.current
        return "better" if better else "worse"


def nlu_rows(report: dict[str, Any]) -> list[Row]:
    new, current = report["new"], report.get("current") or {}
    return [Row(m, current.get(m), float(new[m])) for m in METRICS if m in new]


def generator_rows(report: dict[str, Any]) -> list[Row]:
    """Base model vs the new adapter on the adapter's held-out data."""
    return [
        Row(name, float(report[base]), float(report[adapter]), higher_is_better=False)
        for name, base, adapter in GENERATOR_METRICS
        if base in report and adapter in report
    ]


def is_improvement(rows: list[Row]) -> bool:
    """True when no metric got worse (what the wizard recommends activating)."""
    return all(r.verdict != "worse" for r in rows)
