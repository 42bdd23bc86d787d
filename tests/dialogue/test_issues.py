"""The one problem record every validator reports, and how it reads in messages."""

from __future__ import annotations

import pytest

from dialogue.domain.errors import DomainError
from dialogue.issues import Issue
from dialogue.nlu.errors import NluDataError


@pytest.mark.parametrize(
    ("issue", "where", "text"),
    [
        (
            Issue("a.jsonl", 3, "", "not valid JSON"),
            "a.jsonl:3",
            "a.jsonl:3: error: not valid JSON",
        ),
        (Issue("a.jsonl", 0, "", "empty", "warning"), "a.jsonl", "a.jsonl: warning: empty"),
        (
            Issue("forms.toml", 7, "cancel.action", "unknown action"),
            "forms.toml:7 [cancel.action]",
            "forms.toml:7 [cancel.action]: error: unknown action",
        ),
    ],
)
def test_where_and_text(issue: Issue, where: str, text: str) -> None:
    assert issue.where == where and str(issue) == text


def test_errors_list_every_issue_in_their_own_form() -> None:
    issues = [Issue("forms.toml", 7, "cancel.action", "unknown action"), Issue("x", 0, "", "gone")]
    domain = str(DomainError("shop", issues)).splitlines()
    assert domain == [
        "domain folder shop has 2 problems:",
        "  forms.toml:7 [cancel.action]: unknown action",
        "  x: gone",
    ]
    nlu = str(NluDataError(issues[1:])).splitlines()
    assert nlu == ["the NLU data has errors (1):", "  x: error: gone"]
