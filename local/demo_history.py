"""90 days of demo shop history, as the daily counters the events stream would have produced.

Pure Python, no I/O. For every shop of the demo catalog with a service `quality` it makes up the
business events of the 90 days before `as_of_day` (delivered orders, first reviews, after-sales
cases with their handling and disputes, customer-service sessions; some orders attributed to the
demo creators) and counts them with `chalicelib.domain.aggregation.increments_for`, the function
the stream consumer uses, so the counters are exactly what the live pipeline would have counted.
They are summed per entity and day in memory and loaded with batch writes (`local.seed`): one
transaction per event, as the consumer writes, would take minutes on moto.

The events themselves are not stored, so the demo's order lists start empty: only the scores'
inputs are history. The same `as_of_day` gives the same counters (one seeded generator).

What comes out, once the score job has run:
- most shops score between about 4.3 and 4.9, spread by their `quality` (a shop's orders per day
  also grow with how many products it lists);
- 茗山茶舍 (quality 0.1) lands under 4.0, the regular-campaign threshold;
- 栖居家纺, the new shop, has a handful of recent orders, most not yet mature: 暂无分;
- products with 10 or more mature orders score on their own, the rest lean on their shop;
- each creator promotes its own categories: 小鱼说海味 (c1) sells the seafood of the best shops
  and scores above the 4.5 creator-campaign threshold; 阿茶 (c2) also sells for the poor tea
  shop and scores lower.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from chalicelib.domain.aggregation import EntityInfo, increments_for
from chalicelib.domain.catalog import Product
from chalicelib.domain.clock import DAY_MS
from chalicelib.domain.events import Event, EventType
from local.demo_data import SHOP_PLANS, DemoCatalog

SEED = 90
HISTORY_DAYS = 90
HOUR_MS = 3_600_000
NEW_SHOP_ORDERS = 12  # the new shop's orders, over its last 14 days

# Demo creators: `make token ROLE=creator SUB=c1` is the first one.
CREATORS = (
    ("c1", "小鱼说海味", "海边长大，只推自己吃过的干货。"),
    ("c2", "阿茶的茶席", "喝茶十年，带你喝懂口粮茶。"),
    ("c3", "家电测评老周", "拆过两百台空调的测评博主。"),
)
# What each creator promotes: an order of one of these categories may come through them.
CREATOR_CATEGORIES = {
    "c1": frozenset({"海鲜干货"}),
    "c2": frozenset({"茶叶"}),
    "c3": frozenset({"空调", "洗地机", "家电配件"}),
}
CREATOR_SHARE = 0.3  # of a promoted category's orders: came through a creator's video or live
FULL_SHOP_LISTED = 40  # a shop listing this many products sells its profile's orders per day


@dataclass(frozen=True)
class Profile:
    """Per-order (or per-session) probabilities for one shop, from poor to excellent."""

    orders_per_day: float
    review: float
    bad_review: float  # of reviews
    positive_review: float  # of the reviews that are not bad
    quality_return: float
    not_as_described: float
    other_after_sales: float
    handling_hours: float
    dispute: float  # of orders
    seller_fault: float  # of disputes
    collected_48h: float
    on_time: float
    sessions_per_day: float
    replied_3min: float
    replied_3s: float


POOR = Profile(3.0, 0.45, 0.09, 0.75, 0.03, 0.02, 0.04, 30.0, 0.03, 0.4, 0.80, 0.85,
               4.0, 0.75, 0.2)
EXCELLENT = Profile(9.0, 0.55, 0.003, 0.97, 0.001, 0.001, 0.02, 2.0, 0.001, 0.1, 0.995, 0.995,
                    8.0, 0.99, 0.9)


def profile(quality: float) -> Profile:
    """Every probability between POOR (0) and EXCELLENT (1), bent so that middling shops are
    decent: quality 0.5 is two thirds of the way to excellent."""
    share = 1 - (1 - quality) ** 1.6
    return Profile(*(low + share * (high - low)
                     for low, high in zip(vars(POOR).values(), vars(EXCELLENT).values(),
                                          strict=True)))


@dataclass
class DemoHistory:
    """Counters per (entity key, day), and each entity with the last day it was active."""

    counters: dict[tuple[str, int], dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    entities: dict[str, tuple[EntityInfo, int]] = field(default_factory=dict)
    events: int = 0

    def count(self, event: Event, delivered_at: int | None, categories: dict[str, str]) -> None:
        increment = increments_for(event, delivered_at, categories)
        self.events += 1
        if increment is None:
            return
        for entity in increment.entities:
            day = self.counters[(entity.key, increment.day)]
            for name, value in increment.counters.items():
                day[name] += value
            _, last = self.entities.get(entity.key, (entity, increment.day))
            self.entities[entity.key] = (entity, max(last, increment.day))


def build_demo_history(catalog: DemoCatalog, as_of_day: int) -> DemoHistory:
    """The counters of the HISTORY_DAYS days up to and including `as_of_day`."""
    rng = random.Random(SEED)
    history = DemoHistory()
    for shop, plan in zip(catalog.shops, SHOP_PLANS, strict=True):
        products = [p for p in catalog.products_of(shop.shop_id) if p.listed_on_shelves]
        days, shop_profile = _shop_profile(plan, len(products))
        for day in range(as_of_day - days + 1, as_of_day + 1):
            for event, delivered_at, categories in _shop_day(
                    shop.shop_id, products, shop_profile, day, rng):
                history.count(event, delivered_at, categories)
    return history


def _shop_profile(plan, listed: int) -> tuple[int, Profile]:
    """How many days of history a shop has, and its profile: orders and chats per day grow
    with what it lists (a small shop sells less), up to FULL_SHOP_LISTED products."""
    if plan.quality is None:  # the new shop: a handful of orders in its first two weeks
        return 14, replace(profile(0.8), orders_per_day=NEW_SHOP_ORDERS / 14)
    shop_profile = profile(plan.quality)
    size = min(1.0, max(0.3, listed / FULL_SHOP_LISTED))
    return HISTORY_DAYS, replace(shop_profile,
                                 orders_per_day=shop_profile.orders_per_day * size,
                                 sessions_per_day=shop_profile.sessions_per_day * size)


def _shop_day(shop_id: str, products: list[Product], shop: Profile, day: int,
              rng: random.Random) -> Iterator[tuple]:
    start = day * DAY_MS
    on_sale = [p for p in products if p.created_at < start]
    for number in range(_poisson(shop.orders_per_day, rng) if on_sale else 0):
        yield from _order(shop_id, on_sale, shop, start, f"{shop_id}-{day}-{number}", rng)
    for number in range(_poisson(shop.sessions_per_day, rng)):
        yield _session(shop_id, shop, start, f"{shop_id}-{day}-s{number}", rng), None, {}


def _order(shop_id: str, products: list[Product], shop: Profile, day_start: int,
           order_id: str, rng: random.Random) -> Iterator[tuple]:
    """The events of one delivered order: delivery, maybe a review, maybe an after-sales case."""
    # popular products sell more: weight by their 30-day shelf orders
    product = rng.choices(products, weights=[p.stats.orders_30d + 1 for p in products])[0]
    categories = {product.product_id: product.category}
    delivered_at = day_start + rng.randrange(8 * HOUR_MS, 22 * HOUR_MS)
    on_time = rng.random() < shop.on_time
    paid_at = delivered_at - (rng.randrange(24, 70) if on_time else rng.randrange(74, 120)) * (
        HOUR_MS)
    collected_hours = rng.randrange(4, 46) if rng.random() < shop.collected_48h else 50
    creator = _creator(product.category, rng)

    def event(kind: EventType, at: int, **data) -> tuple:
        return (Event(event_id=f"{order_id}-{kind}", type=kind, at=at, shop_id=shop_id,
                      order_id=order_id, product_ids=[product.product_id], creator_id=creator,
                      data=data), delivered_at, categories)

    yield event(EventType.ORDER_DELIVERED, delivered_at, paid_at=paid_at,
                collected_at=paid_at + collected_hours * HOUR_MS)
    if rng.random() < shop.review:
        rating = 1 if rng.random() < shop.bad_review else (
            5 if rng.random() < shop.positive_review else 3)
        yield event(EventType.REVIEW_POSTED, delivered_at + DAY_MS, rating=rating,
                    first_review=True)
    reason = _after_sales_reason(shop, rng)
    if reason is None:
        return
    requested_at = delivered_at + 2 * DAY_MS
    yield event(EventType.AFTER_SALES_REQUESTED, requested_at, reason=reason)
    handling_ms = int(rng.expovariate(1 / shop.handling_hours) * HOUR_MS)
    yield event(EventType.AFTER_SALES_APPROVED, requested_at + handling_ms,
                handling_ms=handling_ms)
    # escalations: `dispute` is per order, and only an order with a case can be escalated
    cases = shop.quality_return + shop.not_as_described + shop.other_after_sales
    if rng.random() < min(1.0, shop.dispute / cases):
        escalated_at = requested_at + handling_ms + DAY_MS
        yield event(EventType.AFTER_SALES_ESCALATED, escalated_at)
        yield event(EventType.AFTER_SALES_RULED, escalated_at + 2 * DAY_MS,
                    seller_fault=rng.random() < shop.seller_fault)


def _creator(category: str, rng: random.Random) -> str | None:
    """The creator an order came through, if any: one who promotes the product's category."""
    promoters = [creator_id for creator_id, categories in CREATOR_CATEGORIES.items()
                 if category in categories]
    if not promoters or rng.random() >= CREATOR_SHARE:
        return None
    return rng.choice(promoters)


def _after_sales_reason(shop: Profile, rng: random.Random) -> str | None:
    roll = rng.random()
    for reason, chance in (("quality", shop.quality_return),
                           ("not_as_described", shop.not_as_described),
                           ("changed_mind", shop.other_after_sales)):
        if roll < chance:
            return reason
        roll -= chance
    return None


def _session(shop_id: str, shop: Profile, day_start: int, session_id: str,
             rng: random.Random) -> Event:
    first_reply_ms = rng.randrange(500, 3000) if rng.random() < shop.replied_3s else (
        rng.randrange(4000, 60_000))
    human_reply_ms = rng.randrange(10_000, 170_000) if rng.random() < shop.replied_3min else (
        rng.randrange(200_000, 900_000))
    return Event(event_id=session_id, type=EventType.SERVICE_SESSION,
                 at=day_start + rng.randrange(9 * HOUR_MS, 23 * HOUR_MS), shop_id=shop_id,
                 data={"first_reply_ms": first_reply_ms, "human_reply_ms": human_reply_ms})


def _poisson(mean: float, rng: random.Random) -> int:
    """Knuth's method; the means here are small."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
