"""One wizard run per chosen kind: where its data, output, loss log and evaluation go.

The model is trained straight into a new version folder of its slot
(``app.models_active``), so activating it later is only a pointer switch; the NLU
evaluation data is the data's test split or a hold-out prepared in a work folder.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.config import Config
from app.finetune.current import current_model
from app.finetune.jobs import (
    GeneratorOptions,
    NluOptions,
    generator_eval_command,
    generator_loss_log,
    generator_train_command,
    nlu_eval_command,
    nlu_train_command,
    planned_steps,
    prepare_nlu_data,
)
from app.finetune.sources import NLU, ValidationReport
from app.models_active import new_version_dir, slot_name

log = logging.getLogger(__name__)


@dataclass
class RunPlan:
    """Everything about one kind's run; ``result`` is filled by the evaluation."""

    kind: str
    language: str
    data: Path
    out: Path
    loss_log: Path
    current: Path | None
    total_steps: int
    workdir: Path
    nlu: NluOptions = field(default_factory=NluOptions)
    generator: GeneratorOptions = field(default_factory=GeneratorOptions)
    eval_data: Path | None = None
    result: dict[str, Any] | None = None

    @property
    def slot(self) -> str:
        return slot_name(self.kind, self.language)

    @property
    def report_file(self) -> Path:
        return self.workdir / f"eval-{self.kind}.json"

    def prepare(self) -> None:
        """File work before training: the hold-out split (NLU) and a clean loss log."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.loss_log.unlink(missing_ok=True)
        if self.kind == NLU:
            self.data, self.eval_data = prepare_nlu_data(
                self.data, self.workdir / "data", self.nlu.seed
            )

    def train_command(self) -> list[str]:
        if self.kind == NLU:
            return nlu_train_command(self.data, self.out, self.loss_log, self.nlu)
        return generator_train_command(self.data, self.out, self.language, self.generator)

    def eval_command(self) -> list[str]:
        if self.kind == NLU:
            assert self.eval_data is not None, "prepare() first"
            return nlu_eval_command(self.out, self.current, self.eval_data, self.report_file)
        return generator_eval_command(self.out)


def plan_runs(
    report: ValidationReport,
    kinds: list[str],
    language: str,
    config: Config,
    workdir: Path,
    nlu: NluOptions | None = None,
    generator: GeneratorOptions | None = None,
) -> list[RunPlan]:
    """A plan per chosen kind that has data in ``report``."""
    plans = []
    for kind in kinds:
        dataset = report.first(kind)
        if dataset is None:
            continue
        out = new_version_dir(slot_name(kind, language))
        options_nlu, options_gen = nlu or NluOptions(), generator or GeneratorOptions()
        if kind == NLU:
            loss_log = workdir / f"loss-{kind}.jsonl"
            steps = planned_steps(round(dataset.n_examples * 0.85), options_nlu.epochs)
        else:
            loss_log = generator_loss_log(out)
            steps = max(1, options_gen.max_steps or dataset.n_examples * options_gen.epochs)
        plans.append(
            RunPlan(
                kind,
                language,
                dataset.path,
                out,
                loss_log,
                current_model(kind, language, config),
                steps,
                workdir,
                options_nlu,
                options_gen,
            )
        )
    return plans
