"""Scheduled order housekeeping: expire unpaid orders, complete delivered ones.

Each run reads only the sparse due-date index (orders whose deadline has passed), so its cost
grows with the work due, not with all orders. A run is idempotent: every change is a
conditional transition, and an order someone else moved first is skipped.
"""

from __future__ import annotations

from chalicelib.domain.clock import now_ms
from chalicelib.observability import logger
from chalicelib.services import orders


def cancel_unpaid_orders() -> dict:
    cancelled = orders.cancel_unpaid(now_ms())
    logger.info("unpaid orders cancelled", extra={"cancelled": cancelled})
    return {"cancelled": cancelled}


def complete_delivered_orders() -> dict:
    completed = orders.complete_delivered(now_ms())
    logger.info("delivered orders completed", extra={"completed": completed})
    return {"completed": completed}
