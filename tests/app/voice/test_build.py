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
from app.config_file import config_from_dict
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
@pytest.mark.parametrize("engine", ["transformers", "ctranslate2"])
def test_chat_model_gets_the_activated_adapter(
    engine: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The generator the conversation builds serves the LoRA adapter the wizard activated,
    on either engine: its scores for a fixed sentence move away from the base model's
    (CTranslate2 serves a folder with the adapter merged in, converted on activation)."""
    import torch
    from peft import LoraConfig, get_peft_model

    from app.conversation import build_generator
    from app.store.roles import generator_role
    from dialogue.generator.loading import load_causal_lm

    monkeypatch.setattr("app.store.served.served_root", lambda: tmp_path / "served")
    config = config_from_dict({"generator": {"engine": engine}})
    base_dir = ModelStore(config=config).path(generator_role("en"))
    model, _ = load_causal_lm(base_dir, "cpu", "float32")
    lora = LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    folder = models_active.new_version_dir("generator-en")
    get_peft_model(model, lora).save_pretrained(folder)

    def scores() -> torch.Tensor:
        generator = build_generator(resolve(config).generator)
        assert generator is not None
        ids = generator.tokenizer("Hello, how are you?")["input_ids"]
        if engine == "transformers":
            assert type(generator).__name__ == "LocalGenerator"
            with torch.no_grad():
                return generator.model(input_ids=torch.tensor([ids])).logits[0, -1].float()
        assert type(generator).__name__ == "Ct2Generator"
        tokens = generator.tokenizer.convert_ids_to_tokens(ids)
        return torch.tensor(generator.engine.score_batch([tokens])[0].log_probs)

    plain = scores()
    models_active.activate("generator-en", folder)
    tuned = scores()
    assert not torch.allclose(plain, tuned, atol=1e-2)
