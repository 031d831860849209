"""A local stand-in for a Rasa server: ``POST /model/parse`` in Rasa's documented format.

It answers from a real ``LocalNlu`` so the contract tests exercise the HTTP translation,
and can be told to demand a token, to fail, or to be slow.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from nlu.local import LocalNlu
from nlu.types import OUT_OF_SCOPE


@dataclass
class Behaviour:
    """How the fake server should answer."""

    token: str | None = None
    status: int = 200
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)


def rasa_body(model: LocalNlu, text: str) -> dict[str, Any]:
    """A Rasa 3 parse result; out of scope shows up as FallbackClassifier's ``nlu_fallback``."""
    parse = model.parse_sync(text)

    def intent(name: str, confidence: float) -> dict[str, Any]:
        return {"name": "nlu_fallback" if name == OUT_OF_SCOPE else name, "confidence": confidence}

    return {
        "text": text,
        "intent": intent(parse.intent.name, parse.intent.confidence),
        "entities": [
            {
                "entity": e.entity,
                "start": e.start,
                "end": e.end,
                "value": e.value,
                "extractor": "RegexEntityExtractor",
                "confidence_entity": 1.0,
            }
            for e in parse.entities
        ],
        "intent_ranking": [intent(s.name, s.confidence) for s in parse.ranking],
        "text_tokens": [],
    }


class _QuietServer(ThreadingHTTPServer):
    """A client that timed out closes the socket mid-answer; that is expected here."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Swallow the broken pipe of a request the client gave up on."""


@contextmanager
def fake_rasa(model: LocalNlu, behaviour: Behaviour) -> Iterator[str]:
    """Serve on 127.0.0.1 at a random free port; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            url = urlparse(self.path)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            behaviour.requests.append({"path": url.path, "query": query, "body": body})
            time.sleep(behaviour.delay)
            if behaviour.token and query.get("token") != behaviour.token:
                return self._send(401, {"status": "failure", "reason": "NotAuthenticated"})
            if behaviour.status != 200 or url.path != "/model/parse":
                return self._send(behaviour.status if url.path == "/model/parse" else 404, {})
            return self._send(200, rasa_body(model, body["text"]))

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

    server = _QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
