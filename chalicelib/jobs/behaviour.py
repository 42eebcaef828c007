"""The behaviour-events stream consumer: raw events → per-scene daily counters and affinities,
and the touches checkout attributes orders from.

Only INSERT records count (a re-sent event is an identical put, which DynamoDB does not stream;
a changed payload under a known id is a MODIFY, ignored). A batch is read as:

    PutItems         the touches (services/attribution.keep_touches): one conditional put per
                     distinct click (actor, product) and video store visit (actor, shop,
                     video) of the batch, written only when later than the kept touch
    1 BatchGetItem   the categories of its products (per 100 distinct products)
    UpdateItems      the activity index: each product with counters ("scene_product") and each
                     shopper, once per day per container (before the counts: see
                     aggregates.apply_increment)
    1 transaction    per chunk: a processed mark per event ("behaviour#<event_id>", condition:
                     not there) + one aggregated ADD per distinct counter or affinity item, at
                     most 100 items

Costs: per event 1 raw put (1 WCU, at ingestion) + its mark in the transaction (2 WCU); per
chunk one ADD per distinct (entity, day × scene) and (actor, category) item (2 WCU each).
Events that count nothing (video_view, live_view) are not marked and cost nothing here. A
touch is 1 WCU whether written or refused (a replay, or an older event delivered late, is a
refused condition and changes nothing); events older than the 7-day window write no touch.

A chunk whose transaction is cancelled because some marks exist (a redelivery) drops those
events and is tried once more; a chunk that still fails is reported as a partial batch failure
from its first record (Lambda retries from there; the marks make counted ones no-ops), and the
rest of the batch is left for that retry. Touches are kept first, for the whole batch: when
that fails the batch is retried from its first record (touches converge, marks dedupe).
"""

from __future__ import annotations

from chalicelib.domain import behaviour as rules
from chalicelib.domain import clock
from chalicelib.domain.behaviour import BehaviourEvent, Chunk
from chalicelib.observability import logger
from chalicelib.services import attribution
from chalicelib.services import scene_stats as scene_service
from chalicelib.store import behaviour as behaviour_store
from chalicelib.store import scene_stats as scene_store


def mark_key(event_id: str) -> str:
    return f"behaviour#{event_id}"


def handle_stream_batch(raw_event: dict, lambda_context=None) -> dict:
    """Lambda entry for a DynamoDB stream batch; returns {"batchItemFailures": [...]}."""
    inserts = _inserts(raw_event.get("Records") or [])
    if not inserts:
        return {"batchItemFailures": []}
    sequence = {event.event_id: number for number, event in inserts}
    events = [event for _, event in inserts]
    try:
        attribution.keep_touches(events)
    except Exception:
        logger.exception("behaviour batch: touches not kept")
        return _failed(inserts[0][0])
    try:
        categories = scene_service.categories_of(
            e.product_id for e in events if e.product_id and rules.counts_anything(e))
    except Exception:
        logger.exception("behaviour batch: categories unreadable")
        return _failed(inserts[0][0])
    for chunk in rules.plan_chunks(events, categories):
        try:
            count_chunk(chunk, categories)
        except Exception:
            logger.exception("behaviour chunk failed",
                             extra={"first_event": chunk.events[0].event_id})
            return _failed(sequence[chunk.events[0].event_id])
    return {"batchItemFailures": []}


def _failed(sequence_number: str) -> dict:
    return {"batchItemFailures": [{"itemIdentifier": sequence_number}]}


def _inserts(records: list[dict]) -> list[tuple[str, BehaviourEvent]]:
    """(sequence number, event) of each INSERT record, first of each event id only."""
    inserts, seen = [], set()
    for record in records:
        dynamodb = record.get("dynamodb") or {}
        image = dynamodb.get("NewImage")
        if record.get("eventName") != "INSERT" or not image:
            continue
        try:
            event = behaviour_store.from_image(image)
        except Exception:  # not ours to count: a retry could never succeed either
            logger.exception("behaviour record unreadable",
                             extra={"sequence": dynamodb.get("SequenceNumber")})
            continue
        if event.event_id not in seen:
            seen.add(event.event_id)
            inserts.append((dynamodb.get("SequenceNumber"), event))
    return inserts


def count_chunk(chunk: Chunk, categories: dict[str, str]) -> int:
    """Count one chunk's events (those not counted before); returns how many counted."""
    scene_service.mark_entities_active(chunk.effects.active.values())
    events, effects = chunk.events, chunk.effects
    for attempt in range(2):
        try:
            scene_store.apply_counts([mark_key(e.event_id) for e in events], effects,
                                     clock.now_ms())
            return len(events)
        except scene_store.MarksExist as error:
            if not error.marks or attempt:
                raise
            events = [e for e in events if mark_key(e.event_id) not in error.marks]
            logger.info("behaviour events counted before",
                        extra={"skipped": len(error.marks), "left": len(events)})
            if not events:
                return 0
            effects = rules.effects_of(events, categories, chunk.shard)
    return 0
