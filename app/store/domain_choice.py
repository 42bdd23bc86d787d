"""The resolver's domain part (``app.serving``): which of the models Wenda trains from the
domain's data serve language L now, and which of them are still to be trained.

A model serves when it is ``ready`` (trained on the domain's current data); until then (the
first run, or the user edited the domain) models that need no training answer for it and
hand over when it lands (``app.store.handover``), while a background job trains it. Reads
small files only, like the rest of the resolver.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from app.store.domain_models import DomainModel, domain_model_state
from app.store.domain_trainers import retrieval_encoder_config
from app.store.errors import ModelStoreError
from app.store.roles import ENCODER_ROLES

if TYPE_CHECKING:
    from app.store.store import ModelStore
    from dialogue.domain import Domain
    from dialogue.kb.encoder import EncoderConfig

log = logging.getLogger(__name__)


def _model(domain: Domain, language: str, kind: str) -> DomainModel:
    return DomainModel(domain.name, language, domain.root, kind)


def tuned_encoder_dir(domain: Domain, language: str) -> Path | None:
    """The retrieval encoder tuned on this domain's current FAQ, or None (not ready)."""
    state = domain_model_state(_model(domain, language, "kb"))
    if state.state != "ready":
        log.info("retrieval uses the base encoder: %s", state.detail)
        return None
    return state.path


def retrieval_choice(
    domain: Domain, language: str, store: ModelStore, tuned: bool = True
) -> EncoderConfig | None:
    """The sentence encoder of the knowledge base: the FAQ-tuned one when it is ready (and
    ``tuned``), else the base one, else None (keyword search only)."""
    try:
        folder = Path(store.path(ENCODER_ROLES[language]))
    except ModelStoreError as e:
        log.warning("retrieval uses keywords only: %s", e.message)
        return None
    tuned_dir = tuned_encoder_dir(domain, language) if tuned else None
    return retrieval_encoder_config(language, folder, tuned_dir)


def still_training(
    domain: Domain, language: str, nlu_source: str, tuned_encoder: bool
) -> tuple[str, ...]:
    """The kinds ("nlu", "kb") of the domain's models that would serve but are not ready.
    Those the front end chose away (another NLU model, the base encoder) are not waited for."""
    wanted = [
        kind for kind, used in (("nlu", nlu_source == "domain"), ("kb", tuned_encoder)) if used
    ]
    return tuple(
        kind
        for kind in wanted
        if domain_model_state(_model(domain, language, kind)).state != "ready"
    )
