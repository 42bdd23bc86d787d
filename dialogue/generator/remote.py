"""A reply generator served by an OpenAI-compatible chat-completions endpoint (e.g. vLLM).

Scaling past one machine without a new engine: vLLM, llama.cpp's server and others speak
this protocol, and vLLM serves LoRA adapters by model name. The prompt, the stop sequences
and the leak filter are the same as for the local model; the reply is streamed as
server-sent events (``data: {json}`` lines ending with ``data: [DONE]``). Standard library
only: one HTTP request per reply, closed as soon as the stop event is seen.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

from dialogue.generation import GenerationRequest
from dialogue.generator.decode import reply_filter
from dialogue.generator.errors import GenerationTimeout, ServerError
from dialogue.generator.options import GeneratorOptions
from dialogue.generator.prompt import (
    build_messages,
    language_of,
)

log = logging.getLogger(__name__)


def completions_url(url: str) -> str:
    """The chat-completions endpoint for a base URL given with or without ``/v1``."""
    url = url.rstrip("/")
    if url.endswith("/chat/completions"):
        return url
    return f"{url}/chat/completions" if url.endswith("/v1") else f"{url}/v1/chat/completions"


class ServerGenerator:
    """Streams grounded replies from a server; implements ``dialogue.generation.Generator``."""

    def __init__(self, options: GeneratorOptions) -> None:
        if not options.url.startswith(("http://", "https://")):
            raise ServerError(f"generator.url must start with http:// or https://: {options.url}")
        self.options = options
        self.endpoint = completions_url(options.url)

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        """The JSON request: the grounded messages plus the safety limits."""
        options = self.options
        return {
            "model": options.served_model or "default",
            "messages": build_messages(request, options.history_messages, options.max_passages),
            "stream": True,
            "max_tokens": min(request.max_new_tokens, options.max_new_tokens),
            "temperature": options.temperature,
            "top_p": options.top_p,
            "stop": list(options.stop_sequences[:4]),  # OpenAI accepts at most four
        }

    def stream(
        self, request: GenerationRequest, stop: threading.Event | None = None
    ) -> Iterator[str]:
        """Yield the reply in pieces as the server sends them; stop at the next piece.

        Raises ServerError when the server fails, GenerationTimeout (after yielding what was
        safe to yield) when the reply is not complete within ``timeout_s``.
        """
        language = language_of(request)
        reply = reply_filter(self.options, language)
        deadline = time.monotonic() + self.options.timeout_s
        connection, response = self._connect(self.body(request), deadline)
        try:
            for piece in _sse_pieces(connection, response, deadline):
                if stop is not None and stop.is_set():
                    return
                out = reply.push(piece)
                if out:
                    yield out
                if reply.done:
                    return
        except TimeoutError as e:
            yield from _nonempty(reply.flush())
            raise GenerationTimeout(
                f"the generator server did not finish within {self.options.timeout_s:g} s; "
                f"raise generator.timeout_s or check the server's load",
                partial=reply.emitted,
            ) from e
        finally:
            connection.close()  # also ends generation on servers that notice the hang-up
        if stop is None or not stop.is_set():
            yield from _nonempty(reply.flush())

    def _connect(
        self, body: dict[str, Any], deadline: float
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        """Send the request; return the connection and its OK (200) streaming response."""
        url = urllib.parse.urlsplit(self.endpoint)
        kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        connection = kind(url.netloc, timeout=self.options.timeout_s)
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if self.options.api_key:
            headers["Authorization"] = f"Bearer {self.options.api_key}"
        path = url.path + (f"?{url.query}" if url.query else "")
        try:
            connection.request("POST", path, json.dumps(body).encode("utf-8"), headers)
            _limit_wait(connection, deadline)
            response = connection.getresponse()
        except TimeoutError as e:
            connection.close()
            raise GenerationTimeout(
                f"the generator server at {self.endpoint} did not answer within "
                f"{self.options.timeout_s:g} s"
            ) from e
        except OSError as e:
            connection.close()
            raise ServerError(
                f"cannot reach the generator server at {self.endpoint} ({e}); is it running? "
                f"Clear generator.url to use the local model"
            ) from e
        if response.status != 200:
            detail = response.read(2000).decode("utf-8", "replace").strip()
            connection.close()
            raise ServerError(
                f"the generator server at {self.endpoint} answered {response.status} "
                f"{response.reason}: {detail or 'no details'}; check generator.url and "
                f"generator.served_model"
            )
        return connection, response


def _limit_wait(connection: http.client.HTTPConnection, deadline: float) -> None:
    """Make the next socket read give up at ``deadline`` (TimeoutError), not later."""
    if connection.sock is not None:
        connection.sock.settimeout(max(deadline - time.monotonic(), 0.001))


def _sse_pieces(
    connection: http.client.HTTPConnection, response: http.client.HTTPResponse, deadline: float
) -> Iterator[str]:
    """Text deltas from a server-sent-events response, until ``[DONE]`` or the stream ends.

    Raises TimeoutError when the deadline passes while waiting for the next line.
    """
    while True:
        if time.monotonic() > deadline:
            raise TimeoutError("deadline passed")
        _limit_wait(connection, deadline)
        raw = response.readline()
        if not raw:
            return
        line = raw.decode("utf-8", "replace").strip()
        if not line.startswith("data:"):
            continue  # blank separators, comments (": ping"), event names
        data = line[len("data:") :].strip()
        if data == "[DONE]":
            return
        piece = _delta_text(data)
        if piece:
            yield piece


def _delta_text(data: str) -> str:
    """The content of one streamed chunk; an ``error`` chunk becomes ServerError."""
    try:
        chunk = json.loads(data)
    except json.JSONDecodeError as e:
        raise ServerError(f"the generator server sent a malformed event: {data[:200]}") from e
    if "error" in chunk:
        raise ServerError(f"the generator server failed mid-reply: {chunk['error']}")
    choices = chunk.get("choices") or [{}]
    return (choices[0].get("delta") or {}).get("content") or ""


def _nonempty(text: str) -> Iterator[str]:
    if text:
        yield text
