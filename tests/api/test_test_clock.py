"""The local stack's test clock on moto: POST/GET /ops/clock, and everything reading moved time."""

import json
import time
from datetime import datetime

import pytest

from chalicelib.auth import issue_token
from chalicelib.domain import clock, ids
from chalicelib.settings import get_settings
from chalicelib.signatures import sign
from chalicelib.store.orders import OrderModel
from tests.support import bearer, product_body, sku

DAY_S = 24 * 60 * 60


@pytest.fixture
def clock_file(tmp_path, monkeypatch):
    """What `make run` does: a clock file for this process, at offset 0."""
    monkeypatch.setenv(clock.CLOCK_FILE_ENV, str(tmp_path / "local-clock.json"))
    monkeypatch.setattr(clock, "_cached", None)
    clock.reset()
    return tmp_path / "local-clock.json"


def advance(api, seconds, headers=None):
    """POST /ops/clock, as ops unless other headers are given."""
    return api.call("post", "/ops/clock", {"advance_s": seconds}, headers or bearer("ops", "o1"))


def system_ms() -> int:
    return int(time.time() * 1000)


def id_time_ms(identifier: str, prefix: str) -> int:
    """The epoch ms an id carries (its first 10 base32 characters after the prefix)."""
    value = 0
    for char in identifier.removeprefix(prefix)[:10]:
        value = value * 32 + ids._ALPHABET.index(char)
    return value


def test_an_advance_is_answered_and_read_back(api, clock_file):
    status, before = api.call("get", "/ops/clock", None, bearer("ops", "o1"))
    assert (status, before["offset_s"], before["stage"]) == (200, 0, "test")
    status, moved = advance(api, DAY_S)
    assert (status, moved["offset_s"]) == (200, DAY_S)
    asked_at = system_ms()
    status, read = api.call("get", "/ops/clock", None, bearer("ops", "o1"))
    assert (status, read["offset_s"]) == (200, DAY_S)
    shown_ms = clock.from_datetime(datetime.fromisoformat(read["now"]))
    assert asked_at + DAY_S * 1000 <= shown_ms <= system_ms() + DAY_S * 1000
    assert advance(api, 60)[1]["offset_s"] == DAY_S + 60  # offsets add up
    assert json.loads(clock_file.read_text()) == {"offset_s": DAY_S + 60}


def test_every_request_after_an_advance_sees_the_moved_time(api, clock_file):
    assert advance(api, 30 * DAY_S)[0] == 200
    moved_now = system_ms() + 30 * DAY_S * 1000
    status, shop = api.call("post", "/shops", {"name": "海边干货铺"}, bearer("merchant", "m1"))
    assert status == 201, shop
    assert abs(id_time_ms(shop["shop_id"], "s") - moved_now) < 5_000  # a new id's time part
    product = api.create_product(shop["shop_id"], product_body(skus=[sku(9900, 5)]))
    status, placed = api.call("post", "/orders",
                              {"items": [{"sku_id": f"{product['product_id']}.0", "quantity": 1}],
                               "source": {"scene": "storefront"}},
                              {**bearer("shopper", "u1"), "Idempotency-Key": "clock-key-0001"})
    assert status == 201, placed
    order_id = placed["orders"][0]["order_id"]
    assert abs(int(OrderModel.get(order_id).created_at) - moved_now) < 5_000


def test_tokens_live_in_the_moved_time(api, clock_file):
    short_lived = {"Authorization": f"Bearer {issue_token('u1', 'shopper', ttl_seconds=DAY_S)}"}
    assert api.call("get", "/orders", None, short_lived)[0] == 200
    assert advance(api, 30 * DAY_S)[0] == 200
    status, error = api.call("get", "/orders", None, short_lived)
    assert (status, error["error"]["code"]) == (401, "invalid_token")  # its exp was skipped
    # issued 30 days ahead of the system clock, which PyJWT's own iat check would refuse
    minted_after = {"Authorization": f"Bearer {issue_token('u1', 'shopper', ttl_seconds=DAY_S)}"}
    assert api.call("get", "/orders", None, minted_after)[0] == 200


def test_a_delivered_order_completes_itself_seven_days_on(api, clock_file):
    from chalicelib.jobs.orders import complete_delivered_orders

    order_id = _delivered_order(api)
    assert complete_delivered_orders() == {"completed": 0}
    assert advance(api, 7 * DAY_S - 60)[0] == 200
    assert complete_delivered_orders() == {"completed": 0}  # a minute early
    assert advance(api, 60)[0] == 200
    assert complete_delivered_orders() == {"completed": 1}
    order = OrderModel.get(order_id)
    assert order.status == "completed"
    assert int(order.completed_at) >= int(order.delivered_at) + 7 * DAY_S * 1000


@pytest.mark.parametrize("body", [{"advance_s": 0}, {"advance_s": clock.MAX_ADVANCE_S + 1},
                                  {"advance_s": "86400"}, {"advance_s": 1.5}, {}])
def test_advances_out_of_bounds_are_422_and_move_nothing(api, clock_file, body):
    status, error = api.call("post", "/ops/clock", body, bearer("ops", "o1"))
    assert (status, error["error"]["code"]) == (422, "validation_error")
    assert error["error"]["details"][0]["field"] == "advance_s"
    assert json.loads(clock_file.read_text()) == {"offset_s": 0}


def test_ninety_days_is_the_largest_step(api, clock_file):
    status, moved = advance(api, clock.MAX_ADVANCE_S)
    assert (status, moved["offset_s"]) == (200, 90 * DAY_S)


def test_only_ops_may_read_or_move_the_clock(api, clock_file):
    for role in ("shopper", "merchant", "creator"):
        status, error = advance(api, 60, bearer(role, "x1"))
        assert (status, error["error"]["code"]) == (403, "wrong_role")
        assert api.call("get", "/ops/clock", None, bearer(role, "x1"))[0] == 403
    assert api.call("get", "/ops/clock")[0] == 401
    assert json.loads(clock_file.read_text()) == {"offset_s": 0}


def test_without_a_clock_file_the_route_does_not_exist(api, monkeypatch):
    monkeypatch.delenv(clock.CLOCK_FILE_ENV, raising=False)
    for status, error in (advance(api, 60), api.call("get", "/ops/clock", None,
                                                     bearer("ops", "o1"))):
        assert (status, error["error"]["code"]) == (404, "not_found")


@pytest.fixture
def deployed_stage(monkeypatch):
    monkeypatch.setenv("SHELF_STAGE", "prod")
    monkeypatch.setenv("SHELF_JWT_SECRET", "a-deployed-stage-secret-0000000000")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_deployed_stage_answers_404_even_with_a_clock_file(api, clock_file, deployed_stage):
    ops = bearer("ops", "o1")  # a valid token of that stage
    for status, error in (advance(api, 60, ops), api.call("get", "/ops/clock", None, ops),
                          api.call("get", "/ops/clock")):  # before any token check
        assert (status, error["error"]["code"]) == (404, "not_found")
    assert json.loads(clock_file.read_text()) == {"offset_s": 0}


# --- helpers -----------------------------------------------------------------------------------

def _delivered_order(api) -> str:
    shop = api.create_shop()
    product = api.create_product(shop["shop_id"], product_body(skus=[sku(9900, 5)]))
    shopper = bearer("shopper", "u1")
    _, placed = api.call("post", "/orders",
                         {"items": [{"sku_id": f"{product['product_id']}.0", "quantity": 1}],
                          "source": {"scene": "storefront"}},
                         {**shopper, "Idempotency-Key": "clock-key-0002"})
    order_id = placed["orders"][0]["order_id"]
    _, intent = api.call("post", f"/orders/{order_id}/pay", None, shopper)
    simulator = intent["simulator"]
    status, _ = api.call("post", "/payments/callback", raw=simulator["callback_body"],
                         headers={"X-Signature": simulator["signature"]})
    assert status == 200
    status, _ = api.call("post", f"/orders/{order_id}/ship",
                         {"carrier": "中通", "tracking_number": "ZT1"}, bearer("merchant", "m1"))
    assert status == 200
    delivered = json.dumps({"event_id": "clock-d1", "order_id": order_id,
                            "tracking_number": "ZT1", "type": "delivered",
                            "at": clock.to_iso(clock.now_ms())})
    status, body = api.call("post", "/carriers/events", raw=delivered, headers={
        "X-Signature": sign(get_settings().carrier_secret, delivered.encode())})
    assert (status, body["status"]) == (200, "delivered")
    return order_id
