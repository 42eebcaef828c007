"""Scheduled jobs. app.py schedules each body in AWS; the local runner calls the same bodies,
on a faster demo cadence, from `registry()`, so `make run` fires exactly the jobs AWS would."""

from __future__ import annotations

from collections.abc import Callable


def registry() -> dict[str, Callable[[], dict]]:
    from chalicelib.jobs import orders, scores

    return {
        "expire_unpaid_orders": orders.cancel_unpaid_orders,
        "complete_delivered_orders": orders.complete_delivered_orders,
        "recalculate_scores": scores.start_run,
    }
