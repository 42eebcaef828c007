"""POST /events and its stream consumer on moto: who may send, which events are taken, the rate
limit, device links, what a batch costs, and counters that count each event once."""

from __future__ import annotations

import json

import pytest

from chalicelib.domain import ids
from chalicelib.domain.clock import DAY_MS
from chalicelib.jobs import behaviour as behaviour_jobs
from chalicelib.store import behaviour as behaviour_store
from chalicelib.store.aggregates import EntityModel
from chalicelib.store.behaviour import (
    BehaviourEventModel,
    DeviceLinkModel,
    RateLimitModel,
)
from tests.api.behaviour_support import (
    DEVICE,
    SHOPPER,
    affinities,
    consume,
    counters,
    event,
    platform_total,
    post,
    stream_records,
)
from tests.support import FROZEN_NOW, bearer, dynamodb_calls, product_body


@pytest.fixture(autouse=True)
def fresh_memos(monkeypatch):
    """The per-container memo of activity marks starts empty in every test."""
    from chalicelib.services import scene_stats

    monkeypatch.setattr(scene_stats, "_marked_active", {})


@pytest.fixture
def catalog(api, frozen_clock):
    shop = api.create_shop()
    ac = api.create_product(shop["shop_id"], product_body())
    mop = api.create_product(shop["shop_id"], product_body(title="洗地机 X1", category="洗地机"))
    return {"shop": shop["shop_id"], "ac": ac["product_id"], "mop": mop["product_id"]}


# --- taking events ---------------------------------------------------------------------------

def test_events_are_counted_once_however_often_they_are_sent(api, catalog):
    ac, mop, shop = catalog["ac"], catalog["mop"], catalog["shop"]
    batch = [event(1, ac), event(2, ac), event(3, ac, "click", position=0, request_id="q-1"),
             event(4, mop, scene="mall")]
    assert post(api, batch, SHOPPER) == (200, {"accepted": 4, "rejected": []})
    assert post(api, batch, SHOPPER) == (200, {"accepted": 4, "rejected": []})  # a retry
    # one of them again, in another batch with a new one
    status, answer = post(api, [batch[2], event(5, ac, "click")], SHOPPER)
    assert (status, answer["accepted"]) == (200, 2)
    assert BehaviourEventModel.count() == 5
    raw = BehaviourEventModel.get("evt-000003")
    assert (raw.actor, raw.shop_id, int(raw.position), raw.request_id) == (
        "shopper#u1", shop, 0, "q-1")
    assert int(raw.expires_at) == FROZEN_NOW // 1000 + 9 * 86400

    records = stream_records()
    # the stream delivers at least once: a batch redelivered, and a record twice in one batch
    consume(records + records[:2])
    consume(records)
    rows = counters()
    search, mall = "2026-12-01#search", "2026-12-01#mall"
    assert rows[(f"product#{ac}", search)] == {"impressions": 2, "clicks": 2}
    assert rows[(f"product#{mop}", mall)] == {"impressions": 1}
    assert rows[(f"shop#{shop}", search)] == {"impressions": 2, "clicks": 2}
    assert rows[("category#空调", search)] == {"impressions": 2, "clicks": 2}
    assert platform_total(rows, search, "impressions") == 2
    assert platform_total(rows, search, "clicks") == 2
    assert affinities() == {("shopper#u1", "空调"): (2, FROZEN_NOW)}


def test_a_second_run_over_the_same_records_changes_nothing(api, catalog):
    events = [event(n, catalog["ac" if n % 2 else "mop"], "click" if n % 3 == 0 else
                    "impression", scene=("search", "mall", "video")[n % 3]) for n in range(60)]
    post(api, events, SHOPPER)
    records = stream_records()
    consume(records)
    before = (counters(), affinities(), {m.entity: int(m.last_active_day)
                                         for m in EntityModel.scan()})
    with dynamodb_calls() as calls:
        consume(records)
    assert (counters(), affinities(), {m.entity: int(m.last_active_day)
                                       for m in EntityModel.scan()}) == before
    # one read of the categories, one cancelled transaction, and the conditional puts of the
    # two products' kept clicks (touches), refused: nothing written
    assert calls == {"BatchGetItem": 1, "TransactWriteItems": 1, "PutItem": 2}


def test_only_inserts_count_and_a_chunk_with_some_counted_events_counts_the_rest(api, catalog):
    post(api, [event(n, catalog["ac"]) for n in range(4)])
    records = stream_records()
    consume(records[:2])
    modified = {**records[3], "eventName": "MODIFY"}  # a changed payload under a known id
    consume([*records[:3], modified])  # 0 and 1 counted before: only 2 counts now
    assert counters()[(f"product#{catalog['ac']}", "2026-12-01#search")] == {"impressions": 3}
    consume(records)
    assert counters()[(f"product#{catalog['ac']}", "2026-12-01#search")] == {"impressions": 4}


def test_a_partially_bad_batch_takes_the_good_events(api, catalog):
    ac = catalog["ac"]
    status, answer = post(api, [
        event(1, ac),
        event(2, ac, "click", at=FROZEN_NOW + 2 * DAY_MS),
        event(3, None, "store_visit"),
        event(1, ac),
        event(5, ac, "anchor_click", scene="video", video_id="v-1"),
        {"event_id": "evt-000006"},
        event(7, ac, at=FROZEN_NOW - 9 * DAY_MS),
        event(8, None, "store_visit", shop_id=catalog["shop"], scene="storefront"),
    ], SHOPPER)
    assert status == 200
    assert answer["accepted"] == 3
    assert [(r["index"], r["field"]) for r in answer["rejected"]] == [
        (1, "at"), (2, "shop_id"), (3, "event_id"), (5, "type"), (6, "at")]
    assert all(r["message"] for r in answer["rejected"])
    assert sorted(m.event_id for m in BehaviourEventModel.scan()) == [
        "evt-000001", "evt-000005", "evt-000008"]
    consume(stream_records())
    rows = counters()
    assert rows[(f"product#{ac}", "2026-12-01#video")] == {"clicks": 1}
    assert rows[(f"shop#{catalog['shop']}", "2026-12-01#storefront")] == {"store_visits": 1}


@pytest.mark.parametrize(("body", "field"), [
    ({"events": [event(n, None, "store_visit", shop_id="s" + "0" * 20) for n in range(101)]},
     "events"),
    ({"events": "all of them"}, "events"),
    ({}, "events"),
    ({"events": [], "more": 1}, "more"),
])
def test_a_batch_that_is_not_a_list_of_at_most_100_is_422(api, frozen_clock, body, field):
    status, error = api.call("post", "/events", body, DEVICE)
    assert (status, error["error"]["code"]) == (422, "validation_error")
    assert error["error"]["details"][0]["field"] == field
    assert BehaviourEventModel.count() == 0


def test_a_batch_with_no_good_event_is_422_and_lists_why(api, catalog):
    with dynamodb_calls() as calls:
        status, error = post(api, [event(1, catalog["ac"], "video_view"), "x"])
    assert (status, error["error"]["code"]) == (422, "validation_error")
    assert [(d["index"], d["field"]) for d in error["error"]["details"]] == [
        (0, "video_id"), (1, "event")]
    assert calls == {}  # nothing read, nothing written, nothing charged
    assert post(api, [])[0] == 422


def test_who_may_send_events(api, catalog):
    batch = [event(1, catalog["ac"])]
    status, error = post(api, batch, {})
    assert (status, error["error"]["code"]) == (401, "missing_caller")
    assert post(api, batch, bearer("merchant", "m1"))[0] == 403
    assert post(api, batch, {**bearer("merchant", "m1"), **DEVICE})[0] == 403
    assert post(api, batch, {"Authorization": "Bearer nope"})[0] == 401
    status, error = post(api, batch, {"X-Device-Id": "bad id!"})
    assert (status, error["error"]["details"][0]["field"]) == (422, "X-Device-Id")
    assert BehaviourEventModel.count() == 0
    assert post(api, batch, DEVICE)[0] == 200
    assert BehaviourEventModel.get("evt-000001").actor == "device#device-0001"


# --- the rate limit ----------------------------------------------------------------------------

@pytest.fixture
def limit_150(monkeypatch):
    from chalicelib.settings import get_settings

    monkeypatch.setenv("SHELF_EVENTS_PER_MINUTE", "150")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_over_the_rate_limit_is_429_until_the_minute_ends(api, catalog, frozen_clock, limit_150):
    ac = catalog["ac"]
    first = [event(n, ac) for n in range(100)]
    second = [event(n, ac) for n in range(100, 200)]
    assert post(api, first)[0] == 200
    frozen_clock["now"] = FROZEN_NOW + 15_000
    response = api.client.http.post("/events", body=json.dumps({"events": second}),
                                    headers={"Content-Type": "application/json", **DEVICE})
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "45"
    assert json.loads(response.body)["error"]["code"] == "rate_limited"
    assert BehaviourEventModel.count() == 100  # nothing of the throttled batch
    # signing in does not reset the device's bucket
    assert post(api, [event(300, ac)], {**SHOPPER, **DEVICE})[0] == 429
    frozen_clock["now"] = FROZEN_NOW + 60_000  # the next minute
    assert post(api, second, {**SHOPPER, **DEVICE})[0] == 200
    buckets = {m.bucket: int(m.events) for m in RateLimitModel.scan()}
    minute = FROZEN_NOW // 60_000
    assert buckets == {f"device#device-0001#{minute}": 201,
                       f"shopper#u1#{minute}": 1,
                       f"device#device-0001#{minute + 1}": 100,
                       f"shopper#u1#{minute + 1}": 100}
    assert all(int(m.expires_at) == (int(m.bucket.rsplit("#", 1)[1]) + 2) * 60
               for m in RateLimitModel.scan())


# --- device links and what a batch costs -------------------------------------------------------

def test_a_device_sent_with_a_token_is_linked_once_a_day(api, catalog, frozen_clock):
    both = {**SHOPPER, **DEVICE}
    assert post(api, [event(1, catalog["ac"])], both)[0] == 200
    (link,) = DeviceLinkModel.scan()
    assert (link.shopper_id, link.device_id, int(link.linked_at)) == (
        "u1", "device-0001", FROZEN_NOW)
    assert int(link.expires_at) == FROZEN_NOW // 1000 + 30 * 86400
    frozen_clock["now"] = FROZEN_NOW + 3_600_000
    assert post(api, [event(2, catalog["ac"])], both)[0] == 200  # refused by the condition
    assert int(DeviceLinkModel.get("u1", "device-0001").linked_at) == FROZEN_NOW
    frozen_clock["now"] = FROZEN_NOW + 2 * DAY_MS
    assert post(api, [event(4, catalog["ac"])], both)[0] == 200
    assert int(DeviceLinkModel.get("u1", "device-0001").linked_at) == FROZEN_NOW + 2 * DAY_MS
    post(api, [event(5, catalog["ac"])], {**SHOPPER, "X-Device-Id": "device-0002"})
    assert sorted(behaviour_store.devices_of("u1")) == ["device-0001", "device-0002"]
    assert behaviour_store.devices_of("u2") == []
    # a link older than 30 days no longer counts, even before TTL removes it
    assert behaviour_store.devices_of("u1", now_ms=FROZEN_NOW + 40 * DAY_MS) == []


def test_a_batch_of_100_costs_one_charge_and_four_batch_writes(api, catalog):
    events = [event(n, catalog["ac"]) for n in range(100)]
    with dynamodb_calls() as calls:
        assert post(api, events)[0] == 200
    assert calls == {"UpdateItem": 1, "BatchWriteItem": 4}
    more = [event(n, catalog["ac"]) for n in range(100, 200)]
    with dynamodb_calls() as calls:
        assert post(api, more, {**SHOPPER, **DEVICE})[0] == 200
    assert calls == {"UpdateItem": 3, "BatchWriteItem": 4}  # two buckets and the link


def test_the_consumer_cuts_a_batch_into_transactions_of_at_most_100_items(
        api, catalog, monkeypatch):
    """100 clicks on 100 products (unknown to the catalogue but for two): each transaction
    stays within DynamoDB's 100 items, and a chunk that fails is reported from its first
    record; the retry counts the rest exactly once."""
    from botocore.client import BaseClient

    shop = catalog["shop"]
    products = [catalog["ac"], catalog["mop"]] + [
        ids.new_product_id(shop, FROZEN_NOW + n) for n in range(98)]
    post(api, [event(n, pid, "click") for n, pid in enumerate(products)], SHOPPER)
    records = stream_records(start=1000)
    sizes, original = [], BaseClient._make_api_call
    failing = {"left": 1}

    def recording(client, operation, params):
        if operation == "TransactWriteItems":
            sizes.append(len(params["TransactItems"]))
            if len(sizes) == 2 and failing["left"]:
                failing["left"] -= 1
                raise RuntimeError("throttled")
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    first_batch = behaviour_jobs.handle_stream_batch({"Records": records})
    chunks = behaviour_jobs.rules.plan_chunks(
        [behaviour_store.from_image(r["dynamodb"]["NewImage"]) for r in records],
        {catalog["ac"]: "空调", catalog["mop"]: "洗地机"})
    second_first = chunks[1].events[0].event_id
    assert first_batch == {"batchItemFailures": [
        {"itemIdentifier": str(1000 + int(second_first.rsplit("-", 1)[1]))}]}
    consume(records)
    assert sizes and max(sizes) <= 100 and len(chunks) >= 2
    rows = counters()
    assert rows[(f"shop#{shop}", "2026-12-01#search")] == {"clicks": 100}
    assert platform_total(rows, "2026-12-01#search", "clicks") == 100
    # unknown products: counted on the shop and the platform only
    assert (f"product#{products[5]}", "2026-12-01#search") not in rows
    assert rows[(f"product#{catalog['ac']}", "2026-12-01#search")] == {"clicks": 1}


def test_activity_and_affinity_follow_the_clicks(api, catalog, frozen_clock):
    ac, mop = catalog["ac"], catalog["mop"]
    post(api, [event(1, ac, "click"), event(2, ac, "click"), event(3, mop, "click"),
               event(4, mop)], {**SHOPPER, **DEVICE})
    post(api, [event(5, mop, "click", at=FROZEN_NOW - 7 * DAY_MS)],
         {"X-Device-Id": "device-0001"})
    consume(stream_records())
    entities = {m.entity: (m.kind, m.shard.split("#")[0], int(m.last_active_day), m.category)
                for m in EntityModel.scan()}
    today = FROZEN_NOW // DAY_MS
    assert entities == {
        f"scene_product#{ac}": ("scene_product", "scene_product", today, "空调"),
        f"scene_product#{mop}": ("scene_product", "scene_product", today, "洗地机"),
        "shopper#u1": ("shopper", "shopper", today, None),
    }
    weights = behaviour_store.category_affinity(["shopper#u1"])
    assert weights == pytest.approx({"空调": 2.0, "洗地机": 1.0})
    merged = behaviour_store.category_affinity(
        ["shopper#u1"] + ["device#" + d for d in behaviour_store.devices_of("u1")])
    assert merged == pytest.approx({"空调": 2.0, "洗地机": 1.0 + 0.5 ** 0.5})
    frozen_clock["now"] = FROZEN_NOW + 14 * DAY_MS
    assert behaviour_store.category_affinity(["shopper#u1"]) == pytest.approx(
        {"空调": 1.0, "洗地机": 0.5})
