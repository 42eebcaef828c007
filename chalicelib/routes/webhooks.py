"""Signed callbacks from outside: the payment provider and the carriers' event feed.

The HMAC covers the raw body, so it is checked before the body is parsed.
"""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.routes._http import SIGNED, json_response, parse_body, route
from chalicelib.settings import get_settings
from chalicelib.signatures import SIGNATURE_HEADER, verify

webhooks = Blueprint(__name__)


def _verified_body(secret: str):
    request = webhooks.current_request
    verify(secret, request.raw_body or b"", request.headers.get(SIGNATURE_HEADER))
    return parse_body(request)


@route(webhooks, "/payments/callback", methods=("POST",), auth=SIGNED,
       body="orders.PaymentCallback", response="responses.OrderView")
def payment_callback():
    from chalicelib.schemas.views import order_view
    from chalicelib.services import orders

    callback = _verified_body(get_settings().payment_secret)
    return json_response(order_view(orders.payment_callback(callback)))


@route(webhooks, "/carriers/events", methods=("POST",), auth=SIGNED,
       body="orders.CarrierEvent", response="responses.OrderView")
def carrier_event():
    from chalicelib.schemas.views import order_view
    from chalicelib.services import orders

    event = _verified_body(get_settings().carrier_secret)
    return json_response(order_view(orders.carrier_event(event)))
