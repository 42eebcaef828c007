"""touches: each actor's recent clicks and video store visits, what checkout attributes from.

Keys: `actor` ("shopper#<id>" | "device#<id>"), `touch`:
- "click#<product_id>": the actor's LAST click (or anchor click) on that product;
- "visit#<shop_id>#<video_id>": its last store visit to that shop from that video.
TTL `expires_at` = the touch's time + 8 days (the window is 7; TTL deletion lags, so readers
filter by time too).

Costs:
- keep (the behaviour consumer): one conditional PutItem per touch, written only when it is
  later (time, then event id) than the one kept: a replay or an older event delivered late is
  a failed condition (1 WCU, no change), so every delivery order converges on the same item.
- recent (checkout): ONE Query of the actor's partition, at most MAX_TOUCHES_READ items (one
  page, ~250 bytes a touch: one round trip). The partition holds at most one item per product
  and per (shop, video) of 8 days; an actor with more than MAX_TOUCHES_READ of them is read up
  to the cap in key order (clicks first), documented in docs/attribution.md.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError
from pynamodb.models import Model

from chalicelib.domain import attribution as rules
from chalicelib.domain.attribution import Touch
from chalicelib.store.base import table_meta


class TouchModel(Model):
    Meta = table_meta("touches")

    actor = UnicodeAttribute(hash_key=True)
    touch = UnicodeAttribute(range_key=True)
    at = NumberAttribute()
    event_id = UnicodeAttribute()
    type = UnicodeAttribute()
    scene = UnicodeAttribute()
    product_id = UnicodeAttribute(null=True)
    shop_id = UnicodeAttribute(null=True)
    video_id = UnicodeAttribute(null=True)
    live_id = UnicodeAttribute(null=True)
    creator_id = UnicodeAttribute(null=True)
    expires_at = NumberAttribute()  # epoch seconds (TTL)


def keep(touch: Touch) -> bool:
    """Put the touch unless the kept one is as late or later; True when written."""
    model = TouchModel(
        touch.actor, touch.key, at=touch.at, event_id=touch.event_id, type=touch.event_type,
        scene=touch.scene, product_id=touch.product_id, shop_id=touch.shop_id,
        video_id=touch.video_id, live_id=touch.live_id, creator_id=touch.creator_id,
        expires_at=touch.at // 1000 + rules.TOUCH_TTL_DAYS * 86400)
    later = (TouchModel.at.does_not_exist() | (TouchModel.at < touch.at)
             | ((TouchModel.at == touch.at) & (TouchModel.event_id < touch.event_id)))
    try:
        model.save(condition=later)
    except PutError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def recent(actor: str) -> list[Touch]:
    """The actor's kept touches: one Query, one page (at most MAX_TOUCHES_READ)."""
    results = TouchModel.query(actor, limit=rules.MAX_TOUCHES_READ,
                               page_size=rules.MAX_TOUCHES_READ)
    return [_touch(model) for model in results]


def _touch(model: TouchModel) -> Touch:
    return Touch(actor=model.actor, kind=model.touch.partition("#")[0], at=int(model.at),
                 event_id=model.event_id, event_type=model.type, scene=model.scene,
                 product_id=model.product_id, shop_id=model.shop_id, video_id=model.video_id,
                 live_id=model.live_id, creator_id=model.creator_id)
