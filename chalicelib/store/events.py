"""The events table: an append-only log, streamed to the score and report consumers."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.domain.events import Event
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
