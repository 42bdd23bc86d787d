"""Load a domain folder into a :class:`Domain`, or raise one :class:`DomainError` listing
every problem (file, line, field). The folder layout is documented in docs/domain-format.md.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path
from typing import Any

from dialogue.actions import ActionFn, registered_actions
from dialogue.actions.loading import import_actions
from dialogue.actions.sql_script import SqlScriptError, run_script
from dialogue.domain.errors import DomainError
from dialogue.domain.language import load_language
from dialogue.domain.model import (
    SLOT_TYPES,
    TEMPLATE_ACTION,
    Domain,
    Form,
    PolicyConfig,
    SlotType,
)
from dialogue.domain.sources import (
    TomlFile,
    check_keys,
    read_toml,
    string_list,
    unreadable_toml,
)
from dialogue.hours import parse_hours
from dialogue.issues import Issue

log = logging.getLogger(__name__)

SUPPORTED_LANGUAGES = ("en", "zh")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_POLICY_FIELDS = {
    "clarify_below": float,
    "clarify_min": float,
    "kb_min_score": float,
    "frustration_turns": int,
    "max_reasks": int,
}


def load_domain(root: Path) -> Domain:
    """Read and validate the whole folder; raises :class:`DomainError` with every issue."""
    root = Path(root)
    issues: list[Issue] = []
    if not root.is_dir():
        raise DomainError(str(root), [Issue(str(root), 0, "", "not a folder")])
    meta = _load_meta(root, issues)
    actions = meta.get("actions", {})
    slots = _load_slots(root, issues)
    forms = _load_forms(root, slots, {**registered_actions(), **actions}, issues)
    orders_sql = _check_sql(root, issues)
    packs = {}
    for language in meta.get("languages", ()):
        if (root / language).is_dir():
            packs[language] = load_language(root, language, slots, forms, issues)
        else:
            issues.append(Issue(language, 0, "", "language folder is missing"))
    if issues:
        shown = [i for i in issues if unreadable_toml(i)] or issues
        raise DomainError(str(root), shown, skipped=len(issues) - len(shown))
    log.info("loaded domain %s (%s)", meta["name"], ", ".join(packs))
    return Domain(
        root=root,
        name=meta["name"],
        description=meta.get("description", ""),
        languages=tuple(packs),
        version=meta.get("version", 1),
        slots=slots,
        forms=forms,
        packs=packs,
        policy=meta.get("policy", PolicyConfig()),
        orders_sql=orders_sql,
        hours=meta.get("hours"),
        actions=actions,
    )


def _load_meta(root: Path, issues: list[Issue]) -> dict[str, Any]:
    file = read_toml(root, "domain.toml", issues)
    if file is None:
        return {}
    data = file.data
    keys = {"name", "description", "languages", "version", "policy", "hours", "actions"}
    check_keys(file, None, data, keys, issues)
    meta: dict[str, Any] = {}
    if not isinstance(data.get("name"), str) or not data["name"].strip():
        issues.append(file.issue("name must be a non-empty string", None, "name"))
    else:
        meta["name"] = data["name"]
    meta["description"] = (
        data.get("description", "") if isinstance(data.get("description", ""), str) else ""
    )
    languages = string_list(data.get("languages"))
    if languages is None:
        issues.append(
            file.issue('languages must be a list such as ["en", "zh"]', None, "languages")
        )
    else:
        bad = [lang for lang in languages if lang not in SUPPORTED_LANGUAGES]
        if bad:
            known = ", ".join(SUPPORTED_LANGUAGES)
            issues.append(
                file.issue(f"unsupported language {bad[0]!r}; use {known}", None, "languages")
            )
        meta["languages"] = tuple(lang for lang in languages if lang in SUPPORTED_LANGUAGES)
    version = data.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool):
        issues.append(file.issue("version must be a whole number", None, "version"))
    meta["version"] = version
    if "policy" in data:
        meta["policy"] = _load_policy(file, data["policy"], issues)
    if "hours" in data:
        hours, problems = parse_hours(data["hours"])
        issues += [file.issue(message, "hours", key or None) for key, message in problems]
        meta["hours"] = hours
    if "actions" in data:
        meta["actions"] = _load_actions(root, file, data["actions"], issues)
    return meta


def _load_actions(
    root: Path, file: TomlFile, value: Any, issues: list[Issue]
) -> dict[str, ActionFn]:
    """Import the domain's action modules (``actions = ["actions"]``): its own code."""
    modules = string_list(value)
    if modules is None:
        message = 'actions must be a list of module files or folders, such as ["actions"]'
        issues.append(file.issue(message, None, "actions"))
        return {}
    actions, problems = import_actions(root, modules, file.line_of(None, "actions"))
    issues += problems
    return actions


def _load_policy(file: TomlFile, data: Any, issues: list[Issue]) -> PolicyConfig:
    if not isinstance(data, dict):
        issues.append(file.issue("[policy] must be a table", "policy"))
        return PolicyConfig()
    check_keys(file, "policy", data, set(_POLICY_FIELDS), issues)
    values: dict[str, Any] = {}
    for key, kind in _POLICY_FIELDS.items():
        if key not in data:
            continue
        value = data[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (kind is int and not isinstance(value, int))
        ):
            issues.append(file.issue(f"must be a {kind.__name__}", "policy", key))
        elif value < 0:
            issues.append(file.issue("must not be negative", "policy", key))
        else:
            values[key] = kind(value)
    return PolicyConfig(**values)


def _load_slots(root: Path, issues: list[Issue]) -> dict[str, SlotType]:
    file = read_toml(root, "slots.toml", issues)
    if file is None:
        return {}
    slots = {}
    allowed = {"type", "pattern", "values", "min", "max", "description"}
    for name, spec in file.data.items():
        if not isinstance(spec, dict):
            issues.append(file.issue("each slot must be a [table]", name))
            continue
        if not _NAME.match(name):
            issues.append(file.issue("slot names are lower_snake_case", name))
        check_keys(file, name, spec, allowed, issues)
        kind = spec.get("type")
        if kind not in SLOT_TYPES:
            issues.append(file.issue(f"type must be one of {', '.join(SLOT_TYPES)}", name, "type"))
            continue
        slot = SlotType(
            name=name,
            type=kind,
            pattern=spec.get("pattern", ""),
            values=tuple(spec.get("values", ())),
            min=spec.get("min"),
            max=spec.get("max"),
            description=spec.get("description", ""),
        )
        _check_slot(file, slot, issues)
        slots[name] = slot
    return slots


def _check_slot(file: TomlFile, slot: SlotType, issues: list[Issue]) -> None:
    if slot.type == "pattern":
        try:
            re.compile(slot.pattern)
        except (re.error, TypeError) as e:
            issues.append(file.issue(f"not a valid regular expression: {e}", slot.name, "pattern"))
        if not slot.pattern:
            issues.append(file.issue("a pattern slot needs a pattern", slot.name, "pattern"))
    if slot.type == "choice" and (
        not slot.values or not all(isinstance(v, str) and v for v in slot.values)
    ):
        issues.append(file.issue("a choice slot needs a list of values", slot.name, "values"))
    for key in ("min", "max"):
        value = getattr(slot, key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            issues.append(file.issue("must be a number", slot.name, key))
            return
    if slot.min is not None and slot.max is not None and slot.min > slot.max:
        issues.append(file.issue("min is greater than max", slot.name, "min"))


def _load_forms(
    root: Path, slots: dict[str, SlotType], known_actions: dict[str, ActionFn], issues: list[Issue]
) -> dict[str, Form]:
    file = read_toml(root, "forms.toml", issues)
    if file is None:
        return {}
    forms = {}
    for intent, spec in file.data.items():
        if not isinstance(spec, dict):
            issues.append(file.issue("each form must be a [table]", intent))
            continue
        check_keys(file, intent, spec, {"slots", "optional", "confirm", "action"}, issues)
        names: dict[str, tuple[str, ...]] = {}
        for key in ("slots", "optional"):
            value = spec.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                issues.append(file.issue("must be a list of slot names", intent, key))
                value = []
            for name in value:
                if name not in slots:
                    issues.append(
                        file.issue(f"unknown slot {name!r} (not in slots.toml)", intent, key)
                    )
            names[key] = tuple(value)
        confirm = spec.get("confirm", False)
        if not isinstance(confirm, bool):
            issues.append(file.issue("must be true or false", intent, "confirm"))
        action = _form_action(file, intent, spec.get("action", ""), known_actions, issues)
        forms[intent] = Form(intent, names["slots"], names["optional"], confirm is True, action)
    return forms


def _form_action(
    file: TomlFile, intent: str, action: Any, known: dict[str, ActionFn], issues: list[Issue]
) -> str:
    """The form's action: ``template:<key>`` or the name of an action a module registers."""
    if not isinstance(action, str) or not action:
        issues.append(file.issue('needs an action name or "template:<key>"', intent, "action"))
        return ""
    if action.startswith(TEMPLATE_ACTION) or action in known:
        return action
    registered = (
        f"registered: {', '.join(sorted(known))}"
        if known
        else 'no module registers any; name yours in domain.toml (actions = ["actions"])'
    )
    issues.append(file.issue(f"unknown action {action!r}; {registered}", intent, "action"))
    return action


def _check_sql(root: Path, issues: list[Issue]) -> Path | None:
    path = root / "orders.sql"
    if not path.is_file():
        return None
    try:
        sql = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        issues.append(Issue("orders.sql", 0, "", f"not UTF-8 text ({e.reason})"))
        return path
    db = sqlite3.connect(":memory:")
    try:
        run_script(db, sql)
    except SqlScriptError as e:
        issues.append(Issue("orders.sql", e.line, "", f"SQLite cannot run it: {e.message}"))
    finally:
        db.close()
    return path
