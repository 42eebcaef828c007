"""CORS on real responses (chalicelib.cors through app.py's middleware): the configured origin on
every answer, errors included, since a browser hides an error body that lacks it. Preflights are
API Gateway's (tests/unit/test_template_security.py)."""

import json

from chalicelib import cors
from tests.support import bearer

ORIGIN = "https://shop.example.com"


def test_every_answer_carries_the_configured_origin(api, monkeypatch):
    monkeypatch.setenv(cors.ALLOW_ORIGIN_ENV, ORIGIN)
    shop = api.create_shop()
    ok = api.client.http.get(f"/shops/{shop['shop_id']}/storefront")
    created = api.client.http.post(
        "/shops", body=json.dumps({"name": "另一家"}),
        headers={"Content-Type": "application/json", **bearer("merchant", "m2")})
    refused = api.client.http.post(  # no token
        "/shops", body=json.dumps({"name": "x"}), headers={"Content-Type": "application/json"})
    missing = api.client.http.get("/shops/no-such-shop/storefront")
    assert [r.status_code for r in (ok, created, refused, missing)] == [200, 201, 401, 404]
    for response in (ok, created, refused, missing):
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert response.headers["Access-Control-Expose-Headers"] == "Retry-After,X-Request-Id"


def test_no_origin_configured_means_no_cors_headers(api, monkeypatch):
    monkeypatch.delenv(cors.ALLOW_ORIGIN_ENV, raising=False)
    shop = api.create_shop()
    response = api.client.http.get(f"/shops/{shop['shop_id']}/storefront")
    assert response.status_code == 200
    assert not {h.lower() for h in response.headers} & {
        "access-control-allow-origin", "access-control-expose-headers"}
