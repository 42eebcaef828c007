"""The recommendation scene on moto: candidate lists and the popular list → live pages."""

from urllib.parse import urlencode

import pytest

from chalicelib.domain.recommend import Candidate, Reason
from chalicelib.jobs import mall_feeds
from chalicelib.services import mall
from chalicelib.store import feeds as feed_store
from chalicelib.store import purchases as purchase_store
from tests.support import bearer, dynamodb_calls, product_body, sku

SHOPPER = bearer("shopper", "u1")


@pytest.fixture
def world(api):
    """Six shops of two products each (空调 and 茶叶), the mall feeds built, and u1's list."""
    products = []
    for n in range(6):
        shop = api.create_shop(sub=f"m{n + 1}", name=f"店铺{n}")
        for category, price in (("空调", 300_000 - n * 1000), ("茶叶", 9_900 + n * 100)):
            body = product_body(title=f"店铺{n} {category}", category=category,
                                skus=[sku(price, 5, 规格="标准")])
            created = api.create_product(shop["shop_id"], body, sub=f"m{n + 1}")
            products.append((created["product_id"], shop["shop_id"], f"m{n + 1}", category))
    feed_store.register_categories({"空调", "茶叶"})
    for category in ("空调", "茶叶"):
        mall_feeds.build_category_feed(None, category)
    mall_feeds.build_merged_feed(None, feed_store.POPULAR_FEED)
    mall._heads.clear()
    tea = [p for p in products if p[3] == "茶叶"]
    reasons = [Reason.FOLLOWED_SHOP, Reason.REPURCHASE, Reason.CO_PURCHASE,
               Reason.CATEGORY_AFFINITY, Reason.POPULAR, Reason.POPULAR]
    purchase_store.write_candidates("u1", [
        Candidate(pid, shop_id, reason, 1.0 - i / 10)
        for i, ((pid, shop_id, _, _), reason) in enumerate(zip(tea, reasons, strict=True))], 1)
    return products


def recommendations(api, headers=None, **params):
    status, body = api.call("get", "/recommendations?" + urlencode(params), headers=headers)
    assert status == 200, body
    return body


def test_a_shopper_gets_their_own_list_with_reasons_and_an_anonymous_caller_the_popular(
        api, world):
    personal = recommendations(api, SHOPPER)
    anonymous = recommendations(api)
    assert personal["personalized"] is True and anonymous["personalized"] is False
    assert [item["reason"] for item in personal["items"]] == [
        "followed_shop", "repurchase", "co_purchase", "category_affinity", "popular", "popular"]
    assert {item["reason"] for item in anonymous["items"]} == {"popular"}
    assert len(anonymous["items"]) == 12
    assert [i["product_id"] for i in personal["items"]] != [
        i["product_id"] for i in anonymous["items"]][:6]
    # the popular list leads with each category's best, not only the dearest category's
    assert {anonymous["items"][0]["category"], anonymous["items"][1]["category"]} == {
        "空调", "茶叶"}


def test_turning_personalisation_off_gives_the_popular_list_at_once(api, world):
    status, body = api.call("put", "/me/preferences", {"personalized": False}, SHOPPER)
    assert status == 200 and body == {"personalized": False}
    body = recommendations(api, SHOPPER)
    assert body["personalized"] is False
    assert {item["reason"] for item in body["items"]} == {"popular"}


def test_hidden_products_never_show_and_pages_do_not_repeat(api, world):
    first = recommendations(api, SHOPPER, limit=2)
    hidden = first["items"][0]["product_id"]
    owner = next(sub for pid, _, sub, _ in world if pid == hidden)
    assert api.call("patch", f"/products/{hidden}", {"status": "off_shelf"},
                    bearer("merchant", owner))[0] == 200
    seen = [item["product_id"] for item in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = recommendations(api, SHOPPER, limit=2, cursor=cursor)
        seen += [item["product_id"] for item in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 6
    fresh = recommendations(api, SHOPPER)
    assert hidden not in {item["product_id"] for item in fresh["items"]}


def test_a_page_is_at_most_two_round_trips(api, world):
    with dynamodb_calls() as personal:
        body = recommendations(api, SHOPPER, limit=2)
    assert personal.total == 2 and personal["BatchGetItem"] == 2, personal
    with dynamodb_calls() as later:
        recommendations(api, SHOPPER, limit=2, cursor=body["next_cursor"])
    assert later.total == 2, later
    mall._heads.clear()
    with dynamodb_calls() as anonymous:
        recommendations(api)
    assert anonymous.total == 2, anonymous


def test_similar_is_the_co_purchase_list_then_the_same_category(api, world):
    conditioner = next(p for p in world if p[3] == "空调")
    tea = next(p for p in world if p[3] == "茶叶")
    purchase_store.write_similar(conditioner[0], [(tea[0], tea[1], 0.8)], 1)
    status, body = api.call("get", f"/products/{conditioner[0]}/similar?limit=4")
    assert status == 200, body
    assert body["items"][0]["product_id"] == tea[0]
    assert body["items"][0]["reason"] == "co_purchase"
    assert {item["reason"] for item in body["items"][1:]} == {"same_category"}
    assert conditioner[0] not in {item["product_id"] for item in body["items"]}
    assert len(body["items"]) == 4
    assert api.call("get", "/products/s0000000000000000000.p0/similar")[0] == 404
