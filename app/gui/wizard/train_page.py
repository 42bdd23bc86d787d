"""Wizard page 3: training and evaluation as subprocesses, with a progress bar, time left, a
live loss curve and a Cancel button; the window stays responsive throughout.

Each planned run is two steps, ``python -m app train ...`` then its evaluation; the page is
complete when every step succeeded. Cancel stops the running process (terminate, then kill)
and removes what it left behind.
"""

from __future__ import annotations

import logging
import shutil

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from app.finetune.plan import RunPlan
from app.gui.wizard.loss_plot import LossPlot
from app.gui.wizard.process import Step, StepRunner

log = logging.getLogger(__name__)

MAX_LOG_LINES = 400


class TrainPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Training")
        self.setSubTitle("Your models train in a separate process; you can keep using Wenda.")
        self.plans: list[RunPlan] = []
        self.done = False
        self.ok = False
        self.runner = StepRunner(self)
        self.runner.step_started.connect(self._on_step)
        self.runner.output.connect(self._on_output)
        self.runner.loss.connect(self._on_loss)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.step_label = QLabel("")
        self.step_label.setStyleSheet("font-weight: 600;")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.time_left = QLabel("")
        self.time_left.setStyleSheet("color: #475467;")
        self.plot = LossPlot()
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(MAX_LOG_LINES)
        self.log_view.setMaximumHeight(110)
        self.cancel_button = QPushButton("Cancel training")
        self.cancel_button.clicked.connect(self.cancel)
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.time_left)
        row.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.step_label)
        layout.addLayout(row)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.log_view)
        self._current_curve = ""

    def initializePage(self) -> None:  # noqa: N802 (Qt's name)
        self.plans = self.wizard().plans()  # type: ignore[attr-defined]
        self.done, self.ok = False, False
        self.cancel_button.setEnabled(True)
        steps = []
        for plan in self.plans:
            steps.append(
                Step(
                    f"train {plan.kind}",
                    plan.train_command,
                    plan.loss_log,
                    plan.total_steps,
                    plan.prepare,
                )
            )
            steps.append(Step(f"evaluate {plan.kind}", plan.eval_command))
        self.runner.run(steps)

    def _on_step(self, name: str) -> None:
        self.step_label.setText(name.capitalize() + "…")
        self.bar.setValue(0)
        self.time_left.setText("starting…")
        if name.startswith("train "):
            self._current_curve = name.removeprefix("train ")
            self.plot.start_curve(self._current_curve)
        else:
            self.bar.setRange(0, 0)  # busy: evaluation has no step count

    def _on_output(self, line: str) -> None:
        self.log_view.appendPlainText(line)

    def _on_loss(self, record: dict) -> None:
        self.plot.add_points(self._current_curve, [record])

    def _on_progress(self, fraction: float, text: str) -> None:
        self.bar.setRange(0, 1000)
        self.bar.setValue(int(fraction * 1000))
        self.time_left.setText(text)

    def _on_finished(self, ok: bool, message: str) -> None:
        self.done, self.ok = True, ok
        self.cancel_button.setEnabled(False)
        self.bar.setRange(0, 1000)
        if ok:
            for plan in self.plans:
                plan.result = _load_result(plan, self.runner)
            self.bar.setValue(1000)
            self.step_label.setText("Training and evaluation finished.")
            self.time_left.setText("")
        else:
            self.step_label.setText(
                "Training was cancelled." if message == "cancelled" else "Training failed."
            )
            self.log_view.appendPlainText(message)
            self._remove_outputs()
        self.completeChanged.emit()

    def cancel(self) -> None:
        if self.runner.is_running():
            self.time_left.setText("cancelling…")
            self.runner.cancel()

    def _remove_outputs(self) -> None:
        """A failed or cancelled run leaves no half model behind."""
        for plan in self.plans:
            shutil.rmtree(plan.out, ignore_errors=True)
            for leftover in plan.out.parent.glob(f".{plan.out.name}.tmp-*"):
                shutil.rmtree(leftover, ignore_errors=True)  # a killed trainer's temp folder

    def isComplete(self) -> bool:  # noqa: N802 (Qt's name)
        return self.done and self.ok

    def cleanupPage(self) -> None:  # noqa: N802 (Back pressed: stop what runs)
        self.cancel()


def _load_result(plan: RunPlan, runner: StepRunner) -> dict | None:
    import json

    if plan.kind == "nlu":
        try:
            return json.loads(plan.report_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            log.warning("no evaluation report for %s: %s", plan.kind, e)
            return None
    return runner.last_json(f"evaluate {plan.kind}")
