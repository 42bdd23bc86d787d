"""A line under the window's title while the domain's tuned models are still training (the
first start, or after the domain was edited): how far, how long, and that answers come from
simpler models until then. Hidden when they are ready.

It reads the training job's progress file every few seconds (``app.store.domain_models``: file
reads only, no model and no torch in the window's process); the session switches to the tuned
models by itself when they land, so the window only has to say so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

from app.config import Config

log = logging.getLogger(__name__)

POLL_MS = 3000


def training_text(config: Config) -> str:
    """The note for ``config``'s language, or "" when its tuned models are ready."""
    from app.domains import domain_dir
    from app.store.domain_models import read_domain_meta
    from app.store.domain_progress import language_training

    folder = domain_dir(config)
    language = config.general.language
    if language not in read_domain_meta(folder)[1]:
        return ""
    status = language_training(folder, language)
    if status.ready:
        return ""
    if status.training:
        left = status.seconds_left
        when = f", about {max(1, round(left / 60))} min left" if left else ""
        return (
            f"Tuned models are still training: {status.percent}%{when}. "
            "Until then answers come from simpler models."
        )
    if status.error:
        return "Training the tuned models failed (see wenda doctor); simpler models answer."
    return "Tuned models are not trained yet; simpler models answer until they are."


class TrainingNote(QLabel):
    """The note, refreshed every ``POLL_MS`` while it has something to say."""

    def __init__(self, config: Callable[[], Config], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingNote")
        self.setWordWrap(True)
        self._config = config
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)
        self.refresh()
        self.timer.start()

    def refresh(self) -> None:
        try:
            text = training_text(self._config())
        except Exception as e:  # a note must never break the window
            log.info("no training note: %s", e)
            text = ""
        self.setText(text)
        self.setVisible(bool(text))
