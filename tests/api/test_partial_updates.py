"""PATCH of a shop, a product and a SKU: what is sent changes, null only empties what may be
empty. Found by the fuzzer (tests/fuzz): `{"name": null}` stored a shop without a name, whose
storefront then answered 500, and `{"stock_delta": null, ...}` on a SKU was a 500."""

import pytest

from chalicelib.store.products import ProductModel
from chalicelib.store.shops import ShopModel
from tests.support import product_body, sku


def _field_errors(error: dict) -> list[tuple[str, str]]:
    return [(item["field"], item["type"]) for item in error["error"]["details"]]


@pytest.mark.parametrize("field", ["name", "description"])
def test_shop_fields_cannot_be_set_to_null(api, field):
    shop = api.create_shop()
    status, error = api.call("patch", f"/shops/{shop['shop_id']}", {field: None},
                             api.as_merchant())
    assert status == 422
    assert error["error"]["code"] == "validation_error"
    assert _field_errors(error) == [(field, "string_type")]
    assert ShopModel.get(shop["shop_id"]).name == "海边干货铺"
    assert api.call("get", f"/shops/{shop['shop_id']}/storefront")[0] == 200


def test_shop_logo_is_removed_with_null(api):
    status, shop = api.call("post", "/shops", {"name": "海边干货铺",
                                               "logo_url": "https://img.example.com/l.png"},
                            api.as_merchant())
    assert (status, shop["logo_url"]) == (201, "https://img.example.com/l.png")
    status, patched = api.call("patch", f"/shops/{shop['shop_id']}", {"logo_url": None},
                               api.as_merchant())
    assert (status, patched["logo_url"], patched["name"]) == (200, None, "海边干货铺")


@pytest.mark.parametrize("body, field", [
    ({"stock_delta": None, "price_fen": 100}, "stock_delta"),
    ({"price_fen": None}, "price_fen"),
    ({"stock": None}, "stock"),
    ({"specs": None}, "specs"),
])
def test_sku_fields_cannot_be_set_to_null(api, body, field):
    shop = api.create_shop()
    pid = api.create_product(shop["shop_id"], product_body())["product_id"]
    status, error = api.call("patch", f"/products/{pid}/skus/{pid}.0", body, api.as_merchant())
    assert status == 422
    assert (field, "int_type" if field != "specs" else "dict_type") in _field_errors(error)
    _, listing = api.call("get", f"/shops/{shop['shop_id']}/products", None, api.as_merchant())
    stored = listing["items"][0]["skus"][0]
    assert (stored["price_fen"], stored["stock"], stored["specs"]) == (259900, 5, {"匹数": "1.5匹"})


def test_sku_list_price_is_removed_with_null(api):
    shop = api.create_shop()
    listed = {**sku(259900, 5), "list_price_fen": 299900}
    pid = api.create_product(shop["shop_id"], product_body(skus=[listed]))["product_id"]
    status, updated = api.call("patch", f"/products/{pid}/skus/{pid}.0",
                               {"list_price_fen": None}, api.as_merchant())
    assert status == 200
    assert (updated["skus"][0]["list_price_fen"], updated["skus"][0]["price_fen"]) == (
        None, 259900)


def test_product_fields_cannot_be_set_to_null(api):
    shop = api.create_shop()
    pid = api.create_product(shop["shop_id"], product_body())["product_id"]
    status, error = api.call("patch", f"/products/{pid}", {"title": None, "images": None},
                             api.as_merchant())
    assert status == 422
    assert sorted(_field_errors(error)) == [("images", "list_type"), ("title", "string_type")]
    assert ProductModel.get(pid).title == "1.5匹 一级能效 变频空调"


def test_a_patch_must_change_something(api):
    shop = api.create_shop()
    status, error = api.call("patch", f"/shops/{shop['shop_id']}", {}, api.as_merchant())
    assert status == 422
    assert error["error"]["details"][0]["message"].endswith("give at least one field to change")
