"""Shopper cart and orders, merchant order handling. Thin: parse → service → response."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role, principal_from_headers
from chalicelib.domain import ids
from chalicelib.routes._http import json_response, parse_body, parse_query, route

orders_api = Blueprint(__name__)
SHOPPER, MERCHANT = (Role.SHOPPER,), (Role.MERCHANT,)
IDEMPOTENCY_KEY = {
    "required": True, "pattern": ids.IDEMPOTENCY_KEY.pattern,
    "description": "once per checkout: a retry with the same key and body gets the same "
                   "orders, the same key with another body is 422"}


def _principal():
    return principal_from_headers(orders_api.current_request.headers)


def _body():
    return parse_body(orders_api.current_request)


# --- cart --------------------------------------------------------------------------------------

@route(orders_api, "/cart", auth=SHOPPER, response="responses.Cart")
def get_cart():
    from chalicelib.services import carts

    return json_response(carts.get_cart(_principal()))


# A cart change answers with the line it wrote, not the whole cart: the write is one round trip,
# and re-pricing the cart (two more) is what GET /cart is for.

@route(orders_api, "/cart/items/{sku_id}", methods=("PUT",), auth=SHOPPER,
       body="orders.CartLinePut", response="responses.CartLineWritten")
def put_cart_item(sku_id):
    from chalicelib.services import carts

    principal = _principal()
    quantity = _body().quantity
    carts.put_sku(principal, sku_id, quantity)
    return json_response({"sku_id": sku_id, "bundle_id": None, "quantity": quantity})


@route(orders_api, "/cart/bundles/{bundle_id}", methods=("PUT",), auth=SHOPPER,
       body="orders.CartLinePut", response="responses.CartLineWritten")
def put_cart_bundle(bundle_id):
    from chalicelib.services import carts

    principal = _principal()
    quantity = _body().quantity
    carts.put_bundle(principal, bundle_id, quantity)
    return json_response({"sku_id": None, "bundle_id": bundle_id, "quantity": quantity})


@route(orders_api, "/cart", methods=("DELETE",), auth=SHOPPER, response="responses.CartCleared")
def clear_cart():
    from chalicelib.services import carts

    return json_response({"removed": carts.clear(_principal())})


# --- checkout and orders -----------------------------------------------------------------------

@route(orders_api, "/orders", methods=("POST",), auth=SHOPPER, body="orders.CheckoutRequest",
       response="responses.Checkout", status=201, headers={"Idempotency-Key": IDEMPOTENCY_KEY})
def place_orders():
    from chalicelib.services import orders

    principal = _principal()
    request = orders_api.current_request
    body = orders.checkout(principal, request.headers.get("idempotency-key"), _body(),
                           orders_api.lambda_context)
    return json_response(body, 201)


@route(orders_api, "/orders", auth=SHOPPER, query="queries.OrderListParams",
       response="responses.OrderPage")
def my_orders():
    from chalicelib.schemas.views import order_view
    from chalicelib.services import orders

    principal = _principal()
    params = parse_query(orders_api.current_request)
    found, next_cursor = orders.my_orders(principal, params.status, params.limit, params.cursor)
    return json_response({"items": [order_view(o) for o in found], "next_cursor": next_cursor})


@route(orders_api, "/orders/{order_id}", auth=(Role.SHOPPER, Role.MERCHANT),
       response="responses.OrderView")
def get_order(order_id):
    from chalicelib.schemas.views import order_view
    from chalicelib.services import orders

    return json_response(order_view(orders.get_order(_principal(), order_id)))


@route(orders_api, "/shops/{shop_id}/orders", auth=MERCHANT, query="queries.OrderListParams",
       response="responses.OrderPage")
def shop_orders(shop_id):
    from chalicelib.schemas.views import order_view
    from chalicelib.services import orders

    principal = _principal()
    params = parse_query(orders_api.current_request)
    found, next_cursor = orders.shop_orders(principal, shop_id, params.status, params.limit,
                                            params.cursor)
    return json_response({"items": [order_view(o) for o in found], "next_cursor": next_cursor})


@route(orders_api, "/orders/{order_id}/pay", methods=("POST",), auth=SHOPPER,
       response="responses.PaymentIntent")
def pay(order_id):
    from chalicelib.services import orders

    return json_response(orders.start_payment(_principal(), order_id))


@route(orders_api, "/orders/{order_id}/cancel", methods=("POST",), auth=SHOPPER,
       body="orders.CancelRequest", response="responses.OrderView")
def cancel(order_id):
    from chalicelib.schemas.views import order_view
    from chalicelib.services import orders

    principal = _principal()
    reason = _body().reason
    return json_response(order_view(orders.cancel(principal, order_id, reason)))


@route(orders_api, "/orders/{order_id}/ship", methods=("POST",), auth=MERCHANT,
       body="orders.ShipRequest", response="responses.OrderView")
def ship(order_id):
    from chalicelib.schemas.views import order_view
    from chalicelib.services import orders

    principal = _principal()
    request = _body()
    return json_response(order_view(orders.ship(principal, order_id, request)))


@route(orders_api, "/orders/{order_id}/confirm", methods=("POST",), auth=SHOPPER,
       response="responses.OrderView")
def confirm(order_id):
    from chalicelib.schemas.views import order_view
    from chalicelib.services import orders

    return json_response(order_view(orders.confirm_receipt(_principal(), order_id)))
