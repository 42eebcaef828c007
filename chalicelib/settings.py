"""One settings object, read from the environment once per process.

Local and test stages get documented development defaults; deployed stages must be given their
secrets explicitly, so a forgotten variable fails loudly instead of signing tokens with a known key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

DEV_JWT_SECRET = "dev-only-shelf-secret-never-use-in-aws"
DEV_PAYMENT_SECRET = "dev-only-payment-callback-secret-0001"
DEV_CARRIER_SECRET = "dev-only-carrier-callback-secret-0001"
DEV_STAGES = frozenset({"local", "test"})


class SettingsError(RuntimeError):
    """A required setting is missing for a deployed stage."""


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
        return _secret("SHELF_JWT_SECRET", self.stage, DEV_JWT_SECRET)

    @property
    def cursor_secret(self) -> str:
        """Cursors are signed with their own key when one is given, else with the JWT secret."""
        return os.environ.get("SHELF_CURSOR_SECRET") or self.jwt_secret

    @property
    def payment_secret(self) -> str:
        """HMAC key the payment provider signs its callbacks with."""
        return _secret("SHELF_PAYMENT_SECRET", self.stage, DEV_PAYMENT_SECRET)

    @property
    def carrier_secret(self) -> str:
        """HMAC key the carriers' event feed is signed with."""
        return _secret("SHELF_CARRIER_SECRET", self.stage, DEV_CARRIER_SECRET)


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
