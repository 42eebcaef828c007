"""The recommendation read models, as phases of the shared job runner (the feeds job runs them).

    COPURCHASE_PHASE  16 activity shards of kind "copurchase": the products whose pair counts
                      changed since `since_day` (record_order marks them) → their top-K list
                      (similar#<pid>), written only when it changed. Cost: the products that
                      changed, not the catalogue.
    REPURCHASE_PHASE  one shard per category in the registry (record_order adds a category when
                      it first counts a buyer of it) → its consumable profile: one Query each.
    CANDIDATES_PHASE  16 activity shards of kind "shopper": shoppers active (bought, browsed)
                      since `shoppers_since_day` (30 days) → their candidate list.

Run them in this order: candidates read the lists and profiles the first two write. Params (the
job's resolve may fill them once with `resolve_params`, else every chunk takes the defaults
from today): `since_day` (a day number, default 2 days back, so a nightly run overlaps the
previous one by a day) and `shoppers_since_day` (default 30 days back).
"""

from __future__ import annotations

from chalicelib.domain import clock
from chalicelib.domain.clock import DAY_MS
from chalicelib.jobs.runner import Phase, RunContext
from chalicelib.store import aggregates
from chalicelib.store import purchases as purchase_store

SINCE_DAYS = 2
ACTIVE_SHOPPER_DAYS = 30
CACHE_MS = 5 * 60 * 1000  # how long shoppers of one run share product and shop reads
_CACHE_LIMIT = 20_000
_cache: dict = {}


def resolve_params(params: dict) -> dict:
    """The days the phases read from, fixed once at the start of a run."""
    today = clock.now_ms() // DAY_MS
    return {**params,
            "since_day": int(params.get("since_day") or today - SINCE_DAYS),
            "shoppers_since_day": int(params.get("shoppers_since_day")
                                      or today - ACTIVE_SHOPPER_DAYS)}


def _day_param(ctx: RunContext, name: str, days_back: int) -> int:
    value = ctx.params.get(name)
    return int(value) if value is not None else clock.now_ms() // DAY_MS - days_back


def _activity_shards(ctx: RunContext) -> list[int]:
    return list(range(aggregates.ACTIVITY_SHARDS))


def _active(kind: str, prefix: str, since_day: int, shard, cursor, limit: int):
    entities, next_key = aggregates.active_entities(kind, int(shard), since_day, limit, cursor)
    return [(info.key.removeprefix(prefix), key) for info, key in entities], next_key or None


# --- co-purchase top-K ---------------------------------------------------------------------------

def _changed_products(ctx: RunContext, shard, cursor, limit: int):
    return _active(purchase_store.COPURCHASE_KIND, "copurchase#",
                   _day_param(ctx, "since_day", SINCE_DAYS), shard, cursor, limit)


def _top_k(ctx: RunContext, product_id: str) -> bool:
    from chalicelib.services.purchases import refresh_similar

    return refresh_similar(product_id)


COPURCHASE_PHASE = Phase("copurchase", _activity_shards, _changed_products, _top_k)


# --- repurchase profiles -------------------------------------------------------------------------

def _categories(ctx: RunContext) -> list[str]:
    return purchase_store.registered_categories()


def _the_category(ctx: RunContext, shard, cursor, limit: int):
    return [(shard, None)], None


def _profile(ctx: RunContext, category: str) -> bool:
    from chalicelib.services.purchases import refresh_profile

    return refresh_profile(category)


REPURCHASE_PHASE = Phase("repurchase", _categories, _the_category, _profile)


# --- candidate lists -----------------------------------------------------------------------------

def _active_shoppers(ctx: RunContext, shard, cursor, limit: int):
    return _active(purchase_store.SHOPPER_KIND, "shopper#",
                   _day_param(ctx, "shoppers_since_day", ACTIVE_SHOPPER_DAYS), shard, cursor,
                   limit)


def _candidates(ctx: RunContext, shopper_id: str) -> str:
    from chalicelib.services.candidates import refresh_candidates

    return refresh_candidates(shopper_id, cache=_cache_of(ctx.attempt))


def _cache_of(attempt: int):
    """The shoppers' shared reads (services.candidates.RunCache) for this container and run
    attempt, renewed every CACHE_MS or when they grow past _CACHE_LIMIT entries."""
    from chalicelib.services.candidates import RunCache

    now, cache = clock.now_ms(), _cache.get("cache")
    if (cache is None or _cache.get("attempt") != attempt
            or now - _cache.get("since", 0) > CACHE_MS
            or len(cache.products) + len(cache.shops) > _CACHE_LIMIT):
        _cache.update(attempt=attempt, since=now, cache=RunCache())
    return _cache["cache"]


CANDIDATES_PHASE = Phase("candidates", _activity_shards, _active_shoppers, _candidates)
