"""The first time a language is chosen in the settings: prepare its models (encoder, chat
model, voice) with a progress dialog before the session reloads on it.

The preparation runs as a subprocess (``python -m app.store.languages``: conversions load
torch, which the window's process never does) printing one JSON line per progress step; the
dialog shows the model, the step, its percent and the time left.
"""

from __future__ import annotations

import json
import logging
import sys
import time

from PySide6.QtCore import QProcess
from PySide6.QtWidgets import QProgressDialog, QWidget

from app.config import Config

log = logging.getLogger(__name__)


def missing_for(config: Config, language: str) -> list[str]:
    """The names of the bundled models ``language`` needs that are not prepared (file checks)."""
    from app.store.languages import missing_roles
    from app.store.store import ModelStore

    return [e.name for e in missing_roles(ModelStore(config=config), language)]


class LanguagePreparation(QProgressDialog):
    """Runs the preparation; ``exec()`` returns when it ends (``ok`` says how)."""

    def __init__(self, language: str, models: list[str], parent: QWidget | None = None) -> None:
        super().__init__(
            f"Preparing the {language} models: {', '.join(models)}", "", 0, 100, parent
        )
        self.setWindowTitle("Preparing a new language")
        self.setCancelButton(None)  # a half-prepared model is cleaned up, but let it finish
        self.setMinimumDuration(0)
        self.setAutoClose(False)
        self.ok = False
        self.models = models
        self.started = time.monotonic()
        self.process = QProcess(self)
        self.process.readyReadStandardOutput.connect(self._read)
        self.process.finished.connect(self._finished)
        self.process.start(sys.executable, ["-m", "app.store.languages", "--lang", language])

    def _read(self) -> None:
        data = bytes(self.process.readAllStandardOutput().data()).decode("utf-8", "replace")
        for line in data.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if "percent" not in record:
                continue
            index = self.models.index(record["model"]) if record["model"] in self.models else 0
            overall = (index + record["percent"] / 100) / max(1, len(self.models))
            elapsed = time.monotonic() - self.started
            left = elapsed / overall * (1 - overall) if overall > 0.05 else None
            when = f" (about {max(1, round(left))} s left)" if left else ""
            self.setLabelText(f"{record['model']}: {record['step']} {record['percent']}%{when}")
            self.setValue(int(overall * 100))

    def _finished(self, code: int, _status: object) -> None:
        self.ok = code == 0
        if not self.ok:
            error = bytes(self.process.readAllStandardError().data()).decode("utf-8", "replace")
            log.warning("preparing the language failed: %s", error.strip()[-500:])
        self.setValue(100)
        self.done(0)


def prepare_language_dialog(config: Config, language: str, parent: QWidget | None = None) -> bool:
    """Prepare what ``language`` needs if anything is missing, with a progress dialog;
    True when everything is ready afterwards (nothing was missing, or it worked)."""
    models = missing_for(config, language)
    if not models:
        return True
    dialog = LanguagePreparation(language, models, parent)
    dialog.exec()
    return dialog.ok
