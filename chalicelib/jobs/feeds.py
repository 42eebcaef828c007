"""The feeds job: everything the mall and recommendations rank by, rebuilt in order on the
shared job runner. Nightly in AWS (and `POST /ops/jobs/feeds`); every few minutes on `make run`.

    rates        products with behaviour in 31 days → their 30-day counts per scene
    priors       each scene × category → its Beta priors for CTR and CVR
    copurchase   products whose pair counts moved → their top-K "买了又买" list
    repurchase   each category → consumable or not, and its repurchase interval
    category     each category → its mall feed (reads its capped length, never the category)
    merged       the all-categories feed and the popular list, from the category feeds
    candidates   shoppers active in 30 days → their recommendation candidates

Every phase is idempotent: counts and lists are recomputed from their sources and written only
when they changed, and a feed rebuild writes a new version and swaps the head, so a chunk run
twice leaves the same feed. Costs grow with what changed (the active products, shoppers and
moved pairs) and with the feeds' capped length.
"""

from __future__ import annotations

import os

from chalicelib.domain.clock import business_day, now_ms
from chalicelib.jobs import behaviour_rates, mall_feeds, recommend, runner
from chalicelib.jobs.runner import Job

JOB_NAME = "feeds"


def start_scheduled() -> dict:
    """Scheduled: one run per business day, or per SHELF_FEEDS_EVERY_SECONDS when that is set
    (the local stack's demo cadence); a second start in the same slot is a no-op."""
    return runner.start(JOB_NAME, {"slot": _slot(now_ms())})


def _slot(moment_ms: int) -> str:
    every = int(os.environ.get("SHELF_FEEDS_EVERY_SECONDS") or 0)
    if every > 0:
        return f"{business_day(moment_ms)}-{moment_ms // (every * 1000)}"
    return business_day(moment_ms)


def _resolve(params: dict) -> dict:
    """Fixed once at the start, so every chunk of the run reads the same days."""
    return recommend.resolve_params({**params, "slot": params.get("slot") or _slot(now_ms())})


JOB = Job(
    name=JOB_NAME,
    phases=(
        behaviour_rates.RATES_PHASE,
        behaviour_rates.PRIORS_PHASE,
        recommend.COPURCHASE_PHASE,
        recommend.REPURCHASE_PHASE,
        mall_feeds.CATEGORY_PHASE,
        mall_feeds.MERGED_PHASE,
        recommend.CANDIDATES_PHASE,
    ),
    run_key=lambda params: params["slot"],
    chunk_size=50,
    resolve=_resolve,
)
