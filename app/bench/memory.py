"""``wenda bench memory``: resident memory of the desktop app with every default model loaded.

The app as a user runs it: the real window (offscreen Qt) and its session process, built by
:func:`app.gui.app.make_session` on a private PulseAudio server with a virtual microphone
and speaker, so voice loads exactly as on a desktop (VAD, Whisper, Piper, the domain's NLU,
the knowledge base and the chat model). Then a conversation: typed turns answered by
templates, the FAQ and the chat model, and one question spoken into the microphone by a
person (a LibriVox recording). A sampler thread reads both processes every 50 ms.

Reported per process and for the app as a whole: resident set size (RSS) after loading, at
the end and at its peak, and the proportional set size (PSS: shared library pages split
between the two processes, so the total is not counted twice). The target is the app under
1.5 GB resident (the ground rules): ``total_rss_mb_peak`` is that number.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import psutil

from app.bench.utterances import LIBRIVOX, real_recordings
from app.voice import events as ev

TARGET_MB = 1500
SAMPLE_S = 0.05
PSS_EVERY = 10  # samples between PSS reads (reading smaps costs a few ms)
LOAD_TIMEOUT_S = 600.0
TURN_TIMEOUT_S = 300.0
# Template, FAQ and chat-model turns (the chat model answers what nothing else does).
TYPED_TURNS = (
    "Hello there.",
    "What are your opening hours?",
    "How much does shipping cost?",
    "Tell me a joke.",
    "Hello.",
    "Write me a short poem about the sea.",
    "Thank you very much.",
)


@dataclass
class MemorySampler:
    """Samples the RSS of some processes on a thread; PSS now and then. Sizes in bytes."""

    processes: dict[str, psutil.Process]
    peak_rss: dict[str, int] = field(default_factory=dict)
    peak_total_rss: int = 0
    peak_total_pss: int = 0
    span_peak: int = 0  # the highest total RSS since the last :meth:`take_span_peak`
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)

    def take_span_peak(self) -> int:
        """The highest total RSS since the last call (per turn), and start a new span."""
        peak, self.span_peak = self.span_peak, sum(self.rss().values())
        return peak

    def rss(self) -> dict[str, int]:
        return {name: _rss(p) for name, p in self.processes.items()}

    def pss(self) -> dict[str, int]:
        return {name: _pss(p) for name, p in self.processes.items()}

    def _run(self) -> None:
        count = 0
        while not self._stop.wait(SAMPLE_S):
            now = self.rss()
            for name, value in now.items():
                self.peak_rss[name] = max(self.peak_rss.get(name, 0), value)
            self.peak_total_rss = max(self.peak_total_rss, sum(now.values()))
            self.span_peak = max(self.span_peak, sum(now.values()))
            if count % PSS_EVERY == 0:
                self.peak_total_pss = max(self.peak_total_pss, sum(self.pss().values()))
            count += 1


def _more_than(items: list[Any], count: int) -> bool:
    return len(items) > count


def _rss(process: psutil.Process) -> int:
    try:
        return int(process.memory_info().rss)
    except psutil.Error:  # the session process has ended
        return 0


def _pss(process: psutil.Process) -> int:
    try:
        return int(getattr(process.memory_full_info(), "pss", 0))
    except psutil.Error:
        return 0


def _mb(value: int) -> int:
    return round(value / 2**20)


def _wait(qt_app: Any, done: Callable[[], bool], timeout_s: float, what: str) -> None:
    """Run the Qt event loop until ``done()`` (the window gets its events meanwhile)."""
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {timeout_s:.0f} s")
        qt_app.processEvents()
        time.sleep(0.01)


@dataclass
class Run:
    """What one run measured: memory after loading and at the end (bytes per process), the
    peak of each span (loading, then each turn) and the turns the window finished."""

    load_s: float = 0.0
    loaded_rss: dict[str, int] = field(default_factory=dict)
    loaded_pss: dict[str, int] = field(default_factory=dict)
    end_rss: dict[str, int] = field(default_factory=dict)
    end_pss: dict[str, int] = field(default_factory=dict)
    span_peaks: list[int] = field(default_factory=list)
    turns: list[ev.TurnDone] = field(default_factory=list)


def run(args: argparse.Namespace) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.bench.virtual_audio import VirtualAudio
    from app.bench.voice import private_data

    recording = next(iter(real_recordings(limit=1)), None)
    if recording is None:
        raise FileNotFoundError(
            f"no recording in {LIBRIVOX}: install pocketsphinx-testdata (apt-get install "
            "pocketsphinx-testdata) for the spoken turn"
        )
    with (
        tempfile.TemporaryDirectory(prefix="wenda-bench-memory-") as tmp,
        private_data(Path(tmp) / "data"),
        VirtualAudio() as audio,
    ):
        sampler, measured = _run_app(args.config, audio, recording.path)
    return _report(sampler, measured, args.config)


def _run_app(config: Any, audio: Any, recording: Path) -> tuple[MemorySampler, Run]:
    """Start the window and its session process, converse, close; sampling all along."""
    from app.gui.app import make_session, qt_application
    from app.gui.main_window import MainWindow
    from app.gui.session_process import SessionProcess

    qt_app = qt_application()
    session = make_session(config)
    if not isinstance(session, SessionProcess):
        raise RuntimeError("bench memory measures the app's session process; got a thread")
    window = MainWindow(session, config, make_session=make_session)
    measured = Run()
    window.bridge.arrived.connect(
        lambda e: measured.turns.append(e) if isinstance(e, ev.TurnDone) else 0
    )
    window.show()
    started = time.perf_counter()
    session.start(window.bridge.post)
    sampler = MemorySampler({"window": psutil.Process(), "session": psutil.Process(session.pid)})
    sampler.start()
    try:
        _wait(qt_app, lambda: window.ready is not None, LOAD_TIMEOUT_S, "the models to load")
        measured.load_s = time.perf_counter() - started
        ready = window.ready
        if ready is None or not ready.voice:
            raise RuntimeError(f"voice did not load: {ready.reason if ready else 'no word'}")
        measured.loaded_rss, measured.loaded_pss = sampler.rss(), sampler.pss()
        measured.span_peaks.append(sampler.take_span_peak())  # loading
        _converse(qt_app, window, sampler, measured, audio, recording)
        measured.end_rss, measured.end_pss = sampler.rss(), sampler.pss()
    finally:
        sampler.stop()
        window.close()
        session.close()
        qt_app.processEvents()
    return sampler, measured


def _converse(
    qt_app: Any, window: Any, sampler: MemorySampler, measured: Run, audio: Any, recording: Path
) -> None:
    """The typed turns, then one spoken into the virtual microphone; a peak per turn."""
    turns = measured.turns
    for text in TYPED_TURNS:
        count = len(turns)
        window.input.setText(text)
        window.send_typed()
        _wait(qt_app, partial(_more_than, turns, count), TURN_TIMEOUT_S, f"a reply to {text}")
        measured.span_peaks.append(sampler.take_span_peak())
    count = len(turns)
    window.voice.mode.setCurrentIndex(1)  # hands-free
    window.voice.mic.click()
    _wait(qt_app, lambda: window.voice.state == "listening", 10.0, "the microphone")
    player = audio.say(recording)
    _wait(qt_app, lambda: len(turns) > count, TURN_TIMEOUT_S, "the spoken turn")
    player.wait(30)
    _wait(qt_app, lambda: window.voice.state != "speaking", TURN_TIMEOUT_S, "playback")
    measured.span_peaks.append(sampler.take_span_peak())


def _report(sampler: MemorySampler, measured: Run, config: Any) -> dict[str, Any]:
    per_process = {
        name: {
            "rss_mb_loaded": _mb(measured.loaded_rss[name]),
            "rss_mb_end": _mb(measured.end_rss[name]),
            "rss_mb_peak": _mb(sampler.peak_rss.get(name, 0)),
            "pss_mb_loaded": _mb(measured.loaded_pss[name]),
            "pss_mb_end": _mb(measured.end_pss[name]),
        }
        for name in sampler.processes
    }
    peaks = measured.span_peaks
    return {
        "load_s": round(measured.load_s, 1),
        "load_rss_mb_peak": _mb(peaks[0]),
        "turns": [
            {"said": t.transcript, "source": t.source, "intent": t.intent, "rss_mb_peak": _mb(p)}
            for t, p in zip(measured.turns, peaks[1:], strict=False)
        ],
        "processes": per_process,
        "total_rss_mb_peak": _mb(sampler.peak_total_rss),
        "total_pss_mb_peak": _mb(sampler.peak_total_pss),
        "total_pss_mb_end": _mb(sum(measured.end_pss.values())),
        "target_mb": TARGET_MB,
        "generator": {"enabled": config.generator.enabled, "dtype": config.generator.dtype},
        "asr_model": config.asr.model,
    }
