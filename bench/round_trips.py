"""DynamoDB round trips per request, counted at botocore, on moto with a realistic catalog.

The app runs in-process through chalice.test.Client, exactly as a request would in Lambda, after
one merchant has loaded a shop of 200 products over 5 categories through the merchant API.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from bench import env
from bench.counter import Calls, dynamodb_calls

CATEGORIES = ("空调", "洗地机", "冰箱", "洗衣机", "电视")
TAB = "洗地机"  # the category tab measured
PRODUCTS = 200
PAGE_SIZE = 20  # the storefront's default `limit`
BUDGET_PRODUCT_PAGE = 1
BUDGET_STOREFRONT_PAGE = 2
BUDGET_CART_CHANGE = 1
# checkout: one BatchGetItem, one Query (the buyer's touches, for attribution: bench/attribution.py
# compares before and after) and one TransactWriteItems; idempotency records are shown apart
BUDGET_CHECKOUT = 3
CHECKOUT_SHAPE = {"BatchGetItem": 1, "Query": 1, "TransactWriteItems": 1}
_SEED = 20261125


@dataclass
class Measurement:
    name: str
    route: str
    status: int
    expected_status: int
    calls: Calls
    budget: int | None
    page_size: int | None = None
    returned: int | None = None
    problem: str | None = None  # the response was not what the request should give

    @property
    def cards_read(self) -> int:
        return self.calls.items_read["Query"]

    @property
    def verdict(self) -> str:
        if self.status != self.expected_status:
            return f"FAIL (HTTP {self.status})"
        if self.problem:
            return f"FAIL ({self.problem})"
        if self.budget is None:
            return "info"
        return "PASS" if self.calls.total <= self.budget else "FAIL"

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "route": self.route,
            "status": self.status,
            "round_trips": self.calls.total,
            "by_operation": dict(sorted(self.calls.by_operation.items())),
            "items_read": sum(self.calls.items_read.values()),
            "items_read_by_operation": dict(sorted(self.calls.items_read.items())),
            "page_size": self.page_size,
            "items_returned": self.returned,
            "budget": self.budget,
            "idempotency_calls": dict(sorted(self.calls.idempotency.items())),
            "verdict": self.verdict,
            "problem": self.problem,
        }


def _product_body(rng: random.Random, n: int) -> dict:
    category = CATEGORIES[n % len(CATEGORIES)]
    brand = rng.choice(("海尔", "美的", "格力", "小米", "追觅", "石头", "西门子", "松下"))
    base = rng.randrange(499, 12_999) * 100
    skus = []
    for index in range(rng.choice((1, 1, 2, 3))):
        price = base + index * rng.randrange(100, 800) * 100
        sku = {"specs": {"规格": f"款式{index + 1}", "颜色": rng.choice(("白", "黑", "银"))},
               "price_fen": price, "stock": rng.choice((0, 3, 12, 40, 200))}
        if rng.random() < 0.4:
            sku["list_price_fen"] = price + rng.randrange(1, 50) * 1000
        skus.append(sku)
    return {
        "title": f"{brand} {category} {rng.choice(('旗舰', '标准', '青春', 'Pro'))}款 {n:03d}",
        "description": f"{brand}{category}，节能静音，全国联保。" * rng.randrange(3, 12),
        "category": category,
        "images": [f"https://img.example.com/p/{n}/{i}.jpg" for i in range(rng.randrange(1, 6))],
        "attributes": {"品牌": brand, "产地": "中国", "保修": f"{rng.choice((1, 2, 3))}年"},
        "status": "on_shelf",
        "skus": skus,
    }


class _Api:
    def __init__(self, client, headers: dict):
        self.client = client
        self.headers = headers

    def call(self, method: str, path: str, body: dict | None = None,
             headers: dict | None = None) -> tuple[int, dict | None]:
        headers = {"Content-Type": "application/json", **self.headers, **(headers or {})}
        data = None if body is None else json.dumps(body, ensure_ascii=False)
        with contextlib.redirect_stdout(io.StringIO()):  # Powertools prints EMF metrics
            response = getattr(self.client.http, method)(path, headers=headers, body=data)
        return response.status_code, (json.loads(response.body) if response.body else None)

    def measured(self, name: str, route: str, method: str, path: str, body: dict | None = None,
                 expected_status: int = 200, budget: int | None = None,
                 page_size: int | None = None,
                 headers: dict | None = None) -> tuple[Measurement, dict | None]:
        with dynamodb_calls() as calls:
            status, payload = self.call(method, path, body, headers)
        returned = len(payload["items"]) if page_size and payload and "items" in payload else None
        return Measurement(name, route, status, expected_status, calls, budget, page_size,
                           returned), payload


def _measure_buying(api: _Api, in_stock: list[str], progress) -> list[Measurement]:
    """Add to cart and checkout, as a shopper, on SKUs that have stock."""
    from chalicelib.auth import issue_token

    shopper = {"Authorization": f"Bearer {issue_token('bench-u1', 'shopper')}"}
    cart, _ = api.measured("add to cart", "PUT /cart/items/{sku_id}", "put",
                           f"/cart/items/{in_stock[0]}", {"quantity": 1},
                           budget=BUDGET_CART_CHANGE, headers=shopper)
    progress(f"add to cart: {cart.calls.total} round trip(s)")
    results = [cart]
    for lines in (1, 5):
        body = {"items": [{"sku_id": sku, "quantity": 1} for sku in in_stock[1:1 + lines]],
                "source": {"scene": "storefront"}}
        checkout, _ = api.measured(
            f"checkout, {lines} line{'s' if lines > 1 else ''}", "POST /orders", "post",
            "/orders", body, expected_status=201, budget=BUDGET_CHECKOUT,
            headers={**shopper, "Idempotency-Key": f"bench-checkout-{lines}"})
        if dict(checkout.calls.by_operation) != CHECKOUT_SHAPE:
            checkout.problem = ("not 1 read + 1 Query + 1 transaction: "
                                f"{checkout.calls.describe()}")
        progress(f"checkout of {lines} line(s): {checkout.calls.describe()}; idempotency "
                 f"{dict(checkout.calls.idempotency)}")
        results.append(checkout)
    return results


@contextlib.contextmanager
def _quiet_logs():
    """Point the Powertools log handler at a buffer; it keeps the stream it was created with."""
    from chalicelib.observability import logger

    previous = logger.registered_handler.setStream(io.StringIO())
    try:
        yield
    finally:
        logger.registered_handler.setStream(previous)


def _page_problem(measurement: Measurement, cards: list[dict], params: dict) -> str | None:
    """Sanity of the pages so far, so a broken page cannot pass on few round trips."""
    if measurement.returned != measurement.page_size:
        return f"{measurement.returned} items on a full page"
    ids = [card["product_id"] for card in cards]
    if len(set(ids)) != len(ids):
        return "a product repeats across pages"
    if "category" in params and any(card["category"] != params["category"] for card in cards):
        return "a card from another category"
    prices = [card["price_fen"] for card in cards]
    if params["sort"] == "price_desc" and prices != sorted(prices, reverse=True):
        return "not sorted by price"
    return None


def run(progress: Callable[[str], None]) -> dict:
    env.apply()
    from chalice.test import Client
    from moto import mock_aws

    with mock_aws():
        from chalicelib.auth import issue_token
        from chalicelib.store.tables import create_missing_tables

        create_missing_tables(progress=lambda _: None)
        from app import app

        with _quiet_logs(), Client(app) as client:
            api = _Api(client, {"Authorization": f"Bearer {issue_token('bench-m1', 'merchant')}"})
            return _measure(api, progress)


def _measure(api: _Api, progress: Callable[[str], None]) -> dict:
    started = time.perf_counter()
    status, shop = api.call("post", "/shops", {"name": "海边家电旗舰店", "description": "bench"})
    if status != 201:
        raise RuntimeError(f"creating the shop failed: HTTP {status} {shop}")
    shop_id = shop["shop_id"]
    rng = random.Random(_SEED)
    product_ids, in_stock = [], []
    for n in range(PRODUCTS):
        status, product = api.call("post", f"/shops/{shop_id}/products", _product_body(rng, n))
        if status != 201:
            raise RuntimeError(f"creating product {n} failed: HTTP {status} {product}")
        product_ids.append(product["product_id"])
        in_stock += [sku["sku_id"] for sku in product["skus"] if sku["stock"] >= 2]
    load_seconds = time.perf_counter() - started
    progress(f"loaded 1 shop, {PRODUCTS} products over {len(CATEGORIES)} categories "
             f"through the API in {load_seconds:.1f}s")

    results: list[Measurement] = []
    measurement, _ = api.measured(
        "product page", "GET /products/{id}", "get", f"/products/{product_ids[PRODUCTS // 2]}",
        budget=BUDGET_PRODUCT_PAGE)
    results.append(measurement)
    progress(f"product page: {measurement.calls.total} round trip(s)")

    storefront = f"/shops/{shop_id}/storefront"
    for label, params in (("sort=comprehensive", {"sort": "comprehensive"}),
                          ("sort=price_desc", {"sort": "price_desc"}),
                          (f"category={TAB}", {"sort": "comprehensive", "category": TAB})):
        cursor, seen = None, []
        for page in (1, 2):
            query = dict(params, **({"cursor": cursor} if cursor else {}))
            route = "GET /shops/{id}/storefront?" + "&".join(
                f"{k}={'…' if k == 'cursor' else v}" for k, v in query.items())
            name = f"storefront {label} p{page}" + (" (cursor)" if cursor else "")
            measurement, payload = api.measured(
                name, route, "get", f"{storefront}?{urlencode(query)}",
                budget=BUDGET_STOREFRONT_PAGE, page_size=PAGE_SIZE)
            seen += (payload or {}).get("items", [])
            measurement.problem = _page_problem(measurement, seen, params)
            results.append(measurement)
            progress(f"storefront {label} page {page}: {measurement.calls.total} round trip(s), "
                     f"{measurement.cards_read} cards read for {measurement.returned} shown")
            cursor = (payload or {}).get("next_cursor")
            if cursor is None:
                break

    measurement, _ = api.measured(
        "merchant product create", "POST /shops/{id}/products", "post",
        f"/shops/{shop_id}/products", _product_body(rng, PRODUCTS), expected_status=201)
    results.append(measurement)
    progress(f"merchant product create: {measurement.calls.total} round trip(s)")
    results += _measure_buying(api, in_stock, progress)

    return {
        "catalog": {"shops": 1, "products": PRODUCTS, "categories": list(CATEGORIES),
                    "category_tab": TAB, "page_size": PAGE_SIZE,
                    "load_seconds": round(load_seconds, 2)},
        "requests": [m.as_dict() for m in results],
    }
