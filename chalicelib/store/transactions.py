"""The one way this codebase runs a TransactWriteItems."""

from __future__ import annotations

import random
import time

from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from chalicelib.store.base import connection

_CONFLICT_RETRIES = 6


class Contended(Exception):
    """DynamoDB kept cancelling for conflicting transactions; the client may retry."""


def run_transaction(build, on_condition_failed) -> None:
    """Run `build(tx)` as one transaction; retry only conflicts with other transactions.

    A failed condition means the state was not what the caller read: it is handed to
    `on_condition_failed(reasons)`, which raises the caller's own error.
    """
    for attempt in range(_CONFLICT_RETRIES):
        try:
            with TransactWrite(connection=connection()) as tx:
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
