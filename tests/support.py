"""Helpers the API and integration tests share: tokens, request bodies, DynamoDB call counts."""

from __future__ import annotations

import contextlib
import io
import json
from collections import Counter
from unittest import mock

from botocore.client import BaseClient

from chalicelib.auth import issue_token
from chalicelib.observability import logger

# Token checks read the (test) clock: a module's token is minted at import, on the system clock,
# and tests move their frozen clock by weeks, so test tokens live a year.
TOKEN_TTL_SECONDS = 365 * 24 * 60 * 60


def bearer(role: str = "merchant", sub: str = "m1") -> dict:
    return {"Authorization": f"Bearer {issue_token(sub, role, ttl_seconds=TOKEN_TTL_SECONDS)}",
            "Content-Type": "application/json"}


def sku(price_fen: int = 9900, stock: int = 10, **specs) -> dict:
    return {"specs": specs or {"颜色": "白"}, "price_fen": price_fen, "stock": stock}


def product_body(title: str = "1.5匹 一级能效 变频空调", category: str = "空调",
                 status: str = "on_shelf", skus: list | None = None, **extra) -> dict:
    return {
        "title": title,
        "description": "静音节能，自清洁",
        "category": category,
        "images": ["https://img.example.com/ac.jpg"],
        "attributes": {"品牌": "示例"},
        "status": status,
        "skus": skus or [sku(259900, 5, 匹数="1.5匹"), sku(329900, 0, 匹数="2匹")],
        **extra,
    }


# A fixed business moment for tests that read the day: 10:00 on 2026-12-01 in Shanghai (UTC+8)
FROZEN_DAY = "2026-12-01"
FROZEN_NOW = 1_796_090_400_000


class CallCounter(Counter):
    @property
    def total(self) -> int:
        return sum(self.values())


@contextlib.contextmanager
def dynamodb_calls():
    """Count DynamoDB API calls at botocore (one per round trip), by operation name."""
    counter = CallCounter()
    original = BaseClient._make_api_call

    def counting(client, operation_name, params):
        if client.meta.service_model.service_name == "dynamodb":
            counter[operation_name] += 1
        return original(client, operation_name, params)

    with mock.patch.object(BaseClient, "_make_api_call", counting):
        yield counter


def body(response) -> dict:
    return json.loads(response.body)


def stream_record(model, sequence: int) -> dict:
    """An events-table item as a DynamoDB stream hands it to Lambda (NEW_IMAGE)."""
    return {"eventID": f"rec-{sequence}", "eventName": "INSERT", "eventSource": "aws:dynamodb",
            "dynamodb": {"NewImage": model.serialize(), "SequenceNumber": str(sequence),
                         "StreamViewType": "NEW_IMAGE"}}


def pump_stream() -> list[dict]:
    """What Lambda's stream poller does: every stored event to the consumer, in batches of 100
    (a replay changes nothing: counters count once, the index converges)."""
    from chalicelib.jobs import events as event_jobs
    from chalicelib.store.events import EventModel

    events = sorted(EventModel.scan(), key=lambda event: event.event_id)
    records = [stream_record(event, n) for n, event in enumerate(events)]
    for start in range(0, len(records), 100):
        assert event_jobs.handle_stream_batch({"Records": records[start:start + 100]}) == {
            "batchItemFailures": []}
    return records


@contextlib.contextmanager
def captured_logs():
    """Point the Powertools handler at a buffer (it keeps the stream it was created with)."""
    buffer = io.StringIO()
    previous = logger.registered_handler.setStream(buffer)
    try:
        yield buffer
    finally:
        logger.registered_handler.setStream(previous)
