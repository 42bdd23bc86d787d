"""Words any domain's actions need in the reply language: money, a slot value's name, lists.

Actions return facts from the database only; these helpers just word them. A domain's own
wording (its product names, say) lives with its actions in the domain folder.
"""

from __future__ import annotations

from collections.abc import Sequence

from dialogue.actions import ActionContext


def money(cents: int | None) -> str:
    """Euro cents as a decimal string without currency ("197.00"); templates add "euros"."""
    return f"{(cents or 0) / 100:.2f}"


def value_name(ctx: ActionContext, slot: str, value: str) -> str:
    """A canonical slot value as the reply language says it (the lexicon's first form)."""
    forms = ctx.lexicon.get(slot, {}).get(value)
    if forms:
        return forms[0]
    return (
        value.replace("_", " ").upper()
        if slot == "size" and len(value) <= 3
        else value.replace("_", " ")
    )


def join(ctx: ActionContext, parts: Sequence[str]) -> str:
    """ "a, b and c" / "a、b和c"."""
    parts = [p for p in parts if p]
    if len(parts) <= 1:
        return parts[0] if parts else ""
    if ctx.language == "zh":
        return "、".join(parts[:-1]) + "和" + parts[-1]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def names(ctx: ActionContext, slot: str, values: Sequence[str]) -> str:
    """Slot values as the reply language says them, joined into one list."""
    return join(ctx, [value_name(ctx, slot, v) for v in values])
