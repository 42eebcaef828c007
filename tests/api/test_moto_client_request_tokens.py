"""The local moto honours a TransactWriteItems' ClientRequestToken as DynamoDB does
(local/moto_server.py `honour_client_request_tokens`), and every transaction sends one."""

import json
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model


@pytest.fixture
def table(aws):
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(TableName="tokens", BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])
    return client


def add(client, token: str, amount: int = 1, key: str = "counter", **condition):
    """One transaction that adds `amount` to `key`'s n (optionally conditioned)."""
    update = {"TableName": "tokens", "Key": {"k": {"S": key}}, "UpdateExpression": "ADD n :a",
              "ExpressionAttributeValues": {":a": {"N": str(amount)}}, **condition}
    return client.transact_write_items(TransactItems=[{"Update": update}],
                                       ClientRequestToken=token)


def count(client, key: str = "counter") -> int | None:
    item = client.get_item(TableName="tokens", Key={"k": {"S": key}}).get("Item")
    return int(item["n"]["N"]) if item else None


def test_the_same_request_with_a_used_token_succeeds_without_applying_again(table):
    token = str(uuid.uuid4())
    add(table, token)
    again = add(table, token)  # what botocore sends after a lost answer
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert count(table) == 1
    add(table, str(uuid.uuid4()))  # another token: another write
    assert count(table) == 2


def test_another_request_with_a_used_token_is_refused_and_changes_nothing(table):
    token = str(uuid.uuid4())
    add(table, token)
    with pytest.raises(ClientError) as refused:
        add(table, token, amount=5)
    assert refused.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert count(table) == 1


def test_a_token_is_forgotten_after_ten_minutes(table, monkeypatch):
    import local.moto_server as moto_server

    now = {"t": 1_000.0}
    monkeypatch.setattr(moto_server, "_token_clock", lambda: now["t"])
    token = str(uuid.uuid4())
    add(table, token)
    now["t"] += moto_server.CLIENT_TOKEN_SECONDS - 1
    add(table, token)
    assert count(table) == 1
    now["t"] += 2  # ten minutes after the first success: a new request
    add(table, token)
    assert count(table) == 2


def test_a_cancelled_transaction_does_not_use_up_its_token(table):
    token = str(uuid.uuid4())
    guarded = {"ConditionExpression": "attribute_exists(k)"}
    with pytest.raises(ClientError) as cancelled:
        add(table, token, key="absent", **guarded)
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    table.put_item(TableName="tokens", Item={"k": {"S": "absent"}, "n": {"N": "0"}})
    add(table, token, key="absent", **guarded)  # the same request, now its condition holds
    assert count(table, "absent") == 1


class Counter(Model):
    class Meta:
        table_name = "tokens"
        region = "us-east-1"

    k = UnicodeAttribute(hash_key=True)
    n = NumberAttribute(null=True)


def test_run_transaction_sends_a_fresh_token_with_each_transaction(table):
    from chalicelib.store.base import connection
    from chalicelib.store.transactions import run_transaction

    sent = []
    connection().client.meta.events.register(
        "before-call.dynamodb.TransactWriteItems",
        lambda params, **_: sent.append(json.loads(params["body"])["ClientRequestToken"]))

    def build(tx):
        tx.update(Counter("counter"), actions=[Counter.n.add(1)])

    run_transaction(build, on_condition_failed=lambda reasons: None)
    run_transaction(build, on_condition_failed=lambda reasons: None)
    assert len(sent) == 2 and sent[0] != sent[1]
    assert all(uuid.UUID(token) for token in sent)
    assert count(table) == 2
