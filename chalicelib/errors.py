"""Domain errors and their one mapping to an HTTP status and the JSON error shape.

Every error body is {"error": {"code": ..., "message": ..., "details": [...]}}.
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None,
                 code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []
        if code:
            self.code = code

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.message, self.details)

    def headers(self) -> dict[str, str]:
        """Headers the answer carries besides its JSON content type."""
        return {}


class BadRequest(AppError):
    status = 400
    code = "bad_request"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    status = 403
    code = "forbidden"


class NotFound(AppError):
    status = 404
    code = "not_found"


class Conflict(AppError):
    status = 409
    code = "conflict"


class PayloadTooLarge(AppError):
    status = 413
    code = "body_too_large"


class Unprocessable(AppError):
    status = 422
    code = "validation_error"


class TooManyRequests(AppError):
    status = 429
    code = "too_many_requests"


class ServiceUnavailable(AppError):
    """DynamoDB could not do the work within the retry budget (chalicelib/store/base.py): the
    client may send the same request again after Retry-After seconds."""

    status = 503
    code = "dynamodb_unavailable"
    retry_after_seconds = 2

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after_seconds)}


# What DynamoDB answers when it did not do the work and the same request may succeed later:
# throttling, its own 5xx, and a transaction cancelled for those reasons.
_UNAVAILABLE_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
    "TransactionInProgressException", "InternalServerError", "ServiceUnavailable",
    "RequestTimeout", "RequestTimeoutException"})
_UNAVAILABLE_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded",
                                  "TransactionConflict", "None"})


def dynamodb_unavailable(error: BaseException) -> ServiceUnavailable | None:
    """A 503 for an exception that says DynamoDB could not be reached or could not do the work
    after every retry (throttled, failing, connections dropped, the request's cutoff), found
    anywhere in its chain (pynamodb's and Powertools' errors wrap botocore's); None for every
    other error, which stays what it is (a bug is a 500, not a 503)."""
    # HTTPClientError covers dropped connections and read timeouts, ConnectionError refused and
    # timed-out connects
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    from chalicelib.store.base import DeadlineExceeded

    for cause in _chain(error):
        if isinstance(cause, (ConnectionError, HTTPClientError, DeadlineExceeded)):
            return ServiceUnavailable("DynamoDB is unavailable right now; try again shortly")
        if isinstance(cause, ClientError) and _unavailable_answer(cause.response):
            return ServiceUnavailable("DynamoDB is busy right now; try again shortly")
    return None


def _unavailable_answer(response: dict) -> bool:
    code = response.get("Error", {}).get("Code", "")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if code == "TransactionCanceledException":
        reasons = {reason.get("Code") for reason in response.get("CancellationReasons", [])}
        return bool(reasons) and reasons <= _UNAVAILABLE_REASONS and reasons != {"None"}
    return code in _UNAVAILABLE_CODES or status >= 500


def _chain(error: BaseException):
    """The error, what it wraps (`cause`, `raise … from`, exception arguments), and so on, each
    once. Not `__context__`: a bug raised while handling a throttle is still a bug."""
    pending, seen = [error], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = [getattr(current, "cause", None), current.__cause__, *current.args]
        pending += [item for item in wrapped if isinstance(item, BaseException)]


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or []}}


# What a path (or, deployed, a method) that no route serves is answered: by API Gateway through
# the template's GatewayResponses (infra/hardening.py) and by the local server (local/api_server).
UNKNOWN_ROUTE = error_body("not_found", "no route serves this method and path")
