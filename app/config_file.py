"""Read, check and change the settings file (``config.toml``).

Every value is checked against its dataclass in :mod:`app.config` (type, choices, range; no
NaN), and an unknown section, key, model role or language is an error naming it, so a typo
never silently falls back to a default. Keys that were renamed still work with a one-line
notice naming the new key, and ``wenda config set`` moves them to their new place.

Edits go through tomlkit, so the user's comments and layout survive, and are written
atomically: a failed write (full disk, a folder in the way) leaves the old file as it was and
says what to do.
"""

from __future__ import annotations

import errno
import logging
import math
import tomllib
import typing
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from app import paths
from app.config import LANGUAGES, Config, ConfigError, section_types
from dialogue.atomic import write_text_atomic

log = logging.getLogger(__name__)

# Old key -> the key that replaced it (one key per setting).
RENAMED = {
    "voice.asr_model": "asr.model",
    "voice.beam_size": "asr.beam_size",
    "voice.end_silence_ms": "audio.end_silence_ms",
}


def _table_keys(where: str) -> tuple[str, ...]:
    """What a table setting may name: model roles for models.paths, languages for adapters."""
    if where == "models.paths":
        from app.store.manifest import load_manifest

        return tuple(load_manifest().roles)
    return LANGUAGES


def _check_table(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ConfigError(f"{where} must be a table of strings")
    known = _table_keys(where)
    for key in value:
        if key not in known:
            raise ConfigError(f"unknown key '{where}.{key}'; known: {', '.join(known)}")
    return dict(value)


def _check_value(value: Any, hint: Any, choices: tuple[str, ...], where: str) -> Any:
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false, not {value!r}")
    elif hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where} must be a whole number, not {value!r}")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where} must be a number, not {value!r}")
        if not math.isfinite(value):
            raise ConfigError(f"{where} must be a finite number, not {value!r}")
        value = float(value)
    elif hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string in quotes, not {value!r}")
        if choices and value not in choices:
            raise ConfigError(f"{where} must be one of {', '.join(choices)}, not {value!r}")
    elif typing.get_origin(hint) is dict:
        value = _check_table(value, where)
    return value


def _build_section(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"[{where}] must be a table")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}
    for key in data:
        if key not in known:
            raise ConfigError(
                f"unknown key '{where}.{key}'; known keys in [{where}]: {', '.join(known)}"
            )
    values = {
        key: _check_value(data[key], hints[key], known[key].metadata["choices"], f"{where}.{key}")
        for key in data
    }
    return cls(**values)


def migrate(data: dict[str, Any]) -> list[str]:
    """Move renamed keys to their new place in ``data`` (in place); returns one notice each.
    A new key the file also sets wins over the old one."""
    notices = []
    for old, new in RENAMED.items():
        old_section, old_key = old.split(".")
        section = data.get(old_section)
        if not isinstance(section, dict) or old_key not in section:
            continue
        value = section.pop(old_key)
        new_section, new_key = new.split(".")
        target = data.setdefault(new_section, {})
        if isinstance(target, dict) and new_key not in target:
            target[new_key] = value
            notices.append(f"{old} is now {new}; rename it in the settings file")
        else:
            notices.append(f"{old} is replaced by {new}, which is set too: {old} is ignored")
    return notices


def config_from_dict(data: dict[str, Any]) -> Config:
    """Validate a parsed TOML document and return the full config (defaults filled in)."""
    data = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    for notice in migrate(data):
        log.warning("%s", notice)
    sections = section_types()
    for name in data:
        if name not in sections:
            raise ConfigError(f"unknown section [{name}]; known sections: {', '.join(sections)}")
    built = {name: _build_section(sections[name], data[name], name) for name in data}
    return replace(Config(), **built)


def _read_text(path: Path) -> str:
    """The file's text, or "" when there is none; an unreadable one is a ConfigError."""
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return ""
    except IsADirectoryError:
        raise ConfigError(
            f"{path} is a folder, not a settings file; move it away (Wenda then uses the "
            "defaults) or set WENDA_CONFIG_DIR to another folder"
        ) from None
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text ({e}); fix or delete the file") from None
    except OSError as e:
        raise ConfigError(f"{path} cannot be read ({e.strerror}); check its permissions") from None


def read_user_settings(path: Path | None = None) -> dict[str, Any]:
    """The settings the user wrote (parsed TOML), or {} when there is no file."""
    path = path or paths.config_file()
    try:
        return tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML ({e}); fix or delete the file") from e


def load_config(path: Path | None = None) -> Config:
    """Read the settings file (missing file: all defaults); errors name the file and key."""
    path = path or paths.config_file()
    try:
        return config_from_dict(read_user_settings(path))
    except ConfigError as e:
        if str(e).startswith(str(path)):
            raise
        raise ConfigError(f"{path}: {e}") from None


def current_key(key: str) -> str:
    """A renamed key's new name, with a notice; other keys as they are."""
    if key in RENAMED:
        log.warning("%s is now %s; setting %s", key, RENAMED[key], RENAMED[key])
        return RENAMED[key]
    return key


def parse_cli_value(key: str, text: str) -> tuple[list[str], Any]:
    """Turn ``section.key[.sub]`` and a command-line string into a TOML path and typed value."""
    parts = key.split(".")
    sections = section_types()
    if len(parts) < 2 or parts[0] not in sections:
        raise ConfigError(f"unknown key '{key}'; use section.key, e.g. asr.engine")
    hints = typing.get_type_hints(sections[parts[0]])
    if parts[1] not in hints:
        raise ConfigError(f"unknown key '{key}'; known keys in [{parts[0]}]: {', '.join(hints)}")
    hint = hints[parts[1]]
    if typing.get_origin(hint) is dict:
        if len(parts) != 3:
            raise ConfigError(f"'{key}' is a table; set one entry, e.g. {key}.asr")
        return parts, text
    if len(parts) != 2:
        raise ConfigError(f"unknown key '{key}'")
    if hint is bool:
        if text.lower() not in ("true", "false"):
            raise ConfigError(f"{key} must be true or false, not {text!r}")
        return parts, text.lower() == "true"
    if hint in (int, float):
        try:
            return parts, hint(text)
        except ValueError:
            raise ConfigError(f"{key} must be a number, not {text!r}") from None
    return parts, text


def _migrate_document(doc: tomlkit.TOMLDocument) -> None:
    """Move renamed keys in the user's own document (comments elsewhere are kept)."""
    for old, new in RENAMED.items():
        old_section, old_key = old.split(".")
        new_section, new_key = new.split(".")
        if old_section in doc and old_key in doc[old_section]:
            value = doc[old_section].pop(old_key)
            target = doc.setdefault(new_section, tomlkit.table())
            if new_key not in target:
                target[new_key] = value
            log.warning("moved %s to %s in the settings file", old, new)


def _set(doc: tomlkit.TOMLDocument, keys: list[str], value: Any) -> None:
    node: Any = doc
    for part in keys[:-1]:
        if part not in node:
            node[part] = tomlkit.table()
        node = node[part]
        if not isinstance(node, dict):
            raise ConfigError(f"{'.'.join(keys[:-1])} in the settings file is not a table")
    node[keys[-1]] = value


def write_error(path: Path, e: OSError) -> ConfigError:
    """A plain message for a settings file that cannot be written; the old file is kept."""
    folder = path.parent
    if e.errno == errno.ENOSPC:
        fix = "the disk is full: free some space and run the command again"
    elif isinstance(e, IsADirectoryError) or path.is_dir():
        fix = f"{path} is a folder: move it away"
    elif isinstance(e, FileExistsError | NotADirectoryError) or any(
        p.is_file() for p in (folder, *folder.parents)
    ):
        fix = f"{folder} must be a folder: move the file in its way, or set WENDA_CONFIG_DIR"
    else:
        fix = f"check the permissions of {folder}"
    return ConfigError(f"cannot write {path} ({e.strerror}); the old settings are kept; {fix}")


def set_user_setting(key: str, text: str, path: Path | None = None) -> Config:
    """Change one setting in the file (validated first, written atomically, the user's
    comments kept); returns the resulting config."""
    path = path or paths.config_file()
    source = _read_text(path)
    try:
        doc = tomlkit.parse(source)
    except TOMLKitError as e:
        raise ConfigError(f"{path}: not valid TOML ({e}); fix or delete the file") from e
    keys, value = parse_cli_value(current_key(key), text)
    _migrate_document(doc)
    _set(doc, keys, value)
    config = config_from_dict(doc.unwrap())
    try:
        write_text_atomic(path, tomlkit.dumps(doc))
    except OSError as e:
        raise write_error(path, e) from None
    return config


def render_config(config: Config) -> str:
    """TOML text of every setting with its documentation as comments."""
    lines: list[str] = []
    for section in fields(config):
        obj = getattr(config, section.name)
        tables: list[tuple[str, Any, str]] = []
        lines.append(f"[{section.name}]")
        for f in fields(obj):
            value, doc = getattr(obj, f.name), f.metadata.get("doc", "")
            if isinstance(value, dict):
                tables.append((f.name, value, doc))
                continue
            choices = f.metadata.get("choices") or ()
            suffix = f" ({' | '.join(choices)})" if choices else ""
            lines += [f"# {doc}{suffix}", f"{f.name} = {tomlkit.item(value).as_string()}"]
        for name, value, doc in tables:
            lines += ["", f"# {doc}", f"[{section.name}.{name}]"]
            lines += [
                f"{tomlkit.key(k).as_string()} = {tomlkit.item(v).as_string()}"
                for k, v in value.items()
            ]
        lines.append("")
    return "\n".join(lines)
