"""The demo database of `make run`: tables, the jobs queue, the demo data and its first job runs.

`prepare_database` is the whole of it, wherever it runs: in the moto process itself on a plain
`make run` (in-process moto, so no request crosses HTTP: `local.moto_server --prepare`), or in
the runner over HTTP when the caller points DynamoDB or SQS at an endpoint of their own.

Set the environment (stage, region, endpoints) before calling: chalicelib reads it on import.
"""

from __future__ import annotations

import time
from collections.abc import Callable

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
    from local.seed import load_search_index, seed_if_empty

    step("tables and queue")
    create_missing_tables(progress=detail)
    ensure_local_queue(show=not in_process)
    step("demo data")
    catalog = build_demo_catalog()
    seeded = seed_if_empty(progress=detail, catalog=catalog, search_index=False)
    if seeded:
        step("scores: the daily score job, once, over the demo history")
        run_score_job(progress=detail)
        step("search: the index of the scored catalogue, in bulk")
        load_search_index(catalog, detail)  # reflects every event so far: the stream skips them
        step("feeds: priors, co-purchase lists, mall feeds and recommendation candidates, once")
        run_feeds_job(progress=detail)
    step("search: suggestions and hot queries, once, so the first keystroke has them")
    from chalicelib.jobs import search_log

    detail(f"  suggestions: {search_log.rebuild_suggestions()}")
    detail(f"  hot queries: {search_log.refresh_hot_queries()}")
    step("try it (once chalice local below says it is serving)")
    for shop in catalog.shops[:3]:
        detail(f"  {shop.name} (owner {shop.owner_id}): {base_url}/shops/{shop.shop_id}/storefront")
    product = catalog.listed_products()[0]
    detail(f"  product page: {base_url}/products/{product.product_id}")
    detail("  merchant token for the first shop: make token ROLE=merchant SUB=m1")
    return seeded


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


def run_feeds_job(progress: Progress) -> dict:
    """Run the feeds job now (forced) and work the jobs queue until it is done."""
    from chalicelib.jobs import runner
    from chalicelib.store import job_runs
    from local.pumps import drain_job_queue

    started_at = time.monotonic()
    run = runner.start("feeds", {}, force=True)
    chunks = drain_job_queue()
    summary = job_runs.get(run["run_id"])
    progress(f"  {run['run_id']}: {summary['status']}, {chunks} chunks, "
             f"{summary['items_done']} items in {time.monotonic() - started_at:.1f}s")
    return summary
