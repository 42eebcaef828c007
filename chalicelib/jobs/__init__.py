"""Scheduled jobs. app.py schedules each body in AWS; the local runner calls the same bodies,
on a faster demo cadence, from `registry()`, so `make run` fires exactly the jobs AWS would.

The test clock's rule (chalicelib.domain.clock; `POST /ops/clock` moves the local stack's time
forward by up to 90 days at once): **each job due in the skipped time runs once on the next
tick and covers the whole skipped period.** A job reads "now" from clock.now_ms() when it runs,
never counts its own ticks, and finds its work by a deadline or a day at most now, so one run
after a jump does what every run it skipped would have done:
- deadline jobs (expire unpaid, complete delivered) query a due index ≤ now: everything whose
  deadline fell in the skipped time is due at once (a run does at most 100 per due shard, as
  it always does; a larger backlog drains on the next ticks, nothing is skipped);
- day- or slot-keyed jobs (scores, feeds, hot queries, suggestions) run once for the new day
  or slot, whose window reaches back over the skipped days; the days in between get no run
  of their own, as a state "as of yesterday" needs none;
- a job that must act per skipped day or per item (a settlement period ending, a report's
  nights, a session to end after 24 h) selects by `deadline <= now` or walks every day from
  its last finished one up to the last complete day, idempotently, never only "yesterday".
"""

from __future__ import annotations

from collections.abc import Callable


def registry() -> dict[str, Callable[[], dict]]:
    from chalicelib.jobs import feeds, orders, scores, search_index, search_log, settlement
    from chalicelib.jobs.live import end_overdue_sessions
    from chalicelib.jobs.post_stream import start_scheduled as report_post_stream

    return {
        "expire_unpaid_orders": orders.cancel_unpaid_orders,
        "complete_delivered_orders": orders.complete_delivered_orders,
        "recalculate_scores": scores.start_run,
        "ensure_search_index": search_index.ensure_current_analyzer,
        "refresh_hot_queries": search_log.refresh_hot_queries,
        "rebuild_suggestions": search_log.rebuild_suggestions,
        "rebuild_feeds": feeds.start_scheduled,
        "settle_commissions": settlement.start_scheduled,
        "end_overdue_live_sessions": end_overdue_sessions,
        "report_post_stream": report_post_stream,
    }
