"""One settings object, read from the environment once per process.

Local and test stages get documented development defaults; deployed stages must be given their
secrets explicitly, so a forgotten variable fails loudly instead of signing tokens with a known key.

Sign-in differs by stage (chalicelib.auth): local and test stages verify HS256 tokens signed with
SHELF_JWT_SECRET (a development default when unset); every other stage verifies RS256 tokens
from the OIDC issuer in SHELF_OIDC_* (a Cognito user pool) and never reads the JWT secret.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlparse

DEV_JWT_SECRET = "dev-only-shelf-secret-never-use-in-aws"
DEV_PAYMENT_SECRET = "dev-only-payment-callback-secret-0001"
DEV_CARRIER_SECRET = "dev-only-carrier-callback-secret-0001"
DEV_STAGES = frozenset({"local", "test"})


# OIDC defaults (docs/auth.md): Cognito access tokens, the role from the user's Cognito groups
DEFAULT_OIDC_TOKEN_USE = "access"
DEFAULT_OIDC_ROLE_CLAIM = "cognito:groups"
OIDC_TOKEN_USES = frozenset({"access", "id"})
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class SettingsError(RuntimeError):
    """A required setting is missing for a deployed stage."""


@dataclass(frozen=True)
class OidcSettings:
    """Where a deployed stage's tokens come from and which of them it accepts.

    `issuer` is compared verbatim with a token's `iss` (a Cognito pool's is
    https://cognito-idp.<region>.amazonaws.com/<pool id>, no trailing slash). `token_use` is the
    one kind of token accepted: "access" (checked against `client_id`) or "id" (checked against
    `aud`). `role_claim` holds the user's role, a string or a list of group names.
    """

    issuer: str
    jwks_url: str
    client_ids: frozenset[str]
    token_use: str = DEFAULT_OIDC_TOKEN_USE
    role_claim: str = DEFAULT_OIDC_ROLE_CLAIM


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    table_prefix: str
    service_name: str
    metrics_namespace: str
    max_body_bytes: int
    # POST /events: events one actor (a shopper, a device) may send per minute, both buckets
    # charged when a token comes with an X-Device-Id; over it → 429 until the minute ends
    events_per_minute: int = 300
    # The Chuanliu plan (domain/chuanliu.py): λ in basis points of GMV paid as one-yuan traffic
    # credits, and each brand's pool of credits per business month
    chuanliu_lambda_bps: int = 500
    chuanliu_pool_cap: int = 10_000

    @property
    def is_dev(self) -> bool:
        return self.stage in DEV_STAGES

    def table_name(self, base: str) -> str:
        return f"{self.table_prefix}{base}"

    # Secrets are read when first used, not at import: `chalice package` imports the app with
    # the deployed stage's settings but without its secrets.
    @property
    def jwt_secret(self) -> str:
        """HMAC key of the HS256 tokens local and test stages accept. A deployed stage never
        verifies with it (chalicelib.auth accepts only RS256 tokens from the OIDC issuer there)
        and the template gives it none; set one anyway and it still only mints refused tokens."""
        return _secret("SHELF_JWT_SECRET", self.stage, DEV_JWT_SECRET)

    @property
    def cursor_secret(self) -> str:
        """Cursors are signed with their own key. Locally it falls back to the JWT secret;
        a deployed stage must be given SHELF_CURSOR_SECRET (it has no JWT secret to share)."""
        value = os.environ.get("SHELF_CURSOR_SECRET")
        if value:
            return value
        if self.is_dev:
            return self.jwt_secret
        raise SettingsError(f"SHELF_CURSOR_SECRET must be set for stage {self.stage!r}")

    @property
    def oidc(self) -> OidcSettings:
        """The token issuer of a deployed stage, from SHELF_OIDC_* (docs/auth.md); a missing
        issuer or client id, an unknown token use, or a URL not on https fails loudly. Read per
        call, a few environment lookups: auth keeps one JWKS client per JWKS URL."""
        issuer = os.environ.get("SHELF_OIDC_ISSUER", "").strip()
        if not issuer:
            raise SettingsError(f"SHELF_OIDC_ISSUER must be set for stage {self.stage!r}")
        client_ids = frozenset(
            part.strip() for part in os.environ.get("SHELF_OIDC_CLIENT_IDS", "").split(",")
            if part.strip())
        if not client_ids:
            raise SettingsError(
                f"SHELF_OIDC_CLIENT_IDS (comma-separated app client ids) must be set for stage "
                f"{self.stage!r}")
        token_use = os.environ.get("SHELF_OIDC_TOKEN_USE", "").strip() or DEFAULT_OIDC_TOKEN_USE
        if token_use not in OIDC_TOKEN_USES:
            raise SettingsError(
                f"SHELF_OIDC_TOKEN_USE must be one of {sorted(OIDC_TOKEN_USES)}, not {token_use!r}")
        jwks_url = (os.environ.get("SHELF_OIDC_JWKS_URL", "").strip()
                    or issuer.rstrip("/") + "/.well-known/jwks.json")
        for name, url in (("SHELF_OIDC_ISSUER", issuer), ("SHELF_OIDC_JWKS_URL", jwks_url)):
            _require_https(name, url)
        role_claim = (os.environ.get("SHELF_OIDC_ROLE_CLAIM", "").strip()
                      or DEFAULT_OIDC_ROLE_CLAIM)
        return OidcSettings(issuer=issuer, jwks_url=jwks_url, client_ids=client_ids,
                            token_use=token_use, role_claim=role_claim)

    @property
    def payment_secret(self) -> str:
        """HMAC key the payment provider signs its callbacks with."""
        return _secret("SHELF_PAYMENT_SECRET", self.stage, DEV_PAYMENT_SECRET)

    @property
    def carrier_secret(self) -> str:
        """HMAC key the carriers' event feed is signed with."""
        return _secret("SHELF_CARRIER_SECRET", self.stage, DEV_CARRIER_SECRET)


def _require_https(name: str, url: str) -> None:
    """Keys fetched over plain http could be swapped on the way: only loopback (tests) may."""
    parsed = urlparse(url)
    if parsed.scheme == "https" and parsed.hostname:
        return
    if parsed.scheme == "http" and parsed.hostname in _LOOPBACK_HOSTS:
        return
    raise SettingsError(f"{name} must be an https URL, not {url!r}")


def _secret(name: str, stage: str, dev_default: str) -> str:
    value = os.environ.get(name)
    if value:
        return value
    if stage in DEV_STAGES:
        return dev_default
    raise SettingsError(f"{name} must be set for stage {stage!r}")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    stage = os.environ.get("SHELF_STAGE", "local")
    return Settings(
        stage=stage,
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        table_prefix=os.environ.get("SHELF_TABLE_PREFIX", f"shelf-{stage}-"),
        service_name=os.environ.get("POWERTOOLS_SERVICE_NAME", "shelf"),
        metrics_namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "ShelfCommerce"),
        max_body_bytes=int(os.environ.get("SHELF_MAX_BODY_BYTES", "65536")),
        events_per_minute=int(os.environ.get("SHELF_EVENTS_PER_MINUTE", "300")),
        chuanliu_lambda_bps=int(os.environ.get("SHELF_CHUANLIU_LAMBDA_BPS", "500")),
        chuanliu_pool_cap=int(os.environ.get("SHELF_CHUANLIU_POOL_CAP", "10000")),
    )
