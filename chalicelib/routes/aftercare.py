"""Reviews, after-sales cases and customer-service sessions. Thin: parse → service → response."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import schemas
from chalicelib.auth import principal_from_headers
from chalicelib.routes._http import json_response, limit_param, parse_body, query_params, route
from chalicelib.schemas.aftercare_views import case_view, review_view, service_session_view
from chalicelib.services import after_sales, reviews, service_sessions

aftercare = Blueprint(__name__)


def _principal():
    return principal_from_headers(aftercare.current_request.headers)


def _body(model):
    return parse_body(aftercare.current_request, model)


def _params() -> dict[str, str]:
    return query_params(aftercare.current_request)


# --- reviews -----------------------------------------------------------------------------------

@route(aftercare, "/orders/{order_id}/reviews", methods=("POST",))
def post_review(order_id):
    principal = _principal()
    review = reviews.post_review(principal, order_id, _body(schemas.aftercare.ReviewCreate))
    return json_response(review_view(review, for_author=True), 201)


@route(aftercare, "/products/{product_id}/reviews")
def product_reviews(product_id):
    params = _params()
    found, next_cursor = reviews.product_reviews(product_id, limit_param(params.get("limit")),
                                                 params.get("cursor"))
    return json_response({"items": [review_view(r) for r in found], "next_cursor": next_cursor})


# --- after-sales -------------------------------------------------------------------------------

@route(aftercare, "/orders/{order_id}/after-sales", methods=("POST",))
def request_case(order_id):
    principal = _principal()
    case = after_sales.request_case(principal, order_id, _body(schemas.aftercare.AfterSalesCreate))
    return json_response(case_view(case), 201)


@route(aftercare, "/orders/{order_id}/after-sales")
def order_cases(order_id):
    params = _params()
    found, next_cursor = after_sales.order_cases(_principal(), order_id,
                                                 limit_param(params.get("limit")),
                                                 params.get("cursor"))
    return json_response({"items": [case_view(c) for c in found], "next_cursor": next_cursor})


@route(aftercare, "/after-sales/{case_id}")
def get_case(case_id):
    return json_response(case_view(after_sales.get_case(_principal(), case_id)))


@route(aftercare, "/shops/{shop_id}/after-sales")
def shop_cases(shop_id):
    params = _params()
    found, next_cursor = after_sales.shop_cases(_principal(), shop_id, params.get("status"),
                                                limit_param(params.get("limit")),
                                                params.get("cursor"))
    return json_response({"items": [case_view(c) for c in found], "next_cursor": next_cursor})


@route(aftercare, "/after-sales/{case_id}/approve", methods=("POST",))
def approve(case_id):
    return json_response(case_view(after_sales.approve(_principal(), case_id)))


@route(aftercare, "/after-sales/{case_id}/reject", methods=("POST",))
def reject(case_id):
    principal = _principal()
    return json_response(case_view(after_sales.reject(principal, case_id,
                                                      _body(schemas.aftercare.RejectRequest))))


@route(aftercare, "/after-sales/{case_id}/escalate", methods=("POST",))
def escalate(case_id):
    principal = _principal()
    return json_response(case_view(after_sales.escalate(principal, case_id,
                                                        _body(schemas.aftercare.EscalateRequest))))


@route(aftercare, "/after-sales/{case_id}/rule", methods=("POST",))
def rule(case_id):
    principal = _principal()
    return json_response(case_view(after_sales.rule(principal, case_id,
                                                    _body(schemas.aftercare.RuleRequest))))


@route(aftercare, "/after-sales/{case_id}/receive", methods=("POST",))
def receive(case_id):
    return json_response(case_view(after_sales.receive(_principal(), case_id)))


# --- customer-service sessions -----------------------------------------------------------------

@route(aftercare, "/shops/{shop_id}/service-sessions", methods=("POST",))
def report_service_session(shop_id):
    principal = _principal()
    session, created = service_sessions.report(principal, shop_id,
                                               _body(schemas.aftercare.ServiceSessionReport))
    return json_response(service_session_view(session), 201 if created else 200)
