"""One consumer process of the fault tests: what Lambda's pollers do, with its redeliveries.

    python -m tests.integration.fault_worker <command> [args]

The environment comes from the test (tests/integration/faults.py FaultStack.env): DynamoDB
through the fault proxy (or straight to moto for reads that check results), streams and SQS
to moto. Each command prints one JSON line. Commands:

  replay-stream DELIVERIES SHOP
                            every record of SHOP's events in the events stream, from its start,
                            in batches of 100, to the events consumer; a batch with failed
                            records is handed again from its first failed record on (Lambda's
                            partial batch response), at most DELIVERIES times in all
  drain DELIVERIES          the jobs queue to the job runner until it is empty; a failed chunk
                            is visible again at once (SQS after the visibility timeout), and one
                            received DELIVERIES times is left for a later drain
  write-events N SHOP, seed-history SHOPS, start-run DAY FORCE, counters ENTITY DAY, scores:
                            as in tests/integration/score_worker.py
"""

from __future__ import annotations

import json
import os
import sys

from chalicelib.queues import JOBS_QUEUE, ensure_queue
from tests.integration import score_worker

BATCH = 100


def replay_stream(deliveries: str, shop_id: str) -> None:
    from chalicelib.jobs.events import handle_stream_batch

    records = [record for record in _stream_records()
               if record["dynamodb"].get("NewImage", {}).get("shop_id", {}).get("S") == shop_id]
    failed_deliveries = left = 0
    for start in range(0, len(records), BATCH):
        batch = records[start:start + BATCH]
        for delivery in range(int(deliveries)):
            failed = {f["itemIdentifier"] for f in
                      handle_stream_batch({"Records": batch})["batchItemFailures"]}
            if not failed:
                break
            failed_deliveries += 1
            first = min(n for n, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] in failed)
            batch = batch[first:]  # Lambda hands the rest again from the first failed record
            if delivery == int(deliveries) - 1:
                left += len(failed)
    print(json.dumps({"records": len(records), "failed_deliveries": failed_deliveries,
                      "left": left}))


def _stream_records() -> list[dict]:
    """Every record of the events table's stream, read straight from moto, as Lambda hands
    them over."""
    import boto3

    from chalicelib.store.events import EventModel
    from local.pumps import _as_lambda_record

    moto = os.environ["SHELF_FAULTS_MOTO_URL"]
    ddb = boto3.client("dynamodb", endpoint_url=moto)
    streams = boto3.client("dynamodbstreams", endpoint_url=moto)
    arn = ddb.describe_table(TableName=EventModel.Meta.table_name)["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            answer = streams.get_records(ShardIterator=iterator, Limit=1000)
            if not answer["Records"]:
                break
            records += [_as_lambda_record(record, arn) for record in answer["Records"]]
            iterator = answer.get("NextShardIterator")
    return records


def drain(deliveries: str) -> None:
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    from chalicelib.jobs.runner import handle_queue_batch
    from chalicelib.queues import delete, receive

    done = failed_deliveries = 0
    left = []
    while messages := receive(JOBS_QUEUE):
        event = {"Records": [
            {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
             "attributes": m.get("Attributes", {}), "messageAttributes": {},
             "eventSource": "aws:sqs", "md5OfBody": m.get("MD5OfBody", "")}
            for m in messages]}
        try:
            failed = {f["itemIdentifier"] for f in handle_queue_batch(event)["batchItemFailures"]}
        except BatchProcessingError:  # every record failed: Lambda retries the whole batch
            failed = {m["MessageId"] for m in messages}
        failed_deliveries += len(failed)
        for message in messages:
            if message["MessageId"] not in failed:
                delete(JOBS_QUEUE, message["ReceiptHandle"])
                done += 1
                continue
            received = int(message["Attributes"].get("ApproximateReceiveCount", 1))
            if received >= int(deliveries):
                left.append(message)  # invisible until this drain is over: a later one's
            else:
                _visible_again(message)
    for message in left:
        _visible_again(message)
    print(json.dumps({"chunks_done": done, "failed_deliveries": failed_deliveries,
                      "left": len(left)}))


def _visible_again(message: dict) -> None:
    """What SQS does once a failed message's visibility timeout is over, now."""
    from chalicelib.queues import _client, queue_url

    _client().change_message_visibility(QueueUrl=queue_url(JOBS_QUEUE),
                                        ReceiptHandle=message["ReceiptHandle"],
                                        VisibilityTimeout=0)


COMMANDS = {"replay-stream": replay_stream, "drain": drain,
            "write-events": score_worker.write_events, "seed-history": score_worker.seed_history,
            "start-run": score_worker.start_run, "counters": score_worker.counters,
            "scores": score_worker.scores}

if __name__ == "__main__":
    ensure_queue(JOBS_QUEUE, os.environ["SHELF_TABLE_PREFIX"])
    COMMANDS[sys.argv[1]](*sys.argv[2:])
