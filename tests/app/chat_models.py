"""Trained NLU models of the bundled shop domain for tests that run the real chat.

Trained once and kept in the user cache, keyed by the training data and settings, so only
the first test session after a data change pays for training (minutes on two cores). A model
already prepared at the conventional path from the same data is used as is.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from app import paths
from app.domains import nlu_model_dir
from app.store.errors import ModelStoreError
from app.store.roles import ENCODER_ROLES
from app.store.store import ModelStore
from dialogue.files import sha256_file
from tests import REPO
from training.domain_nlu import domain_train_config, train_domain_nlu, trained_for

SHOP = REPO / "assets" / "domains" / "shop"


def shop_nlu_model(language: str) -> Path:
    """A model folder for ``language`` trained on the current shop data (skip if impossible)."""
    data = SHOP / language / "nlu.jsonl"
    digest = sha256_file(data)
    prepared = nlu_model_dir("shop", language)
    if trained_for(prepared).get("nlu_sha256") == digest:
        return prepared
    try:
        encoder = Path(ModelStore().path(ENCODER_ROLES[language]))
    except ModelStoreError as e:
        pytest.skip(f"no {language} encoder to train the NLU on: {e.message}")
    settings = domain_train_config(language).to_json()
    key = hashlib.sha256(json.dumps([digest, str(encoder), settings]).encode()).hexdigest()
    folder = paths.cache_dir() / "test-models" / f"shop-nlu-{language}-{key[:12]}"
    if not (folder / "training.json").is_file():
        train_domain_nlu(SHOP, language, encoder, folder)
    return folder
