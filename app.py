"""Wiring only: the Chalice app, middleware, blueprints, and one-line job delegations."""

from __future__ import annotations

import uuid

from chalice import Chalice, Rate

from chalicelib.jobs import orders as order_jobs
from chalicelib.observability import logger, metrics
from chalicelib.routes._http import normalize_error_response
from chalicelib.routes.aftercare import aftercare
from chalicelib.routes.merchant import merchant
from chalicelib.routes.orders import orders_api
from chalicelib.routes.shopper import shopper
from chalicelib.routes.webhooks import webhooks

app = Chalice(app_name="shelf-commerce")
app.experimental_feature_flags.update({"BLUEPRINTS"})
app.register_blueprint(merchant)
app.register_blueprint(shopper)
app.register_blueprint(orders_api)
app.register_blueprint(webhooks)
app.register_blueprint(aftercare)


@app.middleware("http")
def observe_request(event, get_response):
    """One correlation id per request on every log line, and metrics flushed per request."""
    correlation_id = (
        (event.context or {}).get("requestId")
        or event.headers.get("x-request-id")
        or str(uuid.uuid4())
    )
    logger.set_correlation_id(correlation_id)
    logger.append_keys(method=event.method, path=event.path)
    try:
        response = normalize_error_response(get_response(event))
        response.headers["X-Request-Id"] = correlation_id
        logger.info("request handled", extra={"status": response.status_code})
        return response
    finally:
        if metrics.metric_set:
            metrics.flush_metrics()
        logger.remove_keys(["method", "path"])


# --- scheduled jobs: one-line delegations (the local runner calls the same bodies) ------------

@app.schedule(Rate(1, unit=Rate.MINUTES))
def expire_unpaid_orders(event):
    return order_jobs.cancel_unpaid_orders()


@app.schedule(Rate(1, unit=Rate.HOURS))
def complete_delivered_orders(event):
    return order_jobs.complete_delivered_orders()
