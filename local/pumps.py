"""What Lambda's pollers do in AWS, done locally: feed the tables' streams and the jobs queue
to the same handlers app.py wires (`chalice local` serves HTTP only)."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable


class StreamPump:
    """Reads one table's DynamoDB stream shard by shard, from where it left off, and hands the
    records to a stream handler ("module:function", imported on first pump)."""

    def __init__(self, model, handler_path: str, from_end: bool = False):
        """`from_end`: read only what is written from now on (the local runner, after loading
        demo data that reflects every event already in the stream); else from the start."""
        import boto3

        from chalicelib.settings import get_settings

        region = get_settings().region
        self._table = model.Meta.table_name
        self._handler_path = handler_path
        self._ddb = boto3.client("dynamodb", region_name=region)
        self._streams = boto3.client("dynamodbstreams", region_name=region)
        self._iterators: dict[str, str | None] = {}
        if from_end:
            arn = self._stream_arn()
            for shard in self._shards(arn) if arn else []:
                self._iterators[shard["ShardId"]] = self._streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="LATEST",
                )["ShardIterator"]

    def _stream_arn(self) -> str | None:
        return self._ddb.describe_table(TableName=self._table)["Table"].get("LatestStreamArn")

    def _shards(self, arn: str) -> list[dict]:
        return self._streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]

    def pump(self) -> int:
        """Hand every new record to the stream handler; returns how many were handled."""
        module, _, function = self._handler_path.partition(":")
        handle_stream_batch = getattr(importlib.import_module(module), function)
        handled = 0
        for records in self._new_records():
            response = handle_stream_batch({"Records": records})
            failures = response.get("batchItemFailures", [])
            if failures:
                raise RuntimeError(f"{len(failures)} stream records failed: {failures[:3]}")
            handled += len(records)
        return handled

    def _new_records(self):
        arn = self._stream_arn()
        if not arn:
            return
        for shard in self._shards(arn):
            shard_id = shard["ShardId"]
            iterator = self._iterators.get(shard_id) or self._streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON",
            )["ShardIterator"]
            while iterator:
                response = self._streams.get_records(ShardIterator=iterator, Limit=100)
                iterator = response.get("NextShardIterator")
                self._iterators[shard_id] = iterator
                if not response["Records"]:
                    break
                yield [_as_lambda_record(record, arn) for record in response["Records"]]


class EventsStreamPump(StreamPump):
    """The business events stream → chalicelib.jobs.events (scores, search index, reports)."""

    def __init__(self, from_end: bool = False):
        from chalicelib.store.events import EventModel

        super().__init__(EventModel, "chalicelib.jobs.events:handle_stream_batch", from_end)


class BehaviourStreamPump(StreamPump):
    """The behaviour events stream → chalicelib.jobs.behaviour (scene counters, affinities)."""

    def __init__(self, from_end: bool = False):
        from chalicelib.store.behaviour import BehaviourEventModel

        super().__init__(BehaviourEventModel, "chalicelib.jobs.behaviour:handle_stream_batch",
                         from_end)


def _as_lambda_record(record: dict, arn: str) -> dict:
    """GetRecords' shape → the shape Lambda hands a function (JSON-safe, with the source ARN)."""
    dynamodb = dict(record["dynamodb"])
    created = dynamodb.get("ApproximateCreationDateTime")
    if created is not None and not isinstance(created, (int, float)):
        dynamodb["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "dynamodb": dynamodb, "eventSourceARN": arn}


def drain_job_queue(progress=None, max_rounds: int = 10_000) -> int:
    """Process the chunks of every job (the jobs queue) until the queue is empty; returns how
    many chunks."""
    return _work_queue(progress, max_rounds, stop_at=None)[0]


def hold_job_chunks(stop_at: Callable[[dict], bool], progress=None,
                    max_rounds: int = 10_000) -> tuple[int, list[dict]]:
    """Work the jobs queue as `drain_job_queue` does until a chunk that `stop_at` accepts comes
    up; that chunk and every other one still queued are taken off the queue, not done, and
    returned with how many were done (`make run` finishes the feeds job in a forked step:
    `work_chunks`)."""
    return _work_queue(progress, max_rounds, stop_at)


def work_chunks(chunks: list[dict], progress=None) -> int:
    """Do chunks taken off the queue (`hold_job_chunks`) one by one, in the order they were
    queued (a failing chunk raises: there is no queue to hand it out again), then drain the
    queue of what they lead to; returns how many chunks."""
    from chalicelib.jobs.runner import process_chunk

    for chunk in chunks:
        process_chunk(chunk)
    if progress and chunks:
        progress(f"  job chunks done: {len(chunks)} held ({_where(chunks[-1])})")
    return len(chunks) + drain_job_queue(progress)


def _work_queue(progress, max_rounds: int,
                stop_at: Callable[[dict], bool] | None) -> tuple[int, list[dict]]:
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    from chalicelib.jobs.runner import handle_queue_batch
    from chalicelib.queues import JOBS_QUEUE, delete, receive

    done, held = 0, []
    for _ in range(max_rounds):
        messages = receive(JOBS_QUEUE)
        if not messages:
            return done, held
        if stop_at is not None or held:
            bodies = [json.loads(m["Body"]) for m in messages]
            first = next((n for n, body in enumerate(bodies) if held or stop_at(body)), None)
            if first is not None:
                for message, body in zip(messages[first:], bodies[first:], strict=True):
                    held.append(body)
                    delete(JOBS_QUEUE, message["ReceiptHandle"])
                messages = messages[:first]
                if not messages:
                    continue
        event = {"Records": [
            {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"],
             "body": m["Body"], "attributes": m.get("Attributes", {}), "messageAttributes": {},
             "eventSource": "aws:sqs", "md5OfBody": m.get("MD5OfBody", "")}
            for m in messages]}
        try:
            response = handle_queue_batch(event)
        except BatchProcessingError:  # every record failed: Lambda retries the whole batch
            response = {"batchItemFailures": [{"itemIdentifier": m["MessageId"]}
                                              for m in messages]}
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        for message in messages:
            if message["MessageId"] not in failed:
                delete(JOBS_QUEUE, message["ReceiptHandle"])
        done += len(messages) - len(failed)
        if progress:
            progress(f"  job chunks done: {done} ({_where(json.loads(messages[-1]['Body']))})")
        if failed:
            raise RuntimeError(f"{len(failed)} job chunks failed")
    return done, held


def _where(chunk: dict) -> str:
    return f"{chunk['job']} phase {chunk['phase']}, shard {chunk['shard']}"
