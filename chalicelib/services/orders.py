"""Buying outside live hours: cart, checkout, and the order lifecycle."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from chalicelib.auth import Principal, Role, require_role
from chalicelib.domain import ids
from chalicelib.domain.clock import from_datetime, now_ms
from chalicelib.domain.events import EventType, order_event
from chalicelib.domain.orders import (
    AUTO_COMPLETE_AFTER_MS,
    COLLECTED,
    MAX_CHECKOUT_LINES,
    MAX_TRANSACTION_ACTIONS,
    PAYMENT_WINDOW_MS,
    Action,
    CheckoutError,
    EventTimeError,
    IllegalTransition,
    LineRequest,
    Order,
    OrderStatus,
    Source,
    build_order_lines,
    check_carrier_time,
    due_bucket,
    merge_lines,
    next_status,
    plan_orders,
    referenced_ids,
    shortages,
    stock_by_product,
)
from chalicelib.errors import (
    AppError,
    BadRequest,
    Conflict,
    NotFound,
    TooManyRequests,
    Unprocessable,
)
from chalicelib.observability import logger
from chalicelib.pagination import decode_cursor, encode_cursor
from chalicelib.services import catalog as catalog_service
from chalicelib.settings import get_settings
from chalicelib.signatures import sign
from chalicelib.store import carts as cart_store
from chalicelib.store import catalog as catalog_store
from chalicelib.store import idempotency as idempotency_store
from chalicelib.store import orders as order_store
from chalicelib.store.orders import OrderModel
from chalicelib.store.transactions import Contended

if TYPE_CHECKING:  # request models load with the first request body
    from chalicelib.schemas import orders as schemas

# --- checkout ----------------------------------------------------------------------------------

def checkout(principal: Principal, idempotency_key: str | None,
             request: schemas.CheckoutRequest, lambda_context) -> dict:
    """Place one order per shop, exactly once per Idempotency-Key.

    Powertools records the key and a hash of the body in the idempotency table before running:
    the same key and body replays the stored response, another body is refused, and a second
    request while the first still runs is told so (until the request's DynamoDB cutoff).
    """
    require_role(principal, Role.SHOPPER)
    if not idempotency_key or not ids.IDEMPOTENCY_KEY.match(idempotency_key):
        raise BadRequest("an Idempotency-Key header of 8–80 characters [A-Za-z0-9_-:.] is "
                         "required", code="idempotency_key_required")
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    from chalicelib.store.idempotency import in_progress_context, persistence_layer

    config = IdempotencyConfig(event_key_jmespath="key", payload_validation_jmespath="body",
                               expires_after_seconds=24 * 3600)
    if lambda_context is not None:  # "in progress" until the request's DynamoDB cutoff
        config.register_lambda_context(in_progress_context(lambda_context))

    @idempotent_function(data_keyword_argument="payload", config=config,
                         persistence_store=persistence_layer())
    def place_once(payload: dict) -> dict:
        return _place(principal, request, idempotency_store.claim_key(principal.user_id,
                                                                      idempotency_key))

    payload = {"key": f"{principal.user_id}:{idempotency_key}",
               "body": json.loads(request.model_dump_json())}
    try:
        return place_once(payload=payload)
    except IdempotencyValidationError as error:
        raise Unprocessable("this Idempotency-Key was used with a different body",
                            code="idempotency_key_reused") from error
    except IdempotencyAlreadyInProgressError as error:
        raise Conflict("a request with this Idempotency-Key is still in progress",
                       code="request_in_progress") from error


def _place(principal: Principal, request: schemas.CheckoutRequest, claim: str) -> dict:
    """Plan and place the checkout under its key's claim (chalicelib.store.idempotency). A key
    that placed orders before answers with them, whatever the stock or the cart now say: its
    first answer was lost, or saving it failed. The placement's transaction finds the claim; a
    refusal before it looks the claim up before answering (one GetItem, on refusals only)."""
    try:
        orders = _plan_and_write(principal, request, claim)
    except order_store.AlreadyPlaced as placed:
        return _placed_view(placed.order_ids)
    except AppError:
        placed_before = idempotency_store.claimed_orders(claim)
        if placed_before is None:
            raise
        return _placed_view(placed_before)
    return _checkout_view(orders)


def _placed_view(order_ids: list[str]) -> dict:
    return _checkout_view([order for order in map(order_store.get_order, order_ids) if order])


def _plan_and_write(principal: Principal, request: schemas.CheckoutRequest,
                    claim: str) -> list[Order]:
    now = now_ms()
    cart_keys: list[str] = []
    if request.from_cart:
        cart_lines = cart_store.list_lines(principal.user_id, now)
        if not cart_lines:
            raise Unprocessable("the cart is empty", code="cart_empty")
        wanted = [LineRequest(line.sku_id, line.bundle_id, line.quantity) for line in cart_lines]
        cart_keys = [cart_store.line_key(line.sku_id, line.bundle_id) for line in cart_lines]
    else:
        wanted = [LineRequest(item.sku_id, item.bundle_id, item.quantity)
                  for item in request.items]
    try:
        lines = merge_lines(wanted)
        if len(lines) > MAX_CHECKOUT_LINES:
            raise _too_many_lines()
        product_ids, bundle_ids, shop_ids = referenced_ids(lines)
        found = catalog_store.batch_get(shop_ids=shop_ids, product_ids=product_ids,
                                        bundle_ids=bundle_ids)
        lines_by_shop = build_order_lines(lines, found["products"], found["bundles"])
        source = Source(scene=request.source.scene, video_id=request.source.video_id,
                        live_id=request.source.live_id, creator_id=request.source.creator_id)
        orders = plan_orders(principal.user_id, ids.new_id("c", now), lines_by_shop,
                             found["shops"], source, now)
        _attribute(orders, found["products"])
    except CheckoutError as error:
        raise Unprocessable(str(error), code="items_unavailable",
                            details=error.details) from error
    takes = stock_by_product([take for order in orders for take in order.stock_takes()])
    short = shortages(found["products"], takes)
    if short:
        raise _out_of_stock(short)
    if len(takes) + 2 * len(orders) + len(cart_keys) + 1 > MAX_TRANSACTION_ACTIONS:
        raise _too_many_lines()
    _write_orders(principal, orders, cart_keys, now, claim)
    return orders


def _attribute(orders: list[Order], products: dict) -> None:
    """Stamp each line with who its GMV is credited to (its last click within 7 days, else the
    order's source) and the commission rate in force, and each order with its assists: one
    Query of the buyer's touches, the checkout's only round trip besides its read and its
    transaction (rules: chalicelib/domain/attribution.py)."""
    from chalicelib.services import attribution

    attribution.attribute(orders, products)


def _write_orders(principal: Principal, orders: list[Order], cart_keys: list[str],
                  now: int, claim: str) -> None:
    events = [order_event(EventType.ORDER_PLACED, order, now) for order in orders]
    buckets = {order.order_id: due_bucket("payment", order.order_id) for order in orders}
    clear_cart = ((lambda tx: cart_store.delete_in(tx, principal.user_id, cart_keys))
                  if cart_keys else None)
    try:
        order_store.place_orders(orders, events, now + PAYMENT_WINDOW_MS, buckets, clear_cart,
                                 claim)
    except order_store.StockShort as error:
        raise _out_of_stock(error.details) from error
    except Contended as error:
        raise TooManyRequests("too many shoppers are buying this right now; try again",
                              code="contended") from error
    for order in orders:
        _emit_gmv("OrdersPlaced", "GMVPlacedFen", order)
    logger.info("orders placed", extra={"order_ids": [o.order_id for o in orders]})


def _out_of_stock(details: list[dict]) -> Conflict:
    return Conflict("some items do not have enough stock", code="insufficient_stock",
                    details=details)


def _too_many_lines() -> BadRequest:
    return BadRequest(
        f"a checkout holds at most {MAX_CHECKOUT_LINES} lines and at most "
        f"{MAX_TRANSACTION_ACTIONS} products, orders and events in its one transaction",
        code="too_many_lines")


def _emit_gmv(count_name: str, gmv_name: str, order: Order) -> None:
    from aws_lambda_powertools.metrics import MetricUnit, single_metric

    namespace = get_settings().metrics_namespace
    for name, unit, value in ((count_name, MetricUnit.Count, 1),
                              (gmv_name, MetricUnit.Count, order.total_fen)):
        with single_metric(name=name, unit=unit, value=value, namespace=namespace) as metric:
            metric.add_dimension(name="scene", value=order.source.scene.value)


def _checkout_view(orders: list[Order]) -> dict:
    from chalicelib.schemas.views import order_view

    return {
        "checkout_id": orders[0].checkout_id,
        "total_fen": sum(order.total_fen for order in orders),
        "orders": [order_view(order) for order in orders],
    }


# --- reads -------------------------------------------------------------------------------------

def get_order(principal: Principal, order_id: str) -> Order:
    """The order for its shopper or its shop's merchant; 404 for anyone else."""
    order = order_store.get_order(order_id) if order_id.startswith("o") else None
    if order is None or principal.user_id not in (order.buyer_id, order.merchant_id):
        raise NotFound("order not found", code="order_not_found")
    return order


# --- lifecycle ---------------------------------------------------------------------------------

def start_payment(principal: Principal, order_id: str) -> dict:
    """Start a (simulated) payment: the provider later reports the result to the callback."""
    order = buyers_order(principal, order_id)
    _check_allowed(order, Action.PAY)
    payment_id = order.payment_id or ids.new_id("pm")
    if order.payment_id is None:
        _move(lambda: order_store.update_fields(
            order, OrderStatus.PENDING_PAYMENT, {"payment_id": payment_id}, None,
            condition=OrderModel.payment_id.does_not_exist()))
    intent = {"payment_id": payment_id, "order_id": order.order_id,
              "amount_fen": order.total_fen, "provider": "simulated"}
    if get_settings().is_dev:
        # What the simulated provider would POST to /payments/callback, signed, so a local
        # session can complete the payment by hand (never offered in deployed stages).
        callback = {"event_id": ids.new_id("pe"), "payment_id": payment_id,
                    "order_id": order.order_id, "status": "succeeded",
                    "amount_fen": order.total_fen}
        raw = json.dumps(callback, separators=(",", ":")).encode()
        intent["simulator"] = {"callback_body": raw.decode(),
                               "signature": sign(get_settings().payment_secret, raw)}
    return intent


def payment_callback(callback: schemas.PaymentCallback) -> Order:
    """The provider's result for a payment; the route has verified its signature."""
    order = order_store.get_order(callback.order_id)
    if order is None or order.payment_id != callback.payment_id:
        raise NotFound("no payment started for this order", code="payment_not_found")
    if callback.status == "failed":
        return order  # the order stays pending; the shopper may pay again before it expires
    if order.status is OrderStatus.PAID:
        return order  # the provider delivers at least once: a repeat is acknowledged
    if callback.amount_fen != order.total_fen:
        raise Conflict("paid amount does not match the order", code="amount_mismatch")
    now = now_ms()
    _transition(order, Action.PAY, now, set_fields={"paid_at": now},
                event=order_event(EventType.ORDER_PAID, order, now,
                                  payment_id=callback.payment_id),
                condition=OrderModel.payment_id == callback.payment_id)
    _emit_gmv("OrdersPaid", "GMVPaidFen", order)
    return order_store.get_order(order.order_id)


def cancel(principal: Principal, order_id: str, reason: str) -> Order:
    """The shopper cancels before shipment; the stock goes back exactly once."""
    order = buyers_order(principal, order_id)
    return _cancel(order, reason or "shopper_cancelled", now_ms())


def _cancel(order: Order, reason: str, now: int) -> Order:
    _transition(order, Action.CANCEL, now,
                set_fields={"cancelled_at": now, "cancel_reason": reason},
                event=order_event(EventType.ORDER_CANCELLED, order, now, reason=reason,
                                  was_paid=order.status is OrderStatus.PAID),
                return_stock=True)
    return order_store.get_order(order.order_id)


def ship(principal: Principal, order_id: str, request: schemas.ShipRequest) -> Order:
    order = _merchants_order(principal, order_id)
    now = now_ms()
    _transition(order, Action.SHIP, now,
                set_fields={"shipped_at": now, "carrier": request.carrier,
                            "tracking_number": request.tracking_number},
                event=order_event(EventType.ORDER_SHIPPED, order, now,
                                  carrier=request.carrier))
    return order_store.get_order(order.order_id)


def carrier_event(event: schemas.CarrierEvent) -> Order:
    """A carrier reports collection or delivery of a shipped parcel (signature verified)."""
    order = order_store.get_order(event.order_id)
    if order is None or order.tracking_number != event.tracking_number:
        raise NotFound("no shipment with this tracking number", code="shipment_not_found")
    at, now = from_datetime(event.at), now_ms()
    try:
        check_carrier_time(order, event.type, at, now)
    except EventTimeError as error:
        # refused before any write: no state, deadline or score input moves
        raise Unprocessable(str(error), code=error.code,
                            details=[{"field": "at", "message": str(error)}]) from error
    if event.type == COLLECTED:
        if order.collected_at is not None:
            return order  # a repeated feed entry changes nothing
        _move(lambda: order_store.update_fields(
            order, OrderStatus.SHIPPED, {"collected_at": at},
            order_event(EventType.ORDER_COLLECTED, order, at,
                        hours_after_shipping=round((at - order.shipped_at) / 3_600_000, 2)),
            condition=OrderModel.collected_at.does_not_exist()))
    elif order.status is OrderStatus.SHIPPED:
        _transition(order, Action.DELIVER, now,
                    set_fields={"delivered_at": at},
                    event=order_event(EventType.ORDER_DELIVERED, order, at,
                                      paid_at=order.paid_at, collected_at=order.collected_at),
                    due=(due_bucket("completion", order.order_id), at + AUTO_COMPLETE_AFTER_MS))
    elif order.status is not OrderStatus.DELIVERED and order.status is not OrderStatus.COMPLETED:
        _check_allowed(order, Action.DELIVER)
    return order_store.get_order(order.order_id)


def confirm_receipt(principal: Principal, order_id: str) -> Order:
    order = buyers_order(principal, order_id)
    return _complete(order, now_ms(), by="shopper")


def _complete(order: Order, now: int, by: str) -> Order:
    _transition(order, Action.COMPLETE, now, set_fields={"completed_at": now},
                event=order_event(EventType.ORDER_COMPLETED, order, now, by=by))
    return order_store.get_order(order.order_id)


# --- scheduled ---------------------------------------------------------------------------------

def cancel_unpaid(now: int, per_bucket: int = 100) -> int:
    """Cancel orders whose 30-minute payment window has passed; returns how many."""
    return _run_due("payment", now, per_bucket, OrderStatus.PENDING_PAYMENT,
                    lambda order: _cancel(order, "payment_timeout", now))


def complete_delivered(now: int, per_bucket: int = 100) -> int:
    """Complete orders 7 days after delivery; returns how many."""
    return _run_due("completion", now, per_bucket, OrderStatus.DELIVERED,
                    lambda order: _complete(order, now, by="auto"))


def _run_due(kind: str, now: int, per_bucket: int, expected: OrderStatus, act) -> int:
    from chalicelib.domain.orders import DUE_SHARDS

    done = 0
    for shard in range(DUE_SHARDS):
        for order_id in order_store.due_order_ids(f"{kind}#{shard}", now, per_bucket):
            order = order_store.get_order(order_id)
            if order is None or order.status is not expected:
                continue
            try:
                act(order)
                done += 1
            except Conflict:
                continue  # the shopper or the provider moved it first: nothing to do
    return done


# --- helpers -----------------------------------------------------------------------------------

def buyers_order(principal: Principal, order_id: str) -> Order:
    """The caller's own order (shoppers only); 404 for anyone else's."""
    require_role(principal, Role.SHOPPER)
    order = get_order(principal, order_id)
    if order.buyer_id != principal.user_id:
        raise NotFound("order not found", code="order_not_found")
    return order


def order_line(order: Order, index: int):
    """Line `index` of the order, or a 422 on the `line` field."""
    line = order.line(index)
    if line is None:
        message = f"this order has no line {index}"
        raise Unprocessable(message, details=[{"field": "line", "message": message}])
    return line


def _merchants_order(principal: Principal, order_id: str) -> Order:
    require_role(principal, Role.MERCHANT)
    order = get_order(principal, order_id)
    if order.merchant_id != principal.user_id:
        raise NotFound("order not found", code="order_not_found")
    return order


def _check_allowed(order: Order, action: Action) -> OrderStatus:
    try:
        return next_status(order.status, action)
    except IllegalTransition as error:
        raise Conflict(str(error), code="illegal_transition") from error


def _transition(order: Order, action: Action, now: int, **changes) -> None:
    target = _check_allowed(order, action)
    _move(lambda: order_store.transition(order, order.status, target, now, **changes))


def _move(write) -> None:
    try:
        write()
    except order_store.StateChanged as error:
        raise Conflict("the order changed meanwhile; read it again",
                       code="order_state_changed") from error



def my_orders(principal: Principal, status: str | None, limit: int, cursor: str | None):
    require_role(principal, Role.SHOPPER)
    wanted = _status_filter(status)
    scope = f"my-orders:{principal.user_id}:{status or ''}"
    start_key = decode_cursor(scope, cursor)
    orders, next_key = order_store.list_orders(buyer_id=principal.user_id, status=wanted,
                                               limit=limit, start_key=start_key)
    return orders, encode_cursor(scope, next_key)


def shop_orders(principal: Principal, shop_id: str, status: str | None, limit: int,
                cursor: str | None):
    wanted = _status_filter(status)
    scope = f"shop-orders:{shop_id}:{status or ''}"
    start_key = decode_cursor(scope, cursor)
    catalog_service.owned_shop(principal, shop_id)
    orders, next_key = order_store.list_orders(shop_id=shop_id, status=wanted, limit=limit,
                                               start_key=start_key)
    return orders, encode_cursor(scope, next_key)


def _status_filter(status: str | None) -> OrderStatus | None:
    if not status:
        return None
    try:
        return OrderStatus(status)
    except ValueError as error:
        allowed = ", ".join(s.value for s in OrderStatus)
        raise Unprocessable(f"status must be one of {allowed}",
                            details=[{"field": "status", "message": "unknown status"}]) from error
