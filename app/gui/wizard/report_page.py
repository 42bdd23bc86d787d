"""Wizard page 4: the evaluation report (each metric for the current and the new model, the
examples the new model gets wrong) and the choice: activate the new model or discard it.

Activating switches the slot's pointer atomically and keeps the replaced model for rollback
(``app.models_active``); the running conversation picks the model up when it restarts.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from app import models_active
from app.finetune.compare import Row, generator_rows, is_improvement, nlu_rows
from app.finetune.plan import RunPlan

log = logging.getLogger(__name__)

VERDICT_COLOURS = {"better": "#027a48", "worse": "#b42318", "same": "#475467"}


def rows_of(plan: RunPlan) -> list[Row]:
    if not plan.result:
        return []
    return nlu_rows(plan.result) if plan.kind == "nlu" else generator_rows(plan.result)


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _add_row(table: QTableWidget, cells: list[str], colour: str = "") -> None:
    row = table.rowCount()
    table.insertRow(row)
    for column, text in enumerate(cells):
        item = QTableWidgetItem(text)
        if colour and column == len(cells) - 1:
            item.setForeground(QColor(colour))
        table.setItem(row, column, item)


def _fit_height(table: QTableWidget) -> None:
    """As tall as its rows, so the examples table below gets the space."""
    rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
    table.setMaximumHeight(table.horizontalHeader().height() + rows + 2 * table.frameWidth())


class ReportPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Evaluation")
        self.setSubTitle("The new model and the one in use, scored on data neither learnt from.")
        self.plans: list[RunPlan] = []
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.metrics = _table(["model", "metric", "current", "new", ""])
        self.wrong = _table(["text", "expected", "predicted", "confidence"])
        self.activate = QRadioButton(
            "Activate the new model (the current one is kept for rollback)"
        )
        self.discard = QRadioButton("Discard the new model")
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.metrics)
        layout.addWidget(QLabel("Examples the new model gets wrong:"))
        layout.addWidget(self.wrong, 1)
        layout.addWidget(self.activate)
        layout.addWidget(self.discard)

    def initializePage(self) -> None:  # noqa: N802 (Qt's name)
        self.plans = self.wizard().plans()  # type: ignore[attr-defined]
        self.metrics.setRowCount(0)
        self.wrong.setRowCount(0)
        all_rows: list[Row] = []
        for plan in self.plans:
            rows = rows_of(plan)
            all_rows += rows
            current = (
                "base model"
                if plan.kind == "generator"
                else (plan.current.name if plan.current else "none")
            )
            for row in rows:
                old = "—" if row.current is None else f"{row.current:.3f}"
                _add_row(
                    self.metrics,
                    [plan.kind, row.metric, old, f"{row.new:.3f}", row.verdict],
                    VERDICT_COLOURS.get(row.verdict, ""),
                )
            for example in (plan.result or {}).get("new", {}).get("wrong", []):
                _add_row(
                    self.wrong,
                    [
                        example["text"],
                        example["gold_intent"],
                        example["predicted_intent"],
                        f"{example['confidence']:.2f}",
                    ],
                )
            log.info("%s compared with %s", plan.kind, current)
        _fit_height(self.metrics)
        recommended = is_improvement(all_rows)
        self.summary.setText(
            "The new model is at least as good on every metric: activating it is recommended."
            if recommended
            else "The new model is worse on some metrics; compare before activating."
        )
        (self.activate if recommended else self.discard).setChecked(True)

    def validatePage(self) -> bool:  # noqa: N802 (Finish pressed)
        self.apply(self.activate.isChecked())
        activated = getattr(self.wizard(), "activated", None)
        if self.activate.isChecked() and activated is not None:
            activated.emit()
        return True

    def apply(self, activate: bool) -> list[str]:
        """Activate (pointer switch, then drop versions no longer needed) or discard."""
        done = []
        for plan in self.plans:
            if activate:
                models_active.activate(plan.slot, plan.out)
                models_active.prune(plan.slot)
                done.append(f"activated {plan.slot} {plan.out.name}")
            else:
                models_active.discard(plan.slot, plan.out)
                done.append(f"discarded {plan.slot} {plan.out.name}")
        log.info("; ".join(done))
        return done
