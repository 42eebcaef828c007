"""Time-ordered identifiers, and the hierarchy that product and SKU ids carry.

An id is a prefix, 10 Crockford base32 characters of epoch milliseconds and 10 random ones, so ids
sort by creation time. A product id starts with its shop id, a SKU id with its product id
(``shop.product.index``) and a bundle id with its shop id: any id addresses its parents without a
lookup, which is what lets a product page read product and shop in one BatchGetItem and a
checkout address SKUs directly.
"""

from __future__ import annotations

import re
import secrets

from chalicelib.domain import clock

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_TIME_CHARS = 10
_RANDOM_CHARS = 10
ID_BODY = "[0-9a-hjkmnp-tv-z]{20}"  # what follows an id's prefix: time, then random
_SHOP_RE = re.compile(rf"^s{ID_BODY}$")
_PRODUCT_RE = re.compile(rf"^(s{ID_BODY})\.p{ID_BODY}$")
_BUNDLE_RE = re.compile(rf"^(s{ID_BODY})\.b{ID_BODY}$")
_SKU_RE = re.compile(rf"^(s{ID_BODY}\.p{ID_BODY})\.(0|[1-9][0-9]?)$")
MAX_SKUS_PER_PRODUCT = 50
# A client's Idempotency-Key header: the services check it, the API contract documents it.
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_\-:.]{8,80}$")


def _encode(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def new_id(prefix: str, now_ms: int | None = None) -> str:
    ms = clock.now_ms() if now_ms is None else now_ms  # the test clock's time too
    random_part = secrets.randbits(5 * _RANDOM_CHARS)
    return f"{prefix}{_encode(ms, _TIME_CHARS)}{_encode(random_part, _RANDOM_CHARS)}"


def new_shop_id(now_ms: int | None = None) -> str:
    return new_id("s", now_ms)


def new_product_id(shop_id: str, now_ms: int | None = None) -> str:
    return f"{shop_id}.{new_id('p', now_ms)}"


def new_bundle_id(shop_id: str, now_ms: int | None = None) -> str:
    return f"{shop_id}.{new_id('b', now_ms)}"


def sku_id_for(product_id: str, index: int) -> str:
    return f"{product_id}.{index}"


def is_shop_id(value: str) -> bool:
    return bool(_SHOP_RE.match(value))


def shop_of_product(product_id: str) -> str | None:
    """The shop id a product id starts with, or None when it is not a product id."""
    match = _PRODUCT_RE.match(product_id)
    return match.group(1) if match else None


def shop_of_bundle(bundle_id: str) -> str | None:
    """The shop id a bundle id starts with, or None when it is not a bundle id."""
    match = _BUNDLE_RE.match(bundle_id)
    return match.group(1) if match else None


def parse_sku_id(sku_id: str) -> tuple[str, int] | None:
    """(product_id, index in the product's SKU list), or None when it is not a SKU id."""
    match = _SKU_RE.match(sku_id)
    if not match:
        return None
    index = int(match.group(2))
    return (match.group(1), index) if index < MAX_SKUS_PER_PRODUCT else None
