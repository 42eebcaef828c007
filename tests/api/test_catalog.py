"""Merchant catalog API and shopper reads on moto, through chalice's test client."""

from chalicelib.store.products import ProductModel
from chalicelib.store.shelves import ShelfCardModel
from chalicelib.store.shops import ShopModel
from tests.support import bearer, dynamodb_calls, product_body, sku


def test_merchant_creates_shop_and_product_shopper_sees_it(api):
    shop = api.create_shop()
    product = api.create_product(shop["shop_id"], product_body())

    status, page = api.call("get", f"/products/{product['product_id']}")
    assert status == 200
    assert page["title"] == "1.5匹 一级能效 变频空调"
    assert page["shop"]["name"] == "海边干货铺"
    assert [s["stock_state"] for s in page["skus"]] == ["low", "sold_out"]
    assert page["skus"][0]["stock_label"] == "仅剩 5 件"
    assert page["skus"][0]["stock_left"] == 5
    assert "stock" not in page["skus"][0]  # exact stock is for the owner only

    status, front = api.call("get", f"/shops/{shop['shop_id']}/storefront")
    assert status == 200
    assert [item["product_id"] for item in front["items"]] == [product["product_id"]]
    assert front["items"][0]["price_fen"] == 259900
    assert front["tabs"] == [{"category": "空调", "count": 1}]
    assert front["next_cursor"] is None


def test_product_page_is_one_round_trip(api):
    shop = api.create_shop()
    product = api.create_product(shop["shop_id"], product_body())
    with dynamodb_calls() as calls:
        status, _ = api.call("get", f"/products/{product['product_id']}")
    assert status == 200
    assert calls == {"BatchGetItem": 1}


def test_storefront_page_is_two_round_trips(api):
    shop = api.create_shop()
    api.create_product(shop["shop_id"], product_body())
    with dynamodb_calls() as calls:
        status, _ = api.call("get", f"/shops/{shop['shop_id']}/storefront?sort=sales")
    assert status == 200
    assert calls == {"GetItem": 1, "Query": 1}


def test_drafts_and_off_shelf_never_reach_shoppers(api):
    shop = api.create_shop()
    draft = api.create_product(shop["shop_id"], product_body(title="草稿", status="draft"))
    listed = api.create_product(shop["shop_id"], product_body(title="在架"))

    assert api.call("get", f"/products/{draft['product_id']}")[0] == 404
    status, _ = api.call("patch", f"/products/{listed['product_id']}",
                         {"status": "off_shelf"}, api.as_merchant())
    assert status == 200
    assert api.call("get", f"/products/{listed['product_id']}")[0] == 404
    _, front = api.call("get", f"/shops/{shop['shop_id']}/storefront")
    assert front["items"] == []
    assert front["tabs"] == []
    assert ShelfCardModel.count(f"{shop['shop_id']}#1#*") == 0

    # the owner still sees both, in every status, with exact stock
    status, listing = api.call("get", f"/shops/{shop['shop_id']}/products", None,
                               api.as_merchant())
    assert status == 200
    assert {p["status"] for p in listing["items"]} == {"draft", "off_shelf"}
    assert listing["items"][0]["skus"][0]["stock"] == 5


def test_storefront_sorts_and_category_tabs(api):
    shop = api.create_shop()
    shop_id = shop["shop_id"]
    cheap = api.create_product(shop_id, product_body(
        title="洗地机 基础款", category="洗地机", skus=[sku(99900, 50)]))
    dear = api.create_product(shop_id, product_body(
        title="洗地机 旗舰款", category="洗地机", skus=[sku(399900, 50)]))
    ac = api.create_product(shop_id, product_body(skus=[sku(259900, 50)]))

    def ids(query):
        status, front = api.call("get", f"/shops/{shop_id}/storefront?{query}")
        assert status == 200, front
        return [item["product_id"] for item in front["items"]]

    assert ids("sort=price_asc") == [cheap["product_id"], ac["product_id"], dear["product_id"]]
    assert ids("sort=price_desc") == [dear["product_id"], ac["product_id"], cheap["product_id"]]
    assert ids("sort=new") == [ac["product_id"], dear["product_id"], cheap["product_id"]]
    assert ids("sort=price_asc&category=洗地机") == [cheap["product_id"], dear["product_id"]]
    _, front = api.call("get", f"/shops/{shop_id}/storefront")
    assert front["tabs"] == [{"category": "洗地机", "count": 2}, {"category": "空调", "count": 1}]


def test_storefront_pages_with_signed_cursor(api):
    shop = api.create_shop()
    shop_id = shop["shop_id"]
    created = [api.create_product(shop_id, product_body(title=f"空调 {n}号",
                                                        skus=[sku(100000 + n, 9)]))
               for n in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        query = "sort=price_asc&limit=2" + (f"&cursor={cursor}" if cursor else "")
        status, front = api.call("get", f"/shops/{shop_id}/storefront?{query}")
        assert status == 200
        seen += [item["product_id"] for item in front["items"]]
        pages += 1
        cursor = front["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [p["product_id"] for p in created]

    _, first = api.call("get", f"/shops/{shop_id}/storefront?sort=price_asc&limit=2")
    tampered = first["next_cursor"][:-2] + ("AA" if not first["next_cursor"].endswith("AA")
                                            else "BB")
    status, error = api.call("get", f"/shops/{shop_id}/storefront?sort=price_asc&cursor={tampered}")
    assert status == 400
    assert error["error"]["code"] == "invalid_cursor"
    # a cursor from one sort cannot be replayed on another
    replayed = f"/shops/{shop_id}/storefront?sort=new&cursor={first['next_cursor']}"
    status, _ = api.call("get", replayed)
    assert status == 400


def test_auth_missing_bad_and_foreign(api):
    shop = api.create_shop(sub="m1")
    assert api.call("post", "/shops", {"name": "x"})[0] == 401
    status, error = api.call("post", "/shops", {"name": "x"},
                             {"Authorization": "Bearer not.a.jwt"})
    assert (status, error["error"]["code"]) == (401, "invalid_token")
    status, error = api.call("post", f"/shops/{shop['shop_id']}/products", product_body(),
                             bearer("merchant", "m2"))
    assert (status, error["error"]["code"]) == (403, "not_owner")
    status, _ = api.call("post", "/shops", {"name": "x"}, bearer("shopper", "u1"))
    assert status == 403
    assert ProductModel.count() == 0


def test_other_merchant_cannot_touch_products(api):
    shop = api.create_shop(sub="m1")
    product = api.create_product(shop["shop_id"], product_body())
    pid = product["product_id"]
    other = bearer("merchant", "m2")
    assert api.call("patch", f"/products/{pid}", {"title": "改"}, other)[0] == 403
    assert api.call("patch", f"/products/{pid}/skus/{pid}.0", {"price_fen": 1}, other)[0] == 403
    assert api.call("patch", f"/shops/{shop['shop_id']}", {"name": "改"}, other)[0] == 403
    assert api.call("get", f"/shops/{shop['shop_id']}/products", None, other)[0] == 403
    assert ProductModel.get(pid).title == "1.5匹 一级能效 变频空调"


def test_sku_price_change_moves_card_and_stock_delta_is_guarded(api):
    shop = api.create_shop()
    product = api.create_product(shop["shop_id"], product_body())
    pid = product["product_id"]
    status, updated = api.call("patch", f"/products/{pid}/skus/{pid}.0", {"price_fen": 199900},
                               api.as_merchant())
    assert status == 200
    assert updated["skus"][0]["price_fen"] == 199900
    card = ShelfCardModel.get(f"{shop['shop_id']}#1#*", pid)
    assert card.min_price_fen == 199900

    status, updated = api.call("patch", f"/products/{pid}/skus/{pid}.0", {"stock_delta": -3},
                               api.as_merchant())
    assert (status, updated["skus"][0]["stock"]) == (200, 2)
    status, error = api.call("patch", f"/products/{pid}/skus/{pid}.0", {"stock_delta": -3},
                             api.as_merchant())
    assert status == 409
    assert error["error"]["details"] == [{"sku_id": f"{pid}.0", "stock_left": 2}]
    assert ProductModel.get(pid).skus[0].stock == 2


def test_add_skus_and_shop_patch(api):
    shop = api.create_shop()
    product = api.create_product(shop["shop_id"], product_body())
    pid = product["product_id"]
    status, updated = api.call("post", f"/products/{pid}/skus",
                               {"skus": [sku(459900, 7, 匹数="3匹")]}, api.as_merchant())
    assert status == 201
    assert [s["sku_id"] for s in updated["skus"]] == [f"{pid}.0", f"{pid}.1", f"{pid}.2"]
    status, _error = api.call("post", f"/products/{pid}/skus",
                             {"skus": [sku(459900, 7, 匹数="3匹")]}, api.as_merchant())
    assert status == 422
    assert len(ProductModel.get(pid).skus) == 3

    status, patched = api.call("patch", f"/shops/{shop['shop_id']}",
                               {"name": "海边干货铺·旗舰店"}, api.as_merchant())
    assert (status, patched["name"]) == (200, "海边干货铺·旗舰店")
    _, page = api.call("get", f"/products/{pid}")
    assert page["shop"]["name"] == "海边干货铺·旗舰店"


def test_bundle_shows_on_storefront_with_saving(api):
    shop = api.create_shop()
    ac = api.create_product(shop["shop_id"], product_body(skus=[sku(259900, 9)]))
    mop = api.create_product(shop["shop_id"], product_body(
        title="洗地机", category="洗地机", skus=[sku(199900, 9)]))
    body = {"name": "清凉全屋套装", "price_fen": 399900,
            "items": [{"sku_id": f"{ac['product_id']}.0", "quantity": 1},
                      {"sku_id": f"{mop['product_id']}.0", "quantity": 1}]}
    status, bundle = api.call("post", f"/shops/{shop['shop_id']}/bundles", body,
                              api.as_merchant())
    assert status == 201
    assert (bundle["parts_total_fen"], bundle["saving_fen"]) == (459800, 59900)
    _, front = api.call("get", f"/shops/{shop['shop_id']}/storefront")
    assert front["bundles"][0]["bundle_id"] == bundle["bundle_id"]
    assert front["bundles"][0]["saving_fen"] == 59900

    body["price_fen"] = 459800  # not below the parts' total
    status, error = api.call("post", f"/shops/{shop['shop_id']}/bundles", body,
                             api.as_merchant())
    assert status == 422
    assert error["error"]["details"][0]["field"] == "price_fen"
    assert len(ShopModel.get(shop["shop_id"]).bundles) == 1
