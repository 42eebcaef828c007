"""Paid orders into the per-scene counters, and the bulk loader for demo history.

count_order (the events consumer routes ORDER_PAID here): 1 GetItem (the order's lines, for
each product's share of the amount) + 1 BatchGetItem (the products' categories) + the activity
UpdateItems (the buyer, each product) + 1 transaction: the processed mark "scene#<event_id>"
and one ADD per counter item (shop, platform shard, each product and category, by the order's
scene and business day), so a redelivered event counts once.
"""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.domain import behaviour as rules
from chalicelib.domain import beta, clock
from chalicelib.domain import scene_stats as figures
from chalicelib.domain.behaviour import BehaviourEvent, Effects
from chalicelib.domain.events import Event, EventType
from chalicelib.domain.orders import Order
from chalicelib.domain.scene_stats import RatesState
from chalicelib.observability import logger
from chalicelib.store import aggregates as aggregate_store
from chalicelib.store import catalog as catalog_store
from chalicelib.store import orders as order_store
from chalicelib.store import products as product_store
from chalicelib.store import scene_stats as scene_store
from chalicelib.store.aggregates import EntityModel, shard_of

_ACTIVE_MEMO_MAX = 50_000
_marked_active: dict[str, int] = {}  # entity → the latest day this container marked it


def mark_key(event_id: str) -> str:
    return f"scene#{event_id}"


def categories_of(product_ids: Iterable[str]) -> dict[str, str]:
    """The category of each known product: one BatchGetItem per 100 distinct products."""
    product_ids = sorted(set(product_ids))
    categories: dict[str, str] = {}
    for start in range(0, len(product_ids), 100):
        found = catalog_store.batch_get(product_ids=product_ids[start:start + 100])
        categories.update({pid: p.category for pid, p in found["products"].items()})
    return categories


def mark_entities_active(entities) -> None:
    """aggregates.mark_active for each (entity, day) this container has not marked yet (before
    the counts: see aggregates.apply_increment)."""
    for info, day in entities:
        if _marked_active.get(info.key, -1) >= day:
            continue
        aggregate_store.mark_active(info, day)
        if len(_marked_active) >= _ACTIVE_MEMO_MAX:
            _marked_active.clear()
        _marked_active[info.key] = day


def count_order(event: Event) -> bool:
    """Count an ORDER_PAID event; False for other events and for one counted before."""
    if event.type is not EventType.ORDER_PAID or not event.scene:
        return False
    order = order_store.get_order(event.order_id) if event.order_id else None
    gmv = rules.product_gmv(order.lines) if order else {pid: 0 for pid in event.product_ids}
    categories = categories_of(gmv)
    effects = Effects()
    rules.add_order(effects, at=event.at, scene=event.scene, shop_id=event.shop_id,
                    buyer_id=event.buyer_id, amount_fen=event.amount_fen, gmv=gmv,
                    categories=categories, shard=rules.platform_shard(event.event_id))
    mark_entities_active(effects.active.values())
    try:
        scene_store.apply_counts([mark_key(event.event_id)], effects, clock.now_ms())
    except scene_store.MarksExist:
        logger.info("order already counted for scenes", extra={"event_id": event.event_id})
        return False
    return True


def load_events(events: Iterable[BehaviourEvent], orders: Iterable[Order] = (),
                categories: dict[str, str] | None = None) -> int:
    """Bulk-load what the consumers would count for these behaviour events and paid orders
    (demo data, bench) into an empty history: the counters and affinities, summed in memory and
    written whole with batch writes, and the activity index. `categories` (product → category)
    saves reading the catalogue. Returns the items written."""
    events = list(events)
    orders = [order for order in orders if order.paid_at is not None]
    if categories is None:
        categories = categories_of(
            [e.product_id for e in events if e.product_id and rules.counts_anything(e)]
            + [pid for order in orders for pid in rules.product_gmv(order.lines)])
    effects = Effects()
    for event in events:
        rules.add_event(effects, event, categories.get(event.product_id or ""),
                        rules.platform_shard(event.event_id))
    for order in orders:
        rules.add_order(effects, at=order.paid_at, scene=order.source.scene.value,
                        shop_id=order.shop_id, buyer_id=order.buyer_id,
                        amount_fen=order.total_fen, gmv=rules.product_gmv(order.lines),
                        categories=categories, shard=rules.platform_shard(order.order_id))
    written = scene_store.load_counts(effects)
    with EntityModel.batch_write() as batch:
        for info, day in effects.active.values():
            batch.save(EntityModel(info.key, kind=info.kind, shard=shard_of(info.kind, info.key),
                                   last_active_day=day, shop_id=info.shop_id,
                                   category=info.category))
            written += 1
    return written


# --- the rates and priors jobs (chalicelib.jobs.behaviour_rates) --------------------------------

def refresh_product_rates(product_id: str, category: str | None,
                          now_ms: int | None = None) -> bool:
    """Bring a product's rates rows (its 30-day triples per scene, under its category) and its
    `stats` up to date: 1 Query (its days and what was last written), then only what changed:
    1 UpdateItem on the registry for partitions new to it, 1 conditional UpdateItem on the
    product's stats when the sums moved, 1 BatchWriteItem of rows (a triple that fell to zero
    is deleted) and 1 PutItem of the state. True when something changed."""
    first, last = figures.rates_window(clock.now_ms() if now_ms is None else now_ms)
    rows, before = scene_store.product_window(product_id, first, last)
    after = RatesState(category, figures.rate_triples(figures.window_sums(rows, first, last)))
    if after == (before or RatesState(category, {})):
        return False
    before_partitions = before.partitions() if before else set()
    scene_store.register_partitions(after.partitions() - before_partitions)
    if (before.totals() if before else (0, 0, 0)) != after.totals():
        product_store.set_behaviour_stats(product_id, *after.totals())
    scene_store.write_rates(product_id, figures.rates_change(before, after), after)
    return True


def refit_prior(partition: str, now_ms: int | None = None) -> beta.Prior | None:
    """Fit one (scene, category)'s CTR and CVR priors from its rates rows (1 Query) and keep
    them with their moment statistics (1 GetItem, and 1 PutItem when they moved); a partition
    left empty is dropped from the priors and the registry. Returns the category's own prior
    (the defaults where it has too few products)."""
    rows = scene_store.rates_rows(partition)
    if not rows:
        scene_store.delete_prior(partition)
        scene_store.unregister_partition(partition)
        return None
    stats = beta.stats_of(rows)
    prior = beta.Prior(beta.fit_moments(stats.ctr) or beta.DEFAULT_CTR,
                       beta.fit_moments(stats.cvr) or beta.DEFAULT_CVR)
    scene_store.put_prior(partition, stats, prior, clock.now_ms() if now_ms is None else now_ms)
    scene_store.clear_priors_cache()
    return prior
