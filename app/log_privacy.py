"""Logs that hold nothing private unless the user asks for debug logging.

A log is pasted into bug reports and kept on disk; a user's order numbers, email addresses,
phone numbers and words have no place in it. Two rules keep them out: what a user said or
heard (transcripts, replies) is logged at DEBUG only, and every handler of the root logger
formats through :class:`PrivateFormatter`, which masks email addresses, phone numbers and
long digit runs (order, account and card numbers) in messages and tracebacks alike, whoever
logged them. ``wenda --debug`` turns both off: debug logging is the user's choice.
"""

from __future__ import annotations

import copy
import logging
import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone number: 7 or more digits with spaces, dots, dashes or brackets between them.
PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d ()\-]{5,}\d(?![\w.])")
# An order or account number: 5 or more digits standing alone (not part of a decimal,
# a version or a file name, where the neighbours are letters, dots, dashes or slashes).
NUMBER = re.compile(r"(?<![\w.\-/])#?\d{5,}(?![\w.\-/])")


DATE = re.compile(r"\d{4}-\d\d-\d\d")


def _phone(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group())
    return "<phone>" if digits >= 7 and not DATE.fullmatch(match.group()) else match.group()


def redact(text: str) -> str:
    """``text`` with email addresses, phone numbers and long numbers masked."""
    text = EMAIL.sub("<email>", text)
    text = PHONE.sub(_phone, text)
    return NUMBER.sub("<number>", text)


class PrivateFormatter(logging.Formatter):
    """Formats as ``inner`` does (or with ``fmt``), with what :func:`redact` finds masked in
    the message and its traceback; the line's own fields (time, level, logger) stay as they
    are (masking the whole line read "2026-12-07 15" as a phone number)."""

    def __init__(self, inner: logging.Formatter | None = None, fmt: str | None = None) -> None:
        super().__init__(fmt)
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        masked = copy.copy(record)
        masked.msg, masked.args = redact(record.getMessage()), None
        if record.exc_info:
            masked.exc_text = redact(self.formatException(record.exc_info))
            masked.exc_info = None
        if record.stack_info:
            masked.stack_info = redact(record.stack_info)
        return self.inner.format(masked) if self.inner is not None else super().format(masked)


def protect_handlers(debug: bool = False) -> None:
    """Make every handler of the root logger mask private data (all but ``debug``)."""
    if debug:
        return
    for handler in logging.getLogger().handlers:
        if not isinstance(handler.formatter, PrivateFormatter):
            handler.setFormatter(PrivateFormatter(handler.formatter))
