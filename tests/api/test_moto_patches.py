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


def test_a_local_index_query_reads_its_partition_in_index_order(aws):
    client = boto3.client("dynamodb", region_name="us-east-1")
    client.create_table(
        TableName="ranked", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": t}
                              for a, t in (("p", "S"), ("s", "S"), ("rank", "N"))],
        KeySchema=[{"AttributeName": "p", "KeyType": "HASH"},
                   {"AttributeName": "s", "KeyType": "RANGE"}],
        LocalSecondaryIndexes=[{"IndexName": "by_rank", "Projection": {"ProjectionType": "ALL"},
                                "KeySchema": [{"AttributeName": "p", "KeyType": "HASH"},
                                              {"AttributeName": "rank", "KeyType": "RANGE"}]}])
    for partition, sort, rank in (("a", "x", 3), ("a", "y", 9), ("a", "z", 5), ("b", "x", 99)):
        client.put_item(TableName="ranked", Item={"p": {"S": partition}, "s": {"S": sort},
                                                  "rank": {"N": str(rank)}})
    items = client.query(TableName="ranked", IndexName="by_rank", Limit=2,
                         KeyConditionExpression="p = :p", ScanIndexForward=False,
                         ExpressionAttributeValues={":p": {"S": "a"}})["Items"]
    assert [item["rank"]["N"] for item in items] == ["9", "5"]


def test_an_item_over_400_kb_is_still_refused_and_a_normal_one_keeps_every_attribute(table):
    with pytest.raises(ClientError) as raised:
        table.put_item(TableName="patched",
                       Item={"k": {"S": "big"}, "blob": {"S": "x" * 410_000}})
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    many = {f"a{n}": {"S": f"v{n}"} for n in range(30)}
    table.put_item(TableName="patched", Item={"k": {"S": "wide"}, **many})
    stored = table.get_item(TableName="patched", Key={"k": {"S": "wide"}})["Item"]
    assert stored == {"k": {"S": "wide"}, **many}


def test_read_answers_are_plain_json_without_empty_members(table):
    answer = table.query(TableName="patched", KeyConditionExpression="k = :k",
                         ExpressionAttributeValues={":k": {"S": "kept"}})
    assert answer["Items"] == [{"k": {"S": "kept"}, "n": {"N": "1"}}]
    assert answer["Count"] == 1
    assert "LastEvaluatedKey" not in answer
    missing = table.get_item(TableName="patched", Key={"k": {"S": "absent"}})
    assert "Item" not in missing


def test_a_batch_written_directly_puts_and_deletes_as_moto_would(table):
    from local.moto_server import write_batch_directly

    direct = boto3.client("dynamodb", region_name="us-east-1")
    direct.meta.events.register("before-call.dynamodb.BatchWriteItem", write_batch_directly)
    answer = direct.batch_write_item(RequestItems={"patched": [
        {"PutRequest": {"Item": {"k": {"S": "one"}, "n": {"N": "7"}}}},
        {"PutRequest": {"Item": {"k": {"S": "kept"}, "n": {"N": "2"}}}},
        {"DeleteRequest": {"Key": {"k": {"S": "guard"}}}},
    ]})
    assert answer["UnprocessedItems"] == {}
    assert items(table) == [("kept", "2"), ("one", "7")]


@pytest.fixture
def direct(table):
    """A client whose item operations are answered by moto's handler directly (preparation)."""
    from local.moto_server import DIRECT_OPERATIONS, answer_directly

    client = boto3.client("dynamodb", region_name="us-east-1")
    for name in DIRECT_OPERATIONS:
        client.meta.events.register(f"before-call.dynamodb.{name}", answer_directly)
    calls = []
    client.meta.events.register("before-send.dynamodb", lambda **kw: calls.append(kw) and None)
    client.sent_over_http = calls
    return client


def test_directly_answered_reads_and_writes_match_the_wire_and_send_nothing(direct):
    direct.put_item(TableName="patched", Item={"k": {"S": "new"}, "n": {"N": "3"}})
    updated = direct.update_item(TableName="patched", Key={"k": {"S": "new"}},
                                 UpdateExpression="ADD n :one", ReturnValues="ALL_NEW",
                                 ExpressionAttributeValues={":one": {"N": "1"}})
    assert updated["Attributes"] == {"k": {"S": "new"}, "n": {"N": "4"}}
    assert direct.get_item(TableName="patched", Key={"k": {"S": "new"}})["Item"]["n"] == {
        "N": "4"}
    assert "Item" not in direct.get_item(TableName="patched", Key={"k": {"S": "absent"}})
    found = direct.query(TableName="patched", KeyConditionExpression="k = :k",
                         ExpressionAttributeValues={":k": {"S": "kept"}})
    assert found["Items"] == [{"k": {"S": "kept"}, "n": {"N": "1"}}]
    assert direct.sent_over_http == []


def test_a_directly_answered_request_that_fails_raises_the_usual_error_and_changes_nothing(
        direct, table):
    with pytest.raises(ClientError) as failed:
        direct.update_item(TableName="patched", Key={"k": {"S": "kept"}},
                           UpdateExpression="SET n = :two", ConditionExpression="n = :nine",
                           ExpressionAttributeValues={":two": {"N": "2"}, ":nine": {"N": "9"}})
    assert failed.value.response["Error"]["Code"] == "ConditionalCheckFailedException"
    with pytest.raises(ClientError) as cancelled:
        direct.transact_write_items(TransactItems=[
            {"Put": {"TableName": "patched", "Item": {"k": {"S": "x"}}}},
            {"ConditionCheck": {"TableName": "patched", "Key": {"k": {"S": "guard"}},
                                "ConditionExpression": "n = :one",
                                "ExpressionAttributeValues": {":one": {"N": "1"}}}},
        ])
    reasons = cancelled.value.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None", "ConditionalCheckFailed"]
    assert items(table) == [("guard", "5"), ("kept", "1")]
    assert len(direct.sent_over_http) == 2  # the failures went the usual way, once each
