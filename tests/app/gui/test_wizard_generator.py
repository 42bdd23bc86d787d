"""The fine-tuning window's LoRA half, driven as a user does: pick chat data, choose the
generator with a few steps, train the real chat model (SmolLM2-135M from the model cache) in
a subprocess with a live loss curve, read the evaluation, activate, and see the resolver
serve the new adapter; then roll back and see the base model served again.

The window used to grey the generator out whatever the data: it looked for the trainer in the
command line's table, which listed only the NLU.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWizard

from app import models_active
from app.config import Config
from app.domains import bundled_domain_dir
from app.finetune.current import current_model
from app.gui.wizard.wizard import FineTuneWizard
from app.serving import resolve
from app.store.served import served_root, served_source
from tests import REPO

pytestmark = pytest.mark.gui

MINI_DOMAIN = REPO / "tests" / "training" / "generator" / "mini_domain" / "en"


def chat_data(folder: Path) -> Path:
    """The mini domain as one chat JSONL file a user could hand in: its dialogues, and the
    first question of each FAQ entry answered from the answer given as a passage (a handful
    of examples, so a few steps take seconds)."""
    lines = MINI_DOMAIN.joinpath("dialogues.jsonl").read_text(encoding="utf-8").splitlines()
    for line in MINI_DOMAIN.joinpath("faq.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        for question in entry["questions"][:1]:
            chat = {
                "messages": [
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": entry["answer"]},
                ],
                "passages": [{"text": entry["answer"], "source": f"faq:{entry['id']}"}],
            }
            lines.append(json.dumps(chat))
    path = folder / "shop-chats.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def served_adapter() -> str:
    """The adapter the resolver serves now: named beside the model (transformers), or merged
    into the served CTranslate2 folder ("" for the base model alone)."""
    served = resolve(Config()).generator
    assert served is not None, "the bundled chat model is not prepared"
    if served.engine == "ctranslate2":
        return served_source(Path(served.model)).get("adapter", "")
    return served.adapter


def _to_options(qtbot, data: Path) -> FineTuneWizard:
    """A wizard on its second page, with ``data`` picked and validated."""
    wizard = FineTuneWizard(Config())
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.data_page.set_paths([data])
    qtbot.waitUntil(wizard.data_page.isComplete, timeout=60000)
    wizard.next()
    return wizard


def test_generator_is_offered_for_chat_data(qtbot, tmp_path: Path) -> None:
    wizard = _to_options(qtbot, chat_data(tmp_path))
    options = wizard.options_page
    assert options.train_generator.isEnabled() and options.train_generator.isChecked()
    assert not options.train_nlu.isEnabled()  # no NLU data picked
    assert options.kinds() == ["generator"] and "not installed" not in options.note.text()
    wizard.close()


@pytest.mark.slow
def test_whole_generator_run_activate_and_roll_back(qtbot, tmp_path: Path) -> None:
    shipped = bundled_domain_dir() / "adapters" / "en"  # the shop's own, served until then
    before = served_adapter()  # converted once per content: maybe from another checkout's copy
    assert Path(before).parts[-4:] == ("domains", "shop", "adapters", "en"), before
    wizard = _to_options(qtbot, chat_data(tmp_path))
    options = wizard.options_page
    assert options.train_generator.isChecked()
    options.gen_epochs.setValue(1)
    options.gen_steps.setValue(2)
    wizard.next()
    page = wizard.train_page
    assert wizard.currentPage() is page
    qtbot.waitUntil(lambda: page.done, timeout=600000)
    assert page.ok, page.log_view.toPlainText()
    assert page.plot.points("generator") >= 1  # the live loss curve
    wizard.next()
    report = wizard.report_page
    assert wizard.currentPage() is report
    rows = {report.metrics.item(r, 1).text(): r for r in range(report.metrics.rowCount())}
    assert {"loss", "perplexity"} <= set(rows)
    for metric in ("loss", "perplexity"):
        base, new = (float(report.metrics.item(rows[metric], c).text()) for c in (2, 3))
        assert base > 0 and new > 0
    (plan,) = wizard.plans()
    report.activate.setChecked(True)
    with qtbot.waitSignal(wizard.activated, timeout=5000):  # the window reloads on it
        wizard.button(QWizard.WizardButton.FinishButton).click()
    try:
        assert models_active.active_model("generator-en") == plan.out
        assert served_adapter() == str(plan.out)
        assert current_model("generator", "en", Config()) == plan.out
        wizard.close()
        models_active.rollback("generator-en")
        assert served_adapter() == before  # the domain's own adapter again
        assert current_model("generator", "en", Config()) == shipped
    finally:  # the served conversion of this run's adapter lives in the shared model cache
        for path in served_root().glob(f"*+{plan.out.name}-*"):  # with its lock file
            shutil.rmtree(path) if path.is_dir() else path.unlink()
