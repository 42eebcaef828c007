"""The demo database of `make run`: tables, the jobs queue, the demo data and its first job runs.

`prepare_database` is the whole of it, wherever it runs: in the moto process itself on a plain
`make run` (in-process moto, so no request crosses HTTP: `local.moto_server --prepare`), or in
the runner over HTTP when the caller points DynamoDB or SQS at an endpoint of their own.

Set the environment (stage, region, endpoints) before calling: chalicelib reads it on import.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from local.seed import DemoSeed

Progress = Callable[[str], object]


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def detail(message: str) -> None:
    print(message, flush=True)


def prepare_database(base_url: str, in_process: bool = False) -> bool:
    """Tables, queue and demo data, then the jobs that derive what the demo data implies (the
    scores, the search index, the feeds, the suggestions); True when the demo data was loaded
    now, False when the shops table had items already. `base_url` is where the service will
    listen, for the links printed at the end; `in_process`: on the moto process's own
    backend (its queue URL is not the one clients see, so it is not shown)."""
    # chalicelib reads the environment when imported: only now is it complete.
    from chalicelib.store.tables import create_missing_tables
    from local.demo_data import build_demo_catalog
    from local.seed import plan_seed

    step("tables and queue")
    create_missing_tables(progress=detail)
    ensure_local_queue(show=not in_process)
    step("demo data")
    catalog = build_demo_catalog()
    seed = plan_seed(catalog)
    if seed is None:
        detail("  demo data: the shops table has items already, not seeding")
    else:
        load_demo_world(seed, fork=in_process)
    if seed is None:
        step("search: suggestions and hot queries, once, so the first keystroke has them")
        load_suggestions()
    step("try it (once chalice local below says it is serving)")
    for shop in catalog.shops[:3]:
        detail(f"  {shop.name} (owner {shop.owner_id}): {base_url}/shops/{shop.shop_id}/storefront")
    product = catalog.listed_products()[0]
    detail(f"  product page: {base_url}/products/{product.product_id}")
    detail("  merchant token for the first shop: make token ROLE=merchant SUB=m1")
    return seed is not None


def load_demo_world(seed: DemoSeed, fork: bool) -> None:
    """The demo data and the jobs that derive what it implies, in the order each needs the one
    before; with `fork` (in-process moto), two independent steps at a time (`local.lanes`), the
    one that writes fewer items forked:
    - the products, bundles and the score job's world (creators, campaigns, 90 days of
      counters) with the shoppers' 90 days: the shoppers' loaders read nothing those write
      (ratings and follower counts come from the plan), and write other attributes of the
      shops (follower counts, not tab counts);
    - the live-stream demo, then the score job (which scores the stream's day too), with the
      feeds job's run up to its first phase that reads the scores (`start_feeds_run`): its
      products' 30-day rates, priors, co-purchase lists and repurchase profiles read only the
      behaviour and purchase counts the shoppers' loaders wrote, and the score job reads none
      of what they write; they write other attributes of the products (stock and score;
      behaviour stats);
    - the rest of the feeds job's run (mall feeds, candidates) with the search index and the
      suggestions: neither reads what the other writes (the search tables; the feeds).
    `SHELF_PREPARE_LANES=0` runs every step one after another, for comparison.
    """
    from local import lanes
    from local.seed import (
        collector_paused,
        create_shops,
        load_catalog,
        load_scores_world,
        load_search_index,
        load_shopper_world,
        load_stream_world,
        report_seeded,
    )

    fork = fork and os.environ.get("SHELF_PREPARE_LANES", "1") != "0"
    started = time.monotonic()
    with collector_paused():
        create_shops(seed, detail)
        lanes.together(lambda: (load_catalog(seed, detail), load_scores_world(seed, detail)),
                       lambda: load_shopper_world(seed, detail),
                       fork="first" if fork else None, progress=detail)
        report_seeded(seed, detail, started)
        step("live stream demo and the daily score job once over the demo history, beside "
             "the feeds job's first phases (rates, priors, co-purchase lists, repurchase)")
        _, (feeds_run, held) = lanes.together(
            lambda: (load_stream_world(seed, detail), run_score_job(progress=detail)),
            lambda: start_feeds_run(detail), fork="second" if fork else None, progress=detail)
        step("the rest of the feeds job (mall feeds, recommendation candidates), beside the "
             "search index of the scored catalogue in bulk")
        lanes.together(lambda: finish_feeds_run(feeds_run, held, detail),
                       # reflects every event so far: the stream skips them
                       lambda: (load_search_index(seed.catalog, detail), load_suggestions()),
                       fork="first" if fork else None, progress=detail)


def load_suggestions() -> None:
    """Suggestions and hot queries once, so the first keystroke has them."""
    from chalicelib.jobs import search_log

    detail(f"  suggestions: {search_log.rebuild_suggestions()}")
    detail(f"  hot queries: {search_log.refresh_hot_queries()}")


def ensure_local_queue(show: bool = True) -> None:
    """The jobs queue on the local endpoint, its URL exported for chalice local too."""
    from chalicelib.queues import JOBS_QUEUE, ensure_queue
    from chalicelib.settings import get_settings

    url = ensure_queue(JOBS_QUEUE, get_settings().table_prefix)
    if show:
        detail(f"  queue {url}")


def run_score_job(progress: Progress, force: bool = False) -> dict:
    """Start the score run for the last complete day and work the jobs queue until it is
    done."""
    from chalicelib.jobs.scores import start_run
    from chalicelib.store import job_runs
    from local.pumps import drain_job_queue

    started_at = time.monotonic()
    run = start_run(force=force)
    if not run["started"]:
        progress(f"  {run['run_id']}: ran already today (force to rerun)")
        return run
    chunks = drain_job_queue(progress=progress)
    summary = job_runs.get(run["run_id"])
    progress(f"  {run['run_id']}: {summary['status']}, {chunks} chunks, "
             f"{summary['items_done']} entities in {time.monotonic() - started_at:.1f}s")
    return summary


# The feeds job's first phase that ranks by the scores (the mall feeds); the phases before it
# (rates, priors, co-purchase, repurchase) read only behaviour and purchase counts.
FEEDS_FIRST_SCORED_PHASE = "category"


def start_feeds_run(progress: Progress) -> tuple[dict, list[dict]]:
    """Start the feeds job now (forced) and work its chunks up to its first phase that reads the
    scores; the run and that phase's chunks, held back for `finish_feeds_run`."""
    from chalicelib.jobs import feeds, runner
    from local.pumps import hold_job_chunks

    started = time.monotonic()
    first_scored = next(n for n, phase in enumerate(feeds.JOB.phases)
                        if phase.name == FEEDS_FIRST_SCORED_PHASE)
    run = runner.start(feeds.JOB_NAME, {}, force=True)
    chunks, held = hold_job_chunks(
        lambda chunk: chunk["job"] == feeds.JOB_NAME and chunk["phase"] >= first_scored,
        progress)
    progress(f"  {run['run_id']}: {chunks} chunks before its {FEEDS_FIRST_SCORED_PHASE} phase "
             f"in {time.monotonic() - started:.1f}s, {len(held)} held for after the scores")
    return run, held


def finish_feeds_run(run: dict, held: list[dict], progress: Progress) -> dict:
    """Work the held chunks of the feeds run `start_feeds_run` began, and the rest of the run."""
    from chalicelib.store import job_runs
    from local.pumps import work_chunks

    started = time.monotonic()
    chunks = work_chunks(held, progress)
    summary = job_runs.get(run["run_id"])
    progress(f"  {run['run_id']}: {summary['status']}, {chunks} more chunks, "
             f"{summary['items_done']} items in all, the rest in "
             f"{time.monotonic() - started:.1f}s")
    return summary
