"""What ``app.voice.build`` loads: the models the fine-tuning window activated, the
conversation language for Whisper.

The activated-model tests use real model folders: a copy of the shop NLU model whose
``greet`` intent is renamed, activated through ``app.models_active`` as the wizard does, so
the name the loaded model predicts shows which folder was loaded.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from app import models_active
from app.config import Config
from app.serving import Asked, conversation_recognizer, resolve
from app.store.store import ModelStore
from app.voice.build import _load_asr, _load_dialogue
from tests.app.chat_models import shop_nlu_model


def _activate_copy(model: Path, renamed: str) -> Path:
    """A copy of ``model`` as a new version of slot nlu-en, with ``greet`` renamed, active."""
    folder = models_active.new_version_dir("nlu-en")
    shutil.copytree(model, folder)
    meta = folder / "nlu.json"
    data = json.loads(meta.read_text(encoding="utf-8"))
    data["intents"] = [renamed if i == "greet" else i for i in data["intents"]]
    meta.write_text(json.dumps(data), encoding="utf-8")
    models_active.activate("nlu-en", folder)
    return folder


@pytest.mark.slow
def test_voice_dialogue_loads_the_activated_nlu_model() -> None:
    base = shop_nlu_model("en")
    asked = Asked("en", generator=False, nlu_model=str(base))
    before = _load_dialogue(resolve(Config(), asked), "build-test").manager.nlu
    assert before.predict(["Hello there!"])[0].intent == "greet"
    _activate_copy(base, "greet_activated")
    asked = Asked("en", generator=False)
    after = _load_dialogue(resolve(Config(), asked), "build-test").manager.nlu
    assert after.predict(["Hello there!"])[0].intent == "greet_activated"
    models_active.rollback("nlu-en")  # back to the bundled model: the domain's own again
    assert resolve(Config(), asked).nlu_source == "domain"


@pytest.mark.slow
def test_whisper_decodes_in_the_conversation_language() -> None:
    """No language detection in a conversation (a second encoder pass, ~0.7 s with base):
    the loop passes the language it talks in, whatever ``asr.language`` says."""
    recognizer = _load_asr(conversation_recognizer(Config(), ModelStore(), "zh", "base"))
    assert recognizer.config.language == "zh"
    english = _load_asr(conversation_recognizer(Config(), ModelStore(), "en", "base"))
    assert english.config.language == "en"


@pytest.mark.slow
def test_chat_model_gets_the_activated_adapter() -> None:
    """The generator the conversation builds merges the LoRA adapter the wizard activated:
    its next-token logits move away from the base model's."""
    import torch
    from peft import LoraConfig, get_peft_model

    from app.conversation import build_generator
    from dialogue.generator.loading import load_causal_lm

    config = Config()
    base_dir = resolve(config).generator.model  # type: ignore[union-attr]
    model, _ = load_causal_lm(base_dir, "cpu", "float32")
    lora = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    folder = models_active.new_version_dir("generator-en")
    get_peft_model(model, lora).save_pretrained(folder)

    def logits() -> torch.Tensor:
        generator = build_generator(resolve(config).generator)
        assert generator is not None
        ids = generator.tokenizer("Hello, how are you?", return_tensors="pt")["input_ids"]
        with torch.no_grad():
            return generator.model(input_ids=ids).logits[0, -1].float()

    plain = logits()
    models_active.activate("generator-en", folder)
    tuned = logits()
    assert not torch.allclose(plain, tuned, atol=1e-2)
