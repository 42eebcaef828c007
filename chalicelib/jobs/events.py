"""The events-stream consumer: one reader of the stream, routing each event by type to a small
idempotent handler (partial failures reported per record).

- catalogue events (product_changed) → the search index and the mall-feed keys follow the
  product
- follows → the shop's follower count
- paid orders → the per-scene counters (orders, GMV fen) and the purchase patterns
  recommendations learn (co-purchase pairs, repurchase gaps, buyer history)
- order, review, after-sales and service events → daily counters for the scores

DynamoDB streams deliver at least once and in batches (and a stream serves at most two readers
per shard, hence one consumer). Each record is handled on its own by Powertools'
BatchProcessor: a record that fails is reported back as a partial batch failure (so only it is
retried). An event already counted is recognised by its processed mark; a product already
indexed as it is now writes nothing.
"""

from __future__ import annotations

from chalicelib.domain.aggregation import increments_for
from chalicelib.domain.clock import now_ms
from chalicelib.domain.events import Event, EventType
from chalicelib.observability import logger
from chalicelib.store import aggregates as aggregate_store
from chalicelib.store import catalog as catalog_store
from chalicelib.store import orders as order_store
from chalicelib.store.events import EventModel, to_domain

# Events filed under their order's delivery day need the order read once.
_FILED_BY_DELIVERY = frozenset({
    EventType.REVIEW_POSTED, EventType.AFTER_SALES_REQUESTED, EventType.AFTER_SALES_APPROVED,
    EventType.AFTER_SALES_REJECTED, EventType.AFTER_SALES_ESCALATED, EventType.AFTER_SALES_RULED,
})


def handle_stream_batch(raw_event: dict, lambda_context=None) -> dict:
    """Lambda entry for a DynamoDB stream batch; returns {"batchItemFailures": [...]}."""
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        process_partial_response,
    )
    from aws_lambda_powertools.utilities.batch import (
        EventType as BatchEventType,
    )

    processor = BatchProcessor(event_type=BatchEventType.DynamoDBStreams)
    return process_partial_response(event=raw_event, record_handler=_handle_record,
                                    processor=processor, context=lambda_context)


def _handle_record(record) -> None:
    image = record.raw_event.get("dynamodb", {}).get("NewImage")
    if not image:
        return  # a removal: events are append-only, nothing to count
    handle_event(to_domain(EventModel.from_raw_data(image)))


def handle_event(event: Event) -> None:
    """Route one business event to its handlers (the demo loader hands its made-up history's
    events here too, so what they derive is what the stream would have derived)."""
    if event.type is EventType.PRODUCT_CHANGED:
        _index(event)
    elif event.type in (EventType.SHOP_FOLLOWED, EventType.SHOP_UNFOLLOWED):
        from chalicelib.services.follows import count_follow  # shops.follower_count ±1

        count_follow(event)
    elif event.type is EventType.ORDER_PAID:
        _paid(event)
    else:
        consume(event)
        if event.type in _MONEY_MOVES and event.order_id:
            _money_moved(event)


# Events after payment that change what an order's lines are worth to the people credited
_MONEY_MOVES = frozenset({EventType.ORDER_CANCELLED, EventType.AFTER_SALES_REFUNDED,
                          EventType.ORDER_COMPLETED})


def _paid(event: Event) -> None:
    """A paid order: the per-scene counters (orders, GMV), what recommendations learn from
    purchases, and everything that follows the lines' attribution. Each handler has its own
    processed marks, so a retried record redoes only what did not land."""
    from chalicelib.services.purchases import record_order
    from chalicelib.services.scene_stats import count_order

    count_order(event)
    record_order(event)
    order = order_store.get_order(event.order_id)
    if order is None:
        return  # never happens: the order is written in the event's own transaction
    for handle in paid_order_handlers():
        handle(event, order)


def paid_order_handlers():
    """Handlers of a paid order that need its lines (their attribution), in order; each is
    handle(event, order) and idempotent."""
    from chalicelib.services import attribution  # the day's reconciliation counters
    from chalicelib.services.chuanliu import handle_paid_order  # groups, credits, report
    from chalicelib.services.commissions import on_paid as accrue_commissions  # the ledger
    from chalicelib.services.live import count_paid_order  # stream GMV
    from chalicelib.services.post_stream import index_paid  # the tail-GMV index

    return (attribution.count_paid, handle_paid_order, accrue_commissions,
            count_paid_order, index_paid)


def _money_moved(event: Event) -> None:
    """A cancel, refund or completion: handlers that keep money owed on attributed lines."""
    order = order_store.get_order(event.order_id)
    if order is None:
        return
    for handle in money_move_handlers():
        handle(event, order)


def money_move_handlers():
    """handle(event, order) for cancels, refunds and completions; each idempotent."""
    from chalicelib.services import commissions  # the commission ledger

    return (commissions.on_money_moved,)


def _index(event: Event) -> None:
    """Read models that follow the catalogue: the search index and the mall-feed keys."""
    from chalicelib.services import search_index  # the analyzer loads with the first one
    from chalicelib.services.shelf_listing import follow_product

    for product_id in event.product_ids:
        search_index.index_product(product_id)
        follow_product(product_id)


def consume(event: Event) -> bool:
    """Count one event; returns False when it had been counted before or counts nothing."""
    delivered_at = event.at if event.type is EventType.ORDER_DELIVERED else None
    if event.type in _FILED_BY_DELIVERY and event.order_id:
        order = order_store.get_order(event.order_id)
        delivered_at = order.delivered_at if order else None
    products = catalog_store.batch_get(product_ids=event.product_ids)["products"] if (
        event.product_ids) else {}
    categories = {pid: product.category for pid, product in products.items()}
    increment = increments_for(event, delivered_at, categories)
    if increment is None:
        return False
    try:
        aggregate_store.apply_increment(event.event_id, increment, now_ms())
    except aggregate_store.AlreadyProcessed:
        logger.info("event already counted", extra={"event_id": event.event_id})
        return False
    return True
