"""Serve a language before its domain models are trained, and switch when they are, without a
restart.

:func:`serve_domain` gives the dialogue (``app.conversation.build_dialogue``) its NLU and
retriever from what the resolver says serves the language (``app.serving.Serving``). When the
tuned models it names are ready they are loaded as always; when some are not
(``Serving.training``: the first run, or the user edited the domain), a background job trains
them (``app.store.domain_training``) and, meanwhile:
- the NLU is :class:`dialogue.nlu.nearest.NearestExampleNlu` over the base encoder (intents by
  the nearest labelled examples, out-of-scope by ``oos`` examples and a similarity floor,
  slots by the domain's patterns and lexicon);
- retrieval runs on the base encoder (the same encoder object, loaded once).
Each is wrapped in a :class:`Handover`, which checks now and then (file reads only) whether
its tuned model has landed, loads it on a thread of its own (turns go on meanwhile), warms it
up and swaps it in between two turns; the fallback is then let go.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import paths
from app.store.domain_models import DomainModel, domain_model_state
from app.store.domain_progress import language_training
from app.store.progress import ShownEncoder

if TYPE_CHECKING:
    from app.serving import Serving
    from dialogue.domain import Domain
    from dialogue.kb.encoder import EncoderConfig
    from dialogue.nlu import Example
    from dialogue.nlu.nearest import NearestExampleNlu

log = logging.getLogger(__name__)

POLL_S = 2.0  # how often a handover looks for its tuned model (a stat and a small JSON read)


class Handover:
    """Serves ``fallback`` until ``ready()`` is true, then what ``load()`` returns.

    Stands in for an NLU (``predict``) or a retriever (``search``); other attributes are those
    of the engine serving now. ``serving`` says which: "fallback" or "tuned".
    """

    def __init__(
        self,
        fallback: Any,
        ready: Callable[[], bool],
        load: Callable[[], Any],
        warm_up: Callable[[Any], None] = lambda engine: None,
        poll_s: float = POLL_S,
        name: str = "model",
    ) -> None:
        self.current = fallback
        self.serving = "fallback"
        self._ready, self._load, self._warm_up, self._poll_s = ready, load, warm_up, poll_s
        self.name = name
        self._checked = -float("inf")
        self._loader: threading.Thread | None = None
        self._lock = threading.Lock()

    def predict(self, texts: Sequence[str], now: dt.datetime | None = None) -> list[Any]:
        self.poll()
        return self.current.predict(texts, now=now)

    def search(self, query: str, k: int = 3) -> list[Any]:
        self.poll()
        return self.current.search(query, k=k)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["current"], name)

    def poll(self) -> None:
        """Start loading the tuned model if it has landed (at most every ``poll_s``)."""
        now = time.monotonic()
        with self._lock:
            if self.serving == "tuned" or self._loader is not None:
                return
            if now - self._checked < self._poll_s:
                return
            self._checked = now
            if not self._ready():
                return
            self._loader = threading.Thread(
                target=self._switch, name=f"handover-{self.name}", daemon=True
            )
            self._loader.start()

    def _switch(self) -> None:
        try:
            engine = self._load()
            self._warm_up(engine)
        except Exception as e:  # keep serving the fallback; try again at the next poll
            log.warning("the tuned %s could not be loaded (%s): still the fallback", self.name, e)
            with self._lock:
                self._loader = None
            return
        with self._lock:
            self.current, self.serving = engine, "tuned"
        log.info("the tuned %s is ready and serves from now on", self.name)

    def wait(self, timeout_s: float) -> bool:
        """Poll until the tuned model serves or ``timeout_s`` passes (tests, benchmarks)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._checked = -float("inf")
            self.poll()
            loader = self._loader
            if loader is not None:
                loader.join(max(0.0, deadline - time.monotonic()))
            if self.serving == "tuned":
                return True
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
        return self.serving == "tuned"


def _is_ready(model: DomainModel) -> Callable[[], bool]:
    return lambda: domain_model_state(model).state == "ready"


def fallback_nlu(
    domain: Domain, language: str, encoder: Any, examples: Sequence[Example] | None = None
) -> NearestExampleNlu:
    """The nearest-example NLU of ``language`` on ``encoder``, with the domain's value slots
    (``examples``: the domain's ``nlu.jsonl`` unless given)."""
    from dialogue.nlu.dataset import load_examples
    from dialogue.nlu.nearest import NearestExampleNlu, value_slots
    from dialogue.slots import extract

    pack = domain.pack(language)
    if examples is None:
        examples, _ = load_examples(pack.nlu_file)
    finders: dict[str, Callable[[str, dt.date], tuple[object, int, int] | None]] = {}
    for name, slot in domain.slots.items():
        if slot.type in ("pattern", "choice"):
            lexicon = pack.lexicon.get(name, {})

            def find(text: str, today: dt.date, slot: Any = slot, lexicon: Any = lexicon) -> Any:
                return extract(slot, text, lexicon, language, today)

            finders[name] = find
    cache = paths.cache_dir() / "nlu-fallback"
    return NearestExampleNlu(encoder, examples, value_slots(finders), cache_dir=cache)


def serve_domain(
    serving: Serving,
    load_tuned_nlu: Callable[[Path, str], Any],
    build_retriever: Callable[[Domain, str, EncoderConfig | None], Any],
    start_training: bool = True,
) -> tuple[Any, Any]:
    """The NLU and retriever ``serving`` names: loaded as they are when every domain model
    it needs is ready, else handovers from models that need no training for those still
    training (``serving.training``), and the background job that trains them.

    ``load_tuned_nlu(folder, fix)`` and ``build_retriever(domain, language, encoder)`` are the
    app's own loaders (``app.conversation``).
    """
    domain, language, encoder = serving.domain, serving.language, serving.retrieval

    def tuned_nlu() -> Any:
        return load_tuned_nlu(serving.nlu, serving.nlu_fix)

    if not serving.training or encoder is None:
        return tuned_nlu(), build_retriever(domain, language, encoder)
    _train_meanwhile(domain, language, start_training)
    from dialogue.kb.index import build_kb

    base = _base_encoder(replace(encoder, tuned_dir=None))  # one copy for both
    nlu_model, kb_model = (
        DomainModel(domain.name, language, domain.root, kind) for kind in ("nlu", "kb")
    )
    nlu = (
        tuned_nlu()
        if "nlu" not in serving.training
        else _handover(
            fallback_nlu(domain, language, base),
            nlu_model,
            tuned_nlu,
            lambda engine: engine.predict(["hello"]),
        )
    )
    if "kb" not in serving.training:
        return nlu, build_retriever(domain, language, encoder)
    kb = _handover(
        build_kb(*_faq_and_documents(domain, language), language, base, paths.cache_dir() / "kb"),
        kb_model,
        lambda: build_retriever(domain, language, replace(encoder, tuned_dir=kb_model.folder())),
        lambda engine: engine.search("hello", k=1),
    )
    return nlu, kb


def _train_meanwhile(domain: Domain, language: str, start: bool) -> None:
    """Start the background job that trains the language's models (unless one runs)."""
    status = language_training(domain.root, language)
    if start and not status.training:
        from app.store.domain_training import start_background

        start_background(domain.root, language)
    log.info("%s; answering with models that need no training meanwhile", status.describe())


def _base_encoder(config: EncoderConfig) -> ShownEncoder:
    """The untuned encoder, drawing a bar while a first start embeds the domain's texts."""
    from dialogue.kb.encoder import make_encoder

    return ShownEncoder(make_encoder(config), "first start: embedding")


def _faq_and_documents(domain: Domain, language: str) -> tuple[Any, Any]:
    pack = domain.pack(language)
    return pack.faq, pack.documents


def _handover(
    fallback: Any, model: DomainModel, load: Callable[[], Any], warm_up: Callable[[Any], Any]
) -> Any:
    """A handover, or the tuned engine itself when it is ready already (e.g. the NLU finished
    while the KB still trains)."""
    if domain_model_state(model).state == "ready":
        return load()
    return Handover(fallback, _is_ready(model), load, warm_up, name=model.name)
