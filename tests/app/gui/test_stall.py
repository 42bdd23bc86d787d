"""The event-loop stall probe, and the stall while a real chat model loads and generates a
reply into the window (both in the session process, never in the window's).

Run with ``-s`` to see the numbers reported in BENCHMARKS.md."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer

from app.config import Config
from app.gui.main_window import MainWindow
from app.gui.session_process import SessionProcess
from app.gui.sessions import SessionHost
from tests.fakes.session import no_voice
from tests.tools.stall_probe import StallProbe

pytestmark = pytest.mark.gui


def report(phase: str, probe: StallProbe) -> float:
    stats = probe.stop()
    print(
        f"\nSTALL {phase}: max {stats.max_ms:.1f} ms, p99 {stats.p99_ms:.1f} ms, "
        f"{stats.ticks} ticks over {stats.seconds:.1f} s"
    )
    return stats.max_ms


def test_probe_measures_a_blocked_loop(qtbot) -> None:
    probe = StallProbe()
    probe.start()
    qtbot.wait(50)
    QTimer.singleShot(0, lambda: time.sleep(0.12))
    qtbot.wait(100)
    stats = probe.stop()
    assert 100 <= stats.max_ms < 400 and stats.ticks > 5


class GeneratorConversation:
    """The bundled chat model streaming every reply token by token, as the dialogue's
    fallback does (here for every turn, so each turn is a long generation)."""

    def __init__(self) -> None:
        from app.store.store import ModelStore
        from dialogue.generator import GeneratorOptions, make_generator

        model = ModelStore(config=Config()).path("generator")
        self.generator = make_generator(GeneratorOptions(model=model, timeout_s=300))

    def respond(self, text: str, stop: threading.Event) -> Iterator[object]:
        from app.voice.engines import ReplyInfo
        from dialogue.generation import GenerationRequest

        yield from self.generator.stream(GenerationRequest(text, max_new_tokens=48), stop)
        yield ReplyInfo("chitchat", "generator")

    def heard(self, text: str) -> None:
        pass


def generator_host() -> SessionHost:
    """Runs in the session process: typed chat on the real generator."""
    return SessionHost(Config(), no_voice, lambda config: GeneratorConversation())


@pytest.mark.slow
def test_stall_while_loading_and_generating(qtbot) -> None:
    probe = StallProbe()
    probe.start()
    qtbot.wait(3000)
    report("idle (baseline: other processes on this machine)", probe)
    session = SessionProcess(generator_host)
    window = MainWindow(session, Config())
    qtbot.addWidget(window)
    window.show()
    probe.start()
    session.start(window.bridge.post)
    window.input.setText("Tell me a short story about a parcel.")
    window.send_typed()  # typed while the model loads: answered once it is up
    qtbot.waitUntil(lambda: window.ready is not None, timeout=180000)
    report("model load (torch, transformers, weights: in the session process)", probe)
    probe.start()
    qtbot.waitUntil(
        lambda: bool(window.chat.bubbles) and window.chat.bubbles[-1].turn is not None,
        timeout=300000,
    )
    worst = report("generation (one streamed reply)", probe)
    window.close()
    session.close()
    assert not window.errors
    assert len(window.chat.bubbles[-1].text()) > 10
    assert worst < 500  # a model call on the GUI thread would block for seconds


@pytest.mark.slow
def test_the_apps_own_session_loads_and_answers(qtbot) -> None:
    """``make_session`` as ``wenda`` runs it: voice if a microphone and speaker open, else
    typed chat; either way the real dialogue answers a typed question, and the window stays
    responsive while the models load in the session process."""
    from app.gui.app import make_session

    session = make_session(Config())
    window = MainWindow(session, Config())
    qtbot.addWidget(window)
    window.show()
    probe = StallProbe()
    probe.start()
    session.start(window.bridge.post)
    window.input.setText("What are your opening hours?")
    window.send_typed()
    qtbot.waitUntil(lambda: window.ready is not None, timeout=240000)
    report(f"model load (the app's session, voice={window.ready.voice})", probe)
    probe.start()
    qtbot.waitUntil(lambda: window.chat.bubbles[-1].turn is not None, timeout=120000)
    worst = report("first typed turn (real dialogue)", probe)
    window.close()
    session.close()
    turn = window.chat.bubbles[-1].turn
    assert turn.reply and turn.intent, window.errors
    assert worst < 500


def test_stall_while_the_loss_curve_updates(qtbot, tmp_path) -> None:
    """The wizard's live loss curve redrawn with a new point every 100 ms (training sends
    one at most every 300 ms): each redraw runs on the GUI thread."""
    import math

    from app.gui.wizard.wizard import FineTuneWizard
    from tests.tools.screenshots import _scripted_plan, _show_page

    wizard = FineTuneWizard(Config())
    qtbot.addWidget(wizard)
    page = wizard.train_page
    plan = _scripted_plan(tmp_path)
    wizard._plans, page.plans = [plan], [plan]
    page.initializePage = lambda: None  # the points come from this test, not a real run
    wizard.show()
    _show_page(wizard, page)
    qtbot.wait(300)
    probe = StallProbe()
    probe.start()
    for step in range(1, 40):
        page.plot.add_points("nlu", [{"step": step, "loss": 2.6 * math.exp(-step / 28)}])
        qtbot.wait(100)
    worst = report("live loss curve (a point every 100 ms)", probe)
    assert page.plot.points("nlu") == 39
    page.plot.close()
    assert worst < 500
