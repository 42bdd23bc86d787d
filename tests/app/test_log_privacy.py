"""Logs hold no order numbers, email addresses, phone numbers or transcripts unless the user
turns debug logging on (issue 15). Before: ``-v`` logged every dropped Whisper segment's
words and every sentence ``wenda say`` spoke, and a failing event handler logged the event
with its transcript and reply."""

from __future__ import annotations

import logging
import subprocess
import sys
from types import SimpleNamespace

import pytest

from app.log_privacy import redact
from app.voice import events as ev
from app.voice.session import VoiceSession
from speech.hallucination import HallucinationGuard, ScoredText, keep_segments

PRIVATE = ("10482", "anna@example.com", "555-123-4567", "+86 138 0013 8000", "Anna Smith")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("where is order 10482?", "where is order <number>?"),
        ("order #10482", "order <number>"),
        ("write to anna.b+shop@example.co.uk", "write to <email>"),
        ("call 555-123-4567 or (555) 123 4567", "call <phone> or <phone>"),
        ("打 +86 138 0013 8000", "打 <phone>"),
        ("1109 units, 0.9996 sure, 12345.6 ms", "1109 units, 0.9996 sure, 12345.6 ms"),
        ("/tmp/pytest-123456/nlu-en v2.10.12345", "/tmp/pytest-123456/nlu-en v2.10.12345"),
        ("on 2026-03-16 at 10:00", "on 2026-03-16 at 10:00"),
    ],
)  # fmt: skip
def test_redact(text: str, masked: str) -> None:
    assert redact(text) == masked


SCRIPT = """
import logging, sys
from app.cli import _configure_logging
_configure_logging(verbose=True, debug=sys.argv[1] == "debug")
log = logging.getLogger("dialogue.somewhere")
log.info("order 10482 for anna@example.com, phone 555-123-4567")
try:
    raise ValueError("no order 10482")
except ValueError:
    log.exception("failed")
"""


@pytest.mark.parametrize("mode", ["verbose", "debug"])
def test_every_handler_masks_unless_debug(mode: str) -> None:
    """Whoever logs it, in a message or a traceback: masked, unless ``--debug``."""
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=60
    )
    assert "order <number> for <email>, phone <phone>" in result.stderr or mode == "debug"
    for value in ("10482", "anna@example.com", "555-123-4567"):
        assert (value in result.stderr) == (mode == "debug"), result.stderr
    assert "ValueError: no order" in result.stderr


def test_dropped_words_are_logged_only_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    said = ScoredText("my order is 10482, Anna Smith", -2.5, 0.95, 1.0)
    assert keep_segments([said], HallucinationGuard()) == [False]
    above_debug = [r.getMessage() for r in caplog.records if r.levelno > logging.DEBUG]
    assert above_debug and not any("Anna" in m for m in above_debug)
    assert any("Anna Smith" in r.getMessage() for r in caplog.records)  # at debug: kept


def test_a_failing_event_handler_logs_no_words(caplog: pytest.LogCaptureFixture) -> None:
    def broken(event: object) -> None:
        raise RuntimeError("front end bug")

    session = SimpleNamespace(_on_event=broken)
    VoiceSession._emit(session, ev.Transcript(3, "I am Anna Smith, order 10482"))  # type: ignore[arg-type]
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "event handler failed on Transcript" in logged
    assert not any(value in logged for value in PRIVATE)


def test_the_line_keeps_its_time_and_masks_the_message() -> None:
    """The log file's time stamp is not a phone number; the message's number still is."""
    from app.log_privacy import PrivateFormatter

    formatter = PrivateFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "order %s", ("10482",), None)
    record.created = 1796655390.25  # 2026-12-07, a time with seven digits and a dash
    line = formatter.format(record)
    stamp = logging.Formatter().formatTime(record)
    assert line == f"{stamp} INFO order <number>", line
