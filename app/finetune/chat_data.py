"""Checks on chat JSONL (generator training data) with file:line messages, and its summary.

The format is OpenAI's messages: one ``{"messages": [{"role": ..., "content": ...}, ...]}`` per
line. This is the wizard's pre-flight check so the user sees every problem before a run starts;
the generator trainer checks again on its own.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path

from dialogue.files import read_jsonl
from dialogue.issues import Issue

log = logging.getLogger(__name__)

ROLES = ("system", "user", "assistant")


def _check_conversation(data: object) -> str | None:
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        return 'expected an object with a "messages" list'
    messages = data["messages"]
    if not messages:
        return '"messages" is empty'
    for i, message in enumerate(messages, start=1):
        if not isinstance(message, dict):
            return f"message {i} is not an object"
        if message.get("role") not in ROLES:
            return f"message {i} has role {message.get('role')!r}; use {', '.join(ROLES)}"
        content = message.get("content")
        if not isinstance(content, str) or not content.strip():
            return f"message {i} has no text content"
    if not any(m["role"] == "assistant" for m in messages):
        return "no assistant message: nothing to learn from"
    return None


def validate_chat(path: Path) -> tuple[int, Counter[str], list[Issue]]:
    """Number of good conversations, message counts per role, and every issue found."""
    source = str(path)
    good, roles, issues = 0, Counter[str](), list[Issue]()
    seen: dict[str, int] = {}
    for number, data in read_jsonl(path, issues):
        problem = _check_conversation(data)
        if problem:
            issues.append(Issue(source, number, "", problem))
            continue
        key = json.dumps(data["messages"], sort_keys=True, ensure_ascii=False)
        if key in seen:
            issues.append(Issue(source, number, "", f"duplicate of line {seen[key]}", "warning"))
        seen.setdefault(key, number)
        good += 1
        roles.update(m["role"] for m in data["messages"])
    if not good and not issues:
        issues.append(Issue(source, 0, "", "no conversations (the file is empty)"))
    issues.sort(key=lambda issue: issue.line)  # in the file's order, as the user reads it
    return good, roles, issues
