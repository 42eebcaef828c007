"""Opaque, tamper-proof list cursors: base64url(JSON) + HMAC-SHA256, bound to one list.

A cursor carries DynamoDB's LastEvaluatedKey and the scope of the list it came from (for example
the shelf it was read from), so it cannot be edited or replayed against another list.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from chalicelib.errors import BadRequest
from chalicelib.settings import get_settings

_SIGNATURE_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(scope: str, payload: bytes) -> bytes:
    key = get_settings().cursor_secret.encode()
    return hmac.new(key, scope.encode() + b"\x00" + payload, hashlib.sha256).digest()[
        :_SIGNATURE_BYTES
    ]


def encode_cursor(scope: str, state: dict | None) -> str | None:
    if not state:
        return None
    payload = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return f"{_b64(payload)}.{_b64(_sign(scope, payload))}"


def decode_cursor(scope: str, cursor: str | None) -> dict | None:
    if not cursor:
        return None
    try:
        payload_text, signature_text = cursor.split(".")
        payload, signature = _unb64(payload_text), _unb64(signature_text)
    except (ValueError, TypeError) as error:
        raise BadRequest("cursor is not valid", code="invalid_cursor") from error
    if not hmac.compare_digest(signature, _sign(scope, payload)):
        raise BadRequest("cursor is not valid", code="invalid_cursor")
    return json.loads(payload)
