"""The bundled manifest is complete and valid; malformed manifests fail with the field named."""

from __future__ import annotations

import copy
import re
import tomllib
from typing import Any

import pytest

from app.store.manifest import (
    OPTIONAL_ROLES,
    PREPARE_KINDS,
    REQUIRED_ROLES,
    ManifestError,
    load_manifest,
    manifest_text,
    parse_manifest,
)
from tests import REPO


def test_bundled_manifest_has_every_role_once() -> None:
    manifest = load_manifest()
    assert sorted(manifest.roles) == sorted(REQUIRED_ROLES + OPTIONAL_ROLES)
    for model in manifest.models:
        assert model.prepare in PREPARE_KINDS
        assert model.license and model.description
        for f in model.files:
            assert re.fullmatch(r"[0-9a-f]{64}", f.sha256)
            assert f.size_bytes > 0


def test_joined_sizes_add_up() -> None:
    for model in load_manifest().models:
        if model.joined:
            parts = {f.dest: f.size_bytes for f in model.files}
            assert sum(parts[p] for p in model.joined.parts) == model.joined.size_bytes, model.name


def test_every_weight_package_is_pinned_with_a_hash() -> None:
    """Each package the manifest names is hash-pinned in requirements-models.txt, or pinned
    exactly in pyproject.toml's dependencies (silero-vad is also a code dependency)."""
    text = (REPO / "assets" / "requirements-models.txt").read_text()
    pinned = dict(re.findall(r"^([a-z0-9-]+)==(\S+) --hash=sha256:[0-9a-f]{64}$", text, re.M))
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pinned.update(re.findall(r"^([a-z0-9-]+)==(\S+)$", "\n".join(project["dependencies"]), re.M))
    for model in load_manifest().models:
        for f in model.files:
            assert pinned.get(f.package) == f.version, f.package


def _bundled() -> dict[str, Any]:
    return tomllib.loads(manifest_text())


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["model"][0].pop("license"), "missing field 'license'"),
        (lambda d: d["model"][0].update(prepare="unzip"), "prepare must be one of"),
        (lambda d: d["model"][0]["files"][0].update(sha256="abc"), "64 lowercase hex"),
        (lambda d: d["model"][0]["files"][0].update(dest="../escape.bin"), "relative path"),
        (lambda d: d["model"][0]["files"][0].update(size_bytes="big"), "must be int"),
        (lambda d: d["model"][0]["joined"].update(parts=["nope.bin"]), "not the dest of any file"),
        (lambda d: d["model"][1].update(role="asr"), "duplicate role"),
        (lambda d: d["model"].pop(0), "no model for roles"),
        (lambda d: d["model"][0].update(files=[]), "at least one file"),
    ],
)
def test_malformed_manifest_names_the_problem(edit, message: str) -> None:
    doc = copy.deepcopy(_bundled())
    edit(doc)
    with pytest.raises(ManifestError, match=re.escape(message)):
        parse_manifest(doc)


def test_a_folder_prepared_the_older_whisper_way_still_serves() -> None:
    """Folders prepared with ct2-to-openai-whisper (before the openai checkpoint was made on
    first use) hold all that ct2-whisper needs: an upgrade does not prepare them again."""
    import dataclasses

    from app.store.status import entry_digest, prepared_for

    entry = load_manifest().by_role("asr")
    assert entry.prepare == "ct2-whisper"
    older = dataclasses.replace(entry, prepare="ct2-to-openai-whisper")
    assert prepared_for({"entry_digest": entry_digest(older)}, entry)
    assert prepared_for({"entry_digest": entry_digest(entry)}, entry)
    other = dataclasses.replace(entry, prepare="copy")
    assert not prepared_for({"entry_digest": entry_digest(other)}, entry)
    assert not prepared_for({"entry_digest": entry_digest(entry)}, older)  # not the other way
