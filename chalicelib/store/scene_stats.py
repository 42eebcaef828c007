"""scene_stats: daily counters per (entity, business day × scene), and what jobs derive from them.

Keys: `entity`, `slot`.
- counters: entity "product#<pid>" | "shop#<sid>" | "category#<cat>" | "platform#<0..7>",
  slot "<YYYY-MM-DD>#<scene>", numbers impressions, clicks, store_visits, orders, gmv_fen,
  ADDed in the consumers' transactions. A range of days is one Query
  (slot BETWEEN "<from>#" AND "<to>#~").
- a product's rates state: entity "product#<pid>", slot "~rates" (after every day): what the
  rates job last wrote for it (category, per-scene 30-day triples), read in the same Query as
  the product's days.
- rates rows: entity "rates#<scene>#<category>", slot "<pid>": a product's 30-day impressions,
  clicks, orders in that scene; one Query per partition fits its prior.
- registry: entity "rates_registry", slot "partitions": the string set of partitions.
- priors: entity "priors", slot "<scene>#<category>": the partition's moment statistics and
  fitted α/β of CTR and CVR; all priors are one Query, cached per container for 5 minutes.
"""

from __future__ import annotations

import json
import threading

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UnicodeSetAttribute
from pynamodb.models import Model

from chalicelib.domain import behaviour as rules
from chalicelib.domain import beta, clock
from chalicelib.domain import scene_stats as figures
from chalicelib.domain.behaviour import Effects
from chalicelib.domain.scene_stats import Counts, RatesChange, RatesState
from chalicelib.store import behaviour as behaviour_store
from chalicelib.store.aggregates import PROCESSED_MARK_DAYS, ProcessedEventModel
from chalicelib.store.base import apply_update, table_meta, worker_pool
from chalicelib.store.transactions import run_transaction

PRIORS_CACHE_MS = 300_000


class SceneStatsModel(Model):
    Meta = table_meta("scene_stats")

    entity = UnicodeAttribute(hash_key=True)
    slot = UnicodeAttribute(range_key=True)
    impressions = NumberAttribute(null=True)
    clicks = NumberAttribute(null=True)
    store_visits = NumberAttribute(null=True)
    orders = NumberAttribute(null=True)
    gmv_fen = NumberAttribute(null=True)
    # the rates state of a product ("~rates") and the priors rows
    category = UnicodeAttribute(null=True)
    state = UnicodeAttribute(null=True)
    moments = UnicodeAttribute(null=True)
    ctr_alpha = NumberAttribute(null=True)
    ctr_beta = NumberAttribute(null=True)
    cvr_alpha = NumberAttribute(null=True)
    cvr_beta = NumberAttribute(null=True)
    fitted_at = NumberAttribute(null=True)
    partitions = UnicodeSetAttribute(null=True)  # the registry


def _counts(model: SceneStatsModel) -> Counts:
    return Counts(**{name: int(getattr(model, name) or 0) for name in figures.COUNT_FIELDS})


# --- counting (the consumers) ------------------------------------------------------------------

class MarksExist(Exception):
    """Some of the transaction's events were counted before: their marks, nothing written."""

    def __init__(self, marks: set[str]):
        super().__init__(f"{len(marks)} already counted")
        self.marks = marks


def apply_counts(marks: list[str], effects: Effects, now_ms: int) -> None:
    """One transaction: a processed mark per event (condition: not there yet) + one ADD per
    counter item + one per affinity. At most 100 items (the caller plans the chunks). Raises
    MarksExist naming the marks that were there (nothing is written then)."""
    expires_at = now_ms // 1000 + PROCESSED_MARK_DAYS * 86400

    def build(tx) -> None:
        for key in marks:
            tx.save(ProcessedEventModel(key, expires_at=expires_at),
                    condition=ProcessedEventModel.event_id.does_not_exist())
        for (entity, slot), counters in sorted(effects.counters.items()):
            tx.update(SceneStatsModel(entity, slot), actions=[
                getattr(SceneStatsModel, name).add(value)
                for name, value in sorted(counters.items()) if value])
        for (actor, category), (clicks, last_at) in sorted(effects.affinities.items()):
            model, actions = behaviour_store.affinity_update(actor, category, clicks, last_at)
            tx.update(model, actions=actions)

    def counted_before(reasons) -> None:
        raise MarksExist({marks[n] for n, reason in enumerate(reasons[:len(marks)])
                          if reason is not None and reason.code == "ConditionalCheckFailed"})

    run_transaction(build, on_condition_failed=counted_before)


def load_counts(effects: Effects) -> int:
    """Bulk-load counters and affinities into an empty history (demo data, bench): whole items
    PUT with batch writes, so nothing may be counted there already. Returns items written."""
    written = 0
    with SceneStatsModel.batch_write() as batch:
        for (entity, slot), counters in effects.counters.items():
            batch.save(SceneStatsModel(entity, slot, **counters))
            written += 1
    with behaviour_store.AffinityModel.batch_write() as batch:
        for (actor, category), (clicks, last_at) in effects.affinities.items():
            batch.save(behaviour_store.AffinityModel(
                actor, category, clicks=clicks, last_at=last_at,
                expires_at=last_at // 1000 + rules.AFFINITY_TTL_DAYS * 86400))
            written += 1
    return written


# --- reading counters --------------------------------------------------------------------------

def days(entity: str, first: str, last: str) -> list[tuple[str, Counts]]:
    """An entity's daily rows from `first` to `last` (business days): one Query."""
    results = SceneStatsModel.query(
        entity, SceneStatsModel.slot.between(f"{first}#", f"{last}#~"))
    return [(model.slot, _counts(model)) for model in results]


def by_day_scene(rows: list[tuple[str, Counts]]) -> dict[tuple[str, str], Counts]:
    summed: dict[tuple[str, str], Counts] = {}
    for slot, counts in rows:
        summed.setdefault(figures.split_slot(slot), Counts()).add(counts)
    return summed


def shop_days(shop_id: str, first: str, last: str) -> dict[tuple[str, str], Counts]:
    return by_day_scene(days(rules.shop_key(shop_id), first, last))


def platform_days(first: str, last: str) -> dict[tuple[str, str], Counts]:
    """The platform's rows, its 8 shards read in parallel (one round trip of wall time)."""
    shards = [rules.platform_entity(n) for n in range(rules.PLATFORM_SHARDS)]
    pool = worker_pool("scenes", rules.PLATFORM_SHARDS)
    rows = list(pool.map(lambda entity: days(entity, first, last), shards))
    return by_day_scene([row for shard_rows in rows for row in shard_rows])


def product_counts_30d(product_id: str, now_ms: int | None = None) -> dict[str, Counts]:
    """A product's per-scene sums over the last 30 business days: one Query."""
    first, last = figures.rates_window(clock.now_ms() if now_ms is None else now_ms)
    return figures.window_sums(days(rules.product_key(product_id), first, last), first, last)


# --- the rates job -----------------------------------------------------------------------------

def product_window(product_id: str, first: str, last: str
                   ) -> tuple[list[tuple[str, Counts]], RatesState | None]:
    """A product's days from `first` on and its rates state, in one Query (the state's slot
    sorts after every day)."""
    results = SceneStatsModel.query(
        rules.product_key(product_id),
        SceneStatsModel.slot.between(f"{first}#", figures.RATES_STATE_SLOT))
    rows, state = [], None
    for model in results:
        if model.slot == figures.RATES_STATE_SLOT:
            state = RatesState.decode(model.category, model.state)
        else:
            rows.append((model.slot, _counts(model)))
    return rows, state


def write_rates(product_id: str, change: RatesChange, state: RatesState) -> None:
    """The product's changed rates rows (puts and deletes: one BatchWriteItem), then its new
    state (one PutItem, after the rows: a crash in between redoes the rows next run)."""
    with SceneStatsModel.batch_write() as batch:
        for partition, (impressions, clicks, orders) in change.puts.items():
            batch.save(SceneStatsModel(figures.rates_entity(partition), product_id,
                                       impressions=impressions, clicks=clicks, orders=orders))
        for partition in change.deletes:
            batch.delete(SceneStatsModel(figures.rates_entity(partition), product_id))
    state_item = SceneStatsModel(rules.product_key(product_id), figures.RATES_STATE_SLOT,
                                 category=state.category, state=state.encode())
    if state.triples:
        state_item.save()
    else:
        state_item.delete()


def register_partitions(partitions: set[str]) -> None:
    """ADD partitions to the registry's string set (one UpdateItem; idempotent)."""
    if partitions:
        apply_update(SceneStatsModel(figures.REGISTRY_ENTITY, figures.REGISTRY_SLOT),
                     [SceneStatsModel.partitions.add(set(partitions))])


def unregister_partition(partition: str) -> None:
    apply_update(SceneStatsModel(figures.REGISTRY_ENTITY, figures.REGISTRY_SLOT),
                 [SceneStatsModel.partitions.delete({partition})])


def registered_partitions() -> list[str]:
    try:
        model = SceneStatsModel.get(figures.REGISTRY_ENTITY, figures.REGISTRY_SLOT,
                                    consistent_read=True)
    except SceneStatsModel.DoesNotExist:
        return []
    return sorted(model.partitions or ())


def category_rates(scene: str, category: str) -> dict[str, Counts]:
    """The 30-day impressions, clicks and orders of every product with figures in one scene and
    category (as the rates job last wrote them): one Query of the rates partition."""
    return {m.slot: Counts(int(m.impressions or 0), int(m.clicks or 0), int(m.orders or 0))
            for m in SceneStatsModel.query(figures.rates_entity(figures.partition(scene,
                                                                                  category)))}


def rates_rows(partition: str) -> list[tuple[int, int, int]]:
    """A partition's products' (impressions, clicks, orders): one Query (paged by DynamoDB)."""
    return [(int(m.impressions or 0), int(m.clicks or 0), int(m.orders or 0))
            for m in SceneStatsModel.query(figures.rates_entity(partition))]


# --- priors ------------------------------------------------------------------------------------

def _encode_moments(stats: beta.FittedStats) -> str:
    return json.dumps({"ctr": vars(stats.ctr), "cvr": vars(stats.cvr)}, separators=(",", ":"))


def _decode_moments(text: str) -> beta.FittedStats:
    raw = json.loads(text)
    return beta.FittedStats(beta.Moments(**raw["ctr"]), beta.Moments(**raw["cvr"]))


def put_prior(partition: str, stats: beta.FittedStats, prior: beta.Prior, now_ms: int) -> bool:
    """Keep a partition's statistics and fitted priors: 1 GetItem (eventually consistent, half
    a read unit), and 1 PutItem only when the statistics moved. True when written."""
    moments = _encode_moments(stats)
    try:
        kept = SceneStatsModel.get(figures.PRIORS_ENTITY, partition,
                                   attributes_to_get=["moments"])
    except SceneStatsModel.DoesNotExist:
        kept = None
    if kept is not None and kept.moments == moments:
        return False
    SceneStatsModel(figures.PRIORS_ENTITY, partition, moments=moments,
                    ctr_alpha=prior.ctr.alpha, ctr_beta=prior.ctr.beta,
                    cvr_alpha=prior.cvr.alpha, cvr_beta=prior.cvr.beta,
                    fitted_at=now_ms).save()
    return True


def delete_prior(partition: str) -> None:
    SceneStatsModel(figures.PRIORS_ENTITY, partition).delete()


def prior_stats() -> dict[tuple[str, str], beta.FittedStats]:
    """Every partition's moment statistics: one Query of the priors partition."""
    stats = {}
    for model in SceneStatsModel.query(figures.PRIORS_ENTITY):
        scene, _, category = model.slot.partition("#")
        stats[(scene, category)] = _decode_moments(model.moments)
    return stats


_cache_lock = threading.Lock()
_cache: dict[str, object] = {}


def priors() -> dict[tuple[str, str], beta.Prior]:
    """{(scene, category): Prior}, with (scene, "*") the scene's platform-wide prior; a category
    with too few products has its scene's. One Query, cached in the container for 5 minutes."""
    now = clock.now_ms()
    with _cache_lock:
        if _cache and now - int(_cache["at"]) < PRIORS_CACHE_MS:
            return _cache["priors"]  # type: ignore[return-value]
    fitted = beta.priors_from(prior_stats())
    with _cache_lock:
        _cache.update(at=now, priors=fitted)
    return fitted


def prior_for(scene: str, category: str | None) -> beta.Prior:
    """The prior to smooth a product of `category` in `scene` with (cached priors()): its own,
    its scene's, then the ranking defaults."""
    return beta.lookup(priors(), scene, category)


def clear_priors_cache() -> None:
    with _cache_lock:
        _cache.clear()
