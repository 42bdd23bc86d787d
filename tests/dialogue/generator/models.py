"""Models for generator tests: the bundled SmolLM2, a tiny random Llama, a scripted parrot.

The tiny model has SmolLM2's tokenizer and chat template but two layers of width 64, so the
mechanics (streaming, stop, timeout, save/load, accelerate) are tested in milliseconds; the
real model is used where behaviour matters (injection, leaks, overfitting).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch


def smollm_dir() -> Path:
    """The prepared SmolLM2-135M-Instruct folder; skips when the model store lacks it."""
    from app.store.errors import ModelStoreError
    from app.store.store import ModelStore

    try:
        return Path(ModelStore().path("generator"))
    except ModelStoreError as e:
        pytest.skip(f"bundled chat model not prepared: {e}")


def build_tiny_lm(out: Path, tokenizer_dir: Path, seed: int = 0) -> Path:
    """Save a 2-layer random Llama with the tokenizer of ``tokenizer_dir`` into ``out``."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=1024,
        tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    LlamaForCausalLM(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


class _Out(dict):
    @property
    def logits(self) -> torch.Tensor:
        return self["logits"]


class ScriptedLM(torch.nn.Module):
    """A stand-in causal LM that emits ``script`` token by token, then end of turn.

    Counts forward calls so tests can tell how far generation ran.
    """

    def __init__(self, script: list[int], eos_id: int, vocab_size: int) -> None:
        super().__init__()
        self.script = script
        self.eos_id = eos_id
        self.vocab_size = vocab_size
        self.calls = 0
        self.generation_config = None

    @property
    def device(self) -> torch.device:
        return torch.device("cpu")

    def forward(
        self,
        input_ids: torch.Tensor,
        cache: Any = None,
        use_cache: bool = True,
        logits_to_keep: Any = None,
    ) -> _Out:
        step = cache or 0
        self.calls += 1
        token = self.script[step] if step < len(self.script) else self.eos_id
        logits = torch.full((1, 1, self.vocab_size), -1e4)
        logits[0, 0, token] = 0.0
        return _Out(logits=logits, cache=step + 1)


def build_random_adapter(out: Path, base_dir: Path, seed: int = 0, scale: float = 0.05) -> Path:
    """Save a rank-8 LoRA adapter on q/v of ``base_dir`` with small random weights (both A and
    B non-zero, unlike a fresh adapter, so merging really changes the model)."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
    config = LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"])
    model = get_peft_model(base, config)
    torch.manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_" in name:
                param.copy_(torch.randn_like(param) * scale)
    model.save_pretrained(out)
    return out
