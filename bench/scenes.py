"""`python -m bench.scenes [--json PATH] [--no-tables]`: the mall and recommendation scenes.

In-process moto, the demo catalogue and the demo shoppers' 90 days up to DEFAULT_AS_OF_MS
(local.demo_shoppers: 2026-12-01, fixed, so two runs measure the same world). Recommendation
quality is a temporal split: everything before the cutoff T = DEFAULT_AS_OF_MS − HORIZON_DAYS
(14 days) is loaded (orders, reviews, follows, linked devices, browse events, and the catalogue
as it stood then), the service clock is set to T (`chalicelib.domain.clock.now_ms` and every
module that imported it), the feeds job runs, and each shopper who bought before T and again
after it is asked `GET /recommendations?limit=10` as of T. The targets are the products they
bought in the 14 days after T. Prints, in one run:

- recommendation quality: hit@10 (at least one target in the first 10) and nDCG@10 (binary
  relevance, normalised by the best possible order of that shopper's targets) for ours,
  against a popularity baseline (the 10 products most buyers bought before T) and a
  popular-in-category baseline (the 10 most bought products of the shopper's most bought
  category before T): the same training orders and cutoff; the baselines are not subject to
  the shop-window rule and do not know the clock. Also catalogue coverage (distinct products
  in anyone's top 10 ÷ listed products) and shop-rule violations (windows of 10 with > 2 of one
  shop while another shop's item was left) over every list shown;
- DynamoDB calls per mall and recommendation page (first and later pages);
- behaviour events ingested per second through `POST /events` in batches of 100, and the calls
  each batch costs at ingestion and in the stream consumer.

Nothing after T reaches the service, so a purchase cannot be predicted from what followed it;
the list is the one built at T, although the job rebuilds lists nightly, which makes the
14 days a harder task for ours (timing-aware) than for the baselines (timeless).

Targets: ours ≥ 1.5 × the better baseline's hit@10; 0 shop-rule violations; ≤ 2 calls a page.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from bench import env
from bench.table import render, summary_line, write_figures

TOP = 10
EVENT_BATCHES = 20
HORIZON_DAYS = 14
DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class Case:
    """A shopper who bought before the cutoff and after it."""

    shopper_id: str
    targets: frozenset[str]  # the products bought in the horizon after the cutoff
    history: list  # their orders before the cutoff (DemoOrder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no-tables", action="store_true",
                        help="progress only (bench.run prints the tables with the others)")
    args = parser.parse_args(argv)
    env.apply()
    from local.demo_shoppers import DEFAULT_AS_OF_MS  # the world the tests use: 2026-12-01

    cutoff = DEFAULT_AS_OF_MS - HORIZON_DAYS * DAY_MS
    set_clock(cutoff)
    from moto import mock_aws

    from local.moto_server import apply_patches

    apply_patches()
    started = time.perf_counter()

    def progress(message: str) -> None:
        print(f"  [{time.perf_counter() - started:5.1f}s] {message}", flush=True)

    with mock_aws():
        figures = measure(progress, DEFAULT_AS_OF_MS, cutoff)
    if not args.no_tables:
        report(figures)
    if args.json:
        write_figures(figures, args.json)
    return 0


def set_clock(start_ms: int) -> None:
    """Run the service clock (chalicelib.domain.clock.now_ms, wherever it was imported) from
    `start_ms` on, real time elapsing from here."""
    from chalicelib.domain import clock

    begun = clock.now_ms()
    clock.source = lambda: start_ms + int(time.time() * 1000) - begun


def measure(progress, as_of: int, cutoff: int) -> dict:
    from chalice.test import Client

    from app import app
    from chalicelib.domain.clock import to_iso
    from chalicelib.jobs import runner
    from chalicelib.queues import JOBS_QUEUE, ensure_queue
    from chalicelib.store.tables import create_missing_tables
    from local.demo_data import build_demo_catalog
    from local.demo_shoppers import build_demo_shoppers
    from local.pumps import drain_job_queue
    from local.seed import seed_if_empty

    create_missing_tables(progress=lambda _: None)
    os.environ["SHELF_JOBS_QUEUE_URL"] = ensure_queue(JOBS_QUEUE, "shelf-bench-")
    full_catalog = build_demo_catalog()
    world = build_demo_shoppers(full_catalog, as_of)
    cases = split(world.orders, cutoff)
    catalog, world = as_of_cutoff(full_catalog, world, cutoff)
    progress(f"demo world: {len(world.shoppers)} shoppers, {len(world.orders)} orders before "
             f"the cutoff, {len(cases)} shoppers bought in the {HORIZON_DAYS} days after it")
    seed_if_empty(progress, catalog=catalog, shoppers=world, search_index=False,
                  streams=False)
    runner.start("feeds", {}, force=True)
    chunks = drain_job_queue()
    progress(f"feeds job: {chunks} chunks")
    listed = {p.product_id for p in catalog.listed_products()}
    with Client(app) as client:
        quality = _quality(client, cases, world.orders, full_catalog, listed, progress)
        calls = _calls_per_page(client)
        ingest = _ingest(client, progress)
    quality["cutoff"] = to_iso(cutoff)
    return {"quality": quality, "calls": calls, "ingest": ingest}


def split(orders, cutoff: int) -> list[Case]:
    """The shoppers with orders both before the cutoff and in the horizon after it."""
    by_buyer: dict[str, list] = defaultdict(list)
    for order in orders:
        by_buyer[order.buyer_id].append(order)
    end = cutoff + HORIZON_DAYS * DAY_MS
    cases = []
    for buyer in sorted(by_buyer, key=lambda b: (len(b), b)):
        before = [o for o in by_buyer[buyer] if o.paid_at < cutoff]
        after = {p for o in by_buyer[buyer] if cutoff <= o.paid_at <= end for p in o.product_ids}
        if before and after:
            cases.append(Case(buyer, frozenset(after), before))
    return cases


def as_of_cutoff(catalog, world, cutoff: int):
    """The catalogue and the shoppers' world as they stood at the cutoff: nothing later."""
    later = {p.product_id for p in catalog.products if p.created_at > cutoff}
    catalog = replace(
        catalog, products=[p for p in catalog.products if p.product_id not in later],
        bundles=[b for b in catalog.bundles if b.created_at <= cutoff
                 and not {part.product_id for part in b.parts} & later])
    orders = [o for o in world.orders if o.paid_at < cutoff]
    kept = {o.order_id for o in orders}
    world = replace(
        world, as_of_ms=cutoff, orders=orders,
        reviews=[r for r in world.reviews if r.order_id in kept and r.created_at < cutoff],
        follows=[f for f in world.follows if f[2] < cutoff],
        events=[e for e in world.events if e.at < cutoff],
        devices=[d for d in world.devices if d[2] < cutoff])
    return catalog, world


# --- quality -------------------------------------------------------------------------------------

def _quality(client, cases, training, catalog, listed, progress) -> dict:
    buyers_of: dict[str, set] = defaultdict(set)
    category_of = {p.product_id: p.category for p in catalog.products}
    shop_of = {p.product_id: p.shop_id for p in catalog.products}
    for order in training:
        for product_id in order.product_ids:
            buyers_of[product_id].add(order.buyer_id)
    popular = [pid for pid, _ in sorted(((pid, len(b)) for pid, b in buyers_of.items()
                                         if pid in listed), key=lambda kv: (-kv[1], kv[0]))]
    by_category: dict[str, list[str]] = defaultdict(list)
    for product_id in popular:
        by_category[category_of[product_id]].append(product_id)
    scores = {"ours": [], "popularity": [], "popular_in_category": []}
    shown: set[str] = set()
    violations = 0
    reasons: Counter = Counter()
    for case in cases:
        ours = _recommend(client, case.shopper_id)
        shown.update(pid for pid, _ in ours)
        reasons.update(reason for _, reason in ours)
        violations += _violations([shop_of.get(pid, "") for pid, _ in ours])
        bought = Counter(category_of[p] for order in case.history for p in order.product_ids)
        favourite = bought.most_common(1)[0][0] if bought else None
        lists = {"ours": [pid for pid, _ in ours], "popularity": popular[:TOP],
                 "popular_in_category": by_category.get(favourite, [])[:TOP]}
        for name, ranked in lists.items():
            scores[name].append(_gain(ranked, case.targets))
    progress(f"quality: {len(cases)} shoppers scored")
    summary = {name: {"hit_at_10": round(sum(hit for hit, _ in values) / len(values), 4),
                      "ndcg_at_10": round(sum(ndcg for _, ndcg in values) / len(values), 4)}
               for name, values in scores.items()}
    summary["shoppers"] = len(cases)
    summary["targets_per_shopper"] = round(sum(len(c.targets) for c in cases) / len(cases), 2)
    summary["horizon_days"] = HORIZON_DAYS
    summary["coverage"] = round(len(shown & listed) / len(listed), 4)
    summary["shop_rule_violations"] = violations
    summary["reasons"] = dict(reasons)
    return summary


def _recommend(client, shopper_id: str) -> list[tuple[str, str]]:
    from tests.support import bearer

    response = client.http.get(f"/recommendations?limit={TOP}",
                               headers=bearer("shopper", shopper_id))
    body = json.loads(response.body)
    return [(item["product_id"], item["reason"]) for item in body["items"]]


def _gain(ranked: list[str], targets: frozenset[str]) -> tuple[int, float]:
    """(hit, nDCG) of a list against the products bought: binary relevance, normalised by the
    DCG of the targets placed first."""
    found = [position for position, pid in enumerate(ranked[:TOP]) if pid in targets]
    if not found:
        return 0, 0.0
    dcg = sum(1 / math.log2(position + 2) for position in found)
    ideal = sum(1 / math.log2(position + 2) for position in range(min(len(targets), TOP)))
    return 1, dcg / ideal


def _violations(shops: list[str]) -> int:
    """Positions where a shop's third item in 10 was shown although another shop's would fit."""
    from chalicelib.domain.shop_window import fits

    return sum(1 for index, shop in enumerate(shops)
               if not fits(shops[:index], shop)
               and any(fits(shops[:index], later) for later in shops[index:]))


# --- calls per page ------------------------------------------------------------------------------

def _calls_per_page(client) -> dict:
    from chalicelib.services import mall
    from tests.support import bearer, dynamodb_calls

    def page(path: str, headers=None) -> tuple[int, dict]:
        with dynamodb_calls() as calls:
            body = json.loads(client.http.get(path, headers=headers or {}).body)
        return calls.total, body

    figures = {}
    mall._heads.clear()
    figures["mall first page (head not cached)"], body = page("/mall?category=空调&limit=20")
    figures["mall first page (head cached)"], _ = page("/mall?category=空调&limit=20")
    cursor = body["next_cursor"]
    figures["mall later page"], _ = page(f"/mall?category=空调&limit=20&cursor={cursor}")
    mall._heads.clear()
    u1 = bearer("shopper", "u1")
    figures["recommendations, shopper, first page"], body = page(
        "/recommendations?limit=20", u1)
    cursor = body["next_cursor"]
    figures["recommendations, shopper, later page"], _ = page(
        f"/recommendations?limit=20&cursor={cursor}", u1)
    mall._heads.clear()
    figures["recommendations, anonymous, first page"], _ = page("/recommendations?limit=20")
    return figures


# --- ingestion -----------------------------------------------------------------------------------

def _ingest(client, progress) -> dict:
    from chalicelib.domain.clock import now_ms, to_iso
    from chalicelib.jobs.behaviour import handle_stream_batch
    from chalicelib.store.behaviour import BehaviourEventModel
    from tests.support import dynamodb_calls, stream_record
    products = [json.loads(client.http.get("/mall?limit=50").body)["items"][i]["product_id"]
                for i in range(50)]
    at = to_iso(now_ms())
    elapsed = 0.0
    with dynamodb_calls() as ingest_calls:
        for batch in range(EVENT_BATCHES):
            events = [{"event_id": uuid.uuid4().hex, "type": "impression" if n % 10 else "click",
                       "scene": "mall", "at": at, "product_id": products[n % 50],
                       "position": n % 20} for n in range(100)]
            body = json.dumps({"events": events})
            begun = time.perf_counter()
            response = client.http.post("/events", body=body, headers={
                "Content-Type": "application/json", "X-Device-Id": f"bench-device-{batch:04d}"})
            elapsed += time.perf_counter() - begun
            assert response.status_code == 200, response.body
    # in-process moto has no stream API: the raw items as the stream hands them over (INSERT)
    records = [stream_record(model, n) for n, model in enumerate(BehaviourEventModel.scan())]
    with dynamodb_calls() as consumer_calls:
        for start in range(0, len(records), 100):
            handle_stream_batch({"Records": records[start:start + 100]})
    counted = len(records)
    progress(f"ingest: {EVENT_BATCHES} batches of 100, {counted} stream records counted")
    return {"batches": EVENT_BATCHES, "events_per_second": round(EVENT_BATCHES * 100 / elapsed),
            "calls_per_batch": {op: n / EVENT_BATCHES for op, n in ingest_calls.items()},
            "consumer_calls_per_batch": {op: round(n / EVENT_BATCHES, 2)
                                         for op, n in consumer_calls.items()}}


# --- report --------------------------------------------------------------------------------------

def report(figures: dict) -> None:
    print_tables(figures)
    print(summary_line(*summary_targets(figures)))


def print_tables(figures: dict) -> None:
    quality = figures["quality"]
    print(f"\n== Recommendation quality: {quality['shoppers']} shoppers, as of the cutoff "
          f"({quality['cutoff']}), against what they bought in the {quality['horizon_days']} "
          f"days after it "
          f"({quality['targets_per_shopper']} products each on average)")
    rows = [[name, quality[name]["hit_at_10"], quality[name]["ndcg_at_10"]]
            for name in ("ours", "popularity", "popular_in_category")]
    print(render(["list", "hit@10", "nDCG@10"], rows, right={1, 2}))
    print(f"  coverage {quality['coverage']:.1%} of listed products; shop-rule violations "
          f"{quality['shop_rule_violations']}; reasons shown {quality['reasons']}")
    print("\n== DynamoDB calls per page")
    print(render(["page", "calls", "budget"],
                 [[name, calls, "≤ 2"] for name, calls in figures["calls"].items()], right={1}))
    ingest = figures["ingest"]
    print(f"\n== Behaviour events into moto: {ingest['events_per_second']} events/s in batches "
          f"of 100; calls per batch at ingestion {ingest['calls_per_batch']}, in the consumer "
          f"{ingest['consumer_calls_per_batch']}")


def summary_targets(figures: dict) -> tuple[list[str], list[str]]:
    quality = figures["quality"]
    best = max(quality["popularity"]["hit_at_10"], quality["popular_in_category"]["hit_at_10"])
    met, missed = [], []
    target = f"hit@10 {quality['ours']['hit_at_10']:.3f} ≥ 1.5 × {best:.3f}"
    (met if quality["ours"]["hit_at_10"] >= 1.5 * best else missed).append(target)
    rule = f"shop-rule violations {quality['shop_rule_violations']} = 0"
    (met if quality["shop_rule_violations"] == 0 else missed).append(rule)
    worst = max(figures["calls"].values())
    (met if worst <= 2 else missed).append(f"calls per page ≤ 2 (max {worst})")
    return met, missed


if __name__ == "__main__":
    raise SystemExit(main())
