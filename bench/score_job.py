"""The daily score job's cost: the domain computation in-process, the DynamoDB part on moto.

1. Domain: 1k, 10k and 100k synthetic entities (1 shop per 20 products), each scored from its
   daily counters in the 90-day window one entity at a time, as the job does. Each entity's days
   come from a generator, so nothing holds more than one entity's days: time should grow with
   the entities, the traced peak memory should not.
2. DynamoDB: moto in-process, E entities that exist of which C were active in the window; the
   real job (`start_run`, then every SQS chunk through `handle_queue_batch`) counted at botocore.

`python -m bench.score_job [--trace-memory]` runs this section alone; `python -m bench.run` runs
it after the others.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from botocore.client import BaseClient

from bench import env
from bench.counter import Calls, dynamodb_calls
from bench.round_trips import _quiet_logs
from bench.table import render, summary_line, write_figures

Progress = Callable[[str], None]

DOMAIN_SIZES = (1_000, 10_000, 100_000)
# (entities that exist, entities active in the window). Seeding moto costs ~0.3 ms an item, so
# 10k entities (~40k items with counters and catalog) is where this section stays near a minute.
MOTO_ROWS = ((1_000, 100), (5_000, 100), (10_000, 100), (10_000, 1_000))
PRODUCTS_PER_SHOP = 20
CATEGORIES = ("空调", "洗地机", "冰箱", "洗衣机", "电视")
WINDOW_DAYS = 90
INACTIVE_AGE = 200  # days since an inactive entity's last event: outside the window
LAMBDA_BATCH = 5  # app.py: @app.on_sqs_message(..., batch_size=5)
PEAK_TARGET = 1.5  # domain: traced peak at 100k entities / at 1k
EXISTING_TARGET = 1.1  # moto: calls at the most / the fewest existing entities, same changed
_SEED = 20261125


# --- synthetic entities and counters -------------------------------------------------------------

@dataclass(frozen=True)
class Synthetic:
    index: int
    kind: str  # shop | product
    shop: int  # index of its shop (a shop's own index for a shop)
    category: str

    @property
    def item_id(self) -> str:
        return f"{'s' if self.kind == 'shop' else 'p'}{self.index:06d}"

    @property
    def key(self) -> str:  # in aggregates, entities and scores
        return f"{self.kind}#{self.item_id}"

    @property
    def shop_id(self) -> str:
        return f"s{self.shop:06d}"


def synthetic_entity(index: int) -> Synthetic:
    """Entity `index`: every 21st is a shop, the 20 after it are its products."""
    group = PRODUCTS_PER_SHOP + 1
    shop = index - index % group
    category = CATEGORIES[(index // group + index % 2) % len(CATEGORIES)]
    return Synthetic(index, "shop" if index == shop else "product", shop, category)


def _rng(name: object) -> random.Random:
    """One stream per entity, so any entity's data is the same whatever else is generated."""
    return random.Random(f"{_SEED}/{name}")


def active_ages(rng: random.Random, kind: str) -> list[int]:
    """Ages (0 = the as-of day) with events: a shop sells most days, a product on a few."""
    if kind == "shop":
        return [age for age in range(WINDOW_DAYS) if rng.random() < 0.8]
    days = min(WINDOW_DAYS, 1 + int(rng.expovariate(0.1)))  # long tail, ~10 days on average
    return sorted(rng.sample(range(WINDOW_DAYS), days))


def day_counters(rng: random.Random, kind: str, scale: int = 1) -> dict[str, int]:
    """One plausible day: mostly on time, few bad reviews, the odd after-sales case."""
    orders = rng.randint(1, 6) if kind == "shop" else rng.randint(1, 3)
    reviews = rng.randint(0, orders)
    bad = int(reviews > 0 and rng.random() < 0.03)
    cases = int(rng.random() < 0.05)
    reason = rng.random()
    sessions = rng.randint(0, 4) if kind == "shop" else 0
    counters = {
        "orders": orders, "collection_known": orders,
        "collected_48h": orders - int(rng.random() < 0.05),
        "on_time": orders - int(rng.random() < 0.08),
        "reviews": reviews, "bad_reviews": bad, "positive_reviews": reviews - bad,
        "after_sales": cases, "quality_returns": int(cases and reason < 0.3),
        "nad_refunds": int(cases and reason > 0.8), "handled_cases": cases,
        "handling_ms": cases * rng.randint(1, 30) * 3_600_000,
        "disputes": int(cases and rng.random() < 0.1), "seller_fault_disputes": 0,
        "sessions": sessions, "replied_3min": sessions, "replied_3s": sessions // 2,
    }
    return counters if scale == 1 else {name: n * scale for name, n in counters.items()}


def synthetic_days(name: object, kind: str, as_of: int,
                   scale: int = 1) -> Iterator[tuple[int, dict[str, int]]]:
    """One entity's (day, counters) in the window, made one day at a time as they are read."""
    rng = _rng(name)
    for age in active_ages(rng, kind):
        yield as_of - age, day_counters(rng, kind, scale)


def last_active_day(index: int, kind: str, as_of: int) -> int:
    return as_of - min(active_ages(_rng(index), kind))


# The priors: platform and category totals, on every day of the window (a shop's day × 400).
PRIOR_SCALE = 400


def _prior_keys() -> list[tuple[str, str, str | None]]:
    return [("platform#all", "platform", None),
            *((f"category#{c}", "category", c) for c in CATEGORIES)]


# --- 1. the domain computation in-process --------------------------------------------------------

def _priors(as_of: int) -> dict[str, object]:
    from chalicelib.domain import scores as formulas

    def totals(key: str) -> object:
        days = ((day, formulas.DailyCounters(**counters)) for day, counters
                in synthetic_days(key, "shop", as_of, PRIOR_SCALE))
        return formulas.window_totals(days, as_of_day=as_of)

    return {category or "platform": totals(key) for key, _, category in _prior_keys()}


def score_entities(count: int, as_of: int, priors: dict, score: bool = True) -> float:
    """Score `count` entities one at a time, as the job does; returns a checksum of the totals.

    With score=False only the counters are made (they stand in for the Query and from_dict of
    the job), so the two runs apart show what scoring itself costs."""
    from chalicelib.domain import scores as formulas

    checksum, shop_total = 0.0, None
    for index in range(count):
        entity = synthetic_entity(index)
        days = ((day, formulas.DailyCounters(**counters))
                for day, counters in synthetic_days(index, entity.kind, as_of))
        if not score:
            checksum += sum(1 for _ in days)
            continue
        totals = formulas.window_totals(days, as_of_day=as_of)
        if entity.kind == "shop":
            result = formulas.score_shop(totals, priors["platform"])
            shop_total = result.total  # its products come next and lean on it
        else:
            result = formulas.score_product(totals, priors[entity.category], shop_total)
        checksum += result.total or 0.0
    return checksum


def _traced_peak(work: Callable[[], object]) -> int:
    """Peak traced memory (bytes) allocated by `work` above what was held when it started."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        work()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def measure_domain(progress: Progress) -> dict:
    from chalicelib.domain.clock import now_ms
    from chalicelib.domain.scores import day_of

    as_of = day_of(now_ms()) - 1
    priors = _priors(as_of)
    # warm up, untraced and traced: imports, caches and first allocations are not the loop's
    score_entities(500, as_of, priors)
    _traced_peak(lambda: score_entities(500, as_of, priors))
    rows = []
    for count in DOMAIN_SIZES:
        started = time.perf_counter()
        score_entities(count, as_of, priors)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        score_entities(count, as_of, priors, score=False)
        making = time.perf_counter() - started
        # a run of its own: tracemalloc slows allocation-heavy code down several times
        peak = _traced_peak(lambda count=count: score_entities(count, as_of, priors))
        rows.append({"entities": count, "seconds": round(seconds, 3),
                     "us_per_entity": round(seconds / count * 1e6, 1),
                     "making_counters_us_per_entity": round(making / count * 1e6, 1),
                     "peak_bytes": peak})
        progress(f"score job, domain: {count} entities in {seconds:.2f}s "
                 f"({seconds / count * 1e6:.0f} µs each), traced peak {peak / 1024:.1f} KiB")
    for row in rows:
        row["time_ratio"] = round(row["seconds"] / rows[0]["seconds"], 2)
        row["peak_ratio"] = round(row["peak_bytes"] / rows[0]["peak_bytes"], 2)
    peak_ratio = rows[-1]["peak_ratio"]
    return {"rows": rows, "products_per_shop": PRODUCTS_PER_SHOP, "window_days": WINDOW_DAYS,
            "peak_ratio": peak_ratio, "peak_target": PEAK_TARGET,
            "met": peak_ratio <= PEAK_TARGET}


# --- 2. the DynamoDB part on moto ----------------------------------------------------------------

def _info(entity: Synthetic):
    from chalicelib.domain.aggregation import EntityInfo

    if entity.kind == "shop":
        return EntityInfo(entity.key, "shop")
    return EntityInfo(entity.key, "product", shop_id=entity.shop_id, category=entity.category)


def _seed(existing: int, changed: int, as_of: int) -> int:
    """E entities exist, the first C of them (whole shops with their products) active in the
    window, the rest last active INACTIVE_AGE days ago with one old day of counters. Written with
    BatchWriteItem (not through the events stream): seeding is not what is measured. Returns
    how many items were written."""
    from chalicelib.domain.aggregation import EntityInfo
    from chalicelib.store.aggregates import load_history

    def days() -> Iterator[tuple[str, int, dict[str, int]]]:
        for index in range(existing):
            entity = synthetic_entity(index)
            if index < changed:
                for day, counters in synthetic_days(index, entity.kind, as_of):
                    yield entity.key, day, counters
            else:
                yield entity.key, as_of - INACTIVE_AGE, day_counters(_rng(index), entity.kind)
        for key, _, _ in _prior_keys():
            for day, counters in synthetic_days(key, "shop", as_of, PRIOR_SCALE):
                yield key, day, counters

    def entities() -> Iterator[tuple[object, int]]:
        for index in range(existing):
            entity = synthetic_entity(index)
            yield _info(entity), (last_active_day(index, entity.kind, as_of) if index < changed
                                  else as_of - INACTIVE_AGE)
        for key, kind, category in _prior_keys():
            yield EntityInfo(key, kind, category=category), as_of

    return load_history(days(), entities()) + _seed_catalog(existing, changed)


def _seed_catalog(existing: int, changed: int) -> int:
    """Every shop and product item, and the active shops' shelves as a daily run leaves them:
    versions 1 and 2, so the measured rebuild writes 3, flips, and deletes 1 (its steady state).
    Inactive shops' shelves are left out: the job never reads them."""
    from chalicelib.domain.shelf import ALL_CATEGORIES, card_for
    from chalicelib.store import shelves as shelf_store
    from chalicelib.store.products import ProductModel, SkuMap, to_domain
    from chalicelib.store.shelves import ShelfCardModel
    from chalicelib.store.shops import ShopModel

    now, items = 1_795_000_000_000, 0
    shops: dict[str, Counter] = {}
    with ProductModel.batch_write() as products, ShelfCardModel.batch_write() as cards:
        for index in range(existing):
            entity = synthetic_entity(index)
            shops.setdefault(entity.shop_id, Counter())
            if entity.kind == "shop":
                continue
            model = ProductModel(
                entity.item_id, shop_id=entity.shop_id, title=f"{entity.category} {index}",
                category=entity.category, status="on_shelf", created_at=now, updated_at=now,
                skus=[SkuMap(sku_id=f"{entity.item_id}-0", price_fen=9_900 + index, stock=10)])
            products.save(model)
            shops[entity.shop_id][entity.category] += 1
            items += 1
            if entity.shop >= changed:
                continue
            card = card_for(to_domain(model), None)
            for version in (1, 2):
                for shelf in (entity.category, ALL_CATEGORIES):
                    cards.save(shelf_store.card_model(
                        card, shelf_store.shelf_key(entity.shop_id, version, shelf)))
                    items += 1
    with ShopModel.batch_write() as batch:
        for shop_id, counts in shops.items():
            batch.save(ShopModel(shop_id, owner_id="bench-m1", name=f"店铺 {shop_id}",
                                 category_counts=dict(counts), shelf_version=2,
                                 created_at=now, updated_at=now))
    return items + len(shops)


class _AwsCalls:
    """Time inside AWS calls (botocore and moto), the SQS messages sent, and the largest Query
    response per table: what bounds how much one call hands the job."""

    def __init__(self):
        self.seconds = 0.0
        self.sqs = Counter()
        self.largest_query: dict[str, int] = {}

    @contextlib.contextmanager
    def patched(self):
        inner = BaseClient._make_api_call  # the DynamoDB counter, patched in first

        def timed(client, operation, params):
            service = client.meta.service_model.service_name
            if service == "sqs":
                self.sqs[operation] += len(params.get("Entries", ())) or 1
            started = time.perf_counter()
            try:
                response = inner(client, operation, params)
            finally:
                self.seconds += time.perf_counter() - started
            if service == "dynamodb" and operation == "Query":
                table = params["TableName"].rsplit("-", 1)[-1]  # the base name
                if index := params.get("IndexName"):
                    table += f".{index}"
                self.largest_query[table] = max(self.largest_query.get(table, 0),
                                                int(response.get("Count", 0)))
            return response

        with mock.patch.object(BaseClient, "_make_api_call", timed):
            yield self


@dataclass
class _Batch:
    phase: str
    chunks: int
    calls: int
    peak: int | None  # traced bytes above what was held when the batch started


def _lambda_event(messages: list[dict]) -> dict:
    return {"Records": [
        {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
         "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs",
         "md5OfBody": m.get("MD5OfBody", "")} for m in messages]}


def _drain(calls: Calls, progress: Progress, trace: bool) -> list[_Batch]:
    """What Lambda's SQS poller does: hand the real handler batches of LAMBDA_BATCH chunks until
    the queue is empty, and delete what it did. A phase's messages are sent only once the
    previous phase is complete, so every batch belongs to one phase."""
    from chalicelib.jobs.runner import get_job, handle_queue_batch
    from chalicelib.queues import JOBS_QUEUE, delete, receive

    phases = get_job("scores").phases
    batches: list[_Batch] = []
    while messages := receive(JOBS_QUEUE, LAMBDA_BATCH):
        phase = phases[json.loads(messages[0]["Body"])["phase"]].name
        if batches and batches[-1].phase != phase:
            _phase_done(batches, progress)
        before_calls = calls.total
        if trace:
            before_memory = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
        failures = handle_queue_batch(_lambda_event(messages))["batchItemFailures"]
        peak = tracemalloc.get_traced_memory()[1] - before_memory if trace else None
        if failures:
            raise RuntimeError(f"{len(failures)} score chunks failed")
        batches.append(_Batch(phase, len(messages), calls.total - before_calls, peak))
        for message in messages:
            delete(JOBS_QUEUE, message["ReceiptHandle"])
    if batches:
        _phase_done(batches, progress)
    return batches


def _phase_done(batches: list[_Batch], progress: Progress) -> None:
    phase = batches[-1].phase
    done = [b for b in batches if b.phase == phase]
    progress(f"  phase {phase}: {sum(b.chunks for b in done)} chunks in {len(done)} batches, "
             f"{sum(b.calls for b in done)} DynamoDB calls")


def _run_job(as_of: int, progress: Progress, trace: bool) -> dict:
    from chalicelib.jobs.scores import JOB, start_run
    from chalicelib.store import job_runs

    if trace:
        tracemalloc.start()
    try:
        with dynamodb_calls() as calls, _AwsCalls().patched() as aws:
            started = time.perf_counter()
            run = start_run(as_of, force=True)
            start_calls = calls.total
            batches = _drain(calls, progress, trace)
            seconds = time.perf_counter() - started
    finally:
        if trace:
            tracemalloc.stop()
    record = job_runs.get(run["run_id"])
    if record is None or record["status"] != "done":
        raise RuntimeError(f"the score run did not finish: {record}")
    by_phase = {phase.name: sum(b.calls for b in batches if b.phase == phase.name)
                for phase in JOB.phases}
    return {
        "seconds": round(seconds, 2), "in_aws_calls_seconds": round(aws.seconds, 2),
        "calls": calls.total, "by_operation": dict(sorted(calls.by_operation.items())),
        "items_read": sum(calls.items_read.values()),
        "calls_by_phase": {"start": start_calls, **by_phase},
        "chunks": sum(b.chunks for b in batches), "batches": len(batches),
        "messages_sent": aws.sqs["SendMessageBatch"],
        "entities_done": record["items_done"],
        "largest_query": dict(sorted(aws.largest_query.items())),
        "batch_peak_kib": (round(max(b.peak for b in batches) / 1024, 1) if trace else None),
    }


@contextlib.contextmanager
def _moto_as_make_run():
    """moto with the fixes `make run` gives it (local/moto_server.py): a table Query reads its
    partition instead of sorting every item of the table, and moto stops keeping every model
    instance it creates. Neither changes a call or a response, only moto's own time and memory.
    Instance tracking is reset by every mock start, so it is stopped again inside each mock."""
    from moto.dynamodb.models.table import Table

    from local.moto_server import narrow_table_queries

    original = Table.query
    narrow_table_queries()
    try:
        yield
    finally:
        Table.query = original


def measure_row(existing: int, changed: int, progress: Progress, trace: bool = False) -> dict:
    from moto import mock_aws

    from local.moto_server import stop_instance_tracking

    with mock_aws():
        from chalicelib.domain.clock import now_ms
        from chalicelib.domain.scores import day_of
        from chalicelib.queues import JOBS_QUEUE, ensure_queue
        from chalicelib.store.tables import create_missing_tables

        stop_instance_tracking()
        create_missing_tables(progress=lambda _: None)
        ensure_queue(JOBS_QUEUE, "shelf-bench-", visibility_timeout=300)
        as_of = day_of(now_ms()) - 1
        started = time.perf_counter()
        items = _seed(existing, changed, as_of)
        progress(f"score job, moto: {existing} existing, {changed} changed: seeded {items} items "
                 f"in {time.perf_counter() - started:.1f}s, running the job")
        row = {"existing": existing, "changed": changed, "seeded_items": items,
               **_run_job(as_of, progress, trace)}
    progress(f"score job, moto: {existing} existing, {changed} changed: {row['calls']} DynamoDB "
             f"calls, {row['chunks']} chunks, {row['seconds']:.1f}s")
    return row


def measure_moto(progress: Progress, trace: bool = False) -> dict:
    env.apply()
    # ensure_queue exports the queue URL; keep it from outliving the section
    with mock.patch.dict(os.environ), _quiet_logs(), _moto_as_make_run():
        measure_row(100, 20, lambda _: None)  # warm up: botocore models, moto backends, imports
        rows = [measure_row(existing, changed, progress, trace)
                for existing, changed in MOTO_ROWS]
    return {"rows": rows, "lambda_batch": LAMBDA_BATCH, "traced": trace,
            "existing_check": _existing_check(rows)}


def _existing_check(rows: list[dict]) -> dict | None:
    """Calls at the most and the fewest existing entities, among rows with the same changed."""
    for changed in dict.fromkeys(r["changed"] for r in rows):
        same = sorted((r for r in rows if r["changed"] == changed), key=lambda r: r["existing"])
        if len(same) > 1:
            low, high = same[0], same[-1]
            ratio = round(high["calls"] / low["calls"], 3)
            return {"changed": changed, "existing": [low["existing"], high["existing"]],
                    "calls": [low["calls"], high["calls"]], "ratio": ratio,
                    "target": EXISTING_TARGET, "met": ratio <= EXISTING_TARGET}
    return None


def _marginal(rows: list[dict]) -> list[dict]:
    """DynamoDB calls per extra changed entity, between rows with the same existing entities."""
    found = []
    for existing in dict.fromkeys(r["existing"] for r in rows):
        same = sorted((r for r in rows if r["existing"] == existing), key=lambda r: r["changed"])
        if len(same) > 1:
            low, high = same[0], same[-1]
            found.append({"existing": existing, "changed": [low["changed"], high["changed"]],
                          "calls_per_extra_changed": round(
                              (high["calls"] - low["calls"]) / (high["changed"] - low["changed"]),
                              2)})
    return found


def run(progress: Progress, trace_memory: bool = False) -> dict:
    env.apply()
    figures = {"domain": measure_domain(progress)}
    figures["moto"] = measure_moto(progress, trace_memory)
    figures["moto"]["marginal"] = _marginal(figures["moto"]["rows"])
    return figures


# --- output --------------------------------------------------------------------------------------

def print_tables(figures: dict) -> None:
    _domain_table(figures["domain"])
    _moto_table(figures["moto"])


def _domain_table(domain: dict) -> None:
    print(f"\n== Score job, domain computation in-process (window {domain['window_days']} days, "
          f"1 shop per {domain['products_per_shop']} products, one entity at a time)")
    rows = [[f"{r['entities']:,}", f"{r['seconds']:.2f}", f"{r['us_per_entity']:.0f}",
             f"{r['making_counters_us_per_entity']:.0f}", f"×{r['time_ratio']:.1f}",
             f"{r['peak_bytes'] / 1024:.1f}", f"×{r['peak_ratio']:.2f}"]
            for r in domain["rows"]]
    print(render(["entities", "seconds", "µs per entity", "of which counters µs", "time vs 1k",
                  "traced peak KiB", "peak vs 1k"], rows, right=set(range(7))))
    verdict = "PASS" if domain["met"] else "FAIL"
    print(f"  traced peak at {domain['rows'][-1]['entities']:,} / at "
          f"{domain['rows'][0]['entities']:,} entities: {domain['peak_ratio']:.2f}   "
          f"target ≤ {domain['peak_target']}   {verdict}")
    print("  µs per entity includes making the synthetic counters (the stand-in for the Query "
          "and from_dict),\n  shown apart; traced peak = tracemalloc peak of the scoring loop, "
          "in a run of its own.")


def _moto_table(moto: dict) -> None:
    print(f"\n== Score job on moto: the real job, SQS batches of {moto['lambda_batch']} chunks "
          "through handle_queue_batch (calls counted at botocore)")
    traced = moto["traced"]
    rows = []
    for r in moto["rows"]:
        phases = r["calls_by_phase"]
        row = [f"{r['existing']:,}", f"{r['changed']:,}", r["chunks"], r["calls"],
               f"{r['calls'] / r['changed']:.1f}",
               " / ".join(str(phases[name]) for name in phases), r["items_read"],
               f"{r['seconds']:.1f}", f"{r['in_aws_calls_seconds']:.1f}",
               f"{r['seconds'] - r['in_aws_calls_seconds']:.2f}"]
        if traced:
            row.append(f"{r['batch_peak_kib']:,.0f}")
        rows.append(row)
    headers = ["existing", "changed", "chunks", "DynamoDB calls", "calls per changed",
               "start / scores / products / shelves", "items read", "wall s", "in AWS calls s",
               "job code s"] + (["batch peak KiB"] if traced else [])
    print(render(headers, rows, right=set(range(len(headers)))))
    check = moto["existing_check"]
    if check:
        verdict = "PASS" if check["met"] else "FAIL"
        print(f"  calls at {check['existing'][1]:,} / {check['existing'][0]:,} existing "
              f"({check['changed']} changed): {check['calls'][1]} / {check['calls'][0]} = "
              f"{check['ratio']:.2f}   target ≤ {check['target']}   {verdict}")
    for m in moto.get("marginal", []):
        print(f"  {m['existing']:,} existing, {m['changed'][0]} → {m['changed'][1]} changed: "
              f"{m['calls_per_extra_changed']} calls per extra changed entity")
    last = moto["rows"][-1]
    print(f"  by operation ({last['existing']:,}/{last['changed']:,}): "
          + ", ".join(f"{op} {n}" for op, n in last["by_operation"].items()))
    print("  largest Query response (items): " + ", ".join(
        f"{table} {n}" for table, n in last["largest_query"].items()))
    print("  in AWS calls = botocore + moto; job code = the rest (handler, PynamoDB models, "
          "scoring).\n  moto: a table Query reads its partition (as make run); an index Query "
          "still looks at every\n  item, so moto's time still grows a little with the entities "
          "that exist. DynamoDB's does not.")
    if traced:
        print("  batch peak = tracemalloc peak of one handler batch, moto's own allocations "
              "included (same heap).")


def summary_targets(figures: dict) -> tuple[list[str], list[str]]:
    """(met, missed) targets, in the words of run.py's SUMMARY line."""
    def k(n: int) -> str:
        return f"{n / 1000:g}k"

    met, missed = [], []
    domain = figures.get("domain")
    if domain:
        target = (f"score job peak memory {k(domain['rows'][-1]['entities'])}/"
                  f"{k(domain['rows'][0]['entities'])} entities ≤ {domain['peak_target']} "
                  f"({domain['peak_ratio']:.2f})")
        (met if domain["met"] else missed).append(target)
    check = (figures.get("moto") or {}).get("existing_check")
    if check:
        target = (f"score job calls {k(check['existing'][1])}/{k(check['existing'][0])} "
                  f"existing ≤ {check['target']} ({check['ratio']:.2f})")
        (met if check["met"] else missed).append(target)
    return met, missed


def main(argv: list[str] | None = None) -> int:
    from bench.run import Progress as ProgressLines

    parser = argparse.ArgumentParser(prog="python -m bench.score_job", description=__doc__)
    parser.add_argument("--trace-memory", action="store_true",
                        help="also trace each handler batch on moto (moto included; ~5x slower)")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)
    os.chdir(env.REPO_ROOT)
    figures = run(ProgressLines(), args.trace_memory)
    print_tables(figures)
    met, missed = summary_targets(figures)
    print("\n" + summary_line(met, missed))
    if args.json:
        write_figures(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
