"""Count DynamoDB API calls at botocore, one per round trip, and the items each one read."""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, field
from unittest import mock

from botocore.client import BaseClient


@dataclass
class Calls:
    by_operation: Counter = field(default_factory=Counter)
    items_read: Counter = field(default_factory=Counter)  # by operation
    # Powertools' idempotency records, counted apart from the request's own round trips
    idempotency: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())

    def describe(self) -> str:
        return ", ".join(f"{op} {n}" for op, n in sorted(self.by_operation.items())) or "none"


def _items_in(operation: str, response: dict) -> int:
    if operation in ("Query", "Scan"):
        return int(response.get("Count", 0))
    if operation == "GetItem":
        return 1 if response.get("Item") else 0
    if operation == "BatchGetItem":
        return sum(len(items) for items in response.get("Responses", {}).values())
    return 0


@contextlib.contextmanager
def dynamodb_calls():
    """Patch BaseClient._make_api_call for the duration and count DynamoDB calls in `Calls`."""
    calls = Calls()
    original = BaseClient._make_api_call

    def counting(client, operation_name, params):
        if client.meta.service_model.service_name != "dynamodb":
            return original(client, operation_name, params)
        if str(params.get("TableName", "")).endswith("idempotency"):
            calls.idempotency[operation_name] += 1
            return original(client, operation_name, params)
        calls.by_operation[operation_name] += 1  # counted even when the call raises
        response = original(client, operation_name, params)
        calls.items_read[operation_name] += _items_in(operation_name, response)
        return response

    with mock.patch.object(BaseClient, "_make_api_call", counting):
        yield calls
