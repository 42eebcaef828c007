"""Recommendation data on moto: real orders through the API, their ORDER_PAID events handed to
record_order as the stream would, the three job phases run on the job runner, then the
candidate lists and co-purchase lists they leave."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from chalicelib.domain import clock
from chalicelib.domain.events import EventType
from chalicelib.domain.recommend import DAY_MS, Reason, due_score
from chalicelib.jobs import recommend as recommend_jobs
from chalicelib.jobs import runner
from chalicelib.jobs.runner import Job
from chalicelib.services import candidates as candidate_service
from chalicelib.services import purchases as purchase_service
from chalicelib.store import aggregates, feeds
from chalicelib.store import follows as follow_store
from chalicelib.store import purchases as purchase_store
from chalicelib.store.aggregates import EntityModel
from chalicelib.store.base import batch_get, key_id
from chalicelib.store.events import EventModel, to_domain
from chalicelib.store.purchases import PurchaseModel
from local.pumps import drain_job_queue
from tests.support import bearer, dynamodb_calls, product_body, sku

TOGETHER = [f"pair{n:02d}" for n in range(6)]  # bought 空调 and its cover in one order
TEA_BUYERS = [f"tea{n:02d}" for n in range(20)]
TEA_AGAIN = TEA_BUYERS[:8]  # bought tea a second time 30 days later
_RUNS = itertools.count()


@pytest.fixture
def timeline(monkeypatch):
    """Moves the clock that orders, payments, the consumer and the jobs read; it starts at the
    real time, which is where the timeline ends ("now")."""
    moment = {"now": clock.now_ms()}
    monkeypatch.setattr(clock, "source", lambda: moment["now"])
    moment["end"] = moment["now"]
    return moment


@pytest.fixture
def catalog(api, timeline):
    appliances = api.create_shop("m1", "格力家电旗舰店")["shop_id"]
    tea_shop = api.create_shop("m2", "茗山茶舍")["shop_id"]
    other = api.create_shop("m3", "海边干货铺")["shop_id"]

    def product(shop_id, sub, title, category, price, stock=200):
        body = product_body(title=title, category=category, skus=[sku(price, stock)])
        return api.create_product(shop_id, body, sub)["product_id"]

    return {
        "appliances": appliances, "tea_shop": tea_shop, "other": other,
        "ac": product(appliances, "m1", "1.5匹 变频空调", "空调", 259900),
        "cover": product(appliances, "m1", "空调防尘罩", "空调配件", 3900),
        "tea": product(tea_shop, "m2", "明前龙井 250g", "茶叶", 16800),
        "shrimp": product(other, "m3", "淡干虾皮 500g", "海鲜", 5900),
        "sold_out": product(other, "m3", "野生海参", "海鲜", 99900, stock=1),
    }


def buy(api, timeline, buyer, product_ids, days_ago, key=None):
    """Checkout, pay and the signed payment callback, `days_ago` days before the end."""
    timeline["now"] = timeline["end"] - int(days_ago * DAY_MS)
    headers = {**bearer("shopper", buyer),
               "Idempotency-Key": key or f"k-{buyer}-{days_ago}-{len(product_ids)}"}
    items = [{"sku_id": f"{pid}.0", "quantity": 1} for pid in product_ids]
    status, placed = api.call("post", "/orders", {"items": items,
                                                  "source": {"scene": "mall"}}, headers)
    assert status == 201, placed
    for order in placed["orders"]:
        status, intent = api.call("post", f"/orders/{order['order_id']}/pay", None,
                                  bearer("shopper", buyer))
        assert status == 200, intent
        simulator = intent["simulator"]
        status, paid = api.call("post", "/payments/callback", raw=simulator["callback_body"],
                                headers={"X-Signature": simulator["signature"]})
        assert (status, paid["status"]) == (200, "paid"), paid
    timeline["now"] = timeline["end"]


def paid_events():
    models = sorted(EventModel.scan(), key=lambda model: model.event_id)
    return [to_domain(m) for m in models if m.type == EventType.ORDER_PAID.value]


def pump_paid(events=None) -> list[bool]:
    """What the events consumer does with each ORDER_PAID record (the lead routes it)."""
    return [purchase_service.record_order(event) for event in events or paid_events()]


def run_phases(queue, monkeypatch, *phases) -> dict:
    job = Job(name="recommend-test", phases=phases or (
        recommend_jobs.COPURCHASE_PHASE, recommend_jobs.REPURCHASE_PHASE,
        recommend_jobs.CANDIDATES_PHASE),
        run_key=lambda params: params.get("label", "x"), chunk_size=10,
        resolve=recommend_jobs.resolve_params)
    monkeypatch.setitem(runner.JOBS, job.name, job)
    started = runner.start(job.name, {"label": f"run{next(_RUNS)}"})
    drain_job_queue()
    run = runner.status(job.name, started["run_id"])
    assert run["status"] == "done", run
    return run


def listed(shopper_id):
    return {c.product_id: c.reason for c in candidate_service.candidates_of(shopper_id)}


def score_of(shopper_id, product_id):
    return next(c.score for c in candidate_service.candidates_of(shopper_id)
                if c.product_id == product_id)


def table_state():
    purchases = {(m.pk, m.sk): m.attribute_values for m in PurchaseModel.scan()}
    entities = {m.entity: m.attribute_values for m in EntityModel.scan()
                if m.entity.startswith(("copurchase#", "shopper#"))}
    return purchases, entities


@pytest.fixture
def pairs(api, timeline, catalog):
    """Six shoppers bought 空调 with its cover; alice only the 空调; carol the last sea
    cucumber."""
    for buyer in TOGETHER:
        buy(api, timeline, buyer, [catalog["ac"], catalog["cover"]], 20)
    buy(api, timeline, "alice", [catalog["ac"]], 10)
    buy(api, timeline, "carol", [catalog["sold_out"]], 5)
    return catalog


@pytest.fixture
def history(api, timeline, catalog):
    """Six shoppers bought 空调 with its cover; alice only the 空调; twenty bought tea, eight of
    them again 30 days later; bob bought tea 28 days ago, fred 5 days ago; carol bought the last
    sea cucumber."""
    for buyer in TOGETHER:
        buy(api, timeline, buyer, [catalog["ac"], catalog["cover"]], 20)
    buy(api, timeline, "alice", [catalog["ac"]], 10)
    for buyer in TEA_BUYERS:
        buy(api, timeline, buyer, [catalog["tea"]], 70)
    for buyer in TEA_AGAIN:
        buy(api, timeline, buyer, [catalog["tea"]], 40)
    buy(api, timeline, "bob", [catalog["tea"]], 28)
    buy(api, timeline, "fred", [catalog["tea"]], 5)
    buy(api, timeline, "carol", [catalog["sold_out"]], 5)
    return catalog


def profile_of(category):
    key = purchase_store.profile_key(category)
    found = batch_get([key])
    return purchase_store.profile_from(found.get(key_id(key)))


def test_orders_teach_co_purchase_repurchase_and_durables(api, queue, monkeypatch, history,
                                                          timeline):
    assert all(pump_paid())
    run_phases(queue, monkeypatch)
    ac, cover, tea = history["ac"], history["cover"], history["tea"]
    # 买了又买: 7 bought the 空调, 6 of them with the cover
    assert [(pid, round(score, 4)) for pid, _, score in purchase_store.similar(ac)] == [
        (cover, round(6 / (7 * 6) ** 0.5 * 6 / 8, 4))]
    assert purchase_store.similar(tea) == []
    alice = listed("alice")
    assert alice[cover] is Reason.CO_PURCHASE
    assert ac not in alice  # a durable she bought is not proposed again
    # 茶叶 is a consumable: 22 buyers, 8 bought again, 30 days apart
    profile = profile_of("茶叶")
    assert (profile.consumable, profile.interval_days, profile.buyers) == (True, 30, 22)
    assert profile_of("空调").consumable is False
    assert listed("bob") == {tea: Reason.REPURCHASE}  # 28 days ago: due
    assert score_of("bob", tea) == pytest.approx(1.1 / 1.5, abs=1e-4)  # bought once
    assert listed(TEA_AGAIN[0]) == {}  # last bought 40 days ago: not an active shopper
    assert listed("fred") == {tea: Reason.REPURCHASE}  # 5 days ago: back, but not yet due
    assert score_of("fred", tea) == pytest.approx(
        due_score(timeline["end"] - 5 * DAY_MS, 30, timeline["end"]) * 1.1 / 1.5, abs=1e-4)
    assert score_of("fred", tea) < score_of("bob", tea) / 3
    assert listed(TOGETHER[0]) == {}  # bought everything they would be shown
    timeline["end"] = timeline["now"] = timeline["end"] + 19 * DAY_MS
    run_phases(queue, monkeypatch, recommend_jobs.CANDIDATES_PHASE)
    # 24 days on: 30 less the 20 % lead, as due as bob's
    assert score_of("fred", tea) == pytest.approx(1.1 / 1.5, abs=1e-4)


def test_popular_fills_a_shopper_without_history(api, queue, monkeypatch, catalog, timeline):
    entries = [feeds.FeedEntry(catalog[name], ids_shop, score) for name, ids_shop, score in (
        ("shrimp", catalog["other"], 9.0), ("sold_out", catalog["other"], 8.0),
        ("tea", catalog["tea_shop"], 7.0))]
    assert feeds.swap_head(feeds.POPULAR_FEED, None, 1, entries, 3, clock.now_ms())
    buy(api, timeline, "dave", [catalog["sold_out"]], 1)  # the last one: sold out now
    pump_paid()
    aggregates.mark_active(aggregates.EntityInfo("shopper#newbie", "shopper"),
                           clock.now_ms() // DAY_MS)  # browsed (the behaviour log marks it)
    run_phases(queue, monkeypatch)
    assert listed("newbie") == {catalog["shrimp"]: Reason.POPULAR,
                                catalog["tea"]: Reason.POPULAR}  # sold out: left out
    assert listed("dave") == {catalog["shrimp"]: Reason.POPULAR,
                              catalog["tea"]: Reason.POPULAR}


def test_shoppers_of_one_run_read_the_feed_heads_once(api, catalog, timeline, monkeypatch):
    from botocore.client import BaseClient

    from chalicelib.services.candidates import RunCache, refresh_candidates

    entries = [feeds.FeedEntry(catalog["shrimp"], catalog["other"], 9.0)]
    assert feeds.swap_head(feeds.POPULAR_FEED, None, 1, entries, 1, clock.now_ms())
    shared_reads = []  # the BatchGetItem each shopper's refresh opens with (their own list)
    original = BaseClient._make_api_call
    lists_table = purchase_store.PurchaseModel.Meta.table_name

    def recording(client, operation, params):
        if operation == "BatchGetItem" and lists_table in params["RequestItems"]:
            shared_reads.append({table: len(request["Keys"])
                                 for table, request in params["RequestItems"].items()})
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    cache = RunCache()
    assert refresh_candidates("newbie", cache=cache) == "written"
    assert refresh_candidates("another", cache=cache) == "written"
    feeds_table = feeds.FeedModel.Meta.table_name
    first, second = shared_reads
    assert first[feeds_table] == 1  # the popular head, read for the first shopper only
    assert feeds_table not in second
    assert listed("another") == {catalog["shrimp"]: Reason.POPULAR}


def test_a_followed_shops_new_product_and_the_off_switch(api, queue, monkeypatch, pairs,
                                                         timeline):
    pump_paid()
    follow_store.load_follows([("alice", pairs["other"], clock.now_ms())])
    run_phases(queue, monkeypatch)
    alice = listed("alice")
    assert alice[pairs["shrimp"]] is Reason.FOLLOWED_SHOP
    assert pairs["sold_out"] not in alice
    follow_store.set_personalized("alice", False, clock.now_ms())
    run_phases(queue, monkeypatch, recommend_jobs.CANDIDATES_PHASE)
    assert listed("alice") == {}
    assert batch_get([purchase_store.candidates_key("alice")]) == {}


def test_replayed_events_change_nothing(api, queue, monkeypatch, history):
    events = paid_events()
    assert all(pump_paid(events))
    before = table_state()
    with dynamodb_calls() as calls:
        assert not any(pump_paid(events))
    assert table_state() == before
    # a replay reads the history and the products, finds the order in it, and writes nothing
    assert dict(calls) == {"Query": len(events), "BatchGetItem": len(events)}
    ac = purchase_store.PurchaseModel.get(f"item#{history['ac']}", "buyers")
    assert int(ac.n) == 7


def test_a_crash_between_chunks_is_finished_by_the_redelivery(api, monkeypatch, pairs):
    event = next(e for e in paid_events() if e.buyer_id == TOGETHER[0])
    monkeypatch.setattr(purchase_store, "MAX_UPDATES_PER_TRANSACTION", 2)
    written = []
    original = purchase_store.apply_chunk

    def crash_after_first(mark, updates, now):
        if written:
            raise RuntimeError("Lambda timed out")
        written.append(mark)
        return original(mark, updates, now)

    monkeypatch.setattr(purchase_store, "apply_chunk", crash_after_first)
    with pytest.raises(RuntimeError):
        purchase_service.record_order(event)
    monkeypatch.setattr(purchase_store, "apply_chunk", original)
    assert purchase_service.record_order(event)  # the redelivery: the first chunk is skipped
    assert not purchase_service.record_order(event)
    item = purchase_store.PurchaseModel.get(f"item#{pairs['ac']}", "buyers")
    pair = purchase_store.PurchaseModel.get(f"pair#{pairs['ac']}", pairs["cover"])
    assert (int(item.n), int(pair.n)) == (1, 1)


def test_record_order_round_trips(api, pairs):
    # a first order of two new products: two items, one pair, two categories new to the buyer
    event = dataclasses.replace(
        next(e for e in paid_events() if e.buyer_id == TOGETHER[0]), event_id="e-fresh",
        buyer_id="erin")
    with dynamodb_calls() as calls:
        assert purchase_service.record_order(event)
    assert dict(calls) == {
        "Query": 1,  # the buyer's history
        "BatchGetItem": 1,  # the order's products
        "BatchWriteItem": 2,  # the co-purchase activity marks; the history items
        "UpdateItem": 1,  # the shopper's activity mark
        "TransactWriteItems": 1,  # 2 items, 2 pair directions, 2 weeks, registry + the mark
    }


def test_load_history_writes_what_record_order_writes(api, history):
    from chalicelib.store import catalog as catalog_store

    events = paid_events()
    pump_paid(events)
    recorded = table_state()
    for model in PurchaseModel.scan():
        model.delete()
    for model in EntityModel.scan():
        if model.entity.startswith(("copurchase#", "shopper#")):
            model.delete()
    found = catalog_store.batch_get(
        product_ids={p for e in events for p in e.product_ids})["products"]
    orders = [(e.buyer_id, e.order_id, e.at,
               [(pid, found[pid].shop_id, found[pid].category) for pid in e.product_ids])
              for e in events]
    counts = purchase_service.load_history(orders)
    assert table_state() == recorded
    assert counts["shoppers"] == len({e.buyer_id for e in events})
