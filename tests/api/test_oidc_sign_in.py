"""A deployed-stage configuration through the whole app: a Cognito-shaped RS256 token signs a
merchant in and its cursors are signed with SHELF_CURSOR_SECRET; a dev HS256 token, forgeries, a
token without a role and an unreachable issuer answer in the one error shape."""

from __future__ import annotations

import jwt
import pytest

from chalicelib.settings import DEV_JWT_SECRET
from tests.oidc_support import (
    USER_SUB,
    deployed_stage,
    hs256_with_public_key,
    unsigned_token,
)
from tests.support import FROZEN_NOW

NOW_S = FROZEN_NOW // 1000


@pytest.fixture
def deployed(api, frozen_clock, monkeypatch, issuer):
    with deployed_stage(monkeypatch, issuer) as settings:
        assert not settings.is_dev
        yield settings


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_a_cognito_token_signs_a_merchant_in_and_pages_with_the_cursor_secret(
        api, deployed, issuer, monkeypatch):
    merchant = _bearer(issuer.access_token("k1", now=NOW_S, groups=["merchant"]))
    for name in ("海边干货铺", "山里茶铺"):
        status, shop = api.call("post", "/shops", {"name": name}, merchant)
        assert status == 201, shop
        assert shop["owner_id"] == USER_SUB  # the user id is the token's sub
    status, page = api.call("get", "/me/shops?limit=1", headers=merchant)
    assert status == 200 and len(page["items"]) == 1 and page["next_cursor"]
    status, rest = api.call("get", f"/me/shops?limit=1&cursor={page['next_cursor']}",
                            headers=merchant)
    assert status == 200 and len(rest["items"]) == 1
    assert rest["items"][0]["shop_id"] != page["items"][0]["shop_id"]
    assert issuer.fetches == 1  # four requests, one JWKS fetch

    # the cursor was signed with SHELF_CURSOR_SECRET: another key refuses it
    monkeypatch.setenv("SHELF_CURSOR_SECRET", "another-cursor-secret-" + "x" * 20)
    status, error = api.call("get", f"/me/shops?limit=1&cursor={page['next_cursor']}",
                             headers=merchant)
    assert (status, error["error"]["code"]) == (400, "invalid_cursor")


def _claims(issuer) -> dict:
    return issuer.claims(now=NOW_S)


@pytest.mark.parametrize(("case", "token", "status", "code"), [
    ("a dev HS256 token", lambda i: jwt.encode(
        {"sub": "m1", "role": "merchant", "exp": NOW_S + 3600}, DEV_JWT_SECRET,
        algorithm="HS256"), 401, "invalid_token"),
    ("HS256 keyed with the public key", lambda i: hs256_with_public_key("k1", _claims(i)),
     401, "invalid_token"),
    ("alg none", lambda i: unsigned_token({"alg": "none", "kid": "k1"}, _claims(i)),
     401, "invalid_token"),
    ("another user pool", lambda i: i.access_token(
        "k1", now=NOW_S, iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"),
     401, "invalid_token"),
    ("another app client", lambda i: i.access_token("k1", now=NOW_S, client_id="other"),
     401, "invalid_token"),
    ("expired", lambda i: i.access_token("k1", now=NOW_S - 7200), 401, "invalid_token"),
    ("no role", lambda i: i.access_token("k1", now=NOW_S, groups=[]), 403, "no_role"),
    ("a shopper", lambda i: i.access_token("k1", now=NOW_S, groups=["shopper"]),
     403, "wrong_role"),
])
def test_what_a_deployed_stage_refuses_answers_in_the_one_shape(api, deployed, issuer, case,
                                                                 token, status, code):
    answered, body = api.call("post", "/shops", {"name": "海边干货铺"}, _bearer(token(issuer)))
    assert (answered, body["error"]["code"]) == (status, code), case
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["message"] and "Traceback" not in body["error"]["message"]


def test_an_unreachable_issuer_is_503_for_signed_in_calls_only(api, deployed, issuer):
    issuer.status = 500  # a cold container, and the issuer's JWKS answers 500
    merchant = _bearer(issuer.access_token("k1", now=NOW_S))
    status, error = api.call("post", "/shops", {"name": "海边干货铺"}, merchant)
    assert (status, error["error"]["code"]) == (503, "auth_unavailable")
    assert set(error["error"]) == {"code", "message", "details"}
    assert api.call("get", "/search/hot")[0] == 200  # anonymous reads need no keys
    issuer.status = 200  # back: the next signed-in call fetches and goes through
    status, shop = api.call("post", "/shops", {"name": "海边干货铺"}, merchant)
    assert status == 201, shop
    assert issuer.fetches == 2
