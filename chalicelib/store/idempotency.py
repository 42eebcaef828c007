"""The idempotency table, used through Powertools' DynamoDB persistence layer.

The table is defined here like every other one (so infra/ and local creation agree); the
persistence layer is built lazily because it creates a boto3 client.
"""

from __future__ import annotations

from functools import lru_cache

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.store.base import table_meta


class IdempotencyModel(Model):
    Meta = table_meta("idempotency")

    id = UnicodeAttribute(hash_key=True)
    expiration = NumberAttribute(null=True)


@lru_cache(maxsize=1)
def persistence_layer():
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(table_name=IdempotencyModel.Meta.table_name)
