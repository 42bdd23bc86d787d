"""The conversation loop of ``wenda chat``: one input line in, one output line out.

Input is read as bytes and decoded line by line, so one line that is not UTF-8 is reported
in its own output line and every other line is still answered (a text reader under a strict
locale raised at the first bad byte and lost the lines it had buffered; a lenient one passed
lone surrogates that broke the tokenizer). With ``--json`` every input line gives exactly one
JSON line, in order, with its ``line`` number: a turn, a blank line (``"skipped"``), a line
that cannot be read or a turn that failed (``"error"``), a /command (``"command"``), so a
script can pair its inputs with the outputs. Piped without ``--json`` each turn gives its
reply line and a blank line an empty one; notes go to stderr.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, TextIO

from app.user_files import OutputPathError, check_output_path, write_output

log = logging.getLogger(__name__)

PROMPT = "you> "
BOT = "wenda> "
_BOLD, _RESET = "\033[1m", "\033[0m"
COMMANDS = "commands: /reset /forget /export [FILE] /lang en|zh /quit"


@dataclass(frozen=True)
class InputLine:
    """One line of input: its 1-based number and text, or why it cannot be read."""

    number: int
    text: str
    error: str = ""


def decode_line(number: int, raw: bytes) -> InputLine:
    """A raw line (with or without its newline) as text, or the reason it is not text."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        where = f"byte 0x{raw[e.start]:02x} at column {e.start + 1}"
        return InputLine(number, "", f"line {number} is not UTF-8 text ({where}); skipped")
    return InputLine(number, text.removeprefix("\ufeff").strip())


def input_lines(stream: BinaryIO, prompt: Callable[[], None] | None = None) -> Iterator[InputLine]:
    """Lines of ``stream`` until its end; ``prompt()`` runs before each read."""
    number = 0
    while True:
        if prompt is not None:
            prompt()
        raw = stream.readline()
        if not raw:
            return
        number += 1
        yield decode_line(number, raw)


@dataclass
class ChatOutput:
    """Where replies and notes go, and in which form."""

    out: TextIO
    note: TextIO
    as_json: bool
    interactive: bool

    @property
    def streaming(self) -> bool:
        return self.interactive and not self.as_json

    def line(self, number: int, fields: dict[str, Any], plain: str | None) -> None:
        """One output line: the JSON object (with the line number), else ``plain``."""
        if self.as_json:
            self.out.write(json.dumps({"line": number, **fields}, ensure_ascii=False) + "\n")
        elif plain is not None and not self.interactive:
            self.out.write(plain + "\n")
        self.out.flush()

    def tell(self, text: str) -> None:
        """A note for the person: on the terminal in a conversation, else on stderr."""
        print(text, file=self.out if self.streaming else self.note, flush=True)


class ChatLoop:
    """Answers lines with ``manager`` (a DialogueManager); ``switch(language)`` gives the
    conversation in another language (``/lang``), or None when the domain cannot."""

    def __init__(
        self,
        manager: Any,
        output: ChatOutput,
        switch: Callable[[str], Any] | None = None,
        debug: bool = False,
    ) -> None:
        self.manager = manager
        self.output = output
        self.switch = switch
        self.debug = debug

    def run(self, stdin: BinaryIO) -> None:
        """Answer every line until end of input or /quit."""
        prompt = self._prompt if self.output.streaming else None
        for line in input_lines(stdin, prompt):
            if not self.answer(line):
                return

    def _prompt(self) -> None:
        self.output.out.write(PROMPT)
        self.output.out.flush()

    def answer(self, line: InputLine) -> bool:
        """Answer one line; False when the conversation ends (/quit)."""
        if line.error:
            self.output.tell(f"wenda: {line.error}")
            self.output.line(line.number, {"user_text": "", "reply": "", "error": line.error}, "")
        elif not line.text:
            self.output.line(line.number, {"user_text": "", "reply": "", "skipped": "blank"}, "")
        elif line.text.startswith("/"):
            return self._command(line)
        else:
            self._turn(line)
        return True

    def _turn(self, line: InputLine) -> None:
        from dialogue.manager import ReplyChunk, TurnResult

        output = self.output
        try:
            if output.streaming:
                output.out.write(f"{_BOLD}{BOT}{_RESET}")
            for item in self.manager.stream(line.text):
                if isinstance(item, ReplyChunk) and output.streaming:
                    output.out.write(item.text)  # pieces come spaced as they join
                    output.out.flush()
                elif isinstance(item, TurnResult):
                    if output.streaming:
                        output.out.write("\n")
                    output.line(line.number, item.to_json(), item.reply)
        except Exception as e:  # one failed turn must not end the conversation
            if self.debug:
                raise
            debug = log.isEnabledFor(logging.DEBUG)
            log.error("turn %d failed: %s", line.number, type(e).__name__, exc_info=debug)
            message = f"that turn failed ({type(e).__name__}); please try again"
            output.tell(f"wenda: {message}")
            output.line(line.number, {"user_text": line.text, "reply": "", "error": message}, "")

    def _command(self, line: InputLine) -> bool:
        name, _, arg = line.text[1:].strip().partition(" ")
        arg = arg.strip()
        if name in ("quit", "exit", "q"):
            return False
        fields: dict[str, Any] = {"command": name}
        if name == "reset":
            self.manager.reset()
            fields["note"] = "conversation reset"
        elif name == "forget":
            deleted = self.manager.forget_user()
            fields["note"] = f"forgot everything about {self.manager.user}: {deleted} turns deleted"
        elif name == "export":
            fields.update(self._export(arg))
        elif name == "lang":
            fields.update(self._switch(arg))
        else:
            fields["error"] = f"unknown command /{name}; {COMMANDS}"
        self._report(line.number, fields)
        return True

    def _report(self, number: int, fields: dict[str, Any]) -> None:
        text = fields.get("note") or fields.get("error")
        if text:
            self.output.tell(f"({text})" if "note" in fields else f"wenda: {text}")
        if self.output.as_json:
            self.output.line(number, fields, None)

    def _export(self, arg: str) -> dict[str, Any]:
        data = self.manager.export_user()
        if not arg:
            if self.output.as_json:
                return {"export": data}
            print(json.dumps(data, ensure_ascii=False, indent=2), file=self.output.out)
            return {}
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        try:
            path = check_output_path(arg, (".json",))
            write_output(path, text.encode("utf-8"))
        except OutputPathError as e:
            return {"error": f"nothing exported: {e}"}
        self.manager.wrote_file(path)
        return {"note": f"exported to {path}", "path": str(path)}

    def _switch(self, language: str) -> dict[str, Any]:
        if language == self.manager.language:
            return {"note": f"the conversation is already in {language}"}
        if self.switch is None or language not in ("en", "zh"):
            return {"error": f"cannot switch to {language!r}; /lang en or /lang zh"}
        before, switch = self.manager.language, self.switch
        del self.manager  # the old language's models go before the new one's load
        try:
            self.manager = switch(language)
        except BaseException:
            self.manager = switch(before)  # the conversation stays where it was
            raise
        return {"note": f"the conversation is now in {language}", "language": language}


def binary_stdin() -> BinaryIO:
    """Standard input as bytes (a test may have replaced ``sys.stdin`` with text)."""
    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        return buffer  # type: ignore[no-any-return]
    import io

    return io.BytesIO(sys.stdin.read().encode("utf-8"))
