"""The events table: an append-only log, streamed to the score and report consumers."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.domain.events import Event, EventType
from chalicelib.store.base import table_meta


class EventModel(Model):
    Meta = table_meta("events")

    event_id = UnicodeAttribute(hash_key=True)
    type = UnicodeAttribute()
    at = NumberAttribute()
    shop_id = UnicodeAttribute()
    order_id = UnicodeAttribute(null=True)
    buyer_id = UnicodeAttribute(null=True)
    product_ids = ListAttribute(of=UnicodeAttribute, default=list)
    amount_fen = NumberAttribute(default=0)
    scene = UnicodeAttribute(null=True)
    creator_id = UnicodeAttribute(null=True)
    video_id = UnicodeAttribute(null=True)
    live_id = UnicodeAttribute(null=True)
    data = MapAttribute(default=dict)


def from_domain(event: Event) -> EventModel:
    fields = vars(event).copy()
    fields["type"] = event.type.value
    return EventModel(fields.pop("event_id"), **fields)


def save_in(tx, event: Event) -> None:
    """Add the event to a transaction; the condition makes a replayed event id a no-op failure."""
    tx.save(from_domain(event), condition=EventModel.event_id.does_not_exist())


def to_domain(model: EventModel) -> Event:
    return Event(
        event_id=model.event_id,
        type=EventType(model.type),
        at=int(model.at),
        shop_id=model.shop_id,
        order_id=model.order_id,
        buyer_id=model.buyer_id,
        product_ids=list(model.product_ids or []),
        amount_fen=int(model.amount_fen or 0),
        scene=model.scene,
        creator_id=model.creator_id,
        video_id=model.video_id,
        live_id=model.live_id,
        data=_plain(model.data.as_dict() if model.data else {}),
    )


def _plain(data: dict) -> dict:
    """Numbers come back from DynamoDB as floats; whole ones become ints again."""
    return {key: int(value) if isinstance(value, float) and value.is_integer() else value
            for key, value in data.items()}
