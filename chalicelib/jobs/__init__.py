"""Scheduled jobs. app.py schedules each body in AWS; the local runner calls the same bodies,
on a faster demo cadence, from `registry()`, so `make run` fires exactly the jobs AWS would."""

from __future__ import annotations

from collections.abc import Callable


def registry() -> dict[str, Callable[[], dict]]:
    from chalicelib.jobs import feeds, orders, scores, search_index, search_log

    return {
        "expire_unpaid_orders": orders.cancel_unpaid_orders,
        "complete_delivered_orders": orders.complete_delivered_orders,
        "recalculate_scores": scores.start_run,
        "ensure_search_index": search_index.ensure_current_analyzer,
        "refresh_hot_queries": search_log.refresh_hot_queries,
        "rebuild_suggestions": search_log.rebuild_suggestions,
        "rebuild_feeds": feeds.start_scheduled,
    }
