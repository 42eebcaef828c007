"""HMAC-SHA256 signatures on webhook bodies (payment provider, carriers).

The signature covers the exact raw bytes received, so any re-serialisation would break it.
"""

from __future__ import annotations

import hashlib
import hmac

from chalicelib.errors import Unauthorized

SIGNATURE_HEADER = "x-signature"


def sign(secret: str, raw_body: bytes) -> str:
    return hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify(secret: str, raw_body: bytes, signature: str | None) -> None:
    if not signature or not hmac.compare_digest(sign(secret, raw_body), signature.strip()):
        raise Unauthorized("signature does not match the body", code="bad_signature")
