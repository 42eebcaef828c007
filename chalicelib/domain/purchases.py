"""What one paid order teaches the recommendations, given the buyer's history (pure, no I/O).

The store keeps counts that only ever grow by ADD, so the increments are worked out here, from
what the buyer had bought before:

- item buyers: +1 for a product the buyer had not bought (distinct buyers, not units).
- pair buyers: +1 for each pair of products the buyer now has both of, once per buyer: a new
  product pairs with the other products of the order and with the buyer's HEAVY_BUYER_RECENT
  most recent distinct products, never with older ones, so one heavy buyer adds at most
  H + (order size) pairs per new product however much they have bought.
- category buyers and repeat buyers, in weekly buckets: a buyer is counted as a buyer of a
  category when they first buy in it, or when their last count is 90 days old (a new window);
  as a repeat buyer once per window, when they buy again a product of it they bought before.
  Buying again is what makes a consumable: a second, different dress or jade bangle is not a
  restock, so it does not count. An order the same day as the last purchase (one checkout
  splits into one order per shop) is the same purchase, not a repurchase.
- gap histogram: the whole days between a buyer's purchases of the same product of the
  category (1 ≤ gap ≤ 90; a longer gap makes a new buyer).

History older than the 90-day window counts as not bought (the store's TTL removes it a day
later). An order not newer than what the history already holds (a replay, or an event that
arrives after a later one) teaches nothing new: its delta is empty for what is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from chalicelib.domain.recommend import (
    DAY_MS,
    HEAVY_BUYER_RECENT,
    MAX_GAP_DAYS,
    REPURCHASE_WINDOW_DAYS,
    Bought,
)

WINDOW_MS = REPURCHASE_WINDOW_DAYS * DAY_MS


@dataclass(frozen=True)
class Line:
    """A product in a paid order, with what the catalogue said of it."""

    product_id: str
    shop_id: str
    category: str


@dataclass(frozen=True)
class CategoryVisit:
    """A buyer's state in one category."""

    category: str
    last_bought_at: int
    counted_at: int  # when the buyer was last counted as a buyer of it (their window start)
    repeated: bool = False  # counted as a repeat buyer in that window


@dataclass
class BuyerHistory:
    products: dict[str, Bought] = field(default_factory=dict)
    categories: dict[str, CategoryVisit] = field(default_factory=dict)

    def live(self, at: int) -> BuyerHistory:
        """What is still inside the 90-day window at `at`."""
        since = at - WINDOW_MS
        return BuyerHistory(
            {k: v for k, v in self.products.items() if v.last_bought_at >= since},
            {k: v for k, v in self.categories.items() if v.last_bought_at >= since})


@dataclass
class OrderDelta:
    new_items: list[Line] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)  # unordered, a < b
    buyers: list[tuple[str, int]] = field(default_factory=list)  # (category, week)
    repeats: list[tuple[str, int]] = field(default_factory=list)
    gaps: list[tuple[str, int]] = field(default_factory=list)  # (category, whole days)
    products: list[Bought] = field(default_factory=list)  # history to write
    categories: list[CategoryVisit] = field(default_factory=list)

    @property
    def touched(self) -> list[str]:
        """Products whose pair counts change: their top-K lists need recomputing."""
        return sorted({product for pair in self.pairs for product in pair})

    @property
    def empty(self) -> bool:
        return not (self.new_items or self.pairs or self.buyers or self.repeats or self.gaps
                    or self.products or self.categories)


def week_of(at: int) -> int:
    """The week number (UTC days since the epoch // 7) the category buckets are kept by."""
    return at // DAY_MS // 7


def order_delta(history: BuyerHistory, lines: Sequence[Line], at: int) -> OrderDelta:
    """The increments one paid order at `at` adds, given the buyer's history before it."""
    history = history.live(at)
    lines = sorted({line.product_id: line for line in lines}.values(),
                   key=lambda line: line.product_id)
    delta = OrderDelta()
    new = [line for line in lines if line.product_id not in history.products]
    delta.new_items = new
    delta.pairs = _pairs(history, lines, new)
    for line in lines:
        before = history.products.get(line.product_id)
        if before is None:
            delta.products.append(Bought(line.product_id, line.shop_id, line.category, at, 1))
        elif at > before.last_bought_at:
            delta.products.append(replace(before, shop_id=line.shop_id, category=line.category,
                                          last_bought_at=at, times=before.times + 1))
    rebought: dict[str, int] = {}  # category → the latest earlier purchase of a product again
    for line in lines:
        before = history.products.get(line.product_id)
        if before is not None and before.last_bought_at < at:
            rebought[line.category] = max(before.last_bought_at,
                                          rebought.get(line.category, 0))
    for category in sorted({line.category for line in lines}):
        _category(delta, history.categories.get(category), category, at, rebought.get(category))
    return delta


def _pairs(history: BuyerHistory, lines: list[Line], new: list[Line]) -> list[tuple[str, str]]:
    if not new:
        return []
    recent = sorted(history.products.values(),
                    key=lambda b: (-b.last_bought_at, b.product_id))[:HEAVY_BUYER_RECENT]
    partners = {b.product_id for b in recent} | {line.product_id for line in lines}
    pairs = {tuple(sorted((line.product_id, other)))
             for line in new for other in partners if other != line.product_id}
    return sorted(pairs)


def _category(delta: OrderDelta, before: CategoryVisit | None, category: str, at: int,
              rebought_from: int | None) -> None:
    """`rebought_from`: when the buyer last bought a product of this order before (None: the
    order buys nothing of the category again)."""
    week = week_of(at)
    if before is not None and at <= before.last_bought_at:
        return  # not newer than what is known
    gap = None if rebought_from is None else (at - rebought_from) // DAY_MS
    if gap is not None and 1 <= gap <= MAX_GAP_DAYS:
        delta.gaps.append((category, int(gap)))
    if before is None or at - before.counted_at >= WINDOW_MS:
        delta.buyers.append((category, week))
        delta.categories.append(CategoryVisit(category, at, at, False))
        return
    repeated = before.repeated
    if gap is not None and gap >= 1 and not repeated:
        delta.repeats.append((category, week))
        repeated = True
    delta.categories.append(replace(before, last_bought_at=at, repeated=repeated))


def applied(history: BuyerHistory, delta: OrderDelta) -> BuyerHistory:
    """The history after the order (what the store holds once the delta is written)."""
    products = dict(history.products)
    products.update({b.product_id: b for b in delta.products})
    categories = dict(history.categories)
    categories.update({c.category: c for c in delta.categories})
    return BuyerHistory(products, categories)
