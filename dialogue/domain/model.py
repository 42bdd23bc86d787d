"""A loaded domain as plain frozen data: slot types, forms, and one pack per language.

Everything here is already validated; the rest of ``dialogue/`` reads it and never the files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dialogue.actions import ActionFn
from dialogue.hours import OpeningHours

SLOT_TYPES = ("text", "pattern", "choice", "number", "date")
INTENT_KINDS = ("task", "faq", "chitchat", "handoff", "control")
EMOTIONS = ("neutral", "frustrated", "angry", "satisfied")
TEMPLATE_ACTION = "template:"  # forms.toml action prefix: answer with a response template only


@dataclass(frozen=True)
class SlotType:
    """How values of one slot are validated and normalised (see docs/domain-format.md)."""

    name: str
    type: str
    pattern: str = ""
    values: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    description: str = ""


@dataclass(frozen=True)
class Form:
    """What a task intent must collect before its action runs."""

    intent: str
    slots: tuple[str, ...]
    optional: tuple[str, ...] = ()
    confirm: bool = False
    action: str = ""

    @property
    def template_key(self) -> str | None:
        """The response key of a ``template:<key>`` action, else None."""
        return (
            self.action[len(TEMPLATE_ACTION) :] if self.action.startswith(TEMPLATE_ACTION) else None
        )


@dataclass(frozen=True)
class Intent:
    name: str
    kind: str
    description: str
    title: str = ""  # short noun for "Back to your <title>" (defaults to the name)


@dataclass(frozen=True)
class FaqEntry:
    id: str
    questions: tuple[str, ...]
    answer: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """A knowledge-base document; ``name`` is its path relative to the language folder."""

    name: str
    text: str


@dataclass(frozen=True)
class PolicyConfig:
    """Thresholds of the dialogue policy (``[policy]`` in domain.toml; all optional).

    ``clarify_below``: an intent with lower confidence gets one "did you mean ...?".
    ``clarify_min``: ... but only if the guess is at least this likely (else no question).
    ``kb_min_score``: a knowledge-base hit below this relative score is not an answer.
    ``frustration_turns``: frustrated or angry turns before a human is offered.
    ``max_reasks``: unanswered questions for one slot before a human is offered.
    """

    clarify_below: float = 0.5
    clarify_min: float = 0.2
    kb_min_score: float = 0.5
    frustration_turns: int = 2
    max_reasks: int = 2


@dataclass(frozen=True)
class LanguagePack:
    """Everything a domain says in one language."""

    language: str
    intents: dict[str, Intent]
    responses: dict[str, dict[str, tuple[str, ...]]]
    lexicon: dict[str, dict[str, tuple[str, ...]]]  # slot -> canonical value -> surface forms
    faq: tuple[FaqEntry, ...]
    documents: tuple[Document, ...]
    nlu_file: Path
    dialogues_file: Path | None = None

    def kind(self, intent: str) -> str:
        """The intent's kind, or "" for unknown intents (including ``oos``)."""
        spec = self.intents.get(intent)
        return spec.kind if spec else ""


@dataclass(frozen=True)
class Domain:
    root: Path
    name: str
    description: str
    languages: tuple[str, ...]
    version: int
    slots: dict[str, SlotType]
    forms: dict[str, Form]
    packs: dict[str, LanguagePack]
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    orders_sql: Path | None = None
    hours: OpeningHours | None = None  # when people can take over ([hours]); None: always
    actions: dict[str, ActionFn] = field(default_factory=dict)  # its own, by forms.toml name

    def pack(self, language: str) -> LanguagePack:
        try:
            return self.packs[language]
        except KeyError:
            known = ", ".join(self.languages)
            raise KeyError(f"domain {self.name} has no language {language!r} ({known})") from None
