"""Reviews, after-sales cases and customer-service sessions. Thin: parse → service → response."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role, principal_from_headers
from chalicelib.routes._http import json_response, parse_body, parse_query, route

aftercare = Blueprint(__name__)
SHOPPER, MERCHANT = (Role.SHOPPER,), (Role.MERCHANT,)


def _principal():
    return principal_from_headers(aftercare.current_request.headers)


def _body():
    return parse_body(aftercare.current_request)


def _params():
    return parse_query(aftercare.current_request)


# --- reviews -----------------------------------------------------------------------------------

@route(aftercare, "/orders/{order_id}/reviews", methods=("POST",), auth=SHOPPER,
       body="aftercare.ReviewCreate", response="responses.Review", status=201)
def post_review(order_id):
    from chalicelib.schemas.aftercare_views import review_view
    from chalicelib.services import reviews

    principal = _principal()
    review = reviews.post_review(principal, order_id, _body())
    return json_response(review_view(review, for_author=True), 201)


@route(aftercare, "/products/{product_id}/reviews", auth=None, query="queries.ListParams",
       response="responses.ReviewPage")
def product_reviews(product_id):
    from chalicelib.schemas.aftercare_views import review_view
    from chalicelib.services import reviews

    params = _params()
    found, next_cursor = reviews.product_reviews(product_id, params.limit, params.cursor)
    return json_response({"items": [review_view(r) for r in found], "next_cursor": next_cursor})


# --- after-sales -------------------------------------------------------------------------------

@route(aftercare, "/orders/{order_id}/after-sales", methods=("POST",), auth=SHOPPER,
       body="aftercare.AfterSalesCreate", response="responses.AfterSalesCase", status=201)
def request_case(order_id):
    from chalicelib.schemas.aftercare_views import case_view
    from chalicelib.services import after_sales

    principal = _principal()
    case = after_sales.request_case(principal, order_id, _body())
    return json_response(case_view(case), 201)


@route(aftercare, "/orders/{order_id}/after-sales", auth=(Role.SHOPPER, Role.MERCHANT),
       query="queries.ListParams", response="responses.AfterSalesPage")
def order_cases(order_id):
    from chalicelib.schemas.aftercare_views import case_view
    from chalicelib.services import after_sales

    principal = _principal()
    params = _params()
    found, next_cursor = after_sales.order_cases(principal, order_id, params.limit,
                                                 params.cursor)
    return json_response({"items": [case_view(c) for c in found], "next_cursor": next_cursor})


@route(aftercare, "/after-sales/{case_id}", auth=(Role.SHOPPER, Role.MERCHANT, Role.OPS),
       response="responses.AfterSalesCase")
def get_case(case_id):
    from chalicelib.schemas.aftercare_views import case_view
    from chalicelib.services import after_sales

    return json_response(case_view(after_sales.get_case(_principal(), case_id)))


@route(aftercare, "/shops/{shop_id}/after-sales", auth=MERCHANT, query="queries.CaseListParams",
       response="responses.AfterSalesPage")
def shop_cases(shop_id):
    from chalicelib.schemas.aftercare_views import case_view
    from chalicelib.services import after_sales

    principal = _principal()
    params = _params()
    found, next_cursor = after_sales.shop_cases(principal, shop_id, params.status, params.limit,
                                                params.cursor)
    return json_response({"items": [case_view(c) for c in found], "next_cursor": next_cursor})


@route(aftercare, "/after-sales/{case_id}/approve", methods=("POST",), auth=MERCHANT,
       response="responses.AfterSalesCase")
def approve(case_id):
    from chalicelib.schemas.aftercare_views import case_view
    from chalicelib.services import after_sales

    return json_response(case_view(after_sales.approve(_principal(), case_id)))


@route(aftercare, "/after-sales/{case_id}/reject", methods=("POST",), auth=MERCHANT,
       body="aftercare.RejectRequest", response="responses.AfterSalesCase")
def reject(case_id):
    from chalicelib.schemas.aftercare_views import case_view
    from chalicelib.services import after_sales

    principal = _principal()
    return json_response(case_view(after_sales.reject(principal, case_id, _body())))


@route(aftercare, "/after-sales/{case_id}/escalate", methods=("POST",), auth=SHOPPER,
       body="aftercare.EscalateRequest", response="responses.AfterSalesCase")
def escalate(case_id):
    from chalicelib.schemas.aftercare_views import case_view
    from chalicelib.services import after_sales

    principal = _principal()
    return json_response(case_view(after_sales.escalate(principal, case_id, _body())))


@route(aftercare, "/after-sales/{case_id}/rule", methods=("POST",), auth=(Role.OPS,),
       body="aftercare.RuleRequest", response="responses.AfterSalesCase")
def rule(case_id):
    from chalicelib.schemas.aftercare_views import case_view
    from chalicelib.services import after_sales

    principal = _principal()
    return json_response(case_view(after_sales.rule(principal, case_id, _body())))


@route(aftercare, "/after-sales/{case_id}/receive", methods=("POST",), auth=MERCHANT,
       response="responses.AfterSalesCase")
def receive(case_id):
    from chalicelib.schemas.aftercare_views import case_view
    from chalicelib.services import after_sales

    return json_response(case_view(after_sales.receive(_principal(), case_id)))


# --- customer-service sessions -----------------------------------------------------------------

@route(aftercare, "/shops/{shop_id}/service-sessions", methods=("POST",), auth=MERCHANT,
       body="aftercare.ServiceSessionReport", response="responses.ServiceSession",
       status=(201, 200))
def report_service_session(shop_id):
    """201 for a new session, 200 when the same session is reported again."""
    from chalicelib.schemas.aftercare_views import service_session_view
    from chalicelib.services import service_sessions

    principal = _principal()
    session, created = service_sessions.report(principal, shop_id, _body())
    return json_response(service_session_view(session), 201 if created else 200)
