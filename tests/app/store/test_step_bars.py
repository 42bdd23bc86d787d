"""Long steps inside loaders show a bar: the first start's embedding of the domain's examples
goes through :class:`ShownEncoder`, which reports as it goes and gives the same vectors."""

from __future__ import annotations

import io
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from app.cli.progress import delayed_bar
from app.store import progress
from app.store.progress import ShownEncoder, show_steps_with


@pytest.fixture
def base_encoder():
    from app.store.domain_trainers import retrieval_encoder_config
    from app.store.errors import ModelStoreError
    from app.store.store import ModelStore
    from dialogue.kb.encoder import make_encoder

    try:
        folder = Path(ModelStore().path("nlu-encoder"))
    except ModelStoreError as e:
        pytest.skip(f"no English encoder: {e.message}")
    return make_encoder(retrieval_encoder_config("en", folder))


def test_many_texts_report_progress_and_keep_their_vectors(base_encoder, monkeypatch) -> None:
    texts = [f"where is my order {n}" for n in range(300)]
    seen: list[tuple[str, int, int]] = []

    @contextmanager
    def bar(label: str, total: int):
        yield lambda done, total: seen.append((label, done, total))

    monkeypatch.setattr(progress, "_step_bar", None)
    show_steps_with(bar)
    vectors = ShownEncoder(base_encoder, "embedding").embed(texts, "query")
    assert [done for _, done, _ in seen] == [128, 256, 300]
    assert {(label, total) for label, _, total in seen} == {("embedding", 300)}
    np.testing.assert_allclose(vectors, base_encoder.embed(texts, "query"), atol=1e-5)
    seen.clear()
    ShownEncoder(base_encoder, "embedding").embed(texts[:5], "query")
    assert seen == []  # a short call is not a step worth a bar


def test_delayed_bar_draws_time_left_only_after_its_delay(monkeypatch) -> None:
    import app.cli.progress as cli_progress

    out = io.StringIO()
    monkeypatch.setattr(cli_progress.sys, "stderr", out)
    monkeypatch.setattr(cli_progress, "BAR_DELAY_S", 0.0)
    with delayed_bar("embedding", 10, enabled=True) as update:
        update(5, 10)
    assert "embedding" in out.getvalue() and "<" in out.getvalue()  # elapsed<remaining
    out.truncate(0)
    monkeypatch.setattr(cli_progress, "BAR_DELAY_S", 60.0)
    with delayed_bar("embedding", 10, enabled=True) as update:
        update(5, 10)
    assert "embedding" not in out.getvalue()
