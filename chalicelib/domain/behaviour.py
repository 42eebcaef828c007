"""Behaviour events (what shoppers saw and clicked) and the per-scene counters they feed. No I/O.

An event is accepted when it is well formed, of a type whose required ids it carries, and from
the last 8 days (up to 24 h ahead, for clocks that run fast). Counting turns events and paid
orders into ADDs on daily counter items, one per (entity, business day × scene):

    impression            impressions +1  on product, shop, category and platform rows
    click, anchor_click   clicks +1       on the same rows; +1 to the actor's category affinity
    store_visit           store_visits +1 on the shop and platform rows
    video_view, live_view nothing counted (kept raw for the attribution reports)
    order paid            orders +1, gmv_fen on shop and platform (per order) and product and
                          category (per product in the order, with that product's share)

Category rows therefore sum their products' rows, and platform rows are spread over
PLATFORM_SHARDS items per (day, scene), so a flash sale's counters never share one item.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from chalicelib.domain import ids
from chalicelib.domain.aggregation import EntityInfo, category_key, product_key, shop_key
from chalicelib.domain.clock import DAY_MS, business_day
from chalicelib.domain.orders import OrderLine
from chalicelib.domain.scores import day_of

MAX_EVENTS_PER_BATCH = 100
MAX_FUTURE_MS = DAY_MS  # an event stamped later than this ahead of the server is refused
MAX_AGE_MS = 8 * DAY_MS  # ...and one older than this
RAW_TTL_DAYS = 9  # raw events outlive the accepted age, so a replay always finds its original
LINK_TTL_DAYS = 30
LINK_REFRESH_MS = DAY_MS  # a device link is written at most once a day per (shopper, device)
AFFINITY_HALF_LIFE_DAYS = 14
AFFINITY_TTL_DAYS = 120  # by then a click weighs 1/380 of a fresh one: let DynamoDB drop it
PLATFORM_SHARDS = 8
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's TransactWriteItems limit

ID_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")  # event ids and device ids
COUNTERS = ("impressions", "clicks", "store_visits", "orders", "gmv_fen")


class EventKind(StrEnum):
    IMPRESSION = "impression"
    CLICK = "click"
    STORE_VISIT = "store_visit"
    VIDEO_VIEW = "video_view"
    ANCHOR_CLICK = "anchor_click"
    LIVE_VIEW = "live_view"


REQUIRED_FIELDS: dict[EventKind, tuple[str, ...]] = {
    EventKind.IMPRESSION: ("product_id",),
    EventKind.CLICK: ("product_id",),
    EventKind.ANCHOR_CLICK: ("video_id", "product_id"),
    EventKind.STORE_VISIT: ("shop_id",),
    EventKind.VIDEO_VIEW: ("video_id",),
    EventKind.LIVE_VIEW: ("live_id",),
}
_COUNTED: dict[EventKind, str] = {
    EventKind.IMPRESSION: "impressions",
    EventKind.CLICK: "clicks",
    EventKind.ANCHOR_CLICK: "clicks",
    EventKind.STORE_VISIT: "store_visits",
}
_PRODUCT_COUNTERS = frozenset({"impressions", "clicks"})  # store visits are the shop's


@dataclass(frozen=True)
class BehaviourEvent:
    event_id: str
    type: EventKind
    scene: str
    at: int  # epoch ms
    actor: str  # "shopper#<sub>" or "device#<id>"
    product_id: str | None = None
    shop_id: str | None = None
    video_id: str | None = None
    live_id: str | None = None
    creator_id: str | None = None
    position: int | None = None
    request_id: str | None = None
    query: str | None = None


@dataclass(frozen=True)
class Rejection:
    index: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"index": self.index, "field": self.field, "message": self.message}


# --- accepting events --------------------------------------------------------------------------

def shopper_actor(shopper_id: str) -> str:
    return f"shopper#{shopper_id}"


def device_actor(device_id: str) -> str:
    return f"device#{device_id}"


def is_device_id(value: str | None) -> bool:
    return bool(value) and bool(ID_RE.match(value))


def parse_instant(text: str) -> int:
    """ISO 8601 with a zone ("2026-12-01T10:00:00+08:00", "...Z") → epoch ms; ValueError else."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("at needs a time zone (Z or ±hh:mm)")
    return int(moment.timestamp() * 1000)


def time_problem(at_ms: int, now_ms: int) -> str | None:
    if at_ms > now_ms + MAX_FUTURE_MS:
        return "at is more than 24 hours in the future"
    if at_ms < now_ms - MAX_AGE_MS:
        return "at is more than 8 days in the past"
    return None


def missing_field(kind: EventKind, fields: dict) -> str | None:
    """The first id this type of event needs and lacks."""
    return next((name for name in REQUIRED_FIELDS[kind] if not fields.get(name)), None)


def resolve_shop(product_id: str | None, shop_id: str | None) -> tuple[str | None, str | None]:
    """(shop id, problem): a product id names its shop, so a missing shop_id is derived and a
    different one is refused."""
    if product_id is None:
        return shop_id, None
    owner = ids.shop_of_product(product_id)
    if owner is None:
        return shop_id, "product_id is not a product id"
    if shop_id is not None and shop_id != owner:
        return shop_id, "shop_id is not the shop of product_id"
    return owner, None


# --- counting ----------------------------------------------------------------------------------

def slot(day: str, scene: str) -> str:
    return f"{day}#{scene}"


def platform_entity(shard: int) -> str:
    return f"platform#{shard}"


def platform_shard(key: str) -> int:
    return zlib.crc32(key.encode()) % PLATFORM_SHARDS


# The activity index lists products with behaviour counters under their own key: an entity
# item has one kind, and "product#<id>" is the score job's (kind "product").
def scene_product_info(product_id: str, shop_id: str | None, category: str | None) -> EntityInfo:
    return EntityInfo(f"scene_product#{product_id}", "scene_product", shop_id=shop_id,
                      category=category)


def product_of_scene_entity(key: str) -> str:
    return key.partition("#")[2]


def shopper_info(actor: str) -> EntityInfo:
    return EntityInfo(actor, "shopper")


CounterKey = tuple[str, str]  # (entity, slot)


@dataclass
class Effects:
    """What a set of events adds: counters per item, affinity clicks per (actor, category)
    with the latest click, and the entities to mark active with their latest day."""

    counters: dict[CounterKey, dict[str, int]] = field(default_factory=dict)
    affinities: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    active: dict[str, tuple[EntityInfo, int]] = field(default_factory=dict)

    def add(self, entity: str, slot_key: str, counter: str, value: int) -> None:
        counters = self.counters.setdefault((entity, slot_key), {})
        counters[counter] = counters.get(counter, 0) + value

    def add_affinity(self, actor: str, category: str, at: int) -> None:
        clicks, last_at = self.affinities.get((actor, category), (0, 0))
        self.affinities[(actor, category)] = (clicks + 1, max(last_at, at))

    def mark(self, info: EntityInfo, day: int) -> None:
        known = self.active.get(info.key)
        if known is None or known[1] < day:
            self.active[info.key] = (info, day)

    @property
    def items(self) -> int:
        """Items a transaction writing these effects touches (marks not included)."""
        return len(self.counters) + len(self.affinities)


def counts_anything(event: BehaviourEvent) -> bool:
    return event.type in _COUNTED


def add_event(effects: Effects, event: BehaviourEvent, category: str | None,
              shard: int) -> None:
    """Add one behaviour event's counters (`category`: its product's, None when the product is
    unknown: then only the shop and platform rows count it)."""
    counter = _COUNTED.get(event.type)
    if counter is None or event.shop_id is None:
        return
    where = slot(business_day(event.at), event.scene)
    effects.add(shop_key(event.shop_id), where, counter, 1)
    effects.add(platform_entity(shard), where, counter, 1)
    if counter in _PRODUCT_COUNTERS and event.product_id and category:
        effects.add(product_key(event.product_id), where, counter, 1)
        effects.add(category_key(category), where, counter, 1)
        effects.mark(scene_product_info(event.product_id, event.shop_id, category),
                     day_of(event.at))
        if counter == "clicks":
            effects.add_affinity(event.actor, category, event.at)
    if event.actor.startswith("shopper#"):
        effects.mark(shopper_info(event.actor), day_of(event.at))


def effects_of(events: Iterable[BehaviourEvent], categories: dict[str, str],
               shard: int) -> Effects:
    effects = Effects()
    for event in events:
        add_event(effects, event, categories.get(event.product_id or ""), shard)
    return effects


@dataclass
class Chunk:
    """Events counted in one transaction: one mark per event + its effects' items."""

    events: list[BehaviourEvent]
    shard: int
    effects: Effects

    @property
    def items(self) -> int:
        return len(self.events) + self.effects.items


def plan_chunks(events: list[BehaviourEvent], categories: dict[str, str],
                max_items: int = MAX_TRANSACTION_ITEMS) -> list[Chunk]:
    """Consecutive events grouped so that each chunk's transaction (a mark per event and one
    ADD per distinct counter or affinity item) stays within `max_items`; a chunk's platform
    shard is picked from its first event id. Events that count nothing are left out."""
    chunks: list[Chunk] = []
    current: Chunk | None = None
    for event in events:
        if not counts_anything(event):
            continue
        if current is not None:
            trial = Effects({k: dict(v) for k, v in current.effects.counters.items()},
                            dict(current.effects.affinities), dict(current.effects.active))
            add_event(trial, event, categories.get(event.product_id or ""), current.shard)
            if len(current.events) + 1 + trial.items <= max_items:
                current.events.append(event)
                current.effects = trial
                continue
        current = Chunk([event], platform_shard(event.event_id), Effects())
        add_event(current.effects, event, categories.get(event.product_id or ""),
                  current.shard)
        chunks.append(current)
    return chunks


def product_gmv(lines: Iterable[OrderLine]) -> dict[str, int]:
    """Each product's share of an order's amount: a SKU line is its product's; a bundle line is
    split over its products by units (the remainder fen to the first), so shares sum to the
    order's lines exactly."""
    shares: dict[str, int] = {}
    for line in lines:
        parts = [(p.product_id, p.quantity) for p in line.parts] or (
            [(line.product_id, 1)] if line.product_id else [])
        units = sum(quantity for _, quantity in parts)
        if not units:
            continue
        given = 0
        for n, (product_id, quantity) in enumerate(parts):
            share = line.total_fen * quantity // units
            if n == len(parts) - 1:
                share = line.total_fen - given
            given += share
            shares[product_id] = shares.get(product_id, 0) + share
    return shares


def add_order(effects: Effects, *, at: int, scene: str, shop_id: str, buyer_id: str | None,
              amount_fen: int, gmv: dict[str, int], categories: dict[str, str],
              shard: int) -> None:
    """A paid order: one order and its amount on the shop and platform rows; each product (and
    its category) one order and its share, filed under the order's scene and business day."""
    where = slot(business_day(at), scene)
    for entity in (shop_key(shop_id), platform_entity(shard)):
        effects.add(entity, where, "orders", 1)
        effects.add(entity, where, "gmv_fen", amount_fen)
    for product_id, share in gmv.items():
        category = categories.get(product_id)
        if category is None:
            continue  # a product since deleted: the shop's figures still have the order
        for entity in (product_key(product_id), category_key(category)):
            effects.add(entity, where, "orders", 1)
            effects.add(entity, where, "gmv_fen", share)
        effects.mark(scene_product_info(product_id, shop_id, category), day_of(at))
    if buyer_id:
        effects.mark(shopper_info(shopper_actor(buyer_id)), day_of(at))


def affinity_weight(clicks: int, last_at_ms: int, now_ms: int,
                    half_life_days: float = AFFINITY_HALF_LIFE_DAYS) -> float:
    """Clicks decayed by the age of the latest one: half the weight every `half_life_days`."""
    age_days = max(0.0, (now_ms - last_at_ms) / DAY_MS)
    return clicks * math.pow(0.5, age_days / half_life_days)
