"""The event-loop stall probe, and the stall while a real chat model generates replies into
the window (generation runs on the session's worker thread, never on the GUI thread).

Run with ``-s`` to see the numbers reported in BENCHMARKS.md."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QTimer

from app.config import Config
from app.gui.main_window import MainWindow
from app.gui.stall_probe import StallProbe
from app.gui.text_session import TextSession
from tests.app.gui.fakes import Chunk, Result

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


class GeneratorDialogue:
    """The bundled chat model streaming replies token by token, as the dialogue would."""

    language = "en"

    def __init__(self, model: str) -> None:
        from dialogue.generator import GeneratorOptions, make_generator

        self.generator = make_generator(GeneratorOptions(model=model, timeout_s=300))

    def stream(self, text: str, stop: threading.Event | None = None) -> Iterator[object]:
        from dialogue.generation import GenerationRequest

        started = time.perf_counter()
        pieces = []
        for piece in self.generator.stream(GenerationRequest(text, max_new_tokens=32), stop):
            pieces.append(piece)
            yield Chunk(piece)
        latency = (time.perf_counter() - started) * 1000
        yield Result(text, "".join(pieces), "chitchat", 1.0, [], latency)


@pytest.mark.slow
def test_stall_while_generating(qtbot) -> None:
    from app.store.store import ModelStore

    probe = StallProbe()
    probe.start()
    qtbot.wait(3000)
    report("idle (baseline: other processes on this machine)", probe)
    model = ModelStore(config=Config()).path("generator")
    session = TextSession(lambda: GeneratorDialogue(model))
    window = MainWindow(session, Config())
    qtbot.addWidget(window)
    session.start(window.bridge.post)
    window.show()
    probe.start()
    qtbot.waitUntil(session.loaded.is_set, timeout=120000)
    report("model load (torch and transformers imported on the session's worker)", probe)
    probe.start()
    window.input.setText("Tell me a short story about a parcel.")
    window.send_typed()
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
