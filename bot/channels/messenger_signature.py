"""``X-Hub-Signature-256``: Meta signs every webhook delivery with the app secret."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "X-Hub-Signature-256"
PREFIX = "sha256="


def sign(body: bytes, secret: bytes) -> str:
    """The header value Meta sends for ``body``: ``sha256=`` + lowercase hex HMAC-SHA256."""
    return PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def signature_ok(body: bytes, header: str | None, secret: bytes) -> bool:
    """Whether ``header`` signs exactly these raw bytes; compared in constant time."""
    if not header or not header.startswith(PREFIX) or not secret:
        return False
    # Compare bytes: compare_digest rejects non-ASCII str, and a forged header may contain any.
    return hmac.compare_digest(sign(body, secret).encode(), header.strip().lower().encode())
