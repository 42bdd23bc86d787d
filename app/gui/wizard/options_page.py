"""Wizard page 2: what to train (NLU, generator, both), the base model and a few parameters.

Defaults are the trainers' measured ones, so "Next" with nothing changed is the right choice
for most users. A kind is offered only when the data has it and the trainer is installed.
"""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from app.finetune.jobs import GeneratorOptions, NluOptions
from app.finetune.sources import GENERATOR, NLU, ValidationReport
from app.trainers import trainer_available

log = logging.getLogger(__name__)

LEARNING_RATES = ("5e-05", "0.0001", "0.0002")


def _group(title: str, rows: list[tuple[str, QWidget]]) -> QGroupBox:
    """A titled form; a row without a label spans the width (a check box)."""
    group = QGroupBox(title)
    form = QFormLayout(group)
    for label, widget in rows:
        if label:
            form.addRow(label, widget)
        else:
            form.addRow(widget)
    return group


class OptionsPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("What to train")
        self.setSubTitle(
            "The defaults work well; training runs in the background and can be "
            "cancelled at any time."
        )
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #667085;")
        layout = QVBoxLayout(self)
        layout.addWidget(self._nlu_group())
        layout.addWidget(self._generator_group())
        layout.addWidget(self.note)
        layout.addStretch(1)
        for box in (self.train_nlu, self.train_generator):
            box.toggled.connect(lambda _: self.completeChanged.emit())

    def _nlu_group(self) -> QGroupBox:
        self.train_nlu = QCheckBox("Understanding (NLU): intents and slots")
        self.nlu_base = QLineEdit()
        self.nlu_base.setPlaceholderText("bundled encoder for the language")
        self.nlu_epochs = QSpinBox()
        self.nlu_epochs.setRange(1, 50)
        self.nlu_epochs.setValue(NluOptions().epochs)
        self.nlu_epochs.setSuffix(" (most; early stopping)")
        self.nlu_lr = QComboBox()
        self.nlu_lr.addItems(LEARNING_RATES)
        self.nlu_lr.setCurrentText("0.0001")
        self.nlu_lora = QCheckBox("LoRA adapters instead of all weights")
        return _group(
            "NLU",
            [
                ("", self.train_nlu),
                ("Base encoder", self.nlu_base),
                ("Epochs", self.nlu_epochs),
                ("Learning rate", self.nlu_lr),
                ("", self.nlu_lora),
            ],
        )

    def _generator_group(self) -> QGroupBox:
        self.train_generator = QCheckBox("Generator: replies in your domain's style (LoRA)")
        self.gen_base = QLineEdit()
        self.gen_base.setPlaceholderText("bundled chat model for the language")
        self.gen_epochs = QSpinBox()
        self.gen_epochs.setRange(1, 20)
        self.gen_epochs.setValue(GeneratorOptions().epochs)
        self.gen_rank = QSpinBox()
        self.gen_rank.setRange(1, 128)
        self.gen_rank.setValue(GeneratorOptions().rank)
        self.gen_steps = QSpinBox()
        self.gen_steps.setRange(0, 100000)
        self.gen_steps.setSpecialValueText("whole epochs")
        return _group(
            "Generator",
            [
                ("", self.train_generator),
                ("Base model", self.gen_base),
                ("Epochs", self.gen_epochs),
                ("LoRA rank", self.gen_rank),
                ("Max steps", self.gen_steps),
            ],
        )

    def offer(self, report: ValidationReport) -> None:
        """Enable the kinds the data has (and the trainer supports); tick them by default."""
        notes = []
        for kind, box in ((NLU, self.train_nlu), (GENERATOR, self.train_generator)):
            has_data = report.first(kind) is not None
            can_train = trainer_available(kind)
            box.setEnabled(has_data and can_train)
            box.setChecked(has_data and can_train)
            if has_data and not can_train:
                notes.append(f"`wenda train {kind}` is not installed, so {kind} is skipped.")
            elif not has_data:
                notes.append(f"No {kind} data was found.")
        self.note.setText(" ".join(notes))
        self.completeChanged.emit()

    def kinds(self) -> list[str]:
        return [
            k
            for k, box in ((NLU, self.train_nlu), (GENERATOR, self.train_generator))
            if box.isChecked() and box.isEnabled()
        ]

    def nlu_options(self) -> NluOptions:
        return NluOptions(
            base=self.nlu_base.text().strip(),
            epochs=self.nlu_epochs.value(),
            learning_rate=float(self.nlu_lr.currentText()),
            lora=self.nlu_lora.isChecked(),
        )

    def generator_options(self) -> GeneratorOptions:
        return GeneratorOptions(
            base=self.gen_base.text().strip(),
            epochs=self.gen_epochs.value(),
            rank=self.gen_rank.value(),
            max_steps=self.gen_steps.value(),
        )

    def isComplete(self) -> bool:  # noqa: N802 (Qt's name)
        return bool(self.kinds())
