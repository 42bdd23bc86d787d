"""Wizard page 1: pick a domain folder or data files, see the validation report.

Validation reads every file (SNIPS-sized data takes a second or two), so it runs on a
background thread; the page shows each data set's summary and every problem with its file
and line, and lets the user go on only when there is no error.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWizardPage,
)

from app.finetune.sources import ValidationReport, validate
from app.gui.background import BackgroundCall

log = logging.getLogger(__name__)


def report_html(report: ValidationReport) -> str:
    """The validation report as simple HTML: data sets with summaries, then problems."""
    parts = []
    if report.ok:
        parts.append("<p style='color:#027a48'><b>✔ The data is ready for training.</b></p>")
    elif report.errors:
        count = len(report.errors)
        parts.append(
            f"<p style='color:#b42318'><b>✘ {count} error{'s' * (count != 1)} "
            "must be fixed before training.</b></p>"
        )
    for dataset in report.datasets:
        title = "NLU (intents and slots)" if dataset.kind == "nlu" else "Generator (dialogues)"
        lines = "<br>".join(html.escape(line) for line in dataset.summary[:14])
        more = "<br>…" if len(dataset.summary) > 14 else ""
        parts.append(
            f"<p><b>{title}</b> — {html.escape(str(dataset.path))}<br>"
            f"<span style='color:#475467'>{lines}{more}</span></p>"
        )
    if report.problems:
        rows = []
        for p in report.problems[:200]:
            colour = "#b42318" if p.severity == "error" else "#b54708"
            where = f"{Path(p.source).name}:{p.line}" if p.line else Path(p.source).name
            rows.append(
                f"<tr><td style='color:{colour}'>{p.severity}</td>"
                f"<td><code>{html.escape(where)}</code></td>"
                f"<td>{html.escape(p.message)}</td></tr>"
            )
        parts.append("<p><b>Problems</b></p><table cellspacing='6'>" + "".join(rows) + "</table>")
        if len(report.problems) > 200:
            parts.append(f"<p>… and {len(report.problems) - 200} more</p>")
    return "".join(parts)


def _validate_and_warm_up(picked: list[Path], language: str) -> ValidationReport:
    """Validate, then import what planning the run needs, so that import (a few hundred ms
    of module loading) never happens on the GUI thread."""
    report = validate(picked, language)
    import app.conversation  # noqa: F401
    import app.finetune.plan  # noqa: F401

    return report


class DataPage(QWizardPage):
    """Sets ``wizard().state.report`` once a validation finished."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.setTitle("Choose your data")
        self.setSubTitle(
            "A domain folder (its NLU examples and example dialogues), or data "
            "files: NLU JSONL, JointBERT folders, or chat JSONL."
        )
        self.picked: list[Path] = []
        self.report: ValidationReport | None = None
        self._call: BackgroundCall | None = None
        self._generation = 0  # a newer validation makes an older one's result stale
        self.language = QComboBox()
        self.language.addItem("English", "en")
        self.language.addItem("中文 (Chinese)", "zh")
        self.language.setCurrentIndex(max(0, self.language.findData(language)))
        self.language.currentIndexChanged.connect(lambda _: self.start_validation())
        folder = QPushButton("Domain folder…")
        folder.clicked.connect(self._pick_folder)
        files = QPushButton("Data files…")
        files.clicked.connect(self._pick_files)
        self.picked_label = QLabel("Nothing chosen yet.")
        self.picked_label.setWordWrap(True)
        self.status = QLabel("")
        self.browser = QTextBrowser()
        self.browser.setOpenLinks(False)
        row = QHBoxLayout()
        row.addWidget(folder)
        row.addWidget(files)
        row.addStretch(1)
        row.addWidget(QLabel("Language:"))
        row.addWidget(self.language)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.picked_label)
        layout.addWidget(self.status)
        layout.addWidget(self.browser, 1)

    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Domain or data folder")
        if folder:
            self.set_paths([Path(folder)])

    def _pick_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Data files", "", "JSON lines (*.jsonl)")
        if names:
            self.set_paths([Path(n) for n in names])

    def set_paths(self, paths: list[Path]) -> None:
        """Choose what to train on (also used by tests) and validate it."""
        self.picked = list(paths)
        self.picked_label.setText("Chosen: " + ", ".join(str(p) for p in self.picked))
        self.start_validation()

    def selected_language(self) -> str:
        return str(self.language.currentData())

    def start_validation(self) -> None:
        if not self.picked:
            return
        self.report = None
        self.completeChanged.emit()
        self.status.setText("Checking the data…")
        self.browser.clear()
        picked, language = list(self.picked), self.selected_language()
        self._generation += 1
        generation = self._generation
        self._call = BackgroundCall(
            lambda: _validate_and_warm_up(picked, language),
            lambda report: self._on_report(report) if generation == self._generation else None,
            self._on_failure,
            self,
        )
        self._call.start()

    def _on_report(self, report: ValidationReport) -> None:
        self.report = report
        self.status.setText("")
        self.browser.setHtml(report_html(report))
        self.completeChanged.emit()

    def _on_failure(self, error: BaseException) -> None:
        self.status.setText(f"The data could not be checked: {error}")

    def isComplete(self) -> bool:  # noqa: N802 (Qt's name)
        return self.report is not None and self.report.ok

    def cleanupPage(self) -> None:  # noqa: N802
        if self._call is not None:
            self._call.wait(5.0)
