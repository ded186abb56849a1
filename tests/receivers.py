"""Real local receivers for notification tests: an HTTP server and an SMTP server (aiosmtpd), counting what
arrives per idempotency key."""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from collections import Counter
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class HttpReceiver:
    """POSTs to any path are recorded; `stop()` then `start()` on the same port simulates an outage."""

    def __init__(self, port: int, status: int = 200) -> None:
        self.port = port
        self.status = status
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.arrived: list[float] = []  # time.time() of each request, same order
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    receiver.requests.append((self.path, dict(self.headers.items()), body))
                    receiver.arrived.append(time.time())
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def bodies(self, path: str) -> list[dict[str, Any]]:
        with self._lock:
            return [json.loads(body) for p, _, body in self.requests if p == path]

    def keys(self, path: str) -> Counter[str]:
        with self._lock:
            return Counter(h.get("Idempotency-Key", "") for p, h, _ in self.requests if p == path)


class _Collect:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 OK"


class SmtpReceiver:
    def __init__(self, port: int) -> None:
        self._handler = _Collect()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=port)
        self.port = port

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        with self._handler.lock:
            return list(self._handler.messages)
