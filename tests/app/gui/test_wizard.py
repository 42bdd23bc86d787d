"""The fine-tuning wizard end to end on tiny NLU data: validation report, one epoch of real
training in a subprocess with a live loss curve, the evaluation report, activation and
rollback; plus the error report and cancelling."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QWizard

from app import models_active
from app.config import Config
from app.finetune.current import current_model
from app.gui.wizard.wizard import FineTuneWizard
from tests.tools.stall_probe import StallProbe

pytestmark = pytest.mark.gui


@pytest.fixture
def wizard(qtbot):
    wiz = FineTuneWizard(Config())
    qtbot.addWidget(wiz)
    wiz.show()
    yield wiz
    wiz.close()


def _to_training(
    qtbot, wizard: FineTuneWizard, data: Path, probe: StallProbe | None = None
) -> None:
    if probe:
        probe.start()
    wizard.data_page.set_paths([data])
    qtbot.waitUntil(wizard.data_page.isComplete, timeout=60000)
    if probe:
        stats = probe.stop()
        print(f"\nSTALL validation: max {stats.max_ms:.1f} ms over {stats.seconds:.1f} s")
        probe.start()
    wizard.next()
    options = wizard.options_page
    assert options.train_nlu.isChecked() and not options.train_generator.isEnabled()
    options.nlu_epochs.setValue(1)
    wizard.next()
    assert wizard.currentPage() is wizard.train_page


def _train(qtbot, wizard: FineTuneWizard, data: Path, probe: StallProbe) -> Path:
    _to_training(qtbot, wizard, data, probe)
    qtbot.waitUntil(lambda: wizard.train_page.done, timeout=240000)
    page = wizard.train_page
    assert page.ok, page.log_view.toPlainText()
    assert page.plot.points("nlu") >= 1
    wizard.next()
    assert wizard.currentPage() is wizard.report_page
    return wizard.plans()[0].out


@pytest.mark.slow
def test_whole_wizard_run_then_rollback(qtbot, tiny_nlu: Path) -> None:
    outs = []
    # Before any activation the comparison is with the domain model `wenda models prepare`
    # trained, when the cache has one; the second run is compared with the first.
    prepared = current_model("nlu", "en", Config())
    for run in range(2):
        wizard = FineTuneWizard(Config())
        qtbot.addWidget(wizard)
        wizard.show()
        probe = StallProbe()
        out = _train(qtbot, wizard, tiny_nlu, probe)
        stall = probe.stop()
        report = wizard.report_page
        metrics = {report.metrics.item(r, 1).text(): r for r in range(report.metrics.rowCount())}
        assert {"intent_accuracy", "slot_f1", "sentence_accuracy"} <= set(metrics)
        current = report.metrics.item(metrics["intent_accuracy"], 2).text()
        assert (current == "—") == (run == 0 and prepared is None)
        report.activate.setChecked(True)
        with qtbot.waitSignal(wizard.activated, timeout=5000):  # the window reloads on it
            wizard.button(QWizard.WizardButton.FinishButton).click()
        assert models_active.active_model("nlu-en") == out
        assert (out / "report.json").exists()
        outs.append(out)
        print(
            f"\nSTALL training + evaluation (subprocesses), run {run}: max {stall.max_ms:.1f} ms, "
            f"p99 {stall.p99_ms:.1f} ms over {stall.seconds:.1f} s"
        )
        wizard.close()
    pointer = models_active.read_pointer("nlu-en")
    assert (pointer.active, pointer.previous) == (outs[1].name, outs[0].name)
    models_active.rollback("nlu-en")
    assert models_active.active_model("nlu-en") == outs[0]


def test_validation_errors_block_training(qtbot, wizard: FineTuneWizard, tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text('{"text": "hi", "intent": "greet"}\n{"text": "hello"\n', encoding="utf-8")
    wizard.data_page.set_paths([path])
    qtbot.waitUntil(lambda: wizard.data_page.report is not None, timeout=30000)
    assert not wizard.data_page.isComplete()
    text = wizard.data_page.browser.toPlainText()
    assert "broken.jsonl:2" in text and "must be fixed" in text


@pytest.mark.slow
def test_cancel_leaves_no_model(qtbot, wizard: FineTuneWizard, tiny_nlu: Path) -> None:
    _to_training(qtbot, wizard, tiny_nlu)
    plan = wizard.plans()[0]
    qtbot.waitUntil(lambda: wizard.train_page.runner.process is not None, timeout=30000)
    wizard.train_page.cancel()
    qtbot.waitUntil(lambda: wizard.train_page.done, timeout=30000)
    assert not wizard.train_page.ok
    assert "cancelled" in wizard.train_page.step_label.text()
    assert not plan.out.exists()
    assert not list(plan.out.parent.glob(f".{plan.out.name}.tmp-*"))
    assert models_active.active_model("nlu-en") is None
