"""The handover alone: the fallback serves until the tuned model is ready, the tuned one is
loaded off the turn's thread and then serves; a failed load keeps the fallback and retries.
(The real thing, with a real encoder and real training: tests/app/test_first_run.py.)"""

from __future__ import annotations

import threading

from app.store.handover import Handover


class Engine:
    def __init__(self, name: str) -> None:
        self.name = name
        self.warm = False

    def predict(self, texts: list[str], now: object = None) -> list[str]:
        return [f"{self.name}:{t}" for t in texts]

    def search(self, query: str, k: int = 3) -> list[str]:
        return [f"{self.name}:{query}"] * k


def test_fallback_until_ready_then_tuned() -> None:
    ready = threading.Event()
    loads = []

    def load() -> Engine:
        loads.append(1)
        return Engine("tuned")

    handover = Handover(
        Engine("fallback"), ready.is_set, load, lambda e: setattr(e, "warm", True), poll_s=0.0
    )
    assert handover.predict(["hi"]) == ["fallback:hi"]
    assert handover.serving == "fallback" and loads == []
    ready.set()
    assert handover.wait(5.0)
    assert handover.predict(["hi"]) == ["tuned:hi"]
    assert handover.search("q", k=1) == ["tuned:q"]
    assert handover.name == "model" and handover.current.warm  # warmed before it served
    assert loads == [1]  # loaded once, however often it is asked


def test_a_failed_load_keeps_the_fallback_and_retries() -> None:
    attempts = []

    def load() -> Engine:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("half-written folder")
        return Engine("tuned")

    handover = Handover(Engine("fallback"), lambda: True, load, poll_s=0.0)
    handover.poll()
    assert handover._loader is not None
    handover._loader.join(5.0)
    assert handover.serving == "fallback" and handover.predict(["x"]) == ["fallback:x"]
    assert handover.wait(5.0) and len(attempts) == 2


def test_polls_at_most_every_poll_s() -> None:
    checks = []

    def ready() -> bool:
        checks.append(1)
        return False

    handover = Handover(Engine("fallback"), ready, lambda: Engine("tuned"), poll_s=3600.0)
    for _ in range(5):
        handover.predict(["x"])
    assert len(checks) == 1
