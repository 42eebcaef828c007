"""`make jobs`: run each scheduled job once, now, with progress.

    python -m local.jobs

Where: the DynamoDB and SQS of a running `make run` (it leaves its endpoints in
build/local-run.json), so the service you are looking at shows the results, at the time of its
test clock (the jobs see what its requests see after `POST /ops/clock`); else
AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SQS when both are set; else an in-memory moto
loaded with the demo data, gone when this exits.

What, in order: the events stream into the daily counters and the behaviour stream into the
per-scene counters (what Lambda's stream pollers do), the two order jobs, the score job for the
last complete day and the feeds job (mall feeds, priors, co-purchase, recommendation
candidates), both forced (a rerun gives the same result), the jobs queue worked until the run is
done (after any other job too, for the runs it starts). Then the demo shops' scores and
whether they may join a regular campaign.
"""

from __future__ import annotations

import os
import sys
import time

from local.prepare import detail, ensure_local_queue, run_score_job, step
from local.run import ENV_DEFAULTS, join_test_clock, running_stack


def main() -> int:
    for name, value in ENV_DEFAULTS.items():
        os.environ.setdefault(name, value)
    # the progress lines are the output here; the service's JSON log lines only for warnings
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    server = _connect()
    try:
        _run_jobs()
        _print_shop_scores()
    finally:
        if server is not None:
            server.stop()
    return 0


def _connect():
    """Point at make run's endpoints, the given ones, or a fresh moto with the demo data."""
    running = running_stack()
    if running:
        step(f"DynamoDB: {running['dynamodb']}, SQS: {running['sqs']} (the running `make run`)")
        _use(running["dynamodb"], running["sqs"])
        join_test_clock(running)
        ensure_local_queue()
        return None
    given = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    if given and os.environ.get("AWS_ENDPOINT_URL_SQS"):
        step(f"DynamoDB: {given} (AWS_ENDPOINT_URL_DYNAMODB)")
        ensure_local_queue()
        return None
    from local import moto_server

    server, endpoint = moto_server.start()
    step(f"DynamoDB: no `make run` found; moto in memory on {endpoint}, with the demo data")
    _use(endpoint, endpoint)
    from chalicelib.store.tables import create_missing_tables
    from local.seed import seed_if_empty

    create_missing_tables(progress=detail)
    ensure_local_queue()
    seed_if_empty(progress=detail)
    return server


def _use(dynamodb: str, sqs: str) -> None:
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb
    os.environ["AWS_ENDPOINT_URL_DYNAMODB_STREAMS"] = dynamodb
    os.environ["AWS_ENDPOINT_URL_SQS"] = sqs


def _run_jobs() -> None:
    from chalicelib.jobs import registry, runner
    from local.pumps import BehaviourStreamPump, EventsStreamPump, drain_job_queue

    step("events stream → daily counters")
    started = time.monotonic()
    detail(f"  {EventsStreamPump().pump()} events counted in {time.monotonic() - started:.1f}s")
    step("behaviour stream → per-scene counters")
    started = time.monotonic()
    detail(f"  {BehaviourStreamPump().pump()} behaviour events counted in "
           f"{time.monotonic() - started:.1f}s")
    for name, job in registry().items():
        step(f"job {name}")
        started = time.monotonic()
        if name == "recalculate_scores":
            run_score_job(progress=detail, force=True)
        elif name == "rebuild_feeds":  # now, even when this slot's run is done already
            detail(f"  {runner.start('feeds', {}, force=True)}")
            drain_job_queue(progress=detail)
        else:
            detail(f"  {job()} in {time.monotonic() - started:.1f}s")
            drain_job_queue(progress=detail)  # the chunks of a run it started, if any


def _print_shop_scores() -> None:
    from chalicelib.domain.gates import shop_eligibility
    from chalicelib.store.shops import get_shop
    from local.demo_data import build_demo_catalog

    step("demo shops: store experience score, regular campaigns")
    for demo_shop in build_demo_catalog().shops:
        shop = get_shop(demo_shop.shop_id)
        if shop is None:
            continue
        regular = shop_eligibility(shop.score)["campaigns"]["regular"]
        detail(f"  {shop.name:<12} {shop.owner_id}  score {shop.score!s:<6} "
               f"{'eligible' if regular['eligible'] else 'refused'}: {regular['reason_zh']}")


if __name__ == "__main__":
    sys.exit(main())
