"""Wiring only: the Chalice app, middleware, blueprints, and one-line job delegations."""

from __future__ import annotations

import uuid

from chalice import Chalice

from chalicelib.observability import logger, metrics
from chalicelib.routes._http import normalize_error_response
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
