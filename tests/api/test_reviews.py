"""Reviews: one per delivered order line, written with the order, the rating and the event."""

import json

import pytest

from chalicelib.domain.clock import now_ms, to_iso
from chalicelib.settings import get_settings
from chalicelib.signatures import sign
from chalicelib.store.events import EventModel
from chalicelib.store.orders import OrderModel
from chalicelib.store.products import ProductModel
from chalicelib.store.reviews import ReviewModel
from tests.support import bearer, dynamodb_calls, product_body, sku

SHOPPER = bearer("shopper", "u1")
MERCHANT = bearer("merchant", "m1")


# --- helpers the after-sales tests share -------------------------------------------------------

@pytest.fixture
def shelf(api):
    return make_shelf(api)


def make_shelf(api):
    """A shop with an air conditioner (two SKUs), a mop, and a bundle of both."""
    shop = api.create_shop()
    ac = api.create_product(shop["shop_id"], product_body(
        skus=[sku(259900, 10, 匹数="1.5匹"), sku(329900, 5, 匹数="2匹")]))
    mop = api.create_product(shop["shop_id"], product_body(
        title="洗地机 X1", category="洗地机", skus=[sku(199900, 5)]))
    ac_sku, mop_sku = f"{ac['product_id']}.0", f"{mop['product_id']}.0"
    status, bundle = api.call("post", f"/shops/{shop['shop_id']}/bundles", {
        "name": "清凉全屋套装", "price_fen": 399900,
        "items": [{"sku_id": ac_sku, "quantity": 1}, {"sku_id": mop_sku, "quantity": 1}]},
        MERCHANT)
    assert status == 201, bundle
    return {"shop": shop, "ac": ac["product_id"], "mop": mop["product_id"], "ac_sku": ac_sku,
            "ac_big": f"{ac['product_id']}.1", "mop_sku": mop_sku,
            "bundle": bundle["bundle_id"]}


def place(api, items, key, shopper=SHOPPER):
    body = {"items": items, "source": {"scene": "video", "video_id": "v1", "creator_id": "c1"}}
    status, result = api.call("post", "/orders", body, {**shopper, "Idempotency-Key": key})
    assert status == 201, result
    return result["orders"][0]["order_id"]


def pay(api, order_id, shopper=SHOPPER):
    status, intent = api.call("post", f"/orders/{order_id}/pay", None, shopper)
    assert status == 200, intent
    simulator = intent["simulator"]
    status, paid = api.call("post", "/payments/callback", raw=simulator["callback_body"],
                            headers={"X-Signature": simulator["signature"]})
    assert (status, paid["status"]) == (200, "paid"), paid
    return order_id


def ship(api, order_id):
    status, shipped = api.call("post", f"/orders/{order_id}/ship",
                               {"carrier": "顺丰", "tracking_number": f"SF{order_id[-6:]}"},
                               MERCHANT)
    assert status == 200, shipped
    return order_id


def deliver(api, order_id):
    ship(api, order_id)
    event = {"event_id": f"d-{order_id}", "order_id": order_id,
             "tracking_number": f"SF{order_id[-6:]}", "type": "delivered",
             "at": to_iso(now_ms())}
    raw = json.dumps(event)
    status, body = api.call("post", "/carriers/events", raw=raw, headers={
        "X-Signature": sign(get_settings().carrier_secret, raw.encode())})
    assert (status, body["status"]) == (200, "delivered"), body
    return order_id


def paid_order(api, items, key, shopper=SHOPPER):
    return pay(api, place(api, items, key, shopper), shopper)


def shipped_order(api, items, key, shopper=SHOPPER):
    return ship(api, paid_order(api, items, key, shopper))


def delivered_order(api, items, key, shopper=SHOPPER):
    return deliver(api, paid_order(api, items, key, shopper))


def events_of(event_type):
    return [e for e in EventModel.scan() if e.type == event_type]


def rating_of(product_id):
    return {k: int(v) for k, v in ProductModel.get(product_id).rating.as_dict().items()}


# --- posting -----------------------------------------------------------------------------------

def test_review_after_delivery_writes_review_order_rating_and_event(api, shelf):
    order_id = delivered_order(api, [{"sku_id": shelf["ac_big"], "quantity": 1},
                                     {"sku_id": shelf["mop_sku"], "quantity": 2}], "rev-key-01")
    body = {"line": 1, "rating": 2, "text": "吸力一般", "images": ["https://img.example.com/1.jpg"]}
    with dynamodb_calls() as calls:
        status, review = api.call("post", f"/orders/{order_id}/reviews", body, SHOPPER)
    assert status == 201, review
    assert calls == {"GetItem": 1, "TransactWriteItems": 1}
    assert review["product_id"] == shelf["mop"]
    assert (review["order_id"], review["line"], review["rating"]) == (order_id, 1, 2)
    assert review["sku_id"] == shelf["mop_sku"] and review["bundle_id"] is None
    assert review["images"] == ["https://img.example.com/1.jpg"]
    assert review["review_id"].startswith("r")

    stored = ReviewModel.get(shelf["mop"], review["review_id"])
    assert (stored.order_id, int(stored.line), int(stored.rating), stored.buyer_id) == (
        order_id, 1, 2, "u1")
    assert rating_of(shelf["mop"]) == {"count": 1, "total_stars": 2, "low_count": 1}
    assert rating_of(shelf["ac"]) == {"count": 0, "total_stars": 0, "low_count": 0}
    assert OrderModel.get(order_id).reviewed_lines == {1}
    (event,) = events_of("review_posted")
    assert (event.order_id, event.buyer_id, event.product_ids) == (order_id, "u1", [shelf["mop"]])
    assert (event.scene, event.creator_id, event.video_id) == ("video", "c1", "v1")
    assert event.amount_fen == 2 * 199900
    assert event.data.as_dict() == {"rating": 2, "line": 1, "first_review": True}

    _, order = api.call("get", f"/orders/{order_id}", None, SHOPPER)
    assert [line["reviewed"] for line in order["lines"]] == [False, True]
    _, page = api.call("get", f"/products/{shelf['mop']}", None)
    assert page["rating"] == {"count": 1, "average": 2.0, "low_share": 1.0}

    status, good = api.call("post", f"/orders/{order_id}/reviews", {"line": 0, "rating": 5},
                            SHOPPER)
    assert (status, good["text"], good["images"]) == (201, "", [])
    assert rating_of(shelf["ac"]) == {"count": 1, "total_stars": 5, "low_count": 0}
    assert OrderModel.get(order_id).reviewed_lines == {0, 1}


def test_review_before_delivery_is_409_and_writes_nothing(api, shelf):
    order_id = paid_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "rev-key-02")
    status, error = api.call("post", f"/orders/{order_id}/reviews", {"line": 0, "rating": 1},
                             SHOPPER)
    assert (status, error["error"]["code"]) == (409, "not_delivered")
    assert ReviewModel.count(shelf["ac"]) == 0
    assert rating_of(shelf["ac"])["count"] == 0
    assert OrderModel.get(order_id).reviewed_lines is None
    assert events_of("review_posted") == []


def test_completed_orders_may_be_reviewed(api, shelf):
    order_id = delivered_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "rev-key-03")
    assert api.call("post", f"/orders/{order_id}/confirm", None, SHOPPER)[1]["status"] == (
        "completed")
    status, _ = api.call("post", f"/orders/{order_id}/reviews", {"line": 0, "rating": 4},
                         SHOPPER)
    assert status == 201
    assert rating_of(shelf["ac"]) == {"count": 1, "total_stars": 4, "low_count": 0}


def test_second_review_of_a_line_is_409_even_when_raced(api, shelf, monkeypatch):
    from chalicelib.store import orders as order_store

    order_id = delivered_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "rev-key-04")
    stale = order_store.get_order(order_id)  # what a concurrent request read before the first
    status, _ = api.call("post", f"/orders/{order_id}/reviews", {"line": 0, "rating": 5},
                         SHOPPER)
    assert status == 201
    status, error = api.call("post", f"/orders/{order_id}/reviews", {"line": 0, "rating": 1},
                             SHOPPER)
    assert (status, error["error"]["code"]) == (409, "already_reviewed")

    # The race: the second request read the order before the first one's write landed, so only
    # the transaction's condition on reviewed_lines stands between it and a double count.
    monkeypatch.setattr(order_store, "get_order", lambda _order_id: stale)
    status, error = api.call("post", f"/orders/{order_id}/reviews", {"line": 0, "rating": 1},
                             SHOPPER)
    assert (status, error["error"]["code"]) == (409, "already_reviewed")
    assert ReviewModel.count(shelf["ac"]) == 1
    assert rating_of(shelf["ac"]) == {"count": 1, "total_stars": 5, "low_count": 0}
    assert len(events_of("review_posted")) == 1


def test_someone_elses_order_is_404_and_roles_are_checked(api, shelf):
    order_id = delivered_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "rev-key-05")
    body = {"line": 0, "rating": 5}
    status, error = api.call("post", f"/orders/{order_id}/reviews", body,
                             bearer("shopper", "u2"))
    assert (status, error["error"]["code"]) == (404, "order_not_found")
    assert api.call("post", "/orders/o-missing/reviews", body, SHOPPER)[0] == 404
    assert api.call("post", f"/orders/{order_id}/reviews", body, MERCHANT)[0] == 403
    assert api.call("post", f"/orders/{order_id}/reviews", body, {})[0] == 401
    assert ReviewModel.count(shelf["ac"]) == 0
    assert OrderModel.get(order_id).reviewed_lines is None


@pytest.mark.parametrize("body", [
    {"line": 0, "rating": 0},
    {"line": 0, "rating": 6},
    {"line": 0, "rating": "5"},
    {"line": 0, "rating": 4.5},
    {"line": -1, "rating": 5},
    {"line": 0, "rating": 5, "text": "好" * 501},
    {"line": 0, "rating": 5, "images": [f"https://img.example.com/{n}.jpg" for n in range(10)]},
    {"line": 0, "rating": 5, "images": ["http://img.example.com/1.jpg"]},
    {"line": 0, "rating": 5, "first_review": False},
    {"rating": 5},
])
def test_invalid_reviews_are_422(api, shelf, body):
    order_id = delivered_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "rev-key-06")
    status, error = api.call("post", f"/orders/{order_id}/reviews", body, SHOPPER)
    assert (status, error["error"]["code"]) == (422, "validation_error")
    assert ReviewModel.count(shelf["ac"]) == 0


def test_a_line_the_order_does_not_have_is_422(api, shelf):
    order_id = delivered_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "rev-key-07")
    status, error = api.call("post", f"/orders/{order_id}/reviews", {"line": 1, "rating": 5},
                             SHOPPER)
    assert (status, error["error"]["details"][0]["field"]) == (422, "line")
    assert OrderModel.get(order_id).reviewed_lines is None


def test_a_bundle_line_is_reviewed_under_its_first_part(api, shelf):
    order_id = delivered_order(api, [{"bundle_id": shelf["bundle"], "quantity": 1}],
                               "rev-key-08")
    status, review = api.call("post", f"/orders/{order_id}/reviews", {"line": 0, "rating": 1},
                              SHOPPER)
    assert status == 201, review
    assert (review["product_id"], review["bundle_id"]) == (shelf["ac"], shelf["bundle"])
    assert ReviewModel.get(shelf["ac"], review["review_id"]).bundle_id == shelf["bundle"]
    assert rating_of(shelf["ac"]) == {"count": 1, "total_stars": 1, "low_count": 1}
    assert rating_of(shelf["mop"])["count"] == 0
    (event,) = events_of("review_posted")
    assert event.data["bundle_id"] == shelf["bundle"]


# --- reading -----------------------------------------------------------------------------------

def test_product_reviews_latest_first_paged_and_public(api, shelf):
    first = delivered_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1},
                                  {"sku_id": shelf["ac_big"], "quantity": 1}], "rev-key-09")
    second = delivered_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}], "rev-key-10",
                             shopper=bearer("shopper", "u2"))
    posted = []
    for order_id, line, shopper in ((first, 0, SHOPPER), (first, 1, SHOPPER),
                                    (second, 0, bearer("shopper", "u2"))):
        status, review = api.call("post", f"/orders/{order_id}/reviews",
                                  {"line": line, "rating": 3 + line, "text": f"第{line}"},
                                  shopper)
        assert status == 201
        posted.append(review["review_id"])

    with dynamodb_calls() as calls:
        status, page = api.call("get", f"/products/{shelf['ac']}/reviews?limit=2", None)
    assert status == 200
    assert calls == {"BatchGetItem": 1, "Query": 1}
    assert [r["review_id"] for r in page["items"]] == [posted[2], posted[1]]
    assert "order_id" not in page["items"][0] and "buyer_id" not in page["items"][0]
    status, rest = api.call("get", f"/products/{shelf['ac']}/reviews?limit=2"
                            f"&cursor={page['next_cursor']}", None)
    assert [r["review_id"] for r in rest["items"]] == [posted[0]]
    assert rest["next_cursor"] is None

    status, error = api.call("get", f"/products/{shelf['mop']}/reviews"
                             f"?cursor={page['next_cursor']}", None)
    assert (status, error["error"]["code"]) == (400, "invalid_cursor")  # bound to one product
    assert api.call("get", f"/products/{shelf['ac']}/reviews?limit=0", None)[0] == 422


def test_reviews_of_hidden_or_unknown_products_are_404(api, shelf):
    api.call("patch", f"/products/{shelf['mop']}", {"status": "off_shelf"}, MERCHANT)
    status, error = api.call("get", f"/products/{shelf['mop']}/reviews", None)
    assert (status, error["error"]["code"]) == (404, "product_not_found")
    assert api.call("get", "/products/nope/reviews", None)[0] == 404
