"""The one way this codebase runs a TransactWriteItems.

Every transaction carries a ClientRequestToken, one per attempt of `run_transaction`:

- botocore retries an attempt (a throttle, a 500, a dropped connection, a timeout) by sending the
  same request again, token included. When the first send took effect and only its answer was
  lost, DynamoDB recognises the token (for 10 minutes) and answers success without applying it
  twice. Without it the retry would run against the state it had already written: its own
  conditions would fail (a checkout told "out of stock" for the order it just placed) or, where
  there are none, its counters would count twice.
- A new attempt after a cancellation (a conflict with another transaction) gets a new token: the
  cancelled attempt changed nothing, and `build` may rebuild a different request (DynamoDB
  refuses a known token with another body: IdempotentParameterMismatchException).

What a token does not cover: a call whose every attempt failed after one of them took effect (the
last answers were lost too). It raises, the client is told 503, and its retry is a new logical
write with a new token; what keeps that one from applying twice is the data's own guards
(conditions on state, processed marks, the checkout's Idempotency-Key claim).

Cost: one TransactWriteItems per attempt (2 WCU per item written, 2 RCU per condition check).
"""

from __future__ import annotations

import random
import time
import uuid

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.store.base import connection

_CONFLICT_RETRIES = 6


class Contended(Exception):
    """DynamoDB kept cancelling for conflicting transactions; the client may retry."""


def new_token() -> str:
    """A ClientRequestToken (DynamoDB takes 1–36 characters)."""
    return str(uuid.uuid4())


def run_transaction(build, on_condition_failed) -> None:
    """Run `build(tx)` as one transaction; retry only conflicts with other transactions.

    A failed condition means the state was not what the caller read: it is handed to
    `on_condition_failed(reasons)`, which raises the caller's own error.
    """
    for attempt in range(_CONFLICT_RETRIES):
        try:
            with TransactWrite(connection=connection(), client_request_token=new_token()) as tx:
                build(tx)
            return
        except TransactWriteError as error:
            reasons = error.cancellation_reasons or []
            if any(r and r.code == "ConditionalCheckFailed" for r in reasons):
                on_condition_failed(reasons)
                raise
            conflicted = error.cause_response_code == "TransactionConflictException" or any(
                r and r.code == "TransactionConflict" for r in reasons)
            if not conflicted:
                raise
            # Jittered backoff: contending checkouts on one hot SKU spread out instead of
            # colliding again in lockstep.
            time.sleep(random.uniform(0, 0.02 * 2**attempt))
    raise Contended()

