"""A local OIDC issuer for the deployed-stage sign-in tests: a JWKS on 127.0.0.1, RSA keys made
with `cryptography`, Cognito-shaped tokens, and the stage settings that point at it.

    with serve_jwks() as issuer:          # http.server in a thread, port chosen by the OS
        issuer.publish("k1")              # the JWKS now holds k1's public key
        with deployed_stage(monkeypatch, issuer):
            token = issuer.access_token("k1", groups=["merchant"])

`issuer.fetches` counts the JWKS requests served, which is how the tests see PyJWKClient's cache.
PyJWT times that cache and its refresh cooldown on time.monotonic: `jwks_clock(monkeypatch)`
replaces that clock in PyJWT's modules with one the test moves, so nothing sleeps.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import threading
import types
import uuid
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

POOL_ID = "us-east-1_TestPool1"
USER_SUB = "7d8ca528-4931-4254-9273-ea5ee853f271"  # Cognito's `sub`: the user's id
CLIENT_IDS = ("web-client-1", "ios-client-2")
TEST_CURSOR_SECRET = "deployed-stage-cursor-secret-" + "c" * 16


@lru_cache(maxsize=8)
def private_key(kid: str) -> rsa.RSAPrivateKey:
    """One RSA key per kid for the whole session (2048-bit key generation takes ~0.1 s)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(kid: str) -> bytes:
    return private_key(kid).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _uint(number: int) -> str:
    return _b64(number.to_bytes((number.bit_length() + 7) // 8, "big"))


def public_jwk(kid: str) -> dict:
    """The JWK Cognito publishes for a key: RSA modulus and exponent, base64url."""
    numbers = private_key(kid).public_key().public_numbers()
    return {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
            "n": _uint(numbers.n), "e": _uint(numbers.e)}


def unsigned_token(header: dict, claims: dict, signature: bytes = b"") -> str:
    """A token built by hand, for the ones PyJWT refuses to make (`alg: none`, HS256 keyed with a
    public key)."""
    def part(value: dict) -> str:
        return _b64(json.dumps(value, separators=(",", ":")).encode())

    return f"{part(header)}.{part(claims)}.{_b64(signature)}"


def hs256_with_public_key(kid: str, claims: dict) -> str:
    """The key-confusion forgery: HS256 with the issuer's public key PEM as the HMAC secret."""
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    signing_input = unsigned_token(header, claims).rsplit(".", 1)[0]
    mac = hmac.new(public_pem(kid), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


class Issuer:
    """What the local issuer serves, and Cognito-shaped tokens signed with its keys."""

    def __init__(self, base_url: str):
        self.url = f"{base_url}/{POOL_ID}"  # a pool's issuer: https://cognito-idp.<region>…/<id>
        self.kids: list[str] = []
        self.fetches = 0
        self.status = 200  # what the JWKS answers: 500 plays an issuer outage
        self.lock = threading.Lock()

    @property
    def jwks_path(self) -> str:
        return f"/{POOL_ID}/.well-known/jwks.json"

    def publish(self, *kids: str) -> None:
        """Rotate: from now on the JWKS holds exactly these keys."""
        with self.lock:
            self.kids = list(kids)

    def document(self) -> dict:
        with self.lock:
            self.fetches += 1
            return {"keys": [public_jwk(kid) for kid in self.kids]}

    def claims(self, *, now: int, groups=("merchant",), sub: str = USER_SUB,
               **overrides) -> dict:
        """An access token's claims as a Cognito user pool writes them; None drops a claim."""
        claims = {
            "sub": sub, "iss": self.url, "client_id": CLIENT_IDS[0], "token_use": "access",
            "scope": "aws.cognito.signin.user.admin", "auth_time": now, "iat": now,
            "exp": now + 3600, "jti": str(uuid.uuid4()), "origin_jti": str(uuid.uuid4()),
            "event_id": str(uuid.uuid4()), "username": "m1", "version": 2,
            "cognito:groups": None if groups is None else list(groups),
        }
        claims.update(overrides)
        return {name: value for name, value in claims.items() if value is not None}

    def access_token(self, kid: str, *, now: int, signed_by: str | None = None,
                     **claims) -> str:
        import jwt

        return jwt.encode(self.claims(now=now, **claims), private_key(signed_by or kid),
                          algorithm="RS256", headers={"kid": kid})

    def id_token(self, kid: str, *, now: int, **claims) -> str:
        """An ID token: `aud` names the app client, no client_id, no scope."""
        import jwt

        shape = {"token_use": "id", "client_id": None, "scope": None, "aud": CLIENT_IDS[0]}
        body = self.claims(now=now, **{**shape, **claims})
        return jwt.encode(body, private_key(kid), algorithm="RS256", headers={"kid": kid})


@contextlib.contextmanager
def serve_jwks():
    """An Issuer whose JWKS is served on 127.0.0.1 (any other path is 404) until the block ends."""
    holder: dict[str, Issuer] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            issuer = holder["issuer"]
            if self.path not in (issuer.jwks_path, "/other/jwks.json"):
                self.send_error(404)
                return
            body = json.dumps(issuer.document()).encode()
            self.send_response(issuer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # quiet: the tests read fetch counts, not logs
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["issuer"] = Issuer(f"http://127.0.0.1:{server.server_address[1]}")
    # a short poll: shutdown() waits for serve_forever's next look, 0.5 s by default
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                              daemon=True)
    thread.start()
    try:
        yield holder["issuer"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def deployed_stage(monkeypatch, issuer: Issuer, **env: str):
    """Settings of a deployed stage (`prod`) pointed at `issuer`, and a cold container: no JWKS
    client yet. `env` adds or overrides SHELF_OIDC_* variables (an empty string unsets one)."""
    from chalicelib import auth
    from chalicelib.settings import get_settings

    variables = {
        "SHELF_STAGE": "prod",
        "SHELF_OIDC_ISSUER": issuer.url,
        "SHELF_OIDC_CLIENT_IDS": ",".join(CLIENT_IDS),
        "SHELF_OIDC_TOKEN_USE": "",
        "SHELF_OIDC_ROLE_CLAIM": "",
        "SHELF_OIDC_JWKS_URL": "",
        "SHELF_CURSOR_SECRET": TEST_CURSOR_SECRET,
        **env,
    }
    for name, value in variables.items():
        if value:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    auth._jwks_client.cache_clear()
    try:
        yield get_settings()
    finally:
        # the next get_settings() reads the test stage again, once monkeypatch restores it
        get_settings.cache_clear()
        auth._jwks_client.cache_clear()


def jwks_clock(monkeypatch, start: float = 10_000.0) -> dict:
    """Move PyJWT's JWKS cache clock with clock["now"] += seconds (it reads time.monotonic in
    these three modules; a PyJWT that reads it elsewhere fails the assert here, not silently)."""
    import jwt.api_jwk
    import jwt.jwk_set_cache
    import jwt.jwks_client

    moment = {"now": start}
    fake = types.SimpleNamespace(monotonic=lambda: moment["now"])
    for module in (jwt.api_jwk, jwt.jwk_set_cache, jwt.jwks_client):
        assert module.time.monotonic, module
        monkeypatch.setattr(module, "time", fake)
    return moment
