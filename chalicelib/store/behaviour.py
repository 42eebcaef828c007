"""Raw behaviour events, per-minute rate buckets, device links and category affinities.

- behaviour_events: one item per event_id (TTL `expires_at` = event time + 9 days, stream
  NEW_IMAGE). Written with BatchWriteItem (25 puts a call): a re-sent event is a put of the
  same item, which changes nothing and writes no stream record in DynamoDB; a different payload
  under a known id is a MODIFY. The consumer counts INSERT records only, and only once (its
  processed mark), so every event id counts once however often it is sent. Items stay under
  1 KB (bounded fields), so each put is 1 WCU.
- rate_limits: `bucket` = "<actor>#<minute epoch>", `events` ADDed per request (UPDATED_NEW
  answers the new total), TTL two minutes after the minute.
- device_links: `shopper_id`, `device_id`, linked_at, TTL 30 days after the last link.
- affinities: `actor` ("shopper#<id>" | "device#<id>"), `category`, clicks, last_at, TTL.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import UpdateError
from pynamodb.models import Model

from chalicelib.domain import behaviour as rules
from chalicelib.domain import clock
from chalicelib.domain.behaviour import BehaviourEvent, EventKind
from chalicelib.domain.clock import DAY_MS
from chalicelib.store.base import apply_update, table_meta, worker_pool


class BehaviourEventModel(Model):
    Meta = table_meta("behaviour_events")

    event_id = UnicodeAttribute(hash_key=True)
    type = UnicodeAttribute()
    scene = UnicodeAttribute()
    at = NumberAttribute()
    actor = UnicodeAttribute()
    product_id = UnicodeAttribute(null=True)
    shop_id = UnicodeAttribute(null=True)
    video_id = UnicodeAttribute(null=True)
    live_id = UnicodeAttribute(null=True)
    creator_id = UnicodeAttribute(null=True)
    position = NumberAttribute(null=True)
    request_id = UnicodeAttribute(null=True)
    # `query` in DynamoDB; not as a Python name, which would hide Model.query
    text = UnicodeAttribute(null=True, attr_name="query")
    expires_at = NumberAttribute()  # epoch seconds (TTL)


class _RateMeta(table_meta("rate_limits")):
    # on every POST /events: fail fast rather than hold the app's batch
    connect_timeout_seconds = 1
    read_timeout_seconds = 2


class RateLimitModel(Model):
    Meta = _RateMeta

    bucket = UnicodeAttribute(hash_key=True)
    events = NumberAttribute(default=0)
    expires_at = NumberAttribute()


class DeviceLinkModel(Model):
    Meta = table_meta("device_links")

    shopper_id = UnicodeAttribute(hash_key=True)
    device_id = UnicodeAttribute(range_key=True)
    linked_at = NumberAttribute()
    expires_at = NumberAttribute()


class AffinityModel(Model):
    Meta = table_meta("affinities")

    actor = UnicodeAttribute(hash_key=True)
    category = UnicodeAttribute(range_key=True)
    clicks = NumberAttribute(default=0)
    last_at = NumberAttribute(default=0)
    expires_at = NumberAttribute()


# --- raw events --------------------------------------------------------------------------------

def raw_model(event: BehaviourEvent) -> BehaviourEventModel:
    return BehaviourEventModel(
        event.event_id, type=event.type.value, scene=event.scene, at=event.at,
        actor=event.actor, product_id=event.product_id, shop_id=event.shop_id,
        video_id=event.video_id, live_id=event.live_id, creator_id=event.creator_id,
        position=event.position, request_id=event.request_id, text=event.query,
        expires_at=event.at // 1000 + rules.RAW_TTL_DAYS * 86400)


def put_events(events: list[BehaviourEvent]) -> None:
    """BatchWriteItem, 25 puts a call (100 events: 4 calls); unprocessed items are resent."""
    with BehaviourEventModel.batch_write() as batch:
        for event in events:
            batch.save(raw_model(event))


def from_image(image: dict) -> BehaviourEvent:
    """A stream record's NewImage → the event."""
    model = BehaviourEventModel.from_raw_data(image)
    return BehaviourEvent(
        event_id=model.event_id, type=EventKind(model.type), scene=model.scene,
        at=int(model.at), actor=model.actor, product_id=model.product_id,
        shop_id=model.shop_id, video_id=model.video_id, live_id=model.live_id,
        creator_id=model.creator_id,
        position=None if model.position is None else int(model.position),
        request_id=model.request_id, query=model.text)


# --- rate limit --------------------------------------------------------------------------------

def charge(actor: str, events: int, minute: int) -> int:
    """ADD `events` to the actor's bucket of this minute (epoch minutes); the new total."""
    bucket = f"{actor}#{minute}"
    answer = RateLimitModel._get_connection().update_item(
        bucket, actions=[RateLimitModel.events.add(events),
                         RateLimitModel.expires_at.set((minute + 2) * 60)],
        return_values="UPDATED_NEW")
    return int(answer["Attributes"]["events"]["N"])


# --- device links ------------------------------------------------------------------------------

def link_device(shopper_id: str, device_id: str, now_ms: int) -> bool:
    """Link a device to a shopper, at most once a day per pair (a later link within the day is
    a failed condition, not an error); True when written."""
    try:
        apply_update(
            DeviceLinkModel(shopper_id, device_id),
            actions=[DeviceLinkModel.linked_at.set(now_ms),
                     DeviceLinkModel.expires_at.set(
                         now_ms // 1000 + rules.LINK_TTL_DAYS * 86400)],
            condition=DeviceLinkModel.linked_at.does_not_exist()
            | (DeviceLinkModel.linked_at < now_ms - rules.LINK_REFRESH_MS))
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True


def devices_of(shopper_id: str, now_ms: int | None = None) -> list[str]:
    """The devices linked to a shopper in the last 30 days: one Query (TTL deletes lag, so
    expired links are filtered here too)."""
    since = (clock.now_ms() if now_ms is None else now_ms) - rules.LINK_TTL_DAYS * DAY_MS
    return [link.device_id for link in DeviceLinkModel.query(shopper_id)
            if int(link.linked_at) >= since]


# --- affinities --------------------------------------------------------------------------------

def affinity_rows(actor: str) -> dict[str, tuple[int, int]]:
    """An actor's categories → (clicks, last_at): one Query."""
    return {row.category: (int(row.clicks), int(row.last_at))
            for row in AffinityModel.query(actor)}


def category_affinity(actors: list[str], now_ms: int | None = None) -> dict[str, float]:
    """{category: weight} summed over the actors (a shopper and its linked devices), each
    actor's clicks decayed by the age of its latest click (half-life 14 days): one Query per
    actor, run in parallel (one round trip of wall time)."""
    now = clock.now_ms() if now_ms is None else now_ms
    actors = list(dict.fromkeys(actors))
    if len(actors) == 1:
        rows = [affinity_rows(actors[0])]
    else:
        rows = list(worker_pool("affinity", 8).map(affinity_rows, actors))
    weights: dict[str, float] = {}
    for actor_rows in rows:
        for category, (clicks, last_at) in actor_rows.items():
            weights[category] = weights.get(category, 0.0) + rules.affinity_weight(
                clicks, last_at, now)
    return weights


def affinity_update(actor: str, category: str, clicks: int, last_at: int):
    """The ADD of one actor's clicks in one category (for a transaction): (model, actions)."""
    return AffinityModel(actor, category), [
        AffinityModel.clicks.add(clicks),
        AffinityModel.last_at.set(last_at),
        AffinityModel.expires_at.set(last_at // 1000 + rules.AFFINITY_TTL_DAYS * 86400),
    ]
