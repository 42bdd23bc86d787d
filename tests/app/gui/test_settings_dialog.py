"""Settings are written to the config file (only what changed) and read back next time."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from app import paths
from app.config_file import load_config, read_user_settings
from app.gui.settings_dialog import SettingsDialog

pytestmark = pytest.mark.gui


def devices() -> tuple[list[str], list[str]]:
    return ["Virtual mic"], ["Virtual speaker", "HDMI"]


def _dialog(qtbot, forget=None) -> SettingsDialog:
    dialog = SettingsDialog(load_config(), on_forget=forget, list_devices=devices)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.input_device.findData("Virtual mic") >= 0, timeout=3000)
    return dialog


def test_settings_persist(qtbot) -> None:
    dialog = _dialog(qtbot)
    dialog.input_device.setCurrentIndex(dialog.input_device.findData("Virtual mic"))
    dialog.output_device.setCurrentIndex(dialog.output_device.findData("HDMI"))
    dialog.language.setCurrentIndex(dialog.language.findData("zh"))
    dialog.asr_engine.setCurrentIndex(dialog.asr_engine.findData("openai"))
    dialog.asr_model.setEditText("tiny.en")
    dialog.voice.setEditText("zf_xiaobei")
    dialog.history.setChecked(False)
    dialog.speak.setChecked(False)
    dialog.domain.setText("/data/my-domain")
    dialog.generator_model.setText("/models/my-chat")
    dialog.save()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    saved = read_user_settings(paths.config_file())
    assert saved["audio"] == {"input_device": "Virtual mic", "output_device": "HDMI"}
    assert saved["privacy"] == {"history": False}
    assert saved["models"] == {"paths": {"generator": "/models/my-chat"}}
    assert "generator" not in saved  # unchanged settings are not written
    config = load_config()
    assert (config.general.language, config.asr.engine, config.asr.model) == (
        "zh",
        "openai",
        "tiny.en",
    )
    assert (config.tts.voice, config.tts.enabled, config.general.domain) == (
        "zf_xiaobei",
        False,
        "/data/my-domain",
    )
    again = _dialog(qtbot)
    assert again.values()["audio.output_device"] == "HDMI"
    assert again.values()["general.language"] == "zh"
    assert not again.history.isChecked()
    assert again.changed() == {}


def test_unchanged_dialog_writes_nothing(qtbot) -> None:
    dialog = _dialog(qtbot)
    dialog.save()
    assert not paths.config_file().exists()


def test_bad_value_is_reported_not_saved(qtbot, monkeypatch) -> None:
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    dialog = _dialog(qtbot)
    dialog.asr_language.addItem("klingon", "tlh")
    dialog.asr_language.setCurrentIndex(dialog.asr_language.count() - 1)
    dialog.save()
    assert warnings and "asr.language" in warnings[0]
    assert dialog.result() != SettingsDialog.DialogCode.Accepted


def test_forget_me_button_calls_back(qtbot) -> None:
    calls = []
    dialog = _dialog(qtbot, forget=lambda: calls.append(1))
    dialog._forget()
    assert calls == [1]


def test_whisper_chosen_in_the_dialog_is_the_one_the_voice_loop_loads(qtbot) -> None:
    """The dialog edits asr.model; the voice loop reads the same key (it read
    voice.asr_model, which the dialog never showed)."""
    from app.serving import Asked, resolve
    from app.store.store import ModelStore

    store = ModelStore()
    loop = resolve(load_config(), Asked(generator=False), speech=True, store=store)
    assert loop.asr is not None and loop.asr.model_path == store.path("asr-fast")  # auto, en
    dialog = _dialog(qtbot)
    dialog.asr_model.setCurrentIndex(dialog.asr_model.findData("base"))
    dialog.save()
    loop = resolve(load_config(), Asked(generator=False), speech=True, store=store)
    assert loop.asr is not None and loop.asr.model_path == store.path("asr")
