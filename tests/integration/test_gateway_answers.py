"""Over HTTP, answers that come from outside the views: an unknown path, a wrong method, a body
over the limit, a wrong content type. Each is in the one error shape, as deployed stages answer
them through the template's GatewayResponses."""

import pytest
import requests

from tests.integration.conftest import token

SHAPE_KEYS = {"code", "message", "details"}


def _error(answer: requests.Response) -> dict:
    assert answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    assert set(body) == {"error"} and set(body["error"]) == SHAPE_KEYS
    return body["error"]


@pytest.mark.parametrize("path", ["/no-such-route", "/shops/s1/no-such-child", "/"])
@pytest.mark.parametrize("with_token", [False, True])
def test_unknown_path_is_404_not_found(stack, path, with_token):
    api, _ = stack
    headers = token("shopper", "it-u1") if with_token else {}
    answer = requests.get(f"{api}{path}", headers=headers, timeout=10)
    assert answer.status_code == 404
    assert _error(answer)["code"] == "not_found"


def test_wrong_method_on_a_known_path_is_405(stack):
    api, _ = stack
    answer = requests.patch(f"{api}/shops", json={}, headers=token("merchant", "it-m1"),
                            timeout=10)
    assert answer.status_code == 405
    assert _error(answer)["code"] == "method_not_allowed"


def test_body_over_the_limit_is_413_and_nothing_is_written(stack):
    api, _ = stack
    merchant = token("merchant", "it-big")
    raw = '{"name": "大店", "description": "' + "长" * 30_000 + '"}'
    answer = requests.post(f"{api}/shops", data=raw.encode(), timeout=10,
                           headers={**merchant, "Content-Type": "application/json"})
    assert answer.status_code == 413
    assert _error(answer)["code"] == "body_too_large"
    mine = requests.get(f"{api}/me/shops", headers=merchant, timeout=10)
    assert mine.status_code == 200 and mine.json()["items"] == []


def test_wrong_content_type_is_415(stack):
    api, _ = stack
    answer = requests.post(f"{api}/shops", data=b"name=x", timeout=10,
                           headers={**token("merchant", "it-m1"),
                                    "Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 415
    assert _error(answer)["code"] == "unsupported_media_type"
