"""The model store: one object that answers "where is the model for this role, and is it ready?".

It joins the manifest (what Wenda ships), the cache (what is prepared) and the user's config
(roles pointed at their own folders or hub ids). Everything else asks it for paths.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from app import paths
from app.config import Config
from app.store.domain_models import (
    DomainModel,
    domain_model_status,
    domain_models,
)
from app.store.domain_training import prepare_domain_model
from app.store.errors import ModelStoreError
from app.store.manifest import Manifest, ModelEntry, load_manifest
from app.store.prepare import StepProgress, prepare_model
from app.store.progress import ProgressFn
from app.store.roles import GENERATOR_ROLES
from app.store.status import ModelStatus, check_model, check_override

SERVED_ROLES = ("generator", "generator-zh")  # chat models, served converted (CTranslate2)


class ModelStore:
    def __init__(
        self,
        manifest: Manifest | None = None,
        root: Path | None = None,
        config: Config | None = None,
    ) -> None:
        self.manifest = manifest or load_manifest()
        self.root = root or paths.models_dir()
        self.config = config or Config()

    def domain_models(self, roles: Iterable[str] | None = None) -> list[DomainModel]:
        """The configured domain's NLU models for ``roles`` (all when None)."""
        models = domain_models(self.config)
        return models if not roles else [m for m in models if m.role in roles]

    def entries(self, roles: Iterable[str] | None = None) -> list[ModelEntry]:
        """Manifest entries for ``roles`` (all when None); unknown roles are an error."""
        if not roles:
            return list(self.manifest.models)
        roles = list(roles)
        unknown = [r for r in roles if r not in self.manifest.roles]
        if unknown:  # reading the domain (for its models' roles) only when needed: ~50 ms
            known = (*self.manifest.roles, *(m.role for m in domain_models(self.config)))
            unknown = [r for r in unknown if r not in known]
        if unknown:
            raise ModelStoreError(
                f"unknown model role {', '.join(unknown)}; roles are: {', '.join(known)}"
            )
        return [self.manifest.by_role(r) for r in roles if r in self.manifest.roles]

    def status(
        self, entry: ModelEntry, deep: bool = False, progress: ProgressFn | None = None
    ) -> ModelStatus:
        override = self.config.models.paths.get(entry.role)
        if override:
            return check_override(entry.role, override, self.config.models.allow_online)
        return check_model(entry, self.root, deep=deep, progress=progress)

    def statuses(self, roles: Iterable[str] | None = None, deep: bool = False) -> list[ModelStatus]:
        """Bundled models, then the domain's NLU models (trained from its examples)."""
        rows = [self.status(e, deep=deep) for e in self.entries(roles)]
        return rows + [domain_model_status(m) for m in self.domain_models(roles)]

    def prepare_domain(
        self,
        model: DomainModel,
        force: bool = False,
        on_update: Callable[[float, float | None], None] | None = None,
    ) -> Path:
        """Train one domain model on its base model (prepared first if needed);
        ``on_update`` gets (fraction done, seconds left)."""
        self.prepare([model.base_role])
        return prepare_domain_model(
            model, lambda role: Path(self.path(role)), force=force, on_update=on_update
        )

    def prepare(
        self,
        roles: Iterable[str] | None = None,
        step: StepProgress | None = None,
        force: bool = False,
    ) -> list[Path]:
        """Prepare bundled models (roles the user overrode are skipped: they are theirs).

        A chat model is also converted for serving (``app.store.served``), once, and merged
        with the adapter that will serve with it (the domain's own, or the one activated), so
        the first conversation does not wait for that (half a minute for the Chinese model).
        """
        prepared = []
        for entry in self.entries(roles):
            if self.config.models.paths.get(entry.role):
                continue
            folder = prepare_model(entry, self.root, step=step, force=force)
            if entry.role in SERVED_ROLES:
                self._serve(entry.role, folder)
            prepared.append(folder)
        return prepared

    def _serve(self, role: str, folder: Path) -> None:
        """Convert the chat model in ``folder`` for serving, alone and with its adapter."""
        from app.adapter_choice import active_adapter
        from app.store.served import ensure_served, served_model

        ensure_served(folder)
        settings = self.config.generator
        if settings.engine == "transformers" or settings.url:
            return
        language = next(lang for lang, r in GENERATOR_ROLES.items() if r == role)
        adapter = active_adapter(self.config, language)
        if adapter:  # a folder that is no adapter, or fails to merge, is warned about there
            served_model(str(folder), adapter)

    def path(self, role: str) -> str:
        """Folder (or hub id) to load the model for ``role`` from; raises if it is not usable."""
        from app.store.verified import verified_status

        (entry,) = self.entries([role])
        overridden = self.config.models.paths.get(entry.role)
        status = self.status(entry) if overridden else verified_status(entry, self.root)
        if status.state != "ready":
            raise ModelStoreError(
                f"the {role} model ({status.name}) is {status.state}: {status.detail}",
                fix=f"wenda models prepare {role}",
            )
        return status.path
