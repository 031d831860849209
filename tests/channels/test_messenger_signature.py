"""X-Hub-Signature-256 checking on raw bytes, with the published test vector."""

from __future__ import annotations

import json

from bot.channels.messenger_signature import sign, signature_ok
from tests.channels.messenger_harness import DATA

SECRET = b"app-secret"
BODY = b'{"object":"page","entry":[]}'


def test_published_vector_verifies() -> None:
    vectors = json.loads((DATA / "signature_test_vectors.json").read_text(encoding="utf-8"))
    for vector in vectors["vectors"]:
        secret, payload = vector["secret"].encode(), vector["payload"].encode()
        assert sign(payload, secret) == vector["header_value"]
        assert signature_ok(payload, vector["header_value"], secret)


def test_missing_wrong_and_sha1_only_are_rejected() -> None:
    assert signature_ok(BODY, sign(BODY, SECRET), SECRET)
    assert not signature_ok(BODY, None, SECRET)
    assert not signature_ok(BODY, "", SECRET)
    assert not signature_ok(BODY, sign(BODY, b"other-secret"), SECRET)
    assert not signature_ok(BODY, "sha1=" + "0" * 40, SECRET)
    assert not signature_ok(BODY, sign(BODY, SECRET).removeprefix("sha256="), SECRET)
    assert not signature_ok(BODY, "sha256=ünïcode", SECRET)


def test_tampered_body_and_reserialised_json_are_rejected() -> None:
    header = sign(BODY, SECRET)
    assert not signature_ok(BODY.replace(b"page", b"user"), header, SECRET)
    # Meta signs the bytes it sent; re-serialising the parsed JSON changes them.
    reserialised = json.dumps(json.loads(BODY)).encode()
    assert not signature_ok(reserialised, header, SECRET)


def test_an_empty_secret_never_verifies() -> None:
    assert not signature_ok(BODY, sign(BODY, b""), b"")
