"""What the assistant knows about the conversation so far, as plain data.

The tracker builds a new state from the old one and an NLU result each turn; the policy
reads it; nothing else changes it. Slots keep their provenance (which turn, from where) so a
later value can replace an earlier one and a reply can say what was corrected.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

# What the last reply asked, besides a form's question: "did you mean X?" or "a human?".
PENDING_CLARIFY = "clarify"
PENDING_HUMAN = "offer_human"
MAX_HISTORY_TURNS = 8


@dataclass
class SlotValue:
    """A slot value with provenance: ``source`` is nlu | extracted | carried | clarified."""

    name: str
    value: str
    text: str
    turn: int
    source: str = "nlu"
    confidence: float = 1.0

    def to_json(self) -> dict[str, object]:
        return {"value": self.value, "text": self.text, "turn": self.turn, "source": self.source}


@dataclass
class FormState:
    """The open task: slots collected so far, the slot last asked for, confirmation step."""

    intent: str
    slots: dict[str, SlotValue] = field(default_factory=dict)
    requested: str | None = None
    awaiting_confirm: bool = False
    reasks: int = 0


@dataclass
class Clarification:
    """The utterance a "did you mean ...?" was about, kept so a "yes" can act on it."""

    intent: str
    text: str
    slots: list[SlotValue] = field(default_factory=list)


@dataclass
class Profile:
    """What is remembered about the user across sessions (see dialogue/memory.py)."""

    name: str = ""
    preferences: dict[str, str] = field(default_factory=dict)
    orders: list[str] = field(default_factory=list)


@dataclass
class Turn:
    role: str  # "user" | "assistant"
    text: str


@dataclass
class DialogueState:
    turn: int = 0
    form: FormState | None = None
    known: dict[str, SlotValue] = field(default_factory=dict)  # every value heard: carry-over
    rejected: dict[str, list[str]] = field(default_factory=dict)  # values the user said no to
    pending: str | None = None
    clarification: Clarification | None = None
    unclear_turns: int = 0  # consecutive turns not understood (the fallback ladder's step)
    negative_turns: int = 0  # frustrated or angry turns so far
    frustration_offer: bool = False  # a human was offered because of frustration
    profile: Profile = field(default_factory=Profile)
    history: list[Turn] = field(default_factory=list)

    def copy(self) -> DialogueState:
        return copy.deepcopy(self)

    def remember(self, role: str, text: str) -> None:
        """Append to the short history the generator sees (bounded)."""
        self.history.append(Turn(role, text))
        del self.history[: -2 * MAX_HISTORY_TURNS]

    def reset(self) -> None:
        """Start over: forget the task and its slots, keep the profile and history."""
        self.form = None
        self.known.clear()
        self.rejected.clear()
        self.pending = None
        self.clarification = None
        self.unclear_turns = 0
