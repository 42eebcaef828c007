"""Shopper cart and orders, merchant order handling. Thin: parse → service → response."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import schemas
from chalicelib.auth import principal_from_headers
from chalicelib.routes._http import json_response, limit_param, parse_body, query_params, route
from chalicelib.schemas.views import order_view
from chalicelib.services import carts, orders

orders_api = Blueprint(__name__)


def _principal():
    return principal_from_headers(orders_api.current_request.headers)


def _body(model):
    return parse_body(orders_api.current_request, model)


# --- cart --------------------------------------------------------------------------------------

@route(orders_api, "/cart")
def get_cart():
    return json_response(carts.get_cart(_principal()))


# A cart change answers with the line it wrote, not the whole cart: the write is one round trip,
# and re-pricing the cart (two more) is what GET /cart is for.

@route(orders_api, "/cart/items/{sku_id}", methods=("PUT",))
def put_cart_item(sku_id):
    principal = _principal()
    quantity = _body(schemas.orders.CartLinePut).quantity
    carts.put_sku(principal, sku_id, quantity)
    return json_response({"sku_id": sku_id, "bundle_id": None, "quantity": quantity})


@route(orders_api, "/cart/bundles/{bundle_id}", methods=("PUT",))
def put_cart_bundle(bundle_id):
    principal = _principal()
    quantity = _body(schemas.orders.CartLinePut).quantity
    carts.put_bundle(principal, bundle_id, quantity)
    return json_response({"sku_id": None, "bundle_id": bundle_id, "quantity": quantity})


@route(orders_api, "/cart", methods=("DELETE",))
def clear_cart():
    return json_response({"removed": carts.clear(_principal())})


# --- checkout and orders -----------------------------------------------------------------------

@route(orders_api, "/orders", methods=("POST",))
def place_orders():
    principal = _principal()
    request = orders_api.current_request
    body = orders.checkout(principal, request.headers.get("idempotency-key"),
                           _body(schemas.orders.CheckoutRequest), orders_api.lambda_context)
    return json_response(body, 201)


@route(orders_api, "/orders")
def my_orders():
    params = query_params(orders_api.current_request)
    found, next_cursor = orders.my_orders(_principal(), params.get("status"),
                                          limit_param(params.get("limit")), params.get("cursor"))
    return json_response({"items": [order_view(o) for o in found], "next_cursor": next_cursor})


@route(orders_api, "/orders/{order_id}")
def get_order(order_id):
    return json_response(order_view(orders.get_order(_principal(), order_id)))


@route(orders_api, "/shops/{shop_id}/orders")
def shop_orders(shop_id):
    params = query_params(orders_api.current_request)
    found, next_cursor = orders.shop_orders(_principal(), shop_id, params.get("status"),
                                            limit_param(params.get("limit")),
                                            params.get("cursor"))
    return json_response({"items": [order_view(o) for o in found], "next_cursor": next_cursor})


@route(orders_api, "/orders/{order_id}/pay", methods=("POST",))
def pay(order_id):
    return json_response(orders.start_payment(_principal(), order_id))


@route(orders_api, "/orders/{order_id}/cancel", methods=("POST",))
def cancel(order_id):
    principal = _principal()
    reason = _body(schemas.orders.CancelRequest).reason
    return json_response(order_view(orders.cancel(principal, order_id, reason)))


@route(orders_api, "/orders/{order_id}/ship", methods=("POST",))
def ship(order_id):
    principal = _principal()
    request = _body(schemas.orders.ShipRequest)
    return json_response(order_view(orders.ship(principal, order_id, request)))


@route(orders_api, "/orders/{order_id}/confirm", methods=("POST",))
def confirm(order_id):
    return json_response(order_view(orders.confirm_receipt(_principal(), order_id)))
