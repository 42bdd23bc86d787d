"""The knowledge base: FAQ entries and documents, searched by meaning and by keyword.

Cheap to import; ``build_kb`` (in ``dialogue.kb.index``) and ``make_encoder`` load the heavy parts.
"""

from dialogue.kb.types import Hit

__all__ = ["Hit"]
