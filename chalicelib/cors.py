"""CORS: which browser origin may call the API, and the headers a browser needs to do it.

A deployed stack answers CORS in two places, both from the template's `CorsAllowOrigin`
parameter (infra/hardening.py):

- preflight `OPTIONS` requests are answered by API Gateway itself (the API's `Cors` setting: a
  mock integration on every path, no Lambda invocation), allowing the path's own methods and
  the request headers below;
- every real response gets `Access-Control-Allow-Origin` from `response_headers()`, which the
  HTTP middleware in app.py adds, since API Gateway passes a Lambda proxy response through as
  it is. The origin reaches the function as SHELF_CORS_ALLOW_ORIGIN.

One origin (`https://shop.example.com`) or `*`. `*` is safe for this API only because it
authenticates with a bearer token a script must add itself, never with cookies: a page on
another origin gets nothing a plain request from anywhere else would not. Unset (local and test
stages): no CORS headers, and a browser on another origin is refused.

Stdlib only: infra.build imports the header lists without loading settings. Cost: one
environment lookup per response.
"""

from __future__ import annotations

import os

ALLOW_ORIGIN_ENV = "SHELF_CORS_ALLOW_ORIGIN"

# Request headers a browser may send (the preflight's Access-Control-Allow-Headers): the token,
# JSON bodies, checkout's retry key, the anonymous device id of behaviour events, and a caller's
# own correlation id. The carriers' and payment provider's signed callbacks are server to server.
ALLOWED_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "X-Device-Id",
                   "X-Request-Id")
# Response headers a script may read (browsers hide all but a few simple ones otherwise).
EXPOSED_HEADERS = ("Retry-After", "X-Request-Id")
PREFLIGHT_MAX_AGE_SECONDS = 600  # how long a browser may reuse a preflight answer


def response_headers() -> dict[str, str]:
    """The CORS headers of an actual (non-preflight) response; none when no origin is set."""
    origin = os.environ.get(ALLOW_ORIGIN_ENV, "").strip()
    if not origin:
        return {}
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": ",".join(EXPOSED_HEADERS),
    }
