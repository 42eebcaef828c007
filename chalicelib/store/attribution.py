"""attribution_days: the reconciliation counters of each business day, fed by paid orders.

Keys: `day` ("YYYY-MM-DD", Asia/Shanghai, by the paid time), `shard` (0..7, from the order id,
so a flash sale's paid orders spread over 8 items instead of one hot item). Each item holds the
number attributes of chalicelib.domain.attribution.COUNTERS, ADDed.

Costs:
- count (the events consumer, per paid order): one TransactWriteItems of 2 items: the processed
  mark "attribution#<event_id>" (condition: not there) + one ADD on (day, shard). A redelivered
  event fails the mark's condition and adds nothing.
- day (the report): ONE Query `day = :d`, at most 8 items.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.domain import attribution as rules
from chalicelib.store.aggregates import PROCESSED_MARK_DAYS, ProcessedEventModel
from chalicelib.store.base import table_meta
from chalicelib.store.transactions import run_transaction


class AttributionDayModel(Model):
    Meta = table_meta("attribution_days")

    day = UnicodeAttribute(hash_key=True)
    shard = NumberAttribute(range_key=True)
    orders = NumberAttribute(null=True)
    paid_gmv_fen = NumberAttribute(null=True)
    attributed_gmv_fen = NumberAttribute(null=True)
    unattributed_gmv_fen = NumberAttribute(null=True)
    assisted_gmv_fen = NumberAttribute(null=True)
    assisted_orders = NumberAttribute(null=True)
    # GMV by channel: one attribute per chalicelib.domain.orders.Channel
    video_gmv_fen = NumberAttribute(null=True)
    live_gmv_fen = NumberAttribute(null=True)
    search_gmv_fen = NumberAttribute(null=True)
    mall_gmv_fen = NumberAttribute(null=True)
    storefront_gmv_fen = NumberAttribute(null=True)
    recommendation_gmv_fen = NumberAttribute(null=True)
    distribution_gmv_fen = NumberAttribute(null=True)
    direct_gmv_fen = NumberAttribute(null=True)


class CountedBefore(Exception):
    pass


def count(mark: str, day: str, shard: int, counters: dict[str, int], now_ms: int) -> None:
    """ADD the counters to (day, shard) and write the mark, in one transaction; raises
    CountedBefore (nothing written) when the mark exists."""
    expires_at = now_ms // 1000 + PROCESSED_MARK_DAYS * 86400

    def build(tx) -> None:
        tx.save(ProcessedEventModel(mark, expires_at=expires_at),
                condition=ProcessedEventModel.event_id.does_not_exist())
        tx.update(AttributionDayModel(day, shard), actions=[
            getattr(AttributionDayModel, name).add(value)
            for name, value in sorted(counters.items()) if value])

    def counted_before(reasons) -> None:
        raise CountedBefore(mark)

    run_transaction(build, on_condition_failed=counted_before)


def day_shards(day: str) -> list[dict[str, int]]:
    """The day's shards' counters: one Query (≤ 8 items)."""
    return [{name: int(getattr(model, name) or 0) for name in rules.COUNTERS}
            for model in AttributionDayModel.query(day)]
