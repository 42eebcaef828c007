"""Daily counters per entity, the activity index the score job reads, and processed-event marks.

- aggregates: (entity, day) → counters, ADDed by the event consumer.
- entities: one item per entity with its last active day, on a sparse sharded index, so the
  score job lists exactly the entities active in the window, never every entity that exists.
- processed_events: one mark per consumed event id, written in the same transaction as the
  counters it added, so a stream that delivers an event twice counts it once.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.domain.aggregation import EntityInfo, Increment
from chalicelib.store.base import apply_update, table_meta
from chalicelib.store.transactions import run_transaction

ACTIVITY_SHARDS = 16
PROCESSED_MARK_DAYS = 30  # far longer than a stream keeps a record (24 h)
COUNTER_NAMES = (
    "orders", "collected_48h", "collection_known", "on_time", "reviews", "bad_reviews",
    "positive_reviews", "quality_returns", "nad_refunds", "after_sales", "handled_cases",
    "handling_ms", "disputes", "seller_fault_disputes", "sessions", "replied_3min", "replied_3s",
)


class AggregateModel(Model):
    """One entity's counters for one day; one number attribute per counter, so each is ADDed."""

    Meta = table_meta("aggregates")

    entity = UnicodeAttribute(hash_key=True)
    day = NumberAttribute(range_key=True)
    orders = NumberAttribute(default=0)
    collected_48h = NumberAttribute(default=0)
    collection_known = NumberAttribute(default=0)
    on_time = NumberAttribute(default=0)
    reviews = NumberAttribute(default=0)
    bad_reviews = NumberAttribute(default=0)
    positive_reviews = NumberAttribute(default=0)
    quality_returns = NumberAttribute(default=0)
    nad_refunds = NumberAttribute(default=0)
    after_sales = NumberAttribute(default=0)
    handled_cases = NumberAttribute(default=0)
    handling_ms = NumberAttribute(default=0)
    disputes = NumberAttribute(default=0)
    seller_fault_disputes = NumberAttribute(default=0)
    sessions = NumberAttribute(default=0)
    replied_3min = NumberAttribute(default=0)
    replied_3s = NumberAttribute(default=0)


class ByActivity(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_activity"
        projection = AllProjection()

    shard = UnicodeAttribute(hash_key=True)
    last_active_day = NumberAttribute(range_key=True)


class EntityModel(Model):
    Meta = table_meta("entities")

    entity = UnicodeAttribute(hash_key=True)
    kind = UnicodeAttribute()
    shard = UnicodeAttribute()
    last_active_day = NumberAttribute()
    shop_id = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)

    by_activity = ByActivity()


class ProcessedEventModel(Model):
    Meta = table_meta("processed_events")

    event_id = UnicodeAttribute(hash_key=True)
    expires_at = NumberAttribute()  # epoch seconds (TTL)


class AlreadyProcessed(Exception):
    pass


def shard_of(kind: str, entity: str) -> str:
    return f"{kind}#{zlib.crc32(entity.encode()) % ACTIVITY_SHARDS}"


def apply_increment(event_id: str, increment: Increment, now_ms: int) -> None:
    """ADD the counters to every entity's day and mark the event, in one transaction.

    The entities are marked active first: a crash after the transaction would otherwise leave
    them unmarked for good, since the redelivered event is then recognised as counted. Marking
    an entity whose counters never land costs nothing: it scores from what it has."""
    for entity in increment.entities:
        mark_active(entity, increment.day)

    def build(tx) -> None:
        tx.save(ProcessedEventModel(event_id,
                                    expires_at=now_ms // 1000 + PROCESSED_MARK_DAYS * 86400),
                condition=ProcessedEventModel.event_id.does_not_exist())
        for entity in increment.entities:
            actions = [getattr(AggregateModel, name).add(value)
                       for name, value in increment.counters.items() if value]
            if actions:
                tx.update(AggregateModel(entity.key, increment.day), actions=actions)

    def duplicate(reasons) -> None:
        raise AlreadyProcessed(event_id)

    run_transaction(build, on_condition_failed=duplicate)


def mark_active(entity: EntityInfo, day: int) -> None:
    """Move the entity's last active day forward (never back); idempotent."""
    shard = shard_of(entity.kind, entity.key)
    actions = [EntityModel.kind.set(entity.kind), EntityModel.shard.set(shard),
               EntityModel.last_active_day.set(day)]
    if entity.shop_id:
        actions.append(EntityModel.shop_id.set(entity.shop_id))
    if entity.category:
        actions.append(EntityModel.category.set(entity.category))
    try:
        apply_update(
            EntityModel(entity.key), actions,
            condition=EntityModel.last_active_day.does_not_exist()
            | (EntityModel.last_active_day < day),
        )
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


def days_of(entity: str, first_day: int, last_day: int) -> list[tuple[int, dict[str, int]]]:
    """One entity's counters per day in [first_day, last_day]: one Query."""
    results = AggregateModel.query(entity, AggregateModel.day.between(first_day, last_day))
    return [(int(model.day), {name: int(getattr(model, name) or 0) for name in COUNTER_NAMES})
            for model in results]


def active_entities(kind: str, shard: int, since_day: int, limit: int,
                    start_key: dict | None) -> tuple[list[tuple[EntityInfo, dict]], dict | None]:
    """One page of one shard's entities active since `since_day`, each with the key a Query
    resumes after it (so a job can stop mid-page), and the page's own next key."""
    results = EntityModel.by_activity.query(
        f"{kind}#{shard}", EntityModel.last_active_day >= since_day, limit=limit,
        page_size=limit, last_evaluated_key=start_key)
    entities = [(EntityInfo(m.entity, m.kind, shop_id=m.shop_id, category=m.category),
                 {"entity": {"S": m.entity}, "shard": {"S": m.shard},
                  "last_active_day": {"N": str(int(m.last_active_day))}})
                for m in results]
    return entities, results.last_evaluated_key


def get_entity(entity: str) -> EntityInfo | None:
    try:
        model = EntityModel.get(entity)
    except EntityModel.DoesNotExist:
        return None
    return EntityInfo(model.entity, model.kind, shop_id=model.shop_id, category=model.category)


def was_processed(key: str) -> bool:
    try:
        ProcessedEventModel.get(key, consistent_read=True)
    except ProcessedEventModel.DoesNotExist:
        return False
    return True


def mark_processed(key: str, now_ms: int) -> bool:
    """Mark a unit of work done; False when another delivery marked it first."""
    from pynamodb.exceptions import PutError

    try:
        ProcessedEventModel(key, expires_at=now_ms // 1000 + PROCESSED_MARK_DAYS * 86400).save(
            condition=ProcessedEventModel.event_id.does_not_exist())
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def load_history(days: Iterable[tuple[str, int, dict[str, int]]],
                 entities: Iterable[tuple[EntityInfo, int]]) -> int:
    """Bulk-load counters into an empty history (demo data and bench only): whole items are
    PUT with batch writes, so nothing already counted for those days may be there. Returns
    how many items were written."""
    written = 0
    with AggregateModel.batch_write() as batch:
        for entity, day, counters in days:
            batch.save(AggregateModel(entity, day, **{name: counters.get(name, 0)
                                                      for name in COUNTER_NAMES}))
            written += 1
    with EntityModel.batch_write() as batch:
        for info, last_active_day in entities:
            batch.save(EntityModel(info.key, kind=info.kind, shard=shard_of(info.kind, info.key),
                                   last_active_day=last_active_day, shop_id=info.shop_id,
                                   category=info.category))
            written += 1
    return written
