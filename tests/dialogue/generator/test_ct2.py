"""The served engine (CTranslate2): same tokens as the reference, cached system turn, stop,
timeout, and a clear message for a damaged conversion.

Mechanics run on a tiny random Llama converted in a second; agreement with the reference
(transformers) is checked on the bundled SmolLM2, base and with a merged adapter.
"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path
from typing import Any

import pytest

from dialogue.generation import GenerationRequest, Message, Passage
from dialogue.generator import (
    GenerationTimeout,
    GeneratorOptions,
    ModelLoadError,
    make_generator,
    resolve_engine,
)
from dialogue.generator.convert import convert_for_serving
from dialogue.generator.ct2 import Ct2Generator, cpu_threads, load_ct2, pick_compute_type
from dialogue.generator.loading import load_causal_lm
from dialogue.generator.local import LocalGenerator
from dialogue.generator.prompt import build_messages

REQUESTS = (
    GenerationRequest(
        "How much does express delivery to Austria cost?",
        passages=(
            Passage("Express to other EU countries: 2 to 3 working days, 24.90 euros.", "s"),
        ),
    ),
    GenerationRequest(
        "Do you ship to Switzerland?",
        passages=(Passage("We do not ship to Switzerland or the United Kingdom.", "s"),),
        history=(Message("user", "hi"), Message("assistant", "Hello! How can I help?")),
    ),
)
# Greedy tokens compared with the reference; float32 conversions agree exactly this far.
AGREE_TOKENS = 24


@pytest.fixture(scope="module")
def tiny_served(tiny_lm_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return convert_for_serving(
        tiny_lm_path, tmp_path_factory.mktemp("served") / "m", None, "float32"
    )


def engine(folder: Path, **options: Any) -> Ct2Generator:
    """The served engine computing in float32 (int8 rounds differently from the reference)."""
    opts = GeneratorOptions(model=str(folder), repetition_penalty=1.0, dtype="float32", **options)
    ct2, tokenizer = load_ct2(str(folder), opts)
    return Ct2Generator(ct2, tokenizer, opts)


def reference(folder: Path, adapter: Path | None = None, **options: Any) -> LocalGenerator:
    from dialogue.generator.loading import attach_adapter

    model, tokenizer = load_causal_lm(str(folder), device="cpu", dtype="float32")
    if adapter is not None:
        model = attach_adapter(model, str(adapter), merge=True)
    opts = GeneratorOptions(model=str(folder), repetition_penalty=1.0, **options)
    return LocalGenerator(model, tokenizer, opts)


def greedy(generator: Any, request: GenerationRequest, n: int = AGREE_TOKENS) -> list[int]:
    return list(generator.tokens(generator.encode(request), n))


def test_the_converted_folder_is_complete_and_chosen_by_auto(tiny_served: Path) -> None:
    assert {"model.bin", "tokenizer.json", "chat_template.jinja"} <= {
        p.name for p in tiny_served.iterdir()
    }
    assert resolve_engine(GeneratorOptions(model=str(tiny_served))) == "ctranslate2"
    generator = make_generator(GeneratorOptions(model=str(tiny_served), max_new_tokens=4))
    assert isinstance(generator, Ct2Generator)


def test_tiny_model_gives_the_reference_tokens(tiny_lm_path: Path, tiny_served: Path) -> None:
    for request in REQUESTS:
        assert greedy(engine(tiny_served), request) == greedy(reference(tiny_lm_path), request)


def test_the_system_turn_is_cached_and_the_rest_processed(tiny_served: Path) -> None:
    generator = engine(tiny_served)
    static, rest = generator.encode(REQUESTS[1])
    full = generator.tokenizer.apply_chat_template(
        build_messages(REQUESTS[1]), add_generation_prompt=True, return_dict=True
    )["input_ids"]
    assert static and rest
    assert generator.tokenizer.convert_tokens_to_ids(static + rest) == list(full)
    assert "system" in generator.tokenizer.convert_tokens_to_string(static)
    assert "Switzerland" not in generator.tokenizer.convert_tokens_to_string(static)


def test_stop_event_ends_generation_at_the_next_token(tiny_served: Path) -> None:
    generator = engine(tiny_served, max_new_tokens=200)
    stop = threading.Event()
    taken = []
    for token in generator.tokens(generator.encode(REQUESTS[0]), 200, stop):
        taken.append(token)
        if len(taken) == 3:
            stop.set()
    assert len(taken) == 3


def test_timeout_yields_what_it_has_then_raises(tiny_served: Path) -> None:
    ticks = itertools.count()
    generator = engine(tiny_served, max_new_tokens=200, timeout_s=5.0)
    generator.clock = lambda: float(next(ticks))  # one "second" per clock read
    pieces: list[str] = []
    with pytest.raises(GenerationTimeout) as caught:
        for piece in generator.stream(REQUESTS[0]):
            pieces.append(piece)
    assert caught.value.partial == "".join(pieces)


@pytest.mark.parametrize(
    ("device", "dtype", "supported", "chosen"),
    [
        ("cpu", "auto", {"float32", "int8", "int8_float32"}, "int8"),
        ("cpu", "auto", {"float32"}, "float32"),
        ("cuda", "auto", {"float32", "float16", "int8_float16"}, "int8_float16"),
        ("cpu", "float32", {"float32", "int8"}, "float32"),
    ],
)
def test_compute_type_is_one_the_device_supports(
    device: str, dtype: str, supported: set[str], chosen: str
) -> None:
    assert pick_compute_type(device, dtype, supported) == chosen


def test_bfloat16_on_a_cpu_without_it_is_refused_with_the_fix() -> None:
    with pytest.raises(ModelLoadError, match="bfloat16 is not supported natively.*use auto"):
        pick_compute_type("cpu", "bfloat16", {"float32", "int8"})


def test_a_truncated_conversion_gives_one_clear_message(tiny_served: Path, tmp_path: Path) -> None:
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_served, broken)
    data = (broken / "model.bin").read_bytes()
    (broken / "model.bin").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError, match="damaged or incomplete.*models prepare"):
        load_ct2(str(broken), GeneratorOptions(model=str(broken)))
    (broken / "model.bin").unlink()
    with pytest.raises(ModelLoadError, match="model.bin is missing"):
        load_ct2(str(broken), GeneratorOptions(model=str(broken)))


@pytest.mark.slow
def test_smollm_base_gives_the_reference_tokens(smollm_path: Path, tmp_path: Path) -> None:
    served = convert_for_serving(smollm_path, tmp_path / "served", None, "float32")
    ours, ref = engine(served), reference(smollm_path)
    for request in REQUESTS:
        assert greedy(ours, request) == greedy(ref, request)


@pytest.mark.slow
def test_merged_adapter_gives_the_reference_tokens(
    smollm_path: Path, trained_adapter: Path, tmp_path: Path
) -> None:
    served = convert_for_serving(smollm_path, tmp_path / "served", trained_adapter, "float32")
    ours, ref = engine(served), reference(smollm_path, trained_adapter)
    base = engine(convert_for_serving(smollm_path, tmp_path / "base", None, "float32"))
    for request in REQUESTS:
        assert greedy(ours, request) == greedy(ref, request)
    assert any(greedy(ours, r) != greedy(base, r) for r in REQUESTS)  # the adapter counts


@pytest.mark.parametrize(
    ("configured", "weight_bytes", "threads"),
    [
        (0, 135_397_237, 1),  # SmolLM2-135M int8: one thread decodes faster than two
        (0, 632_695_189, 0),  # Qwen2.5-0.5B int8: CTranslate2's own choice (all cores)
        (2, 135_397_237, 2),  # a setting always wins
        (1, 632_695_189, 1),
    ],
)
def test_threads_follow_the_setting_else_the_model_size(
    configured: int, weight_bytes: int, threads: int
) -> None:
    assert cpu_threads(configured, weight_bytes) == threads
