"""A small OpenAI-compatible chat-completions server for tests (stdlib only).

Speaks what vLLM speaks for ``stream: true``: HTTP/1.1, chunked transfer, one server-sent
event per token (``data: {"choices": [{"delta": {"content": ...}}]}``), then
``data: [DONE]``. Records every request so tests can check what the client sent.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Script:
    """What the server answers: the reply in pieces, a delay before each, or an error."""

    pieces: list[str] = field(default_factory=lambda: ["Hello", " there", "!"])
    delay_s: float = 0.0
    status: int = 200
    error_event: bool = False  # send an {"error": ...} event after the first piece


class FakeOpenAIServer:
    def __init__(self) -> None:
        self.script = Script()
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.disconnected = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                server.headers.append(dict(self.headers))
                if self.path != "/v1/chat/completions":
                    self._send_json(404, {"error": {"message": f"no route {self.path}"}})
                elif server.script.status != 200:
                    self._send_json(server.script.status, {"error": {"message": "model missing"}})
                else:
                    self._stream(body)

            def _send_json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _chunk(self, text: str) -> None:
                data = text.encode()
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()

            def _stream(self, body: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                script = server.script
                try:
                    self._chunk(": keep-alive comment\n\n")
                    for i, piece in enumerate(script.pieces[: body.get("max_tokens", 10**6)]):
                        time.sleep(script.delay_s)
                        delta = {"choices": [{"index": 0, "delta": {"content": piece}}]}
                        self._chunk(f"data: {json.dumps(delta)}\n\n")
                        if script.error_event and i == 0:
                            self._chunk('data: {"error": {"message": "out of memory"}}\n\n')
                    self._chunk("data: [DONE]\n\n")
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    server.disconnected.set()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
