"""Ids that exist, so the fuzzer's path parameters reach past 404.

Read from the demo data (the merchant "m1"'s shop: the demo catalog's first) and through the
API itself (that shop's listed products, their SKUs, its bundles and orders, the campaigns),
plus what the demo data has none of for that shop, made the way a client would: an unpaid
order, an after-sales case, a live session, a video, a job run. The shopper is the buyer of the
shop's orders, so one set of ids is each caller's own where its role can see it: the merchant's
shop, the shopper's orders in it, the merchant's live session. Safe to run again on the same
stack (`SHELF_FUZZ_URL`). `Seeds.ids` maps a parameter name (`order_id`, ...) to its ids.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import requests

from chalicelib.auth import issue_token

MERCHANT, CREATOR, OPS = "m1", "c1", "ops1"
TIMEOUT = 30
TOKEN_HOURS = 6


CANCEL = "POST /orders/{order_id}/cancel"


@dataclass
class Seeds:
    shopper: str = ""
    ids: dict[str, list[str]] = field(default_factory=dict)
    # operation → {name: ids} in place of `ids`: what one operation would use up for the others
    by_operation: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def add(self, name: str, *values: str | None) -> None:
        known = self.ids.setdefault(name, [])
        known += [value for value in values if value and value not in known]


def bearer(role: str, sub: str) -> dict[str, str]:
    token = issue_token(sub, role, ttl_seconds=TOKEN_HOURS * 3600)
    return {"Authorization": f"Bearer {token}"}


class _Client:
    def __init__(self, url: str):
        self.url, self.session = url, requests.Session()

    def call(self, method: str, path: str, headers: dict, body: dict | None = None,
             expect: tuple[int, ...] = (200, 201, 202)) -> dict:
        response = self.session.request(method, self.url + path, json=body, headers=headers,
                                        timeout=TIMEOUT)
        if response.status_code not in expect:
            raise RuntimeError(f"seeding: {method} {path} answered {response.status_code}: "
                               f"{response.text[:300]}")
        return response.json()


def collect(url: str) -> Seeds:
    client, seeds = _Client(url), Seeds()
    merchant = bearer("merchant", MERCHANT)
    shop_id = demo_shop_id()
    seeds.add("shop_id", shop_id)
    _catalog(client, seeds, shop_id)
    orders = client.call("GET", f"/shops/{shop_id}/orders?limit=50", merchant)["items"]
    seeds.shopper = Counter(order["buyer_id"] for order in orders).most_common(1)[0][0]
    shopper = bearer("shopper", seeds.shopper)
    own = [order for order in orders if order["buyer_id"] == seeds.shopper]
    seeds.add("order_id", *(order["order_id"] for order in own))
    seeds.add("order_id", _unpaid_order(client, seeds, shopper, "pay"))
    seeds.by_operation[CANCEL] = {"order_id": [_unpaid_order(client, seeds, shopper, "cancel")]}
    _after_sales_case(client, seeds, own, shopper)
    _streams(client, seeds, shop_id, merchant)
    seeds.add("campaign_id", *(item["campaign_id"]
                               for item in client.call("GET", "/campaigns", {})["items"]))
    seeds.add("creator_id", CREATOR)
    run = client.call("POST", "/ops/jobs/search-index", bearer("ops", OPS), {})
    seeds.add("job", run["job"])
    seeds.add("run_id", run["run_id"])
    return seeds


def demo_shop_id() -> str:
    """The demo catalog's first shop, the merchant's (the fuzzer creates shops of its own)."""
    from local.demo_data import build_demo_catalog

    shop = build_demo_catalog().shops[0]
    assert shop.owner_id == MERCHANT, shop.owner_id
    return shop.shop_id


# operations that change a product (a status off the shelf, a price, its distribution): they get
# a product of their own, so the reads after them still find the others listed
PRODUCT_EDITS = ("PATCH /products/{product_id}", "PATCH /products/{product_id}/skus/{sku_id}",
                 "POST /products/{product_id}/skus", "PUT /products/{product_id}/distribution",
                 "DELETE /products/{product_id}/distribution")


def _catalog(client: _Client, seeds: Seeds, shop_id: str) -> None:
    """Products on the storefront (listed: the fuzzer adds drafts of its own) and their SKUs,
    the last of them for PRODUCT_EDITS only, and the shop's bundles."""
    storefront = client.call("GET", f"/shops/{shop_id}/storefront", {})
    products = [client.call("GET", f"/products/{item['product_id']}", {})
                for item in storefront["items"][:5]]
    for product in products[:-1]:
        seeds.add("product_id", product["product_id"])
        seeds.add("sku_id", *(sku["sku_id"] for sku in product["skus"]))
    edited = {"product_id": [products[-1]["product_id"]],
              "sku_id": [sku["sku_id"] for sku in products[-1]["skus"]]}
    seeds.by_operation.update({operation: edited for operation in PRODUCT_EDITS})
    seeds.add("bundle_id", *(bundle["bundle_id"] for bundle in storefront["bundles"]))


def _unpaid_order(client: _Client, seeds: Seeds, shopper: dict, purpose: str) -> str | None:
    """An order awaiting payment (the demo history has none): one to pay, one to cancel."""
    for sku_id in seeds.ids["sku_id"]:
        answer = client.call("POST", "/orders",
                             {**shopper, "Idempotency-Key": f"fuzz-{purpose}-{time.time_ns()}"},
                             {"items": [{"sku_id": sku_id, "quantity": 1}]},
                             expect=(201, 409, 422))  # sold out, or stock the fuzzer took
        if "orders" in answer:
            return answer["orders"][0]["order_id"]
    return None


def _after_sales_case(client: _Client, seeds: Seeds, orders: list[dict], shopper: dict) -> None:
    """A case on the first delivered or completed order, or the one opened there already."""
    for order in orders:
        if order["status"] not in ("delivered", "completed"):
            continue
        path, line = f"/orders/{order['order_id']}/after-sales", order["lines"][0]
        opened = client.call("GET", path, shopper)["items"]
        if not opened:
            opened = [client.call("POST", path, shopper,
                                  {"line": line["line"], "type": "refund", "reason": "quality",
                                   "amount_fen": line["line_total_fen"]})]
        seeds.add("case_id", *(case["case_id"] for case in opened))
        return


def _streams(client: _Client, seeds: Seeds, shop_id: str, merchant: dict) -> None:
    """The shop's live session (a new one unless one is live already) and a video from it."""
    products = seeds.ids["product_id"][:2]
    sessions = client.call("GET", f"/shops/{shop_id}/live-sessions", merchant)["items"]
    live = next((item for item in sessions if item["status"] == "live"), None)
    if live is None:
        live = client.call("POST", "/live-sessions", merchant,
                           {"title": "fuzz seed", "shop_id": shop_id, "products": products})
    seeds.add("live_id", live["live_id"])
    video = client.call("POST", "/videos", merchant,
                        {"title": "fuzz seed", "anchors": products, "shop_id": shop_id,
                         "live_id": live["live_id"]})
    seeds.add("video_id", video["video_id"])
