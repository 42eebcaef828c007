"""From business events to daily counters per shop, creator, product, category and platform.

Order-level counters are filed under the day the order was DELIVERED, so "mature orders" (the
after-sales window closed) are simply the days at least `maturity_days` old, and whatever
happens to an order later (a review, an after-sales case) lands on that same day. Service
sessions are filed under the day the chat started. Category and platform counters are the
priors the scores are smoothed toward.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.domain.events import Event, EventType
from chalicelib.domain.scores import (
    DEFAULT_SCORE_CONFIG,
    ScoreConfig,
    collected_in_time,
    day_of,
    delivered_on_time,
    replied_in_time,
)

PLATFORM = "platform#all"


def shop_key(shop_id: str) -> str:
    return f"shop#{shop_id}"


def creator_key(creator_id: str) -> str:
    return f"creator#{creator_id}"


def product_key(product_id: str) -> str:
    return f"product#{product_id}"


def category_key(category: str) -> str:
    return f"category#{category}"


@dataclass(frozen=True)
class EntityInfo:
    """What the score job needs to know about an entity besides its counters."""

    key: str
    kind: str  # shop | creator | product | category | platform
    shop_id: str | None = None
    category: str | None = None


@dataclass
class Increment:
    day: int
    counters: dict[str, int]
    entities: list[EntityInfo] = field(default_factory=list)


def increments_for(event: Event, delivered_at: int | None, categories: dict[str, str],
                   config: ScoreConfig = DEFAULT_SCORE_CONFIG) -> Increment | None:
    """The counters one event adds, the day they are filed under, and the entities they go to.

    `delivered_at` is the event's order's delivery time (None when not delivered), and
    `categories` maps the event's product ids to their categories. None: nothing to count.
    """
    counters = _counters(event, config)
    if not counters:
        return None
    if event.type is EventType.SERVICE_SESSION:
        day = day_of(event.at)
        entities = [EntityInfo(shop_key(event.shop_id), "shop"), EntityInfo(PLATFORM, "platform")]
        return Increment(day, counters, entities)
    day = day_of(delivered_at if delivered_at is not None else event.at)
    return Increment(day, counters, _order_entities(event, categories))


def _order_entities(event: Event, categories: dict[str, str]) -> list[EntityInfo]:
    entities = [EntityInfo(shop_key(event.shop_id), "shop"), EntityInfo(PLATFORM, "platform")]
    if event.creator_id:
        entities.append(EntityInfo(creator_key(event.creator_id), "creator"))
    for product_id in event.product_ids:
        category = categories.get(product_id)
        entities.append(EntityInfo(product_key(product_id), "product", shop_id=event.shop_id,
                                   category=category))
    for category in sorted({categories[p] for p in event.product_ids if p in categories}):
        entities.append(EntityInfo(category_key(category), "category", category=category))
    return entities


def _counters(event: Event, config: ScoreConfig) -> dict[str, int]:
    data = event.data
    if event.type is EventType.ORDER_DELIVERED:
        return _delivery_counters(event.at, data.get("paid_at"), data.get("collected_at"),
                                  config)
    if event.type is EventType.REVIEW_POSTED and data.get("first_review", True):
        rating = int(data["rating"])
        return {"reviews": 1, "bad_reviews": int(rating <= 2), "positive_reviews": int(rating >= 4)}
    if event.type is EventType.AFTER_SALES_REQUESTED:
        return {"after_sales": 1,
                "quality_returns": int(data.get("reason") == "quality"),
                "nad_refunds": int(data.get("reason") == "not_as_described")}
    if event.type in (EventType.AFTER_SALES_APPROVED, EventType.AFTER_SALES_REJECTED):
        return {"handled_cases": 1, "handling_ms": int(data.get("handling_ms") or 0)}
    if event.type is EventType.AFTER_SALES_ESCALATED:
        return {"disputes": 1}
    if event.type is EventType.AFTER_SALES_RULED and data.get("seller_fault"):
        return {"seller_fault_disputes": 1}
    if event.type is EventType.SERVICE_SESSION:
        # the 3-minute rate is on the human reply (the first reply when no human is recorded)
        first = int(data["first_reply_ms"])
        human = int(data.get("human_reply_ms") or first)
        return {"sessions": 1, "replied_3min": int(replied_in_time(human, config)),
                "replied_3s": int(replied_in_time(first, config, fast=True))}
    return {}


def _delivery_counters(delivered_at: int, paid_at: int | None, collected_at: int | None,
                       config: ScoreConfig) -> dict[str, int]:
    counters = {"orders": 1, "collection_known": 0, "collected_48h": 0, "on_time": 0}
    if paid_at is not None:
        counters["on_time"] = int(delivered_on_time(paid_at, delivered_at, config))
    if paid_at is not None and collected_at is not None:
        counters["collection_known"] = 1
        counters["collected_48h"] = int(collected_in_time(paid_at, collected_at, config))
    return counters
