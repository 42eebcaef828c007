"""SQS, for work larger than one invocation (the chunks of every job, chalicelib.jobs.runner)."""

from __future__ import annotations

import json
import os
from functools import lru_cache

JOBS_QUEUE = "jobs"  # base name; the deployed queue is `${AWS::StackName}-jobs`
# receives of one message before the queue moves it to its dead-letter queue (infra/build.py's
# redrive policy); a job run whose chunk fails for the last time is marked failed
MAX_RECEIVES = 5
_BATCH = 10  # SendMessageBatch's limit


class QueueNotConfigured(RuntimeError):
    pass


def queue_url(name: str) -> str:
    variable = f"SHELF_{name.upper()}_QUEUE_URL"
    url = os.environ.get(variable)
    if not url:
        raise QueueNotConfigured(f"{variable} is not set")
    return url


@lru_cache(maxsize=1)
def _client():
    import boto3

    from chalicelib.settings import get_settings

    return boto3.client("sqs", region_name=get_settings().region)


def send(name: str, messages: list[dict]) -> None:
    url = queue_url(name)
    for start in range(0, len(messages), _BATCH):
        batch = messages[start:start + _BATCH]
        response = _client().send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(n), "MessageBody": json.dumps(message, sort_keys=True)}
            for n, message in enumerate(batch)])
        if response.get("Failed"):
            raise RuntimeError(f"SQS refused {len(response['Failed'])} messages")


def receive(name: str, max_messages: int = 10) -> list[dict]:
    """Raw SQS messages with their receive counts (local runner and `make jobs`: in AWS, Lambda
    polls the queue)."""
    response = _client().receive_message(QueueUrl=queue_url(name),
                                         MaxNumberOfMessages=max_messages, WaitTimeSeconds=0,
                                         AttributeNames=["ApproximateReceiveCount"])
    return response.get("Messages", [])


def delete(name: str, receipt_handle: str) -> None:
    _client().delete_message(QueueUrl=queue_url(name), ReceiptHandle=receipt_handle)


def ensure_queue(name: str, stage_prefix: str, visibility_timeout: int = 30) -> str:
    """Create the queue if missing and export its URL (local runner and tests only)."""
    url = _client().create_queue(
        QueueName=f"{stage_prefix}{name}",
        Attributes={"VisibilityTimeout": str(visibility_timeout)})["QueueUrl"]
    os.environ[f"SHELF_{name.upper()}_QUEUE_URL"] = url
    return url
