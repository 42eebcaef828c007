"""Two phases for the lead's `feeds` job: the products' 30-day rates, then the Beta priors.

    RATES_PHASE   the 16 activity shards of kind "scene_product": products with behaviour or
                  order counters in the last 33 days (the 30-day window + slack, so a product's
                  last pass, when its counters leave the window and its rows are deleted, still
                  comes after a missed night). Per product: 1 Query + writes only when its
                  figures moved (services.scene_stats.refresh_product_rates). Cost: the
                  products active in the window, never the catalogue.
    PRIORS_PHASE  one shard per "<scene>#<category>" in the registry (1 GetItem to list them):
                  1 Query of the partition's rates rows + 1 PutItem of its prior
                  (services.scene_stats.refit_prior). Cost: the products with rates, once.
"""

from __future__ import annotations

from chalicelib.domain import behaviour as rules
from chalicelib.domain import clock
from chalicelib.domain import scene_stats as figures
from chalicelib.domain.scores import day_of
from chalicelib.jobs.runner import Phase, RunContext
from chalicelib.store import aggregates as aggregate_store
from chalicelib.store import scene_stats as scene_store

KIND = "scene_product"


def _activity_shards(ctx: RunContext) -> list[int]:
    return list(range(aggregate_store.ACTIVITY_SHARDS))


def _active_products(ctx: RunContext, shard, cursor, limit: int):
    since = day_of(clock.now_ms()) - figures.RATES_LOOKBACK_DAYS
    page, next_key = aggregate_store.active_entities(KIND, int(shard), since, limit, cursor)
    return page, next_key or None


def _refresh(ctx: RunContext, entity) -> bool:
    from chalicelib.services import scene_stats

    return scene_stats.refresh_product_rates(rules.product_of_scene_entity(entity.key),
                                             entity.category)


def _partitions(ctx: RunContext) -> list[str]:
    return scene_store.registered_partitions()


def _one(ctx: RunContext, shard, cursor, limit: int):
    return [(str(shard), None)], None


def _refit(ctx: RunContext, partition: str):
    from chalicelib.services import scene_stats

    return scene_stats.refit_prior(partition) is not None


RATES_PHASE = Phase("scene-rates", _activity_shards, _active_products, _refresh)
PRIORS_PHASE = Phase("scene-priors", _partitions, _one, _refit)
