"""The local moto patches keep DynamoDB's semantics: a cancelled transaction changes nothing."""

import boto3
import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def table(aws):
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(TableName="patched", BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])
    client.put_item(TableName="patched", Item={"k": {"S": "kept"}, "n": {"N": "1"}})
    client.put_item(TableName="patched", Item={"k": {"S": "guard"}, "n": {"N": "5"}})
    return client


def items(client):
    return sorted((i["k"]["S"], i.get("n", {}).get("N")) for i in
                  client.scan(TableName="patched")["Items"])


def test_a_cancelled_transaction_rolls_back_puts_updates_and_deletes(table):
    before = items(table)
    with pytest.raises(ClientError) as raised:
        table.transact_write_items(TransactItems=[
            {"Put": {"TableName": "patched", "Item": {"k": {"S": "new"}}}},
            {"Update": {"TableName": "patched", "Key": {"k": {"S": "kept"}},
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}},
            {"Delete": {"TableName": "patched", "Key": {"k": {"S": "guard"}},
                        "ConditionExpression": "n = :six",
                        "ExpressionAttributeValues": {":six": {"N": "6"}}}},
        ])
    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert items(table) == before


def test_a_transaction_that_holds_applies_every_action(table):
    table.transact_write_items(TransactItems=[
        {"Put": {"TableName": "patched", "Item": {"k": {"S": "new"}}}},
        {"Delete": {"TableName": "patched", "Key": {"k": {"S": "guard"}}}},
    ])
    assert items(table) == [("kept", "1"), ("new", None)]
