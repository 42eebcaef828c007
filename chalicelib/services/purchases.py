"""Orders into recommendation counts: the ORDER_PAID consumer and the demo bulk loader.

record_order (the events-stream consumer routes ORDER_PAID here) reads the buyer's history and
the order's products, works out what the order adds (chalicelib.domain.purchases), and writes
it so that a redelivered event adds nothing:

    1 Query       the buyer's history (products and categories)
    1 BatchGet    the order's products (category, shop)
    marks         the products whose pairs changed (kind "copurchase", batch writes of 25)
                  and the buyer (kind "shopper", one conditional UpdateItem), first, so a
                  crash later never leaves a change the jobs don't see
    transactions  the counter updates sorted by key, ≤ 99 per transaction, each with its
                  processed mark purchase#<event_id>#<chunk>: a replay's chunks are the same
                  and their marks make them no-ops
    1 BatchWrite  the buyer's history items (whole items computed from the history read); a
                  replay finds the order already in the history and computes nothing at all

load_history does the same sums in memory for a whole demo history and writes the final items
with batch writes: per-order transactions at demo volume are too slow on moto.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chalicelib.domain import clock
from chalicelib.domain.clock import DAY_MS
from chalicelib.domain.events import Event, EventType
from chalicelib.domain.purchases import BuyerHistory, Line, applied, order_delta
from chalicelib.domain.recommend import learn_profile, top_neighbours
from chalicelib.observability import logger
from chalicelib.store import catalog as catalog_store
from chalicelib.store import purchases as purchase_store
from chalicelib.store.base import batch_get, key_id

# (buyer_id, order_id, paid_at, [(product_id, shop_id, category)])
HistoryOrder = tuple[str, str, int, Sequence[tuple[str, str, str]]]


def record_order(event: Event) -> bool:
    """Count one paid order for the recommendations; False when it taught nothing new (a
    replay, or an order of products that no longer exist)."""
    if event.type is not EventType.ORDER_PAID or not event.buyer_id or not event.product_ids:
        return False
    history = purchase_store.buyer_history(event.buyer_id)
    products = catalog_store.batch_get(product_ids=event.product_ids)["products"]
    lines = [Line(pid, product.shop_id, product.category)
             for pid, product in sorted(products.items())]
    delta = order_delta(history, lines, event.at)
    if delta.empty:
        logger.info("order already counted for recommendations",
                    extra={"event_id": event.event_id})
        return False
    now = clock.now_ms()
    if delta.touched:
        purchase_store.mark_copurchase_changed(delta.touched, now // DAY_MS)
    purchase_store.mark_shopper_active(event.buyer_id, event.at // DAY_MS)
    updates = purchase_store.counter_updates(delta)
    for index, chunk in enumerate(purchase_store.chunks(updates)):
        purchase_store.apply_chunk(f"purchase#{event.event_id}#{index}", chunk, now)
    purchase_store.write_history(event.buyer_id, delta)
    return True


def load_history(orders: Iterable[HistoryOrder]) -> dict[str, int]:
    """Bulk-load a paid-order history into an empty purchases table (demo data and bench):
    exactly the items record_order would write for these orders taken in time order, plus the
    activity marks (products whose pairs changed: today; shoppers: their last order's day).
    Returns counts of what was written."""
    by_buyer: dict[str, list[HistoryOrder]] = {}
    for order in orders:
        by_buyer.setdefault(order[0], []).append(order)
    totals: dict[tuple[str, str], purchase_store.Update] = {}
    histories: list[tuple[str, BuyerHistory]] = []
    touched: set[str] = set()
    last_days: dict[str, int] = {}
    for buyer_id in sorted(by_buyer):
        history = BuyerHistory()
        for _, _, paid_at, lines in sorted(by_buyer[buyer_id], key=lambda o: (o[2], o[1])):
            delta = order_delta(history, [Line(*line) for line in lines], paid_at)
            if delta.empty:
                continue
            for update in purchase_store.counter_updates(delta):
                _merge(totals, update)
            touched.update(delta.touched)
            history = applied(history, delta)
            last_days[buyer_id] = paid_at // DAY_MS
        histories.append((buyer_id, history))
    items = purchase_store.load([totals[key] for key in sorted(totals)], histories)
    marks = purchase_store.mark_copurchase_changed(touched, clock.now_ms() // DAY_MS)
    purchase_store.load_shopper_marks(last_days)
    return {"items": items, "copurchase_marks": marks, "shoppers": len(last_days)}


def _merge(totals: dict, update: purchase_store.Update) -> None:
    total = totals.setdefault((update.pk, update.sk),
                              purchase_store.Update(update.pk, update.sk))
    for name, value in update.add.items():
        total.add[name] = total.add.get(name, 0) + value
    total.assign.update(update.assign)
    total.add_names |= update.add_names


# --- the read models the jobs derive from the counts --------------------------------------------

NEIGHBOUR_POOL = 98  # + the product's own count and its current list: one BatchGetItem


def refresh_similar(product_id: str) -> bool:
    """Recompute the product's top-K co-purchase list; True when it changed (and was written).

    1 Query (its pair counts) + 1 BatchGetItem (its own count, its current list, and the item
    counts of its NEIGHBOUR_POOL neighbours with the most buyers in common: a neighbour outside
    them shares fewer buyers than all of these, so it rarely ranks in the top K) + ≤ 1 write."""
    pairs = sorted(purchase_store.pair_counts(product_id), key=lambda p: (-p[1], p[0]))
    pool = pairs[:NEIGHBOUR_POOL]
    own_key, list_key = purchase_store.item_key(product_id), purchase_store.similar_key(product_id)
    found = batch_get(
        [own_key, list_key] + [purchase_store.item_key(other) for other, _ in pool])

    def raw(key):
        return found.get(key_id(key))

    own = purchase_store.item_from(raw(own_key))
    neighbours = []
    for other, together in pool:
        item = purchase_store.item_from(raw(purchase_store.item_key(other)))
        if item is not None:
            neighbours.append((other, item[0], together, item[1]))
    entries = top_neighbours(own[1] if own else 0, neighbours)
    if entries == purchase_store.similar_from(raw(list_key)):
        return False
    purchase_store.write_similar(product_id, entries, clock.now_ms())
    return True


def refresh_profile(category: str, now: int | None = None) -> bool:
    """Relearn the category's consumable profile from the weeks inside the 90-day window and
    its gap histogram (one Query of the category's partition); True when it changed."""
    now = clock.now_ms() if now is None else now
    counts = purchase_store.category_counts(category)
    first = purchase_store.window_weeks(now)
    inside = [counted for week, counted in counts.buyers_by_week.items() if week >= first]
    profile = learn_profile(category, sum(b for b, _ in inside), sum(r for _, r in inside),
                            counts.gaps)
    if profile == counts.profile:
        return False
    purchase_store.write_profile(profile, now)
    return True
