"""The demo shoppers' orders and reviews, bulk-loaded (local.demo_load), read back through the API
as if the API had written them: u1's orders list, a product's reviews and rating, and the
review rules (a reviewed line refuses a second review, an unreviewed delivered line takes one)."""

from __future__ import annotations

import pytest

from chalicelib.domain.orders import OrderStatus
from local.demo_data import build_demo_catalog
from local.demo_shoppers import DEFAULT_AS_OF_MS, build_demo_shoppers, domain_orders
from tests.support import bearer, dynamodb_calls


@pytest.fixture(scope="module")
def demo():
    catalog = build_demo_catalog()
    return catalog, build_demo_shoppers(catalog, DEFAULT_AS_OF_MS)


def _seed(catalog, buyer_orders):
    """The shops and products u1 bought from, through the API's own store writes."""
    from chalicelib.store import catalog as catalog_store

    product_ids = {line[0] for order in buyer_orders for line in order.lines}
    shops = {catalog.shop(order.shop_id).shop_id: catalog.shop(order.shop_id)
             for order in buyer_orders}
    for shop in shops.values():
        catalog_store.create_shop(shop)
    products = [p for p in catalog.products if p.product_id in product_ids]
    for product in products:
        catalog_store.save_product(None, product, shops[product.shop_id])
    return products


def test_loaded_orders_and_reviews_read_back_through_the_api(aws, api, frozen_clock, demo):
    from local.demo_load import load_orders, load_reviews

    catalog, shoppers = demo
    mine = shoppers.orders_of("u1")
    products = _seed(catalog, mine)
    orders = [o for o in domain_orders(shoppers, catalog) if o.buyer_id == "u1"]
    reviews = [r for r in shoppers.reviews if r.buyer_id == "u1"]
    assert reviews and len({r.product_id for r in reviews}) >= 2
    with dynamodb_calls() as calls:
        assert load_orders(orders) == len(orders)
        loaded = load_reviews(reviews, products)
    assert loaded == {"reviews": len(reviews),
                      "ratings_updated": len({r.product_id for r in reviews})}
    assert calls["BatchWriteItem"] == 2 and calls["UpdateItem"] == loaded["ratings_updated"]

    u1 = bearer("shopper", "u1")
    status, page = api.call("get", "/orders?limit=50", headers=u1)
    assert status == 200
    assert [o["order_id"] for o in page["items"]] == [o.order_id for o in reversed(orders)]
    status, done = api.call("get", "/orders?status=completed&limit=50", headers=u1)
    assert status == 200 and done["items"]
    assert {o["order_id"] for o in done["items"]} == {
        o.order_id for o in orders if o.status is OrderStatus.COMPLETED}

    review = reviews[0]
    status, listed = api.call("get", f"/products/{review.product_id}/reviews")
    assert status == 200
    own = [r for r in reviews if r.product_id == review.product_id]
    assert [r["text"] for r in listed["items"]] == [r.text for r in reversed(own)]
    status, page = api.call("get", f"/products/{review.product_id}")
    assert status == 200 and page["rating"]["count"] == len(own)
    assert page["rating"]["average"] == round(sum(r.rating for r in own) / len(own), 2)

    status, refused = api.call("post", f"/orders/{review.order_id}/reviews",
                               {"line": review.line, "rating": 5, "text": "再评一次"}, u1)
    assert status == 409 and refused["error"]["code"] == "already_reviewed"
    reviewed = {(r.order_id, r.line) for r in reviews}
    open_line = next((o, line.line) for o in orders for line in o.lines
                     if o.status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED)
                     and (o.order_id, line.line) not in reviewed)
    status, posted = api.call("post", f"/orders/{open_line[0].order_id}/reviews",
                              {"line": open_line[1], "rating": 4, "text": "回购了，还是那个味道。"},
                              u1)
    assert status == 201, posted


def test_ratings_applied_before_seeding_need_no_update(aws, demo):
    from local.demo_load import load_reviews
    from local.demo_shoppers import apply_ratings

    catalog, shoppers = demo
    mine = shoppers.orders_of("u1")
    reviews = [r for r in shoppers.reviews if r.buyer_id == "u1"]
    products = [p for p in build_demo_catalog().products
                if p.product_id in {line[0] for o in mine for line in o.lines}]
    apply_ratings(products, reviews)
    from chalicelib.store import catalog as catalog_store

    shops = {o.shop_id: catalog.shop(o.shop_id) for o in mine}
    for shop in shops.values():
        catalog_store.create_shop(shop)
    for product in products:
        catalog_store.save_product(None, product, shops[product.shop_id])
    with dynamodb_calls() as calls:
        assert load_reviews(reviews, products)["ratings_updated"] == 0
    assert calls["UpdateItem"] == 0
