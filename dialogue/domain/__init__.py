"""The domain folder: what users ask, what to collect, what to answer, what is known.

``load_domain(path)`` reads and validates a folder (format: docs/domain-format.md).
"""

from dialogue.domain.errors import DomainError
from dialogue.domain.load import load_domain
from dialogue.domain.model import Domain, FaqEntry, Form, Intent, LanguagePack, SlotType
from dialogue.issues import Issue

__all__ = [
    "Domain",
    "DomainError",
    "FaqEntry",
    "Form",
    "Intent",
    "Issue",
    "LanguagePack",
    "SlotType",
    "load_domain",
]
