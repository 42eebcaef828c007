"""Over HTTP: a merchant creates a product, a shopper sees it on the storefront."""

import requests

from tests.integration.conftest import token


def test_merchant_creates_product_shopper_sees_it_on_storefront(stack):
    api, _ = stack
    merchant = token("merchant", "it-m1")
    shop = requests.post(f"{api}/shops", json={"name": "国风小馆"}, headers=merchant, timeout=10)
    assert shop.status_code == 201, shop.text
    shop_id = shop.json()["shop_id"]

    body = {
        "title": "宋制汉服 褙子套装",
        "category": "国风服饰",
        "status": "on_shelf",
        "skus": [{"specs": {"颜色": "月白", "尺码": "M"}, "price_fen": 39900, "stock": 3}],
    }
    product = requests.post(f"{api}/shops/{shop_id}/products", json=body, headers=merchant,
                            timeout=10)
    assert product.status_code == 201, product.text
    product_id = product.json()["product_id"]

    front = requests.get(f"{api}/shops/{shop_id}/storefront", timeout=10)
    assert front.status_code == 200
    assert front.headers["Content-Type"].startswith("application/json")
    data = front.json()
    assert [item["title"] for item in data["items"]] == ["宋制汉服 褙子套装"]
    assert data["tabs"] == [{"category": "国风服饰", "count": 1}]

    page = requests.get(f"{api}/products/{product_id}", timeout=10).json()
    assert page["skus"][0]["stock_label"] == "仅剩 3 件"

    stranger = requests.post(f"{api}/shops/{shop_id}/products", json=body,
                             headers=token("merchant", "it-m2"), timeout=10)
    assert stranger.status_code == 403
    assert stranger.json()["error"]["code"] == "not_owner"
    unauthenticated = requests.post(f"{api}/shops", json={"name": "x"}, timeout=10)
    assert unauthenticated.status_code == 401
