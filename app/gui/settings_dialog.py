"""Settings: audio devices, language, voice, speech recognition, generator, domain folder and
privacy, saved to the config file through :func:`app.config_file.set_user_setting`.

Only the settings the user changed are written (the file keeps holding just those), each
validated by app.config first. The device lists load in the background: opening the audio
system can take a moment and the dialog must not freeze meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.config import Config, ConfigError
from app.config_file import load_config, set_user_setting
from app.gui.background import BackgroundCall

log = logging.getLogger(__name__)

DEFAULT = "(system default)"
LANGUAGES = (("English", "en"), ("中文 (Chinese)", "zh"))
ASR_MODELS = ("auto", "base", "tiny.en")  # asr.model: what the voice loop loads too


def list_audio_devices() -> tuple[list[str], list[str]]:
    """Names of input and output devices (blocking: PortAudio scans the audio system)."""
    from speech.devices import list_devices

    return [name for _, name in list_devices("input")], [n for _, n in list_devices("output")]


def _combo(items: list[tuple[str, str]], current: str, editable: bool = False) -> QComboBox:
    """A combo box whose item data are the config values; an unknown current value is kept."""
    box = QComboBox()
    box.setEditable(editable)
    for label, value in items:
        box.addItem(label, value)
    index = box.findData(current)
    if index < 0:
        box.addItem(current, current)
        index = box.count() - 1
    box.setCurrentIndex(index)
    return box


def combo_value(box: QComboBox) -> str:
    """The config value chosen (typed text for an editable box)."""
    if box.isEditable() and box.currentText() != box.itemText(box.currentIndex()):
        return box.currentText().strip()
    value = box.currentData()
    return str(value if value is not None else box.currentText()).strip()


class SettingsDialog(QDialog):
    """Edit and save settings; ``saved_config`` holds the result after a successful save."""

    def __init__(
        self,
        config: Config,
        on_forget: Callable[[], None] | None = None,
        parent: QWidget | None = None,
        list_devices: Callable[[], tuple[list[str], list[str]]] = list_audio_devices,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setMinimumWidth(520)
        self.config = config
        self.saved_config: Config | None = None
        self._on_forget = on_forget
        self._build()
        self._devices = BackgroundCall(list_devices, self._fill_devices, self._no_devices, self)
        self._devices.start()

    def _build(self) -> None:
        self._fields(self.config)
        forget = QPushButton("Forget me…")
        forget.clicked.connect(self._forget)
        forget.setEnabled(self._on_forget is not None)
        groups: list[tuple[str, list[tuple[str, QWidget]]]] = [
            ("Audio", [("Microphone", self.input_device), ("Speaker", self.output_device)]),
            (
                "Conversation",
                [
                    ("Language", self.language),
                    ("Domain folder", self._browse_row(self.domain)),
                    ("Voice", self.voice),
                    ("", self.speak),
                ],
            ),
            (
                "Speech recognition",
                [
                    ("Engine", self.asr_engine),
                    ("Model", self.asr_model),
                    ("Spoken language", self.asr_language),
                ],
            ),
            (
                "Generator",
                [
                    ("", self.generator_enabled),
                    ("Model folder", self._browse_row(self.generator_model)),
                    ("Server URL", self.generator_url),
                ],
            ),
            ("Privacy", [("", self.history), ("", forget)]),
        ]
        layout = QVBoxLayout(self)
        for title, rows in groups:
            layout.addWidget(self._group(title, rows))
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _fields(self, c: Config) -> None:
        """One editor per setting, showing its current value."""
        self.input_device = _combo([(DEFAULT, "")], c.audio.input_device, editable=True)
        self.output_device = _combo([(DEFAULT, "")], c.audio.output_device, editable=True)
        self.language = _combo(list(LANGUAGES), c.general.language)
        self.voice = _combo([("(default for the language)", "")], c.tts.voice, editable=True)
        self.speak = QCheckBox("Speak replies aloud")
        self.speak.setChecked(c.tts.enabled)
        self.asr_engine = _combo(
            [("faster-whisper", "faster"), ("openai-whisper", "openai")], c.asr.engine
        )
        self.asr_model = _combo([(m, m) for m in ASR_MODELS], c.asr.model, editable=True)
        self.asr_language = _combo(
            [("Detect", "auto"), ("English", "en"), ("Chinese", "zh")], c.asr.language
        )
        self.generator_enabled = QCheckBox("Use the chat model when no answer fits")
        self.generator_enabled.setChecked(c.generator.enabled)
        self.generator_model = QLineEdit(c.models.paths.get("generator", ""))
        self.generator_model.setPlaceholderText("bundled SmolLM2-135M-Instruct")
        self.generator_url = QLineEdit(c.generator.url)
        self.generator_url.setPlaceholderText("empty: run the model on this computer")
        self.domain = QLineEdit(c.general.domain)
        self.domain.setPlaceholderText("bundled online-shop domain")
        self.history = QCheckBox("Keep the conversation history on this computer")
        self.history.setChecked(c.privacy.history)

    @staticmethod
    def _group(title: str, rows: list[tuple[str, QWidget]]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        for label, widget in rows:
            form.addRow(label, widget)
        return box

    def _browse_row(self, edit: QLineEdit) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(edit, 1)
        button = QPushButton("Browse…")
        button.clicked.connect(lambda: self._pick_folder(edit))
        layout.addWidget(button)
        return row

    def _pick_folder(self, edit: QLineEdit) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose a folder", edit.text())
        if folder:
            edit.setText(folder)

    def _fill_devices(self, devices: tuple[list[str], list[str]]) -> None:
        for box, names in zip((self.input_device, self.output_device), devices, strict=True):
            for name in names:
                if box.findData(name) < 0:
                    box.addItem(name, name)

    def _no_devices(self, error: BaseException) -> None:
        tip = f"No audio devices found ({error}); type a device name or leave the default."
        self.input_device.setToolTip(tip)
        self.output_device.setToolTip(tip)

    def _forget(self) -> None:
        if self._on_forget is not None:
            self._on_forget()

    def values(self) -> dict[str, str]:
        """Every setting in the dialog as ``section.key`` -> text for set_user_setting."""
        return {
            "audio.input_device": combo_value(self.input_device),
            "audio.output_device": combo_value(self.output_device),
            "general.language": combo_value(self.language),
            "general.domain": self.domain.text().strip(),
            "tts.voice": combo_value(self.voice),
            "tts.enabled": str(self.speak.isChecked()).lower(),
            "asr.engine": combo_value(self.asr_engine),
            "asr.model": combo_value(self.asr_model),
            "asr.language": combo_value(self.asr_language),
            "generator.enabled": str(self.generator_enabled.isChecked()).lower(),
            "generator.url": self.generator_url.text().strip(),
            "models.paths.generator": self.generator_model.text().strip(),
            "privacy.history": str(self.history.isChecked()).lower(),
        }

    def _current(self, key: str) -> str:
        section, name, *sub = key.split(".")
        value = getattr(getattr(self.config, section), name)
        if sub:
            value = value.get(sub[0], "")
        return str(value).lower() if isinstance(value, bool) else str(value)

    def changed(self) -> dict[str, str]:
        return {k: v for k, v in self.values().items() if v != self._current(k)}

    def save(self) -> None:
        """Write what changed; on a bad value say which and keep the dialog open."""
        try:
            for key, text in self.changed().items():
                set_user_setting(key, text)
            self.saved_config = load_config()
        except ConfigError as e:
            QMessageBox.warning(self, "Settings not saved", str(e))
            return
        log.info("settings saved")
        self.accept()

    def done(self, result: int) -> None:
        self._devices.wait(2.0)  # the device scan holds a reference to this dialog
        super().done(result)
