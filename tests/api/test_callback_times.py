"""Signed carrier events whose times contradict the order are 422 and change nothing: no state,
no deadline, no event for the scores. A carrier's `at` keeps shipped ≤ collected ≤ delivered and
may lie at most MAX_CARRIER_CLOCK_SKEW_MS past our clock; replays of a valid event answer as
before. (The payment callback carries no time: the paid time is our own clock's.)"""

from __future__ import annotations

import pytest

from chalicelib.domain.aggregation import shop_key
from chalicelib.domain.clock import DAY_MS, to_iso
from chalicelib.domain.orders import (
    AUTO_COMPLETE_AFTER_MS,
    MAX_CARRIER_CLOCK_SKEW_MS,
    due_bucket,
)
from chalicelib.domain.scores import day_of
from chalicelib.jobs import events as event_jobs
from chalicelib.settings import get_settings
from chalicelib.store import aggregates as aggregate_store
from chalicelib.store import events as event_store
from chalicelib.store import orders as order_store
from chalicelib.store.events import EventModel
from chalicelib.store.orders import OrderModel
from tests.api.test_orders import signed
from tests.api.test_reviews import make_shelf, paid_order, ship

HOUR_MS = 3_600_000


@pytest.fixture
def shipped(api, frozen_clock):
    """A shop's order, paid and shipped an hour ago; the clock stands at now."""
    shelf = make_shelf(api)
    order_id = ship(api, paid_order(api, [{"sku_id": shelf["ac_sku"], "quantity": 1}],
                                    "callback-times-01"))
    frozen_clock["now"] += HOUR_MS
    return {"order_id": order_id, "shop_id": shelf["shop"]["shop_id"], "clock": frozen_clock,
            "order": order_store.get_order(order_id)}


def carrier(api, shipped, kind: str, at: int, event_id: str | None = None):
    order = shipped["order"]
    body = {"event_id": event_id or f"{kind}-{at}", "order_id": order.order_id,
            "tracking_number": order.tracking_number, "type": kind, "at": to_iso(at)}
    return signed(api, "/carriers/events", body, get_settings().carrier_secret)


def event_types(order_id: str) -> list[str]:
    return sorted(e.type for e in EventModel.scan() if e.order_id == order_id)


def stored(order_id: str) -> tuple:
    """What a callback could change: the order, its deadline (due bucket and time) and the
    events written with it."""
    model = OrderModel.get(order_id, consistent_read=True)
    return (order_store.get_order(order_id), (model.due_bucket, model.due_at),
            event_types(order_id))


def scored_orders(shop_id: str, around: int) -> int:
    """Delivered orders the score inputs hold for the shop, 30 days either side of `around`."""
    day = day_of(around)
    return sum(counters["orders"]
               for _, counters in aggregate_store.days_of(shop_key(shop_id), day - 30, day + 30))


@pytest.mark.parametrize(("kind", "offset_ms", "code"), [
    ("delivered", -1, "event_time_out_of_order"),  # 1 ms before it was shipped
    ("delivered", -2 * DAY_MS, "event_time_out_of_order"),
    ("collected", -1, "event_time_out_of_order"),
    ("delivered", HOUR_MS + MAX_CARRIER_CLOCK_SKEW_MS + 1, "event_time_in_future"),
    ("collected", HOUR_MS + 30 * DAY_MS, "event_time_in_future"),
])
def test_a_time_that_contradicts_the_order_is_422_and_changes_nothing(api, shipped, kind,
                                                                       offset_ms, code):
    shipped_at = shipped["order"].shipped_at
    before = stored(shipped["order_id"])
    status, body = carrier(api, shipped, kind, shipped_at + offset_ms)
    assert (status, body["error"]["code"]) == (422, code), body
    assert body["error"]["details"][0]["field"] == "at"
    assert stored(shipped["order_id"]) == before
    # the score inputs never see it: counting every stored event files no delivery anywhere
    for model in EventModel.scan():
        event_jobs.consume(event_store.to_domain(model))
    assert scored_orders(shipped["shop_id"], shipped_at + offset_ms) == 0


def test_a_delivery_before_its_collection_is_refused(api, shipped):
    collected_at = shipped["order"].shipped_at + 10 * 60_000
    assert carrier(api, shipped, "collected", collected_at)[0] == 200
    shipped["order"] = order_store.get_order(shipped["order_id"])
    before = stored(shipped["order_id"])
    status, body = carrier(api, shipped, "delivered", collected_at - 1)
    assert (status, body["error"]["code"]) == (422, "event_time_out_of_order")
    assert "collected" in body["error"]["message"]
    assert stored(shipped["order_id"]) == before


def test_a_collection_after_the_delivery_is_refused(api, shipped):
    delivered_at = shipped["order"].shipped_at + 30 * 60_000
    assert carrier(api, shipped, "delivered", delivered_at)[0] == 200
    shipped["order"] = order_store.get_order(shipped["order_id"])
    before = stored(shipped["order_id"])
    status, body = carrier(api, shipped, "collected", delivered_at + 1)
    assert (status, body["error"]["code"]) == (422, "event_time_out_of_order")
    assert "delivered" in body["error"]["message"]
    assert stored(shipped["order_id"]) == before


def test_a_valid_delivery_replays_and_a_contradicting_one_leaves_its_deadline(api, shipped):
    order_id, now = shipped["order_id"], shipped["clock"]["now"]
    delivered_at = now + MAX_CARRIER_CLOCK_SKEW_MS  # as far ahead as a clock may be: taken
    status, first = carrier(api, shipped, "delivered", delivered_at, event_id="dl-1")
    assert (status, first["status"], first["delivered_at"]) == (200, "delivered",
                                                                to_iso(delivered_at))
    order, deadline, types = stored(order_id)
    assert deadline == (due_bucket("completion", order_id), delivered_at + AUTO_COMPLETE_AFTER_MS)
    assert order.updated_at == now  # our clock's time, not the carrier's
    assert types.count("order_delivered") == 1
    shipped["clock"]["now"] += 60_000
    assert carrier(api, shipped, "delivered", delivered_at, event_id="dl-1") == (200, first)
    assert stored(order_id) == (order, deadline, types)

    # a second delivery report, two days ahead, would push the deadline out: refused
    shipped["order"] = order
    status, body = carrier(api, shipped, "delivered", now + 2 * DAY_MS, event_id="dl-2")
    assert (status, body["error"]["code"]) == (422, "event_time_in_future")
    assert stored(order_id) == (order, deadline, types)
