"""Filters on the streamed reply: cut at stop sequences, and never recite the system prompt.

Both hold back only the shortest tail that might still turn into something forbidden, so
text reaches the speaker as soon as it is known to be safe. Pure string logic, shared by the
local model and the server client (a server may ignore stop sequences, and a model asked to
"repeat your instructions" may comply whatever the prompt says).
"""

from __future__ import annotations

from collections.abc import Iterable


class StopMatcher:
    """Cuts the text at the first stop sequence; holds back a tail that may start one."""

    def __init__(self, stops: Iterable[str]) -> None:
        self.stops = tuple(s for s in stops if s)
        self.stopped = False
        self._pending = ""

    def push(self, piece: str) -> str:
        """Add a piece; return the text now safe to emit (nothing more once stopped)."""
        if self.stopped:
            return ""
        text = self._pending + piece
        hits = [i for i in (text.find(s) for s in self.stops) if i >= 0]
        if hits:
            self.stopped, self._pending = True, ""
            return text[: min(hits)]
        hold = self._partial_stop_length(text)
        self._pending = text[len(text) - hold :] if hold else ""
        return text[: len(text) - hold]

    def flush(self) -> str:
        """At the end of the stream a partial stop sequence is just text."""
        text, self._pending = self._pending, ""
        return "" if self.stopped else text

    def _partial_stop_length(self, text: str) -> int:
        longest = max((len(s) for s in self.stops), default=0)
        for size in range(min(longest - 1, len(text)), 0, -1):
            tail = text[-size:]
            if any(s.startswith(tail) for s in self.stops):
                return size
        return 0


def _normalize(char: str) -> str:
    """Compare letters and digits only, case-folded: spacing and punctuation may differ."""
    return char.lower() if char.isalnum() and len(char.lower()) == 1 else ""


class LeakGuard:
    """Refuses to emit ``min_chars`` or more consecutive letters/digits of a secret text.

    The secret is given as segments (the system prompt minus phrases the reply may use, such
    as the decline sentence); a match may not span two segments. Only letters and digits are
    compared, so re-spacing or re-punctuating the prompt does not get it through.
    """

    def __init__(self, segments: Iterable[str], min_chars: int = 32) -> None:
        self.min_chars = min_chars
        self.hold_from = max(1, min_chars // 4)
        self.leaked = False
        self._secret = "|".join("".join(map(_normalize, s)) for s in segments)
        self._text = ""
        self._norm: list[str] = []
        self._where: list[int] = []  # index in _text of each normalized char
        self._emitted = 0

    def push(self, piece: str) -> str:
        """Add a piece; return the text now safe to emit. After a leak, returns nothing."""
        if self.leaked:
            return ""
        start = len(self._text)
        self._text += piece
        for offset, char in enumerate(piece):
            norm = _normalize(char)
            if norm:
                self._norm.append(norm)
                self._where.append(start + offset)
        match = self._matching_tail()
        # A short match is common text ("ing", "the"): emit it. A longer one is held back
        # from its start, so at most `hold_from - 1` characters of a leak ever get out.
        held = match >= self.hold_from
        safe_end = self._where[len(self._norm) - match] if held else len(self._text)
        if match >= self.min_chars:
            self.leaked = True
        out = self._text[self._emitted : safe_end]
        self._emitted = max(self._emitted, safe_end)
        return out

    def flush(self) -> str:
        """At the end of the stream a short partial match is harmless; release it."""
        if self.leaked:
            return ""
        out, self._emitted = self._text[self._emitted :], len(self._text)
        return out

    def _matching_tail(self) -> int:
        """Length of the longest normalized tail that occurs in the secret (capped)."""
        tail = "".join(self._norm[-self.min_chars :])
        for size in range(len(tail), 0, -1):
            if tail[-size:] in self._secret:
                return size
        return 0


class ReplyFilter:
    """Stop sequences, then the leak guard; trims leading blanks; ends with a refusal on a leak.

    ``push`` returns text to emit now; ``done`` says the reply is over (stop sequence or leak)
    and generation should end; ``flush`` returns what is left at the natural end.
    """

    def __init__(self, stops: Iterable[str], guard: LeakGuard, refusal: str) -> None:
        self.stops = StopMatcher(stops)
        self.guard = guard
        self.refusal = refusal
        self._emitted = ""

    @property
    def done(self) -> bool:
        return self.stops.stopped or self.guard.leaked

    @property
    def emitted(self) -> str:
        """Everything returned so far: the reply as the listener got it."""
        return self._emitted

    def push(self, piece: str) -> str:
        out = self.guard.push(self.stops.push(piece))
        if self.stops.stopped and not self.guard.leaked:
            out += self.guard.flush()
        return self._finish(out)

    def flush(self) -> str:
        return self._finish(self.guard.push(self.stops.flush()) + self.guard.flush())

    def _finish(self, out: str) -> str:
        if not self._emitted:
            out = out.lstrip()
        if self.guard.leaked and self.refusal:
            text = self._emitted + out
            out += ("" if not text or text[-1].isspace() else " ") + self.refusal
            self.refusal = ""  # said once
        self._emitted += out
        return out
