"""The mall scene on moto: catalogue → feed rebuild → GET /mall, pages and live cards."""

from urllib.parse import urlencode

import pytest

from chalicelib.domain.shop_window import fits
from chalicelib.jobs import mall_feeds as feed_jobs
from chalicelib.services import mall
from chalicelib.store import feeds as feed_store
from tests.support import bearer, dynamodb_calls, product_body, sku

# (merchant, shop name, products in 空调, base price): the big shop's products are the dearest,
# so by S alone they would fill the first page
SHOPS = [("m1", "大电器城", 8, 600_000), ("m2", "二号家电", 3, 300_000),
         ("m3", "三号家电", 3, 290_000), ("m4", "四号家电", 3, 280_000),
         ("m5", "五号家电", 3, 270_000)]


def rebuild():
    for category in feed_store.registered_categories():
        feed_jobs.build_category_feed(None, category)
    feed_jobs.build_merged_feed(None, feed_store.ALL_CATEGORIES_FEED)
    feed_jobs.build_merged_feed(None, feed_store.POPULAR_FEED)
    mall._heads.clear()


@pytest.fixture
def catalogue(api):
    products = {}
    for sub, name, count, price in SHOPS:
        shop = api.create_shop(sub=sub, name=name)
        for n in range(count):
            body = product_body(title=f"{name} 变频空调 {n}号", category="空调",
                                skus=[sku(price + n * 100, 9, 匹数="1.5匹")])
            created = api.create_product(shop["shop_id"], body, sub=sub)
            products[created["product_id"]] = (shop["shop_id"], sub,
                                               created["skus"][0]["sku_id"])
    tea_shop = api.create_shop(sub="m6", name="茶铺")
    for n in range(2):
        body = product_body(title=f"龙井 {n}", category="茶叶", skus=[sku(9_900, 5, 规格="250g")])
        created = api.create_product(tea_shop["shop_id"], body, sub="m6")
        products[created["product_id"]] = (tea_shop["shop_id"], "m6",
                                           created["skus"][0]["sku_id"])
    # the catalogue consumer registers categories (test_a_score_change_moves_the_feed_keys);
    # here they are registered directly, to leave the search index out of these tests
    feed_store.register_categories({"空调", "茶叶"})
    rebuild()
    return products


def mall_page(api, **params):
    status, body = api.call("get", "/mall?" + urlencode(params))
    assert status == 200, body
    return body


def every_page(api, **params):
    items, cursor, pages = [], None, 0
    while True:
        body = mall_page(api, **params, **({"cursor": cursor} if cursor else {}))
        items += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            return items, pages


def assert_shop_rule(items):
    shops = [item["shop_id"] for item in items]
    for index, shop_id in enumerate(shops):
        if not fits(shops[:index], shop_id):  # allowed only when nothing left fits
            assert not any(fits(shops[:index], later) for later in shops[index:])


def test_pages_are_disjoint_complete_and_keep_the_shop_rule_across_boundaries(api, catalogue):
    items, pages = every_page(api, category="空调", limit=3)
    ids = [item["product_id"] for item in items]
    assert len(ids) == len(set(ids)) == 20 and pages >= 7
    assert set(ids) == {pid for pid, (_, sub, _) in catalogue.items() if sub != "m6"}
    assert_shop_rule(items)
    big_shop = catalogue[ids[0]][0]
    assert [item["shop_id"] for item in items[:10]].count(big_shop) == 2
    assert {item["category"] for item in items} == {"空调"}


def test_without_a_category_the_feed_spans_categories(api, catalogue):
    items, _ = every_page(api, limit=50)
    assert {item["category"] for item in items} == {"空调", "茶叶"}
    assert len(items) == len(catalogue)


def test_categories_with_counts(api, catalogue):
    status, body = api.call("get", "/mall/categories")
    assert status == 200
    assert body == {"items": [{"category": "空调", "count": 20}, {"category": "茶叶", "count": 2}]}


def test_off_shelf_and_sold_out_products_never_show_even_before_a_rebuild(api, catalogue):
    first = mall_page(api, category="空调", limit=10)["items"]
    hidden, sold_out = first[0]["product_id"], first[1]["product_id"]
    _, owner, _ = catalogue[hidden]
    status, body = api.call("patch", f"/products/{hidden}", {"status": "off_shelf"},
                            bearer("merchant", owner))
    assert status == 200, body
    _, owner, sku_id = catalogue[sold_out]
    status, body = api.call("patch", f"/products/{sold_out}/skus/{sku_id}", {"stock": 0},
                            bearer("merchant", owner))
    assert status == 200, body
    items, _ = every_page(api, category="空调", limit=5)
    shown = {item["product_id"] for item in items}
    assert hidden not in shown and sold_out not in shown
    assert len(shown) == 18
    assert_shop_rule(items)


def test_a_page_is_at_most_two_round_trips(api, catalogue):
    with dynamodb_calls() as first:
        body = mall_page(api, category="空调", limit=10)
    assert first.total == 2, first  # the feed head (with its first entries) + one BatchGetItem
    assert first["GetItem"] == 1 and first["BatchGetItem"] == 1
    with dynamodb_calls() as cached:
        mall_page(api, category="空调", limit=10)
    assert cached.total == 1, cached  # the head is cached in the container for 60 s
    mall._heads.clear()
    with dynamodb_calls() as later:
        mall_page(api, category="空调", limit=10, cursor=body["next_cursor"])
    assert later.total == 2 and later["Query"] == 1, later


def test_a_rebuild_swaps_versions_and_old_cursors_keep_working(api, catalogue):
    body = mall_page(api, category="空调", limit=5)
    rebuild()
    rest, _ = [], None
    cursor = body["next_cursor"]
    while cursor:
        page = mall_page(api, category="空调", limit=5, cursor=cursor)
        rest += page["items"]
        cursor = page["next_cursor"]
    ids = [item["product_id"] for item in body["items"] + rest]
    assert len(ids) == len(set(ids)) == 20
    head = feed_store.read_head(feed_store.category_feed("空调"))
    assert head.previous is not None and head.length == 20


def test_bad_parameters_are_422_and_a_tampered_cursor_400(api, catalogue):
    assert api.call("get", "/mall?limit=0")[0] == 422
    assert api.call("get", "/mall?colour=red")[0] == 422
    status, body = api.call("get", "/mall?cursor=abc.def")
    assert status == 400 and body["error"]["code"] == "invalid_cursor"


def test_an_empty_mall_answers_an_empty_page(api):
    body = mall_page(api, category="空调")
    assert body == {"category": "空调", "items": [], "next_cursor": None}
    assert api.call("get", "/mall/categories") == (200, {"items": []})


def test_the_catalogue_consumer_registers_categories_and_follows_score_changes(api, catalogue):
    from chalicelib.services.shelf_listing import follow_product
    from chalicelib.store import products as product_store
    from chalicelib.store.feeds import FeedModel

    FeedModel("registry", 0).delete()
    product_id = next(iter(catalogue))
    before = product_store.ProductModel.get(product_id)
    assert before.shelf_category == "空调" and before.shelf_rank > 0  # written with the product
    assert follow_product(product_id) is False  # already right: nothing to write
    assert feed_store.registered_categories() == ["空调"]
    product_store.set_score(product_id, 4.9, 1)  # a product score change moves its rank
    assert follow_product(product_id) is True
    assert product_store.ProductModel.get(product_id).shelf_rank > before.shelf_rank
    off = next(pid for pid, (_, sub, _) in catalogue.items() if sub == "m2")
    status, _ = api.call("patch", f"/products/{off}", {"status": "off_shelf"},
                         bearer("merchant", "m2"))
    assert status == 200
    model = product_store.ProductModel.get(off)
    assert model.shelf_category is None and model.shelf_rank is None  # out of the index
