"""Cart, checkout and the order lifecycle on moto through chalice's test client."""

import json

import pytest

from chalicelib.domain.clock import now_ms, to_iso
from chalicelib.domain.orders import PAYMENT_WINDOW_MS
from chalicelib.settings import get_settings
from chalicelib.signatures import sign
from chalicelib.store.carts import CartLineModel
from chalicelib.store.events import EventModel
from chalicelib.store.orders import OrderModel
from chalicelib.store.products import ProductModel
from tests.support import bearer, dynamodb_calls, product_body, sku

SHOPPER = bearer("shopper", "u1")


@pytest.fixture
def catalog(api):
    shop = api.create_shop()
    ac = api.create_product(shop["shop_id"], product_body(
        skus=[sku(259900, 10, 匹数="1.5匹"), sku(329900, 2, 匹数="2匹")]))
    mop = api.create_product(shop["shop_id"], product_body(
        title="洗地机 X1", category="洗地机", skus=[sku(199900, 5)]))
    return {"shop": shop, "ac": ac, "mop": mop,
            "ac_sku": f"{ac['product_id']}.0", "ac_big": f"{ac['product_id']}.1",
            "mop_sku": f"{mop['product_id']}.0"}


def checkout(api, items, key="key-0000001", headers=SHOPPER, scene="storefront", **extra):
    body = {"items": items, "source": {"scene": scene, **extra}}
    return api.call("post", "/orders", body, {**headers, "Idempotency-Key": key})


def stock(product_id, index=0):
    return int(ProductModel.get(product_id).skus[index].stock)


def signed(api, path, payload, secret):
    raw = json.dumps(payload)
    headers = {"X-Signature": sign(secret, raw.encode())}
    return api.call("post", path, raw=raw, headers=headers)


def test_checkout_takes_stock_and_prices_from_server(api, catalog):
    status, result = checkout(api, [{"sku_id": catalog["ac_sku"], "quantity": 2},
                                    {"sku_id": catalog["mop_sku"], "quantity": 1},
                                    {"sku_id": catalog["ac_sku"], "quantity": 1}])
    assert status == 201, result
    (order,) = result["orders"]  # one shop → one order; duplicate lines merged
    assert order["total_fen"] == 3 * 259900 + 199900
    assert [(line["sku_id"], line["quantity"]) for line in order["lines"]] == [
        (catalog["ac_sku"], 3), (catalog["mop_sku"], 1)]
    assert order["lines"][0]["title"] == "1.5匹 一级能效 变频空调"
    assert order["status"] == "pending_payment"
    assert stock(catalog["ac"]["product_id"]) == 7
    assert stock(catalog["mop"]["product_id"]) == 4
    events = [e for e in EventModel.scan() if e.type == "order_placed"]
    assert [(e.order_id, e.scene, e.amount_fen) for e in events] == [
        (order["order_id"], "storefront", order["total_fen"])]


def test_checkout_is_one_read_and_one_transaction(api, catalog):
    with dynamodb_calls() as calls:
        status, _ = checkout(api, [{"sku_id": catalog["ac_sku"], "quantity": 1}])
    assert status == 201
    # idempotency records: Powertools' PutItem (in progress) and UpdateItem (completed); the
    # Query is the buyer's touches (attribution)
    assert calls == {"BatchGetItem": 1, "Query": 1, "TransactWriteItems": 1, "PutItem": 1,
                     "UpdateItem": 1}


def test_short_stock_names_every_short_sku_and_writes_nothing(api, catalog):
    status, error = checkout(api, [{"sku_id": catalog["ac_sku"], "quantity": 11},
                                   {"sku_id": catalog["ac_big"], "quantity": 3},
                                   {"sku_id": catalog["mop_sku"], "quantity": 1}])
    assert status == 409
    assert error["error"]["code"] == "insufficient_stock"
    assert {(d["sku_id"], d["stock_left"]) for d in error["error"]["details"]} == {
        (catalog["ac_sku"], 10), (catalog["ac_big"], 2)}
    assert stock(catalog["ac"]["product_id"]) == 10
    assert stock(catalog["mop"]["product_id"]) == 5
    assert OrderModel.count() == 0
    # the failed attempt does not burn the key: the same key may be used after fixing the cart
    status, _ = checkout(api, [{"sku_id": catalog["ac_sku"], "quantity": 1}])
    assert status == 201


def test_same_key_same_body_replays_other_body_is_422(api, catalog):
    items = [{"sku_id": catalog["ac_sku"], "quantity": 1}]
    first = checkout(api, items, key="replay-key-1")
    again = checkout(api, items, key="replay-key-1")
    assert first[0] == again[0] == 201
    assert first[1] == again[1]
    assert OrderModel.count() == 1
    status, error = checkout(api, [{"sku_id": catalog["ac_sku"], "quantity": 2}],
                             key="replay-key-1")
    assert (status, error["error"]["code"]) == (422, "idempotency_key_reused")
    assert stock(catalog["ac"]["product_id"]) == 9


@pytest.mark.parametrize(("items", "status", "code"), [
    ([{"sku_id": "nope", "quantity": 1}], 422, "items_unavailable"),
    ([{"sku_id": "X", "quantity": 0}], 422, "validation_error"),
    ([{"sku_id": "X", "quantity": -1}], 422, "validation_error"),
    ([{"sku_id": "X", "quantity": 100}], 422, "validation_error"),
    ([{"sku_id": "X", "bundle_id": "Y", "quantity": 1}], 422, "validation_error"),
    ([{"sku_id": "X", "quantity": 1, "price_fen": 1}], 422, "validation_error"),
])
def test_bad_checkout_lines(api, catalog, items, status, code):
    got, error = checkout(api, items)
    assert (got, error["error"]["code"]) == (status, code)
    assert OrderModel.count() == 0


def test_merged_quantity_over_limit_and_too_many_lines(api, catalog):
    got, error = checkout(api, [{"sku_id": catalog["ac_sku"], "quantity": 60},
                                {"sku_id": catalog["ac_sku"], "quantity": 60}])
    assert (got, error["error"]["code"]) == (422, "items_unavailable")
    # 26 different lines, even 25 of them unknown: the limit is checked before anything is read
    lines = [{"sku_id": f"{catalog['ac']['product_id']}.{n}", "quantity": 1} for n in range(26)]
    got, error = checkout(api, lines, key="too-many-1")
    assert (got, error["error"]["code"]) == (400, "too_many_lines")
    assert OrderModel.count() == 0


def test_missing_key_wrong_role_and_hidden_products(api, catalog):
    body = {"items": [{"sku_id": catalog["ac_sku"], "quantity": 1}],
            "source": {"scene": "mall"}}
    status, error = api.call("post", "/orders", body, SHOPPER)
    assert (status, error["error"]["code"]) == (400, "idempotency_key_required")
    status, _ = checkout(api, body["items"], headers=bearer("merchant", "m1"))
    assert status == 403
    api.call("patch", f"/products/{catalog['mop']['product_id']}", {"status": "off_shelf"},
             bearer())
    status, error = checkout(api, [{"sku_id": catalog["mop_sku"], "quantity": 1}], key="k-hidden1")
    assert (status, error["error"]["code"]) == (422, "items_unavailable")
    assert OrderModel.count() == 0


def test_cart_put_checks_stock_in_one_round_trip(api, catalog):
    with dynamodb_calls() as calls:
        status, line = api.call("put", f"/cart/items/{catalog['ac_sku']}", {"quantity": 2},
                                SHOPPER)
    assert (status, line["quantity"]) == (200, 2)
    assert calls == {"TransactWriteItems": 1}  # stock check and line write together
    _, cart = api.call("get", "/cart", None, SHOPPER)
    (group,) = cart["shops"]
    assert group["total_fen"] == 2 * 259900
    assert cart["total_fen"] == 2 * 259900

    status, error = api.call("put", f"/cart/items/{catalog['ac_big']}", {"quantity": 3}, SHOPPER)
    assert status == 409
    assert error["error"]["details"] == [
        {"sku_id": catalog["ac_big"], "requested": 3, "stock_left": 2}]
    assert CartLineModel.count("u1") == 1

    status, _ = api.call("put", f"/cart/items/{catalog['ac_sku']}", {"quantity": 0}, SHOPPER)
    assert status == 200
    assert api.call("get", "/cart", None, SHOPPER)[1]["line_count"] == 0


def test_cart_is_private_and_expired_lines_are_hidden(api, catalog):
    api.call("put", f"/cart/items/{catalog['ac_sku']}", {"quantity": 1}, SHOPPER)
    _, other = api.call("get", "/cart", None, bearer("shopper", "u2"))
    assert other["line_count"] == 0
    line = CartLineModel.get("u1", f"sku:{catalog['ac_sku']}")
    line.expires_at = 1  # long past, but DynamoDB's TTL sweeper has not run
    line.save()
    _, cart = api.call("get", "/cart", None, SHOPPER)
    assert cart["line_count"] == 0


def test_checkout_from_cart_clears_it(api, catalog):
    api.call("put", f"/cart/items/{catalog['ac_sku']}", {"quantity": 2}, SHOPPER)
    api.call("put", f"/cart/items/{catalog['mop_sku']}", {"quantity": 1}, SHOPPER)
    status, result = api.call("post", "/orders", {"from_cart": True,
                                                  "source": {"scene": "storefront"}},
                              {**SHOPPER, "Idempotency-Key": "from-cart-1"})
    assert status == 201, result
    assert result["total_fen"] == 2 * 259900 + 199900
    assert CartLineModel.count("u1") == 0


def test_bundle_in_cart_and_checkout(api, catalog):
    shop_id = catalog["shop"]["shop_id"]
    _, bundle = api.call("post", f"/shops/{shop_id}/bundles", {
        "name": "清凉全屋套装", "price_fen": 399900,
        "items": [{"sku_id": catalog["ac_sku"], "quantity": 1},
                  {"sku_id": catalog["mop_sku"], "quantity": 1}]}, bearer())
    status, _ = api.call("put", f"/cart/bundles/{bundle['bundle_id']}", {"quantity": 2},
                         SHOPPER)
    assert status == 200
    assert api.call("get", "/cart", None, SHOPPER)[1]["total_fen"] == 2 * 399900
    status, result = checkout(api, [{"bundle_id": bundle["bundle_id"], "quantity": 2}],
                              key="bundle-key-1")
    assert status == 201
    assert result["orders"][0]["total_fen"] == 2 * 399900
    assert stock(catalog["ac"]["product_id"]) == 8
    assert stock(catalog["mop"]["product_id"]) == 3
    status, error = checkout(api, [{"bundle_id": bundle["bundle_id"], "quantity": 4}],
                             key="bundle-key-2")
    assert status == 409
    assert {d["sku_id"] for d in error["error"]["details"]} == {catalog["mop_sku"]}


def _paid_order(api, catalog, quantity=1):
    _, result = checkout(api, [{"sku_id": catalog["ac_sku"], "quantity": quantity}],
                         key=f"paid-order-{quantity}")
    order_id = result["orders"][0]["order_id"]
    status, intent = api.call("post", f"/orders/{order_id}/pay", None, SHOPPER)
    assert status == 200
    simulator = intent["simulator"]
    status, paid = api.call("post", "/payments/callback", raw=simulator["callback_body"],
                            headers={"X-Signature": simulator["signature"]})
    assert (status, paid["status"]) == (200, "paid"), paid
    return order_id


def test_full_lifecycle_with_signed_callbacks(api, catalog):
    order_id = _paid_order(api, catalog)
    merchant = bearer("merchant", "m1")
    status, shipped = api.call("post", f"/orders/{order_id}/ship",
                               {"carrier": "顺丰", "tracking_number": "SF100"}, merchant)
    assert (status, shipped["status"]) == (200, "shipped")
    secret = get_settings().carrier_secret
    shipped_at = int(OrderModel.get(order_id).shipped_at)
    collected = {"event_id": "c1", "order_id": order_id, "tracking_number": "SF100",
                 "type": "collected", "at": to_iso(shipped_at + 1000)}
    status, body = signed(api, "/carriers/events", collected, secret)
    assert (status, body["collected_at"]) == (200, to_iso(shipped_at + 1000))
    delivered = {**collected, "event_id": "c2", "type": "delivered",
                 "at": to_iso(shipped_at + 2000)}
    status, body = signed(api, "/carriers/events", delivered, secret)
    assert (status, body["status"]) == (200, "delivered")
    status, body = api.call("post", f"/orders/{order_id}/confirm", None, SHOPPER)
    assert (status, body["status"]) == (200, "completed")
    types = sorted(e.type for e in EventModel.scan() if e.order_id == order_id)
    assert types == sorted(["order_placed", "order_paid", "order_shipped", "order_collected",
                            "order_delivered", "order_completed"])
    # illegal now: cancelling a completed order changes nothing
    status, error = api.call("post", f"/orders/{order_id}/cancel", {}, SHOPPER)
    assert (status, error["error"]["code"]) == (409, "illegal_transition")


def test_forged_callbacks_are_401_and_change_nothing(api, catalog):
    _, result = checkout(api, [{"sku_id": catalog["ac_sku"], "quantity": 1}])
    order_id = result["orders"][0]["order_id"]
    _, intent = api.call("post", f"/orders/{order_id}/pay", None, SHOPPER)
    forged = intent["simulator"]["callback_body"]
    status, error = api.call("post", "/payments/callback", raw=forged,
                             headers={"X-Signature": "0" * 64})
    assert (status, error["error"]["code"]) == (401, "bad_signature")
    status, _ = api.call("post", "/payments/callback", raw=forged)
    assert status == 401
    assert OrderModel.get(order_id).status == "pending_payment"


def test_cancel_returns_stock_exactly_once(api, catalog):
    _, result = checkout(api, [{"sku_id": catalog["ac_sku"], "quantity": 3}])
    order_id = result["orders"][0]["order_id"]
    assert stock(catalog["ac"]["product_id"]) == 7
    status, body = api.call("post", f"/orders/{order_id}/cancel", {"reason": "买错了"}, SHOPPER)
    assert (status, body["status"]) == (200, "cancelled")
    assert stock(catalog["ac"]["product_id"]) == 10
    status, _ = api.call("post", f"/orders/{order_id}/cancel", {}, SHOPPER)
    assert status == 409
    assert stock(catalog["ac"]["product_id"]) == 10


def test_unpaid_orders_cancel_themselves_and_return_stock(api, catalog):
    from chalicelib.services.orders import cancel_unpaid

    _, result = checkout(api, [{"sku_id": catalog["ac_sku"], "quantity": 4}])
    order = result["orders"][0]
    created = OrderModel.get(order["order_id"]).created_at
    assert cancel_unpaid(now=int(created) + PAYMENT_WINDOW_MS - 1) == 0
    assert cancel_unpaid(now=int(created) + PAYMENT_WINDOW_MS) == 1
    assert OrderModel.get(order["order_id"]).status == "cancelled"
    assert stock(catalog["ac"]["product_id"]) == 10
    assert cancel_unpaid(now=int(created) + PAYMENT_WINDOW_MS + 1) == 0  # sparse index emptied


def test_others_cannot_see_or_move_an_order(api, catalog):
    _, result = checkout(api, [{"sku_id": catalog["ac_sku"], "quantity": 1}])
    order_id = result["orders"][0]["order_id"]
    assert api.call("get", f"/orders/{order_id}", None, bearer("shopper", "u2"))[0] == 404
    assert api.call("get", f"/orders/{order_id}", None, bearer("merchant", "m9"))[0] == 404
    assert api.call("get", f"/orders/{order_id}", None, bearer("merchant", "m1"))[0] == 200
    assert api.call("post", f"/orders/{order_id}/cancel", {}, bearer("shopper", "u2"))[0] == 404
    assert api.call("get", f"/shops/{catalog['shop']['shop_id']}/orders", None,
                    bearer("merchant", "m9"))[0] == 403
    assert OrderModel.get(order_id).status == "pending_payment"


def test_order_lists_filter_by_status_and_page(api, catalog):
    ids = []
    for n in range(3):
        _, result = checkout(api, [{"sku_id": catalog["ac_sku"], "quantity": 1}],
                             key=f"list-key-{n:04d}")
        ids.append(result["orders"][0]["order_id"])
    api.call("post", f"/orders/{ids[0]}/cancel", {}, SHOPPER)
    _, page = api.call("get", "/orders?limit=2", None, SHOPPER)
    assert [o["order_id"] for o in page["items"]] == [ids[2], ids[1]]
    _, rest = api.call("get", f"/orders?limit=2&cursor={page['next_cursor']}", None, SHOPPER)
    assert [o["order_id"] for o in rest["items"]] == [ids[0]]
    assert rest["next_cursor"] is None
    _, cancelled = api.call("get", "/orders?status=cancelled", None, SHOPPER)
    assert [o["order_id"] for o in cancelled["items"]] == [ids[0]]
    _, shop_pending = api.call("get", f"/shops/{catalog['shop']['shop_id']}/orders"
                               "?status=pending_payment", None, bearer())
    assert [o["order_id"] for o in shop_pending["items"]] == [ids[2], ids[1]]
    assert api.call("get", "/orders?status=lost", None, SHOPPER)[0] == 422


def test_delivered_orders_complete_themselves_after_seven_days(api, catalog):
    from chalicelib.domain.orders import AUTO_COMPLETE_AFTER_MS
    from chalicelib.services.orders import complete_delivered

    order_id = _paid_order(api, catalog)
    api.call("post", f"/orders/{order_id}/ship", {"carrier": "中通", "tracking_number": "ZT9"},
             bearer("merchant", "m1"))
    delivered = {"event_id": "d1", "order_id": order_id, "tracking_number": "ZT9",
                 "type": "delivered", "at": to_iso(now_ms())}
    status, _ = signed(api, "/carriers/events", delivered, get_settings().carrier_secret)
    assert status == 200
    delivered_at = int(OrderModel.get(order_id).delivered_at)
    assert complete_delivered(now=delivered_at + AUTO_COMPLETE_AFTER_MS - 1) == 0
    assert complete_delivered(now=delivered_at + AUTO_COMPLETE_AFTER_MS) == 1
    assert OrderModel.get(order_id).status == "completed"
    assert complete_delivered(now=delivered_at + AUTO_COMPLETE_AFTER_MS) == 0
    # a repeated carrier feed entry after completion changes nothing
    status, body = signed(api, "/carriers/events", delivered, get_settings().carrier_secret)
    assert (status, body["status"]) == (200, "completed")
