"""Wiring only: the Chalice app, middleware, blueprints, and one-line job delegations."""

from __future__ import annotations

import os
import uuid

from chalice import Chalice, Cron, Rate

from chalicelib import cors
from chalicelib.observability import logger, metrics, request_keys
from chalicelib.queues import JOBS_QUEUE
from chalicelib.routes._http import normalize_error_response
from chalicelib.routes.aftercare import aftercare
from chalicelib.routes.attribution import attribution_api
from chalicelib.routes.chuanliu import chuanliu_api
from chalicelib.routes.clock import clock_api
from chalicelib.routes.distribution import distribution_api
from chalicelib.routes.docs import docs_api
from chalicelib.routes.events import events_api
from chalicelib.routes.follows import follows_api
from chalicelib.routes.jobs import jobs_api
from chalicelib.routes.live import live_api
from chalicelib.routes.mall import mall_api
from chalicelib.routes.merchant import merchant
from chalicelib.routes.orders import orders_api
from chalicelib.routes.recommendations import recommendations_api
from chalicelib.routes.reports import reports_api
from chalicelib.routes.scores import scores_api
from chalicelib.routes.search import search_api
from chalicelib.routes.shopper import shopper
from chalicelib.routes.webhooks import webhooks
from chalicelib.store.base import request_budget

# The deployed template points these at the stack's events stream and jobs queue
# (infra/build.py); chalice needs ARN-shaped values when it reads the app.
EVENTS_STREAM_ARN = os.environ.get(
    "SHELF_EVENTS_STREAM_ARN",
    "arn:aws:dynamodb:us-east-1:000000000000:table/shelf-events/stream/1970-01-01T00:00:00.000")
JOBS_QUEUE_ARN = os.environ.get("SHELF_JOBS_QUEUE_ARN",
                                f"arn:aws:sqs:us-east-1:000000000000:{JOBS_QUEUE}")

app = Chalice(app_name="shelf-commerce")
app.experimental_feature_flags.update({"BLUEPRINTS"})
app.register_blueprint(merchant)
app.register_blueprint(shopper)
app.register_blueprint(orders_api)
app.register_blueprint(webhooks)
app.register_blueprint(aftercare)
app.register_blueprint(scores_api)
app.register_blueprint(jobs_api)
app.register_blueprint(search_api)
app.register_blueprint(events_api)
app.register_blueprint(reports_api)
app.register_blueprint(mall_api)
app.register_blueprint(recommendations_api)
app.register_blueprint(follows_api)
app.register_blueprint(live_api)
app.register_blueprint(chuanliu_api)
app.register_blueprint(clock_api)
app.register_blueprint(distribution_api)
app.register_blueprint(attribution_api)
app.register_blueprint(docs_api)


@app.middleware("http")
def observe_request(event, get_response):
    """One correlation id per request on every log line (per thread: the local server serves
    overlapping requests on threads), the request's DynamoDB cutoff (chalicelib/store/base.py),
    and metrics flushed per request."""
    correlation_id = (
        (event.context or {}).get("requestId")
        or event.headers.get("x-request-id")
        or str(uuid.uuid4())
    )
    keys = request_keys(correlation_id=correlation_id, method=event.method, path=event.path)
    try:
        with keys, request_budget():
            response = normalize_error_response(get_response(event))
            response.headers["X-Request-Id"] = correlation_id
            response.headers.update(cors.response_headers())  # preflights: API Gateway
            logger.info("request handled", extra={"status": response.status_code})
            return response
    finally:
        if metrics.metric_set:
            metrics.flush_metrics()


# --- scheduled jobs: one-line delegations (the local runner calls the same bodies) ------------

@app.schedule(Rate(1, unit=Rate.MINUTES))
def expire_unpaid_orders(event):
    from chalicelib.jobs import orders as order_jobs

    return order_jobs.cancel_unpaid_orders()


@app.schedule(Rate(1, unit=Rate.HOURS))
def complete_delivered_orders(event):
    from chalicelib.jobs import orders as order_jobs

    return order_jobs.complete_delivered_orders()


@app.schedule(Cron(30, 18, "*", "*", "?", "*"))  # 02:30 in China; scores the last full UTC day
def recalculate_scores(event):
    from chalicelib.jobs import scores as score_jobs  # the score code loads with its jobs only

    return score_jobs.start_run()


@app.schedule(Rate(10, unit=Rate.MINUTES))  # a new analyzer version → one full reindex
def ensure_search_index(event):
    from chalicelib.jobs import search_index

    return search_index.ensure_current_analyzer()


@app.schedule(Rate(10, unit=Rate.MINUTES))
def refresh_hot_queries(event):
    from chalicelib.jobs import search_log as search_log_jobs

    return search_log_jobs.refresh_hot_queries()


@app.schedule(Rate(1, unit=Rate.HOURS))
def rebuild_suggestions(event):
    from chalicelib.jobs import search_log as search_log_jobs

    return search_log_jobs.rebuild_suggestions()


@app.schedule(Cron(0, 19, "*", "*", "?", "*"))  # 03:00 in China, after the scores
def rebuild_feeds(event):
    from chalicelib.jobs import feeds as feed_jobs

    return feed_jobs.start_scheduled()


@app.schedule(Rate(1, unit=Rate.HOURS))  # pending commissions whose settlement period ended
def settle_commissions(event):
    from chalicelib.jobs import settlement

    return settlement.start_scheduled()


@app.schedule(Rate(5, unit=Rate.MINUTES))
def end_overdue_live_sessions(event):
    from chalicelib.jobs import live as live_jobs

    return live_jobs.end_overdue_sessions()


@app.schedule(Rate(1, unit=Rate.HOURS))  # today as far as it has gone; yesterday's final pass
def report_post_stream(event):
    from chalicelib.jobs import post_stream

    return post_stream.start_scheduled()


# --- event-driven: stream of business events, and every job's chunks ------------------------

@app.on_dynamodb_record(stream_arn=EVENTS_STREAM_ARN, batch_size=100)
def count_events(event):
    from chalicelib.jobs import events as event_jobs

    return event_jobs.handle_stream_batch(event.to_dict(), app.lambda_context)


# The deployed template points this at the behaviour_events table's stream (infra/build.py).
BEHAVIOUR_STREAM_ARN = os.environ.get(
    "SHELF_BEHAVIOUR_STREAM_ARN",
    "arn:aws:dynamodb:us-east-1:000000000000:table/shelf-behaviour_events/stream/"
    "1970-01-01T00:00:00.000")


@app.on_dynamodb_record(stream_arn=BEHAVIOUR_STREAM_ARN, batch_size=100)
def count_behaviour(event):
    from chalicelib.jobs import behaviour as behaviour_jobs

    return behaviour_jobs.handle_stream_batch(event.to_dict(), app.lambda_context)


@app.on_sqs_message(queue_arn=JOBS_QUEUE_ARN, batch_size=5)
def job_chunks(event):
    from chalicelib.jobs import runner  # a job's own code loads with its first chunk

    return runner.handle_queue_batch(event.to_dict(), app.lambda_context)
