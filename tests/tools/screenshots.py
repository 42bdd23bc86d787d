"""Screenshots for the README: the main window, a conversation (English and Chinese) and the
fine-tuning wizard's training and report pages, drawn by the real widgets from scripted
events and a scripted evaluation, so they are the same on every run.

``scripts/screenshots.sh`` runs ``python -m tests.tools.screenshots docs/screenshots`` under Xvfb
and grabs the X screen with ``xwd``; without an X display each widget renders itself.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from app.config import Config
from app.finetune.jobs import NluOptions
from app.finetune.plan import RunPlan
from app.gui.main_window import MainWindow
from app.gui.wizard.wizard import FineTuneWizard
from app.voice import events as ev
from app.voice.latency import TurnTimes

log = logging.getLogger(__name__)


class ScriptedSession:
    """Accepts commands and does nothing: the scenes post their own events."""

    def start(self, on_event: Callable[[object], None]) -> None:
        pass

    def submit(self, command: object) -> None:
        pass

    def close(self) -> None:
        pass


def _turn(turn_id: int, said: str, reply: str, intent: str, confidence: float, sources: list[str],
          latency_s: float) -> list[object]:  # fmt: skip
    """The events of one finished turn, as the session sends them."""
    times = TurnTimes(transcript_s=100.0, first_sentence_s=100.0 + latency_s, done_s=101.0)
    extra = {"confidence": confidence, "sources": sources}
    events: list[object] = [ev.Transcript(said, "en", turn_id=turn_id)] if said else []
    return [
        *events,
        ev.ReplyText(turn_id, 0, reply),
        ev.TurnDone(turn_id, said, reply, reply, intent, "kb", False, times, extra),
    ]


CONVERSATION: list[object] = [
    ev.Ready(voice=True),
    *_turn(1, "", "Hello! I'm Wenda. Ask me about orders, returns, shipping or payment.",
           "greet", 0.99, [], 0.038),
    *_turn(2, "Where is my order 12345?",
           "Order 12345 shipped on Monday with DHL and should arrive on Thursday.",
           "check_order_status", 0.97, ["orders database"], 0.412),
    *_turn(3, "我想退货，可以吗？",
           "可以。收到商品后30天内可以免费退货，退款会在5个工作日内退回原支付方式。",
           "return_policy", 0.94, ["faq:return-window", "returns-refunds-exchanges.md"], 0.655),
]  # fmt: skip


def _grab(widget: QWidget, path: Path) -> None:
    """The widget as it is on the X screen (xwd) when there is one, else rendered by Qt."""
    for _ in range(20):
        QApplication.processEvents()
    widget.repaint()
    QApplication.processEvents()
    if os.environ.get("DISPLAY") and shutil.which("xwd") and Path("/usr/bin/convert").exists():
        geometry = widget.frameGeometry()
        crop = f"{geometry.width()}x{geometry.height()}+{geometry.x()}+{geometry.y()}"
        xwd = subprocess.run(["xwd", "-root", "-silent"], capture_output=True, check=True)
        subprocess.run(
            ["/usr/bin/convert", "xwd:-", "-crop", crop, "+repage", str(path)],
            input=xwd.stdout,
            check=True,
        )
    else:
        widget.grab().save(str(path))
    print(f"wrote {path}")


def _settle(ms: int = 400) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main_window_scenes(out: Path) -> None:
    window = MainWindow(ScriptedSession(), Config())
    window.move(0, 0)
    window.show()
    window.on_event(ev.Ready(voice=True))
    window.chat.add_wenda("Hello! Type a question, or press the microphone (Ctrl+M) and ask.")
    _settle()
    _grab(window, out / "main-window.png")
    window.chat.clear()
    for event in CONVERSATION:
        window.on_event(event)
    window.chat.bubbles[2].toggle.setChecked(True)
    window.chat.bubbles[-1].toggle.setChecked(True)
    window.voice.mode.setCurrentIndex(1)
    window.voice.listening = True
    window.voice.mic.setChecked(True)
    window.voice.set_state("speaking")
    window.voice.set_level(0.42)
    window.voice.set_transcript("“我想退货，可以吗？”")
    _settle()
    _grab(window, out / "conversation.png")
    window.close()


def _scripted_plan(workdir: Path) -> RunPlan:
    plan = RunPlan(
        "nlu",
        "en",
        workdir,
        workdir / "20250101-120000",
        workdir / "loss.jsonl",
        workdir / "current",
        120,
        workdir,
        NluOptions(),
    )
    wrong = [
        ("can i send it back after six weeks", "return_policy", "cancel_order", 0.58),
        ("my parcel never came", "delivery_problem", "check_order_status", 0.61),
        ("do you take apple pay", "payment_methods", "oos", 0.34),
        ("change where it goes please", "change_address", "shipping_times", 0.47),
    ]
    plan.result = {
        "new": {
            "intent_accuracy": 0.957,
            "slot_f1": 0.931,
            "sentence_accuracy": 0.902,
            "wrong": [
                {"text": t, "gold_intent": g, "predicted_intent": p, "confidence": c}
                for t, g, p, c in wrong
            ],
        },
        "current": {"intent_accuracy": 0.912, "slot_f1": 0.934, "sentence_accuracy": 0.871},
    }
    return plan


def _show_page(wizard: FineTuneWizard, page: object) -> None:
    """Open the wizard on ``page`` (the pages before it are skipped for the picture)."""
    wizard.setStartId(next(i for i in wizard.pageIds() if wizard.page(i) is page))
    wizard.restart()


def wizard_scenes(out: Path) -> None:
    import math

    workdir = Path(tempfile.mkdtemp(prefix="wenda-shots-"))
    wizard = FineTuneWizard(Config())
    wizard.move(0, 0)
    wizard.resize(820, 700)
    plan = _scripted_plan(workdir)
    wizard._plans = [plan]
    page = wizard.train_page
    page.initializePage = lambda: None  # type: ignore[method-assign]  # no real run here
    page.plans = [plan]
    wizard.show()
    _show_page(wizard, page)
    points = [
        {"step": s, "loss": 2.6 * math.exp(-s / 28) + 0.12 + 0.05 * math.sin(s)}
        for s in range(1, 78)
    ]
    page.plot.add_points("nlu", points)
    page.step_label.setText("Train nlu…")
    page.bar.setValue(640)
    page.time_left.setText("about 1 min 05 s left")
    page.log_view.setPlainText(
        "epoch  1  loss 1.2034  dev intent 0.8810  slot F1 0.8532\n"
        "epoch  2  loss 0.4127  dev intent 0.9405  slot F1 0.9120"
    )
    _settle()
    _grab(wizard, out / "wizard-training.png")
    _show_page(wizard, wizard.report_page)
    _settle()
    _grab(wizard, out / "wizard-report.png")
    page.plot.close()
    wizard.hide()
    shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.tools.screenshots")
    parser.add_argument("out", type=Path, help="folder for the PNG files")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Wenda")
    main_window_scenes(args.out)
    wizard_scenes(args.out)
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
