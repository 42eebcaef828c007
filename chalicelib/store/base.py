"""What every table shares: naming, region, billing, timeouts, and one low-level connection.

The DynamoDB endpoint is not set here on purpose: botocore reads AWS_ENDPOINT_URL_DYNAMODB /
AWS_ENDPOINT_URL, so the same code talks to moto, to a local DynamoDB, or to AWS.
"""

from __future__ import annotations

import time
from functools import lru_cache

from pynamodb.connection import Connection

from chalicelib.settings import get_settings


def table_meta(base_name: str) -> type:
    """A pynamodb Meta class for the table called `base_name` in this stage."""
    settings = get_settings()

    class Meta:
        table_name = settings.table_name(base_name)
        region = settings.region
        billing_mode = "PAY_PER_REQUEST"
        connect_timeout_seconds = 2
        read_timeout_seconds = 5
        max_retry_attempts = 3

    return Meta


@lru_cache(maxsize=1)
def connection() -> Connection:
    """The connection transactions and cross-table batch reads go through (created once)."""
    settings = get_settings()
    return Connection(region=settings.region, connect_timeout_seconds=2,
                      read_timeout_seconds=5, max_retry_attempts=3)


def differs(attribute, value):
    """A condition that holds when `attribute` does not already hold `value` (None: absent)."""
    if value is None:
        return attribute.exists()
    return attribute.does_not_exist() | (attribute != value)


_MAX_UNPROCESSED_RETRIES = 5


def batch_get_items(request: dict) -> dict[str, list[dict]]:
    """One BatchGetItem (`RequestItems`, ≤ 100 keys): raw items by table name. Keys DynamoDB
    leaves unprocessed (throttling) are asked again with backoff, each a round trip more."""
    found: dict[str, list[dict]] = {}
    attempt = 0
    while request:
        response = connection().client.batch_get_item(RequestItems=request)
        for table_name, items in response.get("Responses", {}).items():
            found.setdefault(table_name, []).extend(items)
        request = response.get("UnprocessedKeys") or {}
        attempt += 1
        if request and attempt > _MAX_UNPROCESSED_RETRIES:
            raise RuntimeError("DynamoDB kept keys unprocessed; try again")
        if request:
            time.sleep(0.05 * 2**attempt)
    return found
