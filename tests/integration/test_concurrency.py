"""Concurrency for real: threads over HTTP against chalice local and a moto server process."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tests.integration.conftest import token

MERCHANT = "it-conc-m1"


def _product_with_stock(api: str, stock: int) -> tuple[str, str]:
    merchant = token("merchant", MERCHANT)
    shop = requests.post(f"{api}/shops", json={"name": "抢购小店"}, headers=merchant, timeout=10)
    body = {"title": "限量 翡翠手镯", "category": "翡翠", "status": "on_shelf",
            "skus": [{"specs": {"圈口": "56"}, "price_fen": 880000, "stock": stock}]}
    product = requests.post(f"{api}/shops/{shop.json()['shop_id']}/products", json=body,
                            headers=merchant, timeout=10).json()
    return product["product_id"], f"{product['product_id']}.0"


def _checkout(api: str, sku_id: str, shopper: str, key: str, quantity: int = 1):
    """A checkout as a real client makes it: a dropped connection is retried with the same
    Idempotency-Key (chalice local's accept backlog is 5, so 25 threads on a loaded machine
    can see a reset), and the key makes the retry safe."""
    body = {"items": [{"sku_id": sku_id, "quantity": quantity}], "source": {"scene": "live"}}
    headers = {**token("shopper", shopper), "Idempotency-Key": key}
    with requests.Session() as session:
        retry = Retry(total=5, connect=5, read=5, status=0, allowed_methods=None,
                      backoff_factor=0.1)
        session.mount("http://", HTTPAdapter(max_retries=retry))
        return session.post(f"{api}/orders", json=body, headers=headers, timeout=60)


def _stock(api: str, product_id: str) -> int:
    merchant = token("merchant", MERCHANT)
    shop_id = product_id.split(".")[0]
    listing = requests.get(f"{api}/shops/{shop_id}/products", headers=merchant, timeout=10)
    (product,) = [p for p in listing.json()["items"] if p["product_id"] == product_id]
    return product["skus"][0]["stock"]


def test_fifty_shoppers_race_for_ten_units(stack):
    api, _ = stack
    product_id, sku_id = _product_with_stock(api, 10)
    with ThreadPoolExecutor(max_workers=25) as pool:
        responses = list(pool.map(
            lambda n: _checkout(api, sku_id, f"racer-{n}", f"race-{uuid.uuid4().hex}"),
            range(50)))
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 10, statuses
    assert set(statuses) <= {201, 409, 429}
    for refused in (r for r in responses if r.status_code == 409):
        assert refused.json()["error"]["code"] == "insufficient_stock"
    assert _stock(api, product_id) == 0
    # every refused shopper can see they have no order; every winner has exactly one
    winners = [r.json()["orders"][0]["buyer_id"] for r in responses if r.status_code == 201]
    assert len(set(winners)) == 10


def test_one_idempotency_key_sent_five_times_at_once_makes_one_order(stack):
    api, _ = stack
    product_id, sku_id = _product_with_stock(api, 100)
    key = f"same-{uuid.uuid4().hex}"
    with ThreadPoolExecutor(max_workers=5) as pool:
        responses = list(pool.map(lambda _: _checkout(api, sku_id, "impatient", key), range(5)))
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 409}, statuses
    order_ids = {r.json()["orders"][0]["order_id"] for r in responses if r.status_code == 201}
    assert len(order_ids) == 1
    for busy in (r for r in responses if r.status_code == 409):
        assert busy.json()["error"]["code"] == "request_in_progress"
    mine = requests.get(f"{api}/orders", headers=token("shopper", "impatient"), timeout=10)
    assert [o["order_id"] for o in mine.json()["items"]] == list(order_ids)
    assert _stock(api, product_id) == 99


def test_cancel_racing_payment_has_one_outcome(stack):
    api, _ = stack
    product_id, sku_id = _product_with_stock(api, 20)
    outcomes = []
    for round_number in range(5):
        shopper = f"waverer-{round_number}"
        placed = _checkout(api, sku_id, shopper, f"waver-{uuid.uuid4().hex}")
        order_id = placed.json()["orders"][0]["order_id"]
        headers = token("shopper", shopper)
        intent = requests.post(f"{api}/orders/{order_id}/pay", headers=headers, timeout=10).json()
        simulator = intent["simulator"]
        with ThreadPoolExecutor(max_workers=2) as pool:
            paying = pool.submit(
                requests.post, f"{api}/payments/callback", data=simulator["callback_body"],
                headers={"X-Signature": simulator["signature"],
                         "Content-Type": "application/json"}, timeout=30)
            cancelling = pool.submit(requests.post, f"{api}/orders/{order_id}/cancel", json={},
                                     headers=headers, timeout=30)
            paid, cancelled = paying.result(), cancelling.result()
        final = requests.get(f"{api}/orders/{order_id}", headers=headers, timeout=10).json()
        # Each request is conditioned on the state it read, so the order ends in one history:
        # paid (the cancel lost), cancelled unpaid (the payment lost), or paid and then
        # cancelled (the cancel read the paid order; a refund is due). Never a double effect.
        codes = (paid.status_code, cancelled.status_code)
        if final["status"] == "paid":
            assert codes == (200, 409)
        elif final["paid_at"] is None:
            assert codes == (409, 200)
        else:
            assert codes == (200, 200)
            assert final["status"] == "cancelled"
        for loser in (r for r in (paid, cancelled) if r.status_code == 409):
            assert loser.json()["error"]["code"] in {"order_state_changed",
                                                     "illegal_transition"}
        outcomes.append(final["status"])
    # stock went back for the cancelled orders only, exactly once each
    assert _stock(api, product_id) == 20 - outcomes.count("paid")
    assert set(outcomes) <= {"paid", "cancelled"}
