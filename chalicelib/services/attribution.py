"""Attribution: touches kept from behaviour events, lines stamped at checkout, and the daily
reconciliation report. Rules: chalicelib/domain/attribution.py and docs/attribution.md.

    keep_touches    the behaviour consumer, per batch: one conditional PutItem per distinct
                    touch (the latest per actor and key in the batch; stale events skipped)
    attribute       checkout: ONE Query of the buyer's touches, then pure rules; nothing else
    count_paid      the events consumer, per ORDER_PAID: one 2-item transaction (mark + ADD)
    report          ops: ONE Query of the day's 8 shards
"""

from __future__ import annotations

from collections.abc import Iterable

from chalicelib.auth import Principal, Role, require_role
from chalicelib.domain import attribution as rules
from chalicelib.domain import clock
from chalicelib.domain.behaviour import BehaviourEvent, shopper_actor
from chalicelib.domain.events import Event
from chalicelib.domain.orders import Order, stamp_line
from chalicelib.observability import logger
from chalicelib.store import attribution as report_store
from chalicelib.store import touches as touch_store


def mark_key(event_id: str) -> str:
    return f"attribution#{event_id}"


def keep_touches(events: Iterable[BehaviourEvent], now: int | None = None) -> int:
    """Keep the touches these events leave; returns how many items changed (a replay: 0)."""
    now = clock.now_ms() if now is None else now
    touches = [touch for event in events if (touch := rules.touch_of(event)) is not None]
    fresh = [touch for touch in rules.latest_per_key(touches) if rules.worth_keeping(touch, now)]
    return sum(1 for touch in fresh if touch_store.keep(touch))


def attribute(orders: list[Order], products: dict) -> None:
    """Stamp every line of a checkout's orders (one buyer) with its last click within 7 days,
    else its order's source, and the commission rate in force; set each order's assists.
    One Query, whatever the number of orders and lines."""
    if not orders:
        return
    now = orders[0].created_at
    touches = touch_store.recent(shopper_actor(orders[0].buyer_id))
    for order in orders:
        for line in order.lines:
            stamp_line(line, rules.line_attribution(line, order.source, touches, now), products)
        order.assists = rules.assists_for(order.shop_id, touches, now)


def count_paid(event: Event, order: Order) -> bool:
    """A paid order's GMV into its paid day's counters, once; False when counted before."""
    paid_at = order.paid_at or event.at
    try:
        report_store.count(mark_key(event.event_id), clock.business_day(paid_at),
                           rules.report_shard(order.order_id), rules.paid_counters(order),
                           clock.now_ms())
    except report_store.CountedBefore:
        logger.info("paid order already in the attribution report",
                    extra={"event_id": event.event_id})
        return False
    return True


def authorize_report(principal: Principal) -> None:
    require_role(principal, Role.OPS)


def report(day: str | None) -> dict:
    """A business day's reconciliation (today's when no day is given); zeros when nothing was
    paid that day."""
    day = day or clock.business_day(clock.now_ms())
    return rules.report(day, report_store.day_shards(day))
