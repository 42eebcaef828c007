"""Bad input gets a clear 4xx in the one error shape, and nothing is written."""

import json

import pytest

from chalicelib.store.products import ProductModel
from tests.support import bearer, product_body, sku


def _error_fields(error):
    return {detail["field"] for detail in error["error"]["details"]}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"skus": [sku(0, 1)]}, "skus.0.price_fen"),
        ({"skus": [sku(-5, 1)]}, "skus.0.price_fen"),
        ({"skus": [{"specs": {}, "price_fen": "12.5", "stock": 1}]}, "skus.0.price_fen"),
        ({"skus": [{"specs": {}, "price_fen": 99.5, "stock": 1}]}, "skus.0.price_fen"),
        ({"skus": [{"specs": {}, "price_fen": 100, "stock": -1}]}, "skus.0.stock"),
        ({"skus": [sku(100, 1, 色=str(n)) for n in range(51)]}, "skus"),
        ({"skus": []}, "skus"),
        ({"colour": "red"}, "colour"),
        ({"status": "published"}, "status"),
        ({"category": "a#b"}, "category"),
        ({"images": ["javascript:alert(1)"]}, "images.0"),
        ({"always_available": "yes"}, "always_available"),
    ],
)
def test_bad_product_is_422_naming_the_field_and_writes_nothing(api, change, field):
    shop = api.create_shop()
    status, error = api.call("post", f"/shops/{shop['shop_id']}/products",
                             {**product_body(), **change}, bearer())
    assert status == 422, error
    assert error["error"]["code"] == "validation_error"
    assert field in _error_fields(error)
    assert ProductModel.count() == 0


def test_malformed_json_is_400(api):
    shop = api.create_shop()
    status, error = api.call("post", f"/shops/{shop['shop_id']}/products", raw="{not json",
                             headers=bearer())
    assert (status, error["error"]["code"]) == (400, "malformed_json")
    status, error = api.call("post", f"/shops/{shop['shop_id']}/products", raw="[1, 2]",
                             headers=bearer())
    assert (status, error["error"]["code"]) == (400, "malformed_json")
    assert ProductModel.count() == 0


def test_body_over_64kb_is_413(api):
    shop = api.create_shop()
    body = product_body(description="长" * 10)
    raw = json.dumps(body) + " " * (64 * 1024)
    status, error = api.call("post", f"/shops/{shop['shop_id']}/products", raw=raw,
                             headers=bearer())
    assert (status, error["error"]["code"]) == (413, "body_too_large")
    assert ProductModel.count() == 0


def test_list_price_below_price_and_duplicate_specs(api):
    shop = api.create_shop()
    low_list = {**sku(5000, 1), "list_price_fen": 4000}
    status, error = api.call("post", f"/shops/{shop['shop_id']}/products",
                             product_body(skus=[low_list]), bearer())
    assert status == 422
    assert "skus.0" in _error_fields(error)
    twins = [sku(100, 1, 色="白"), sku(200, 1, 色="白")]
    status, _error = api.call("post", f"/shops/{shop['shop_id']}/products",
                             product_body(skus=twins), bearer())
    assert status == 422
    assert ProductModel.count() == 0


@pytest.mark.parametrize("query", ["limit=0", "limit=51", "limit=abc", "sort=cheapest"])
def test_bad_storefront_query_is_422(api, query):
    shop = api.create_shop()
    status, error = api.call("get", f"/shops/{shop['shop_id']}/storefront?{query}")
    assert status == 422
    assert _error_fields(error) <= {"limit", "sort"}


@pytest.mark.parametrize("path", ["/products/nope", "/products/s0.p0", "/shops/x/storefront",
                                  "/shops/s0000000000000000000z/storefront"])
def test_unknown_ids_are_404(api, path):
    status, error = api.call("get", path)
    assert status == 404
    assert error["error"]["code"].endswith("not_found")


def test_unknown_sku_and_stock_rules(api):
    shop = api.create_shop()
    product = api.create_product(shop["shop_id"], product_body())
    pid = product["product_id"]
    assert api.call("patch", f"/products/{pid}/skus/{pid}.9", {"price_fen": 5}, bearer())[0] == 404
    assert api.call("patch", f"/products/{pid}/skus/bogus", {"price_fen": 5}, bearer())[0] == 404
    status, _ = api.call("patch", f"/products/{pid}/skus/{pid}.0",
                         {"stock": 5, "stock_delta": 1}, bearer())
    assert status == 422
    status, _ = api.call("patch", f"/products/{pid}/skus/{pid}.0",
                         {"stock_delta": 1, "price_fen": 5}, bearer())
    assert status == 422
    assert ProductModel.get(pid).skus[0].price_fen == 259900
    assert ProductModel.get(pid).skus[0].stock == 5


def test_empty_patch_is_422(api):
    shop = api.create_shop()
    product = api.create_product(shop["shop_id"], product_body())
    assert api.call("patch", f"/products/{product['product_id']}", {}, bearer())[0] == 422
    assert api.call("patch", f"/shops/{shop['shop_id']}", {}, bearer())[0] == 422

