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


_MAX_BATCH_KEYS = 100


def batch_get(keys: list[tuple[str, dict]],
              consistent: frozenset[str] = frozenset()) -> dict[tuple[str, str], dict]:
    """Raw items for (table, key) pairs from any tables, ≤ 100 keys per BatchGetItem; found
    items by (table, the key's values joined by "|"). Tables in `consistent` are read with
    strongly consistent reads."""
    found: dict[tuple[str, str], dict] = {}
    unique = list({(table, _key_id(key)): (table, key) for table, key in keys}.values())
    for start in range(0, len(unique), _MAX_BATCH_KEYS):
        request: dict[str, dict] = {}
        for table, key in unique[start:start + _MAX_BATCH_KEYS]:
            request.setdefault(table, {"Keys": [], "ConsistentRead": table in consistent})[
                "Keys"].append(key)
        for table, items in batch_get_items(request).items():
            for item in items:
                found[(table, _item_id(table, item, request[table]["Keys"][0]))] = item
    return found


def key_id(table_key: tuple[str, dict]) -> tuple[str, str]:
    """How batch_get names the item of a (table, key) pair."""
    table, key = table_key
    return table, _key_id(key)


def _key_id(key: dict) -> str:
    return "|".join(f"{name}={next(iter(value.values()))}" for name, value in sorted(key.items()))


def _item_id(table: str, item: dict, example_key: dict) -> str:
    return _key_id({name: item[name] for name in example_key})


def query_page(index, hash_value: str, limit: int,
               start_key: dict | None) -> tuple[list, dict | None]:
    """One page of an index's partition, newest first (descending range key), in one Query:
    (models, the raw key that resumes after the page, or None on the last page).

    It reads limit + 1 items, so the last page says it is the last (no empty page to fetch
    after it). The resume key is the last returned item's table and index keys, which is what
    DynamoDB's own LastEvaluatedKey would hold."""
    models = list(index.query(hash_value, scan_index_forward=False, limit=limit + 1,
                              page_size=limit + 1, last_evaluated_key=start_key))
    if len(models) <= limit:
        return models, None
    last = models[limit - 1].serialize(null_check=False)  # keys-only items lack the rest
    return models[:limit], {name: last[name] for name in _page_key_names(index)}


def _page_key_names(index) -> set[str]:
    schemas = (index._model._get_schema(), index._get_schema())
    return {key["AttributeName"] for schema in schemas for key in schema["key_schema"]}
