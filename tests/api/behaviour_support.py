"""Helpers the behaviour-event and scene-report API tests share: event bodies, the behaviour
stream fed to its consumer as Lambda would, and the counters as stored."""

from __future__ import annotations

from chalicelib.domain.clock import to_iso
from chalicelib.jobs import behaviour as behaviour_jobs
from chalicelib.store.behaviour import AffinityModel, BehaviourEventModel
from chalicelib.store.scene_stats import SceneStatsModel
from tests.support import FROZEN_NOW, bearer, stream_record

SHOPPER = bearer("shopper", "u1")
DEVICE = {"X-Device-Id": "device-0001"}
COUNTERS = ("impressions", "clicks", "store_visits", "orders", "gmv_fen")


def event(n, product_id, kind="impression", scene="search", at=FROZEN_NOW, **fields):
    return {"event_id": f"evt-{n:06d}", "type": kind, "scene": scene, "at": to_iso(at),
            "product_id": product_id, **fields}


def post(api, events, headers=None):
    return api.call("post", "/events", {"events": events}, DEVICE if headers is None else headers)


def stream_records(start: int = 0) -> list[dict]:
    """The raw events as the stream hands them over (one INSERT each), by event id."""
    models = sorted(BehaviourEventModel.scan(), key=lambda m: m.event_id)
    return [stream_record(model, start + n) for n, model in enumerate(models)]


def consume(records: list[dict]) -> None:
    for start in range(0, len(records), 100):
        assert behaviour_jobs.handle_stream_batch({"Records": records[start:start + 100]}) == {
            "batchItemFailures": []}


def counters() -> dict[tuple[str, str], dict[str, int]]:
    return {(m.entity, m.slot): {name: int(getattr(m, name))
                                 for name in COUNTERS if getattr(m, name)}
            for m in SceneStatsModel.scan()}


def affinities() -> dict[tuple[str, str], tuple[int, int]]:
    return {(m.actor, m.category): (int(m.clicks), int(m.last_at)) for m in AffinityModel.scan()}


def platform_total(rows, slot, name) -> int:
    return sum(c.get(name, 0) for (entity, s), c in rows.items()
               if entity.startswith("platform#") and s == slot)
