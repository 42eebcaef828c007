"""Business events, written in the same transaction as the change they describe.

They carry the scene and attribution fields, so the scores and the conversion reports are built
from events alone, never from raw order history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from chalicelib.domain import ids


class EventType(StrEnum):
    ORDER_PLACED = "order_placed"
    ORDER_PAID = "order_paid"
    ORDER_SHIPPED = "order_shipped"
    ORDER_COLLECTED = "order_collected"
    ORDER_DELIVERED = "order_delivered"
    ORDER_COMPLETED = "order_completed"
    ORDER_CANCELLED = "order_cancelled"
    REVIEW_POSTED = "review_posted"
    AFTER_SALES_REQUESTED = "after_sales_requested"
    AFTER_SALES_APPROVED = "after_sales_approved"
    AFTER_SALES_REJECTED = "after_sales_rejected"
    AFTER_SALES_ESCALATED = "after_sales_escalated"
    AFTER_SALES_RULED = "after_sales_ruled"
    AFTER_SALES_RETURNED = "after_sales_returned"
    AFTER_SALES_REFUNDED = "after_sales_refunded"
    SERVICE_SESSION = "service_session"
    PRODUCT_CHANGED = "product_changed"  # catalogue: created, edited, on/off shelf, price, score
    SHOP_FOLLOWED = "shop_followed"  # a shopper followed a shop (data.shopper_id)
    SHOP_UNFOLLOWED = "shop_unfollowed"


@dataclass
class Event:
    event_id: str
    type: EventType
    at: int
    shop_id: str
    order_id: str | None = None
    buyer_id: str | None = None
    product_ids: list[str] = field(default_factory=list)
    amount_fen: int = 0
    scene: str | None = None
    creator_id: str | None = None
    video_id: str | None = None
    live_id: str | None = None
    data: dict = field(default_factory=dict)


def order_event(event_type: EventType, order, at: int, amount_fen: int | None = None,
                **data) -> Event:
    """An event about an order, copying its attribution so consumers need no join."""
    return Event(
        event_id=ids.new_id("e", at),
        type=event_type,
        at=at,
        shop_id=order.shop_id,
        order_id=order.order_id,
        buyer_id=order.buyer_id,
        product_ids=sorted({take.product_id for take in order.stock_takes()}),
        amount_fen=order.total_fen if amount_fen is None else amount_fen,
        scene=order.source.scene.value,
        creator_id=order.credited_creator_id,
        video_id=order.source.video_id,
        live_id=order.source.live_id,
        data={key: value for key, value in data.items() if value is not None},
    )


def product_changed(product_id: str, shop_id: str, revision: int, at: int) -> Event:
    """A catalogue change, written with it, so read models that follow the catalogue (the
    search index) learn of it from the events stream: the products table has no stream, since
    one would fire on every stock decrement."""
    return Event(event_id=ids.new_id("e", at), type=EventType.PRODUCT_CHANGED, at=at,
                 shop_id=shop_id, product_ids=[product_id], data={"revision": revision})


def follow_changed(shop_id: str, shopper_id: str, following: bool, at: int) -> Event:
    """A follow edge added or removed, written with it: the events consumer moves the shop's
    follower_count from these, so the follow request itself never writes the (hot) shop item."""
    event_type = EventType.SHOP_FOLLOWED if following else EventType.SHOP_UNFOLLOWED
    return Event(event_id=ids.new_id("e", at), type=event_type, at=at, shop_id=shop_id,
                 data={"shopper_id": shopper_id})


def follower_delta(event: Event) -> int:
    """+1 for a follow, -1 for an unfollow. Additions commute, so the count converges whatever
    order the stream's shards deliver a follow and its unfollow in."""
    return 1 if event.type is EventType.SHOP_FOLLOWED else -1
