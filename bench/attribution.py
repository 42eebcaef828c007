"""`python -m bench.attribution [--json PATH]`: DynamoDB calls per checkout before and after
attribution (target: the checkout stays 1 read + 1 transaction, plus at most 1 Query for the
touches), counted at botocore on moto through chalice.test.Client.

"Before" is the checkout with the source-only stamping it had before touches (d2a0f24: every
line from the order's source), put back for that one request; "after" is the checkout as it is,
for shoppers with no touches, with a video anchor click and a video store visit (the line must
come out attributed to the video, with one assist), and with a history at the read cap
(MAX_TOUCHES_READ touches, read in the one Query). Powertools' idempotency record writes are
shown apart, as in bench/round_trips.py.
"""

from __future__ import annotations

from collections.abc import Callable
from unittest import mock

from bench import env
from bench.round_trips import _Api, _quiet_logs  # the counted test client round_trips uses
from bench.table import render, run_section

PRODUCTS = 12
TARGET = "checkout = BatchGetItem 1 + TransactWriteItems 1 + Query ≤ 1"
_VIDEO = {"video_id": "v-bench-1", "live_id": "l-bench-1", "creator_id": "c-bench-1"}


def source_only_stamping(orders, products) -> None:
    """The checkout's stamping before attribution read touches (for the "before" row)."""
    from chalicelib.domain.orders import attribution_from_source, stamp_line

    for order in orders:
        for line in order.lines:
            stamp_line(line, attribution_from_source(order.source), products)


def _shape_problem(by_operation: dict) -> str | None:
    extra = set(by_operation) - {"BatchGetItem", "TransactWriteItems", "Query"}
    if by_operation.get("BatchGetItem") != 1 or by_operation.get("TransactWriteItems") != 1 \
            or by_operation.get("Query", 0) > 1 or extra:
        return "not 1 read + 1 transaction + ≤ 1 Query"
    return None


def measure(progress: Callable[[str], None] = print) -> dict:
    env.apply()
    from chalice.test import Client
    from moto import mock_aws

    with mock_aws():
        from chalicelib.store.tables import create_missing_tables

        create_missing_tables(progress=lambda _: None)
        from app import app

        with _quiet_logs(), Client(app) as client:
            return _measure(client, progress)


def _measure(client, progress) -> dict:
    from chalicelib.auth import issue_token
    from chalicelib.services import attribution as attribution_service

    merchant = _Api(client, {"Authorization": f"Bearer {issue_token('bench-m1', 'merchant')}"})
    skus = {}
    for shop_name in ("海边家电旗舰店", "山里小店"):
        status, shop = merchant.call("post", "/shops", {"name": shop_name})
        if status != 201:
            raise RuntimeError(f"creating a shop failed: HTTP {status} {shop}")
        for n in range(PRODUCTS // 2):
            status, product = merchant.call("post", f"/shops/{shop['shop_id']}/products", {
                "title": f"{shop_name} 商品 {n}", "description": "bench", "category": "电视",
                "images": ["https://img.example.com/p.jpg"], "attributes": {}, "status": "on_shelf",
                "skus": [{"specs": {"规格": "标准"}, "price_fen": 99_900 + n, "stock": 1000}]})
            if status != 201:
                raise RuntimeError(f"creating a product failed: HTTP {status} {product}")
            skus.setdefault(shop["shop_id"], []).append(product["skus"][0]["sku_id"])
    home, away = list(skus)
    progress(f"loaded 2 shops, {PRODUCTS} products through the API")

    def checkout(name: str, shopper: str, lines: list[str], **expect):
        api = _Api(client, {"Authorization": f"Bearer {issue_token(shopper, 'shopper')}"})
        body = {"items": [{"sku_id": sku, "quantity": 1} for sku in lines],
                "source": {"scene": "storefront"}}
        measurement, placed = api.measured(
            name, "POST /orders", "post", "/orders", body, expected_status=201, budget=3,
            headers={"Idempotency-Key": f"bench-attr-{len(rows)}"})
        measurement.problem = _shape_problem(dict(measurement.calls.by_operation)) or \
            _outcome_problem(placed, **expect)
        row = measurement.as_dict()
        row["query_items_read"] = measurement.calls.items_read["Query"]
        progress(f"{name}: {measurement.calls.describe()}; idempotency "
                 f"{dict(measurement.calls.idempotency)}")
        rows.append(row)

    rows: list[dict] = []
    with mock.patch.object(attribution_service, "attribute", source_only_stamping):
        checkout("before attribution (source-only), 1 line", "bench-u0", skus[home][:1])
    checkout("after, no touches, 1 line", "bench-u1", skus[home][:1], channel="storefront")
    _video_touches(client, "bench-u2", skus[home][0], home)
    checkout("after, video anchor click + store visit, 1 line", "bench-u2", skus[home][:1],
             channel="video", assists=1)
    _bulk_touches("bench-u3", skus[home][0], home)
    checkout("after, 1,000 touches kept, 5 lines", "bench-u3", skus[home][:5], channel="video")
    with mock.patch.object(attribution_service, "attribute", source_only_stamping):
        checkout("before attribution (source-only), 2 shops, 6 lines", "bench-u4",
                 skus[home][:3] + skus[away][:3])
    checkout("after, 1,000 touches kept, 2 shops, 6 lines", "bench-u3",
             skus[home][:3] + skus[away][:3], channel="video")
    return {"target": TARGET, "requests": rows}


def _outcome_problem(placed: dict | None, channel: str | None = None,
                     assists: int | None = None) -> str | None:
    """The attribution the checkout must have produced, so a cheap wrong answer cannot pass."""
    if not placed:
        return "no orders"
    first = placed["orders"][0]
    if channel and first["lines"][0]["attribution"]["channel"] != channel:
        return f"first line not attributed to {channel}"
    if assists is not None and len(first["assists"]) != assists:
        return f"not {assists} assist(s)"
    return None


def _video_touches(client, shopper: str, sku_id: str, shop_id: str) -> None:
    """An anchor click and a store visit from the video, through POST /events and the
    behaviour stream consumer, as in production."""
    from chalicelib.auth import issue_token
    from chalicelib.domain.clock import now_ms, to_iso
    from chalicelib.jobs import behaviour as behaviour_jobs
    from chalicelib.store.behaviour import BehaviourEventModel

    api = _Api(client, {"Authorization": f"Bearer {issue_token(shopper, 'shopper')}"})
    at = to_iso(now_ms() - 60_000)
    product_id = sku_id.rsplit(".", 1)[0]
    events = [{"event_id": f"{shopper}-click", "type": "anchor_click", "scene": "video",
               "at": at, "product_id": product_id, **_VIDEO},
              {"event_id": f"{shopper}-visit", "type": "store_visit", "scene": "video",
               "at": at, "shop_id": shop_id, **_VIDEO}]
    status, answer = api.call("post", "/events", {"events": events})
    if status != 200 or answer["rejected"]:
        raise RuntimeError(f"events refused: HTTP {status} {answer}")
    records = [{"eventName": "INSERT", "dynamodb": {"NewImage": model.serialize(),
                                                    "SequenceNumber": str(n)}}
               for n, model in enumerate(BehaviourEventModel.scan())
               if model.actor == f"shopper#{shopper}"]
    behaviour_jobs.handle_stream_batch({"Records": records})


def _bulk_touches(shopper: str, sku_id: str, shop_id: str) -> None:
    """A history at the read cap: clicks on many other products, the last on the bought one."""
    from chalicelib.domain import attribution as rules
    from chalicelib.domain.attribution import Touch
    from chalicelib.domain.clock import now_ms
    from chalicelib.store import touches as touch_store

    actor, now = f"shopper#{shopper}", now_ms()
    product_id = sku_id.rsplit(".", 1)[0]
    for n in range(rules.MAX_TOUCHES_READ - 1):
        touch_store.keep(Touch(actor, rules.CLICK, now - 3_600_000 - n, f"bulk-{n:05d}", "click",
                               "mall", product_id=f"{shop_id}.p{n:020d}", shop_id=shop_id))
    touch_store.keep(Touch(actor, rules.CLICK, now - 60_000, "bulk-bought", "anchor_click",
                           "video", product_id=product_id, shop_id=shop_id, **_VIDEO))


def report(figures: dict) -> None:
    print(f"\n== DynamoDB calls per checkout, before and after attribution (target: {TARGET})")
    rows = []
    for r in figures["requests"]:
        ops = ", ".join(f"{op} {n}" for op, n in r["by_operation"].items()) or "none"
        idempotency = ", ".join(f"{op} {n}" for op, n in r["idempotency_calls"].items())
        rows.append([r["name"], r["round_trips"], ops, f"+ {idempotency}",
                     r["query_items_read"], r["verdict"]])
    print(render(["checkout", "trips", "by operation", "idempotency", "touches read", "result"],
                 rows, right={1, 4}))


def targets(figures: dict) -> tuple[list[str], list[str]]:
    after = [r for r in figures["requests"] if r["name"].startswith("after")]
    worst = max(r["round_trips"] for r in after)
    line = f"checkout with attribution ≤ 3 trips, 1 read + 1 transaction + ≤ 1 Query " \
           f"({len(after)} requests, worst {worst})"
    ok = all(r["verdict"] == "PASS" for r in figures["requests"])
    return ([line], []) if ok else ([], [line])


def main(argv: list[str] | None = None) -> int:
    return run_section(__doc__.splitlines()[0], measure, report, targets, argv)


if __name__ == "__main__":
    raise SystemExit(main())
