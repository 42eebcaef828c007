"""The idempotency table, used through Powertools' DynamoDB persistence layer.

The table is defined here like every other one (so infra/ and local creation agree); the
persistence layer is built lazily because it creates a boto3 client, with the retry budget of
chalicelib/store/base.py.

It also holds checkout claims, `checkout#<buyer>:<Idempotency-Key>` → the orders that key
placed, written in the orders' own transaction (chalicelib.store.orders.place_orders) and
expiring with the key's record (24 h). Powertools' record is deleted when a checkout fails, and
its answer can fail to be saved after the orders were placed; the claim is what makes a second
placement under one key impossible whatever Powertools' record says.

Three changes to how Powertools uses it, all for DynamoDB faults (docs/faults.md):
- Each "in progress" record carries `put_by`, an id of the put that wrote it, so a put whose
  answer was lost recognises its own record: botocore's retry then fails the record's condition
  and gets the stored record back (ALL_OLD), and when every answer was lost one consistent
  GetItem finds it. Either way the request holds its key, instead of being told its own key is
  "still in progress" until the record's in-progress expiry.
- That expiry is the request's cutoff (`in_progress_context`), not the Lambda's remaining time:
  no DynamoDB attempt of the request starts after it, so a retry of the key may take over then.
  (Under `chalice local` the Lambda's time is 15 minutes.)
- Completing or deleting a record gets a second round of retries when DynamoDB stayed
  unavailable through the first, since a record left "in progress" holds its key that long.
"""

from __future__ import annotations

import uuid
from functools import lru_cache

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.store.base import client_config, request_time_left, table_meta


class IdempotencyModel(Model):
    Meta = table_meta("idempotency")

    id = UnicodeAttribute(hash_key=True)
    expiration = NumberAttribute(null=True)
    order_ids = ListAttribute(of=UnicodeAttribute, null=True)  # a checkout claim's orders


CLAIM_PREFIX = "checkout#"
CLAIM_SECONDS = 24 * 3600  # as long as the key's Powertools record (services/orders.py)


def claim_key(buyer_id: str, idempotency_key: str) -> str:
    return f"{CLAIM_PREFIX}{buyer_id}:{idempotency_key}"


def claim_in(tx, claim: str, order_ids: list[str], now_ms: int) -> None:
    """Add the claim to a transaction: it fails (returning the claim) if the key placed before."""
    tx.save(IdempotencyModel(claim, expiration=now_ms // 1000 + CLAIM_SECONDS,
                             order_ids=order_ids),
            condition=IdempotencyModel.id.does_not_exist(), return_values="ALL_OLD")


def claimed_in(reason) -> list[str] | None:
    """The orders of the claim a transaction's cancellation reason found, or None when the
    reason is not a claim's."""
    item = (reason.raw_item or {}) if reason and reason.code == "ConditionalCheckFailed" else {}
    if not item.get("id", {}).get("S", "").startswith(CLAIM_PREFIX):
        return None
    return [value["S"] for value in item.get("order_ids", {}).get("L", [])]


def claimed_orders(claim: str) -> list[str] | None:
    """The orders a key placed, or None (one consistent GetItem)."""
    try:
        return list(IdempotencyModel.get(claim, consistent_read=True).order_ids or [])
    except IdempotencyModel.DoesNotExist:
        return None


@lru_cache(maxsize=1)
def persistence_layer():
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    layer = DynamoDBPersistenceLayer(table_name=IdempotencyModel.Meta.table_name,
                                     boto_config=client_config())
    layer.client = _OwnPutsRecognised(layer.client, layer.key_attr)
    return layer


class _OwnPutsRecognised:
    """The persistence layer's boto3 client, whose put_item marks the record with `put_by` and
    takes a failure whose record is its own for the success it was, and whose update_item and
    delete_item try a second round; every other call goes to the client as it is."""

    def __init__(self, client, key_attr: str):
        self._client = client
        self._key_attr = key_attr

    def __getattr__(self, name):
        return getattr(self._client, name)

    def put_item(self, **request) -> dict:
        from botocore.exceptions import BotoCoreError, ClientError

        from chalicelib.errors import dynamodb_unavailable

        mark = {"S": str(uuid.uuid4())}
        item = request["Item"] = {**request["Item"], "put_by": mark}
        try:
            return self._client.put_item(**request)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                if error.response.get("Item", {}).get("put_by") == mark:
                    return {}  # a retry after the first send wrote it
                raise
            if dynamodb_unavailable(error) is None or not self._stored(item, mark):
                raise
        except BotoCoreError as error:  # every answer lost: did one of the sends write it?
            if dynamodb_unavailable(error) is None or not self._stored(item, mark):
                raise
        return {}

    def update_item(self, **request) -> dict:
        return self._twice(self._client.update_item, request)

    def delete_item(self, **request) -> dict:
        return self._twice(self._client.delete_item, request)

    @staticmethod
    def _twice(call, request: dict) -> dict:
        """Completing or deleting a record (both idempotent) gets a second round of the retry
        budget when DynamoDB stayed unavailable through the first: a record left "in progress"
        keeps its key's retries waiting until the cutoff."""
        from chalicelib.errors import dynamodb_unavailable

        try:
            return call(**request)
        except Exception as error:
            if dynamodb_unavailable(error) is None:
                raise
            return call(**request)

    def _stored(self, item: dict, mark: dict) -> bool:
        key = {self._key_attr: item[self._key_attr]}
        found = self._client.get_item(TableName=IdempotencyModel.Meta.table_name, Key=key,
                                      ConsistentRead=True).get("Item", {})
        return found.get("put_by") == mark


def in_progress_context(lambda_context):
    """`lambda_context` for Powertools' in-progress expiry, its remaining time cut at the
    request's cutoff (chalicelib/store/base.py)."""
    return _UntilCutoff(lambda_context)


class _UntilCutoff:
    def __init__(self, lambda_context):
        self._context = lambda_context

    def __getattr__(self, name):
        return getattr(self._context, name)

    def get_remaining_time_in_millis(self) -> int:
        remaining = self._context.get_remaining_time_in_millis()
        left = request_time_left()
        return remaining if left is None else max(0, min(remaining, int(left * 1000)))
