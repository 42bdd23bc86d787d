"""The fine-tuning wizard: data -> validation report -> what to train -> training with a live
loss curve -> evaluation report -> activate or discard.

The wizard holds the run plans its pages share; the work folder (hold-out splits, loss logs,
evaluation reports) is a temporary folder in the user data dir, removed on close. Closing the
wizard while training cancels the run; the trained model folders themselves live in their
slots (``app.models_active``).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QWidget, QWizard

from app import paths
from app.config import Config
from app.finetune.plan import RunPlan, plan_runs
from app.gui.wizard.data_page import DataPage
from app.gui.wizard.options_page import OptionsPage
from app.gui.wizard.report_page import ReportPage
from app.gui.wizard.train_page import TrainPage

log = logging.getLogger(__name__)


class FineTuneWizard(QWizard):
    """Pages: data, options, training, report. ``plans()`` is computed once per run."""

    activated = Signal()  # a new model was made active: the running session should reload

    def __init__(self, config: Config, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.config = config
        self.setWindowTitle("Fine-tune Wenda")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setMinimumSize(760, 620)
        work_root = paths.data_dir() / "finetune-work"
        work_root.mkdir(parents=True, exist_ok=True)
        self.workdir = Path(tempfile.mkdtemp(prefix="run-", dir=work_root))
        self.data_page = DataPage(config.general.language)
        self.options_page = OptionsPage()
        self.train_page = TrainPage()
        self.report_page = ReportPage()
        for page in (self.data_page, self.options_page, self.train_page, self.report_page):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.FinishButton, "Apply")
        self.currentIdChanged.connect(self._on_page)
        self._plans: list[RunPlan] | None = None

    def _on_page(self, page_id: int) -> None:
        page = self.page(page_id)
        if page is self.options_page and self.data_page.report is not None:
            self.options_page.offer(self.data_page.report)
        if page is self.options_page:
            self._plans = None  # options may change: plan again when training starts

    def plans(self) -> list[RunPlan]:
        if self._plans is None:
            assert self.data_page.report is not None
            self._plans = plan_runs(
                self.data_page.report,
                self.options_page.kinds(),
                self.data_page.selected_language(),
                self.config,
                self.workdir,
                self.options_page.nlu_options(),
                self.options_page.generator_options(),
            )
        return self._plans

    def reject(self) -> None:
        """Cancel or Esc: stop training and leave no new model behind."""
        if self.train_page.runner.is_running():
            self.train_page.cancel()
        elif self._plans and self.currentPage() is self.report_page:
            self.report_page.apply(activate=False)
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.train_page.cancel()
        self.train_page.plot.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self.train_page.plot.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
        super().done(result)
