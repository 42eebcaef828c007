"""Scene reports on moto: they agree with the behaviour events and the paid orders sent, by
business day and scene; who may read them; the ops report sums the platform shards; the bulk
loader writes what the consumers would; the rates and priors phases converge and cost nothing
when nothing moved."""

from __future__ import annotations

import pytest

from chalicelib.domain import ids
from chalicelib.domain.behaviour import BehaviourEvent, EventKind
from chalicelib.domain.clock import DAY_MS, to_iso
from chalicelib.jobs import runner
from chalicelib.jobs.behaviour_rates import PRIORS_PHASE, RATES_PHASE
from chalicelib.jobs.runner import Job
from chalicelib.services import scene_stats as scene_service
from chalicelib.store import behaviour as behaviour_store
from chalicelib.store import events as event_store
from chalicelib.store import orders as order_store
from chalicelib.store import scene_stats as scene_store
from chalicelib.store.aggregates import EntityModel
from chalicelib.store.behaviour import AffinityModel, BehaviourEventModel
from chalicelib.store.events import EventModel
from chalicelib.store.products import ProductModel
from chalicelib.store.scene_stats import SceneStatsModel
from local.pumps import drain_job_queue
from tests.api.behaviour_support import (
    COUNTERS,
    DEVICE,
    SHOPPER,
    affinities,
    consume,
    counters,
    event,
    post,
    stream_records,
)
from tests.support import FROZEN_NOW, bearer, dynamodb_calls, product_body, sku

MERCHANT = bearer("merchant", "m1")
OPS = bearer("ops", "ops1")


@pytest.fixture(autouse=True)
def fresh_memos(monkeypatch):
    from chalicelib.services import scene_stats

    monkeypatch.setattr(scene_stats, "_marked_active", {})
    scene_store.clear_priors_cache()
    yield
    scene_store.clear_priors_cache()


@pytest.fixture
def catalog(api, frozen_clock):
    shop = api.create_shop()
    ac = api.create_product(shop["shop_id"], product_body(skus=[sku(259900, 20)]))
    mop = api.create_product(shop["shop_id"], product_body(
        title="洗地机 X1", category="洗地机", skus=[sku(199900, 20)]))
    return {"shop": shop["shop_id"], "ac": ac["product_id"], "mop": mop["product_id"],
            "ac_sku": f"{ac['product_id']}.0", "mop_sku": f"{mop['product_id']}.0"}


def paid_order(api, items, scene, key, shopper=SHOPPER):
    body = {"items": items, "source": {"scene": scene}}
    status, placed = api.call("post", "/orders", body, {**shopper, "Idempotency-Key": key})
    assert status == 201, placed
    (order,) = placed["orders"]
    status, intent = api.call("post", f"/orders/{order['order_id']}/pay", None, shopper)
    assert status == 200, intent
    simulator = intent["simulator"]
    status, paid = api.call("post", "/payments/callback", raw=simulator["callback_body"],
                            headers={"X-Signature": simulator["signature"]})
    assert (status, paid["status"]) == (200, "paid"), paid
    return order


def paid_events():
    return [event_store.to_domain(m) for m in EventModel.scan() if m.type == "order_paid"]


def report(api, path, headers=MERCHANT, **params):
    query = "&".join(f"{k.rstrip('_')}={v}" for k, v in params.items())
    return api.call("get", f"{path}?{query}" if query else path, None, headers)


@pytest.fixture
def history(api, catalog):
    """Events over two days and two paid orders, counted by both consumers."""
    ac, mop = catalog["ac"], catalog["mop"]
    events = ([event(n, ac) for n in range(10)]
              + [event(n, ac, "click") for n in range(10, 14)]
              + [event(n, mop, scene="mall") for n in range(20, 25)]
              + [event(30, mop, "click", scene="mall"),
                 event(31, None, "store_visit", scene="storefront", shop_id=catalog["shop"])]
              + [event(n, ac, at=FROZEN_NOW - DAY_MS) for n in range(40, 43)])
    assert post(api, events, SHOPPER)[1]["accepted"] == len(events)
    consume(stream_records())
    search = paid_order(api, [{"sku_id": catalog["ac_sku"], "quantity": 2}], "search",
                        "order-key-01")
    mall = paid_order(api, [{"sku_id": catalog["ac_sku"], "quantity": 1},
                            {"sku_id": catalog["mop_sku"], "quantity": 1}], "mall",
                      "order-key-02")
    for paid in paid_events():
        assert scene_service.count_order(paid) is True
        assert scene_service.count_order(paid) is False  # a redelivery counts nothing
    return {**catalog, "search_order": search, "mall_order": mall}


def test_the_shop_report_agrees_with_the_events_and_orders(api, history):
    with dynamodb_calls() as calls:
        status, body = report(api, f"/shops/{history['shop']}/reports/scenes",
                              from_="2026-11-30", to="2026-12-01")
    assert status == 200, body
    assert calls == {"GetItem": 1, "Query": 1}  # the shop's owner, then its rows
    search_gmv = history["search_order"]["total_fen"]
    mall_gmv = history["mall_order"]["total_fen"]
    assert (body["from"], body["to"]) == ("2026-11-30", "2026-12-01")
    assert body["items"] == [
        {"day": "2026-11-30", "scene": "search", "impressions": 3, "clicks": 0,
         "store_visits": 0, "orders": 0, "gmv_fen": 0, "ctr": 0.0, "cvr": None},
        {"day": "2026-12-01", "scene": "mall", "impressions": 5, "clicks": 1,
         "store_visits": 0, "orders": 1, "gmv_fen": mall_gmv, "ctr": 0.2, "cvr": 1.0},
        {"day": "2026-12-01", "scene": "search", "impressions": 10, "clicks": 4,
         "store_visits": 0, "orders": 1, "gmv_fen": search_gmv, "ctr": 0.4, "cvr": 0.25},
        {"day": "2026-12-01", "scene": "storefront", "impressions": 0, "clicks": 0,
         "store_visits": 1, "orders": 0, "gmv_fen": 0, "ctr": None, "cvr": None},
    ]
    # products get their own share of an order: 259900 for the AC, 199900 for the mop
    rows = counters()
    assert rows[(f"product#{history['ac']}", "2026-12-01#mall")] == {"orders": 1,
                                                                     "gmv_fen": 259900}
    assert rows[(f"product#{history['mop']}", "2026-12-01#mall")] == {
        "impressions": 5, "clicks": 1, "orders": 1, "gmv_fen": 199900}
    assert rows[("category#空调", "2026-12-01#search")] == {
        "impressions": 10, "clicks": 4, "orders": 1, "gmv_fen": 2 * 259900}
    assert scene_store.product_counts_30d(history["ac"])["search"].impressions == 13
    # the default window: the last 7 business days ending today
    status, body = report(api, f"/shops/{history['shop']}/reports/scenes")
    assert (status, body["from"], body["to"], len(body["items"])) == (
        200, "2026-11-25", "2026-12-01", 4)
    # a buyer and the products are marked active for the jobs
    entities = {m.entity: m.kind for m in EntityModel.scan()}
    assert entities[f"scene_product#{history['mop']}"] == "scene_product"
    assert entities["shopper#u1"] == "shopper"


def test_the_ops_report_sums_the_platform_shards(api, history):
    other = api.create_shop(sub="m2", name="茶叶铺")
    tea = api.create_product(other["shop_id"], product_body(
        title="明前龙井", category="茶叶", skus=[sku(9900, 50)]), sub="m2")
    post(api, [event(n, tea["product_id"]) for n in range(100, 160)], bearer("shopper", "u2"))
    consume(stream_records(start=500))
    paid_order(api, [{"sku_id": f"{tea['product_id']}.0", "quantity": 3}], "search",
               "order-key-03", shopper=bearer("shopper", "u2"))
    for paid in paid_events():
        scene_service.count_order(paid)
    shards = {m.entity for m in SceneStatsModel.scan() if m.entity.startswith("platform#")}
    assert len(shards) > 1  # the rows really are spread
    with dynamodb_calls() as calls:
        status, body = report(api, "/ops/reports/scenes", OPS, from_="2026-11-30",
                              to="2026-12-01")
    assert status == 200
    assert calls == {"Query": 8}
    shops = [report(api, f"/shops/{sid}/reports/scenes", OPS, from_="2026-11-30",
                    to="2026-12-01")[1]["items"] for sid in (history["shop"], other["shop_id"])]
    expected: dict[tuple[str, str], dict] = {}
    for rows in shops:
        for row in rows:
            summed = expected.setdefault((row["day"], row["scene"]), dict.fromkeys(COUNTERS, 0))
            for name in COUNTERS:
                summed[name] += row[name]
    assert {(r["day"], r["scene"]): {n: r[n] for n in COUNTERS} for r in body["items"]} == (
        expected)
    search = next(r for r in body["items"] if (r["day"], r["scene"]) == ("2026-12-01", "search"))
    assert (search["impressions"], search["orders"]) == (70, 2)
    assert search["ctr"] == round(4 / 70, 4)


def test_who_may_read_the_reports(api, history):
    path = f"/shops/{history['shop']}/reports/scenes"
    assert report(api, path, bearer("merchant", "m2"))[0] == 403
    assert report(api, path, bearer("shopper", "u1"))[0] == 403
    assert report(api, path, {})[0] == 401
    assert report(api, path, OPS)[0] == 200
    assert report(api, "/shops/s00000000000000000000/reports/scenes", OPS)[0] == 404
    assert report(api, "/ops/reports/scenes", MERCHANT)[0] == 403
    assert report(api, "/ops/reports/scenes", {})[0] == 401


@pytest.mark.parametrize(("params", "field"), [
    ({"from_": "2026-13-01"}, "from"),
    ({"from_": "2026-12-02", "to": "2026-12-01"}, "from"),
    ({"from_": "2026-08-01", "to": "2026-12-01"}, "from"),  # 123 days
    ({"to": "1 December"}, "to"),
    ({"day": "2026-12-01"}, "day"),
])
def test_bad_report_windows_are_422_naming_the_field(api, catalog, params, field):
    for path, headers in ((f"/shops/{catalog['shop']}/reports/scenes", MERCHANT),
                          ("/ops/reports/scenes", OPS)):
        status, error = report(api, path, headers, **params)
        assert status == 422, error
        assert error["error"]["details"][0]["field"] == field


def test_the_bulk_loader_writes_what_the_consumers_count(api, history):
    consumed = (_counter_rows(), affinities(), _entities())
    events = [behaviour_store.from_image(m.serialize()) for m in BehaviourEventModel.scan()]
    orders = [order_store.get_order(e.order_id) for e in paid_events()]
    for model in (*SceneStatsModel.scan(), *AffinityModel.scan(), *EntityModel.scan()):
        model.delete()
    assert scene_service.load_events(events, orders) > 0
    loaded = (_counter_rows(), affinities(), _entities())
    assert loaded == consumed
    # with the categories given, the catalogue is not read
    for model in SceneStatsModel.scan():
        model.delete()
    with dynamodb_calls() as calls:
        scene_service.load_events(events, orders, categories={history["ac"]: "空调",
                                                              history["mop"]: "洗地机"})
    assert "BatchGetItem" not in calls
    assert _counter_rows() == consumed[0]


def _counter_rows():
    """Counter rows with the platform's shards summed (the loader spreads them its own way)."""
    rows: dict[tuple[str, str], dict[str, int]] = {}
    for (entity, slot), values in counters().items():
        key = ("platform", slot) if entity.startswith("platform#") else (entity, slot)
        summed = rows.setdefault(key, {})
        for name, value in values.items():
            summed[name] = summed.get(name, 0) + value
    return rows


def _entities():
    return {m.entity: (m.kind, m.shard, int(m.last_active_day), m.category)
            for m in EntityModel.scan()}


# --- rates and priors --------------------------------------------------------------------------

@pytest.fixture
def scene_job(queue, monkeypatch):
    """A test job of the two phases (the lead's `feeds` job runs them among its own)."""
    job = Job("scene-test", (RATES_PHASE, PRIORS_PHASE), run_key=lambda params: params["run"])
    monkeypatch.setitem(runner.JOBS, "scene-test", job)

    def run(label: str) -> dict:
        runner.start("scene-test", {"run": label})
        drain_job_queue()
        return runner.status("scene-test", f"scene-test-{label}")

    return run


def _population(shop_id: str, ac: str) -> tuple[list[BehaviourEvent], dict[str, str]]:
    """Ten 空调 products in search with 60..150 impressions and a few clicks each, the real AC
    among them; and one 洗地机 product in the mall."""
    products = [ac] + [ids.new_product_id(shop_id, FROZEN_NOW + n) for n in range(9)]
    mop = ids.new_product_id(shop_id, FROZEN_NOW + 99)
    events, n = [], 0
    for rank, product_id in enumerate(products):
        for k in range(60 + 10 * rank):
            kind = EventKind.CLICK if k % (10 + rank) == 0 else EventKind.IMPRESSION
            at = FROZEN_NOW - (k % 5) * DAY_MS
            events.append(BehaviourEvent(f"pop-{n:07d}", kind, "search", at, f"shopper#p{k}",
                                         product_id=product_id, shop_id=shop_id))
            n += 1
    events.append(BehaviourEvent("pop-mop-00001", EventKind.IMPRESSION, "mall", FROZEN_NOW,
                                 "device#dev-00001", product_id=mop, shop_id=shop_id))
    categories = {p: "空调" for p in products}
    categories[mop] = "洗地机"
    return events, categories


def _written_tables(calls_log) -> set[str]:
    return {table for operation, table in calls_log if operation in {
        "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}}


@pytest.fixture
def table_calls(monkeypatch):
    """(operation, table base name) of every DynamoDB call."""
    from botocore.client import BaseClient

    from chalicelib.settings import get_settings

    prefix, log, original = get_settings().table_prefix, [], BaseClient._make_api_call

    def recording(client, operation, params):
        if client.meta.service_model.service_name == "dynamodb":
            tables = ([params["TableName"]] if "TableName" in params
                      else list(params.get("RequestItems") or {}))
            log.extend((operation, t.removeprefix(prefix)) for t in tables)
        return original(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    return log


def test_rates_and_priors_converge_and_cost_nothing_when_nothing_moved(
        api, catalog, frozen_clock, scene_job, table_calls):
    events, categories = _population(catalog["shop"], catalog["ac"])
    scene_service.load_events(events, categories=categories)
    assert scene_job("first")["status"] == "done"

    rows = {m.slot: (int(m.impressions), int(m.clicks), int(m.orders))
            for m in SceneStatsModel.query("rates#search#空调")}
    assert len(rows) == 10 and rows[catalog["ac"]] == (54, 6, 0)
    rates = scene_store.category_rates("search", "空调")
    assert {pid: (c.impressions, c.clicks, c.orders) for pid, c in rates.items()} == rows
    assert scene_store.registered_partitions() == ["mall#洗地机", "search#空调"]
    stats = ProductModel.get(catalog["ac"]).stats
    assert (stats.impressions_30d, stats.clicks_30d, stats.orders_30d) == (54, 6, 0)
    assert int(ProductModel.get(catalog["ac"]).revision) == 0  # a merchant edit's lock: as it was

    priors = scene_store.priors()
    clicks = sum(c for _, c, _ in rows.values())
    impressions = sum(i for i, _, _ in rows.values())
    fitted = priors[("search", "空调")]
    assert fitted.ctr.mean == pytest.approx(clicks / impressions, rel=0.01)
    assert fitted.ctr.strength >= 100
    assert priors[("search", "*")] == fitted  # the scene has only this category
    assert fitted.cvr == priors[("search", "*")].cvr  # no orders anywhere: the defaults
    assert scene_store.prior_for("mall", "洗地机").ctr.mean == pytest.approx(0.04)  # 1 product
    assert scene_store.prior_for("video", "茶叶") == scene_store.prior_for("live", None)

    # nothing moved: a second run reads, and writes nothing of its own
    table_calls.clear()
    assert scene_job("second")["status"] == "done"
    assert _written_tables(table_calls) <= {"job_runs", "processed_events"}

    # a month later every counter has left the window: rows, states, priors and stats go
    frozen_clock["now"] = FROZEN_NOW + 31 * DAY_MS
    assert scene_job("third")["status"] == "done"
    left = [m for m in SceneStatsModel.scan()
            if m.entity.startswith(("rates#", "priors")) or m.slot == "~rates"]
    assert left == []
    assert scene_store.registered_partitions() == []
    assert ProductModel.get(catalog["ac"]).stats.impressions_30d == 0


def test_a_product_that_moves_category_moves_its_rates_rows(api, catalog, frozen_clock,
                                                            scene_job):
    events, categories = _population(catalog["shop"], catalog["ac"])
    scene_service.load_events(events[:200], categories=categories)
    scene_job("first")
    assert SceneStatsModel.count("rates#search#空调", SceneStatsModel.slot == catalog["ac"]) == 1
    status, _ = api.call("patch", f"/products/{catalog['ac']}", {"category": "冷风扇"}, MERCHANT)
    assert status == 200
    # its next day of activity marks the product with its new category
    frozen_clock["now"] = FROZEN_NOW + DAY_MS
    post(api, [event(1, catalog["ac"], at=FROZEN_NOW + DAY_MS)], DEVICE)
    consume(stream_records())
    scene_job("second")
    assert SceneStatsModel.count("rates#search#空调", SceneStatsModel.slot == catalog["ac"]) == 0
    ((slot, impressions),) = [(m.slot, int(m.impressions))
                              for m in SceneStatsModel.query("rates#search#冷风扇")]
    assert (slot, impressions) == (catalog["ac"], 55)


def test_priors_are_cached_for_five_minutes(api, catalog, frozen_clock, scene_job):
    events, categories = _population(catalog["shop"], catalog["ac"])
    scene_service.load_events(events, categories=categories)
    scene_job("first")
    first = scene_store.priors()
    with dynamodb_calls() as calls:
        assert scene_store.priors() is first
    assert calls == {}
    SceneStatsModel("priors", "search#空调").delete()
    frozen_clock["now"] = FROZEN_NOW + 299_000
    assert scene_store.priors() is first
    frozen_clock["now"] = FROZEN_NOW + 301_000
    with dynamodb_calls() as calls:
        assert ("search", "空调") not in scene_store.priors()
    assert calls == {"Query": 1}
    assert to_iso(FROZEN_NOW)  # (the clock stands still otherwise)
