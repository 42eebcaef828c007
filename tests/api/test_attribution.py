"""Attribution on moto: clicks sent to POST /events become touches (through the behaviour
stream), a checkout credits each line to its last click within 7 days (else the order's source)
and lists the video store visits that assisted it, at one Query more than before; replays add
nothing; the ops reconciliation report holds exactly over a day of mixed orders."""

from __future__ import annotations

import contextlib
from collections import Counter
from unittest import mock

import pytest
from botocore.client import BaseClient

from bench.attribution import source_only_stamping
from chalicelib.domain.attribution import WINDOW_MS
from chalicelib.domain.clock import DAY_MS, to_iso
from chalicelib.services import attribution as attribution_service
from chalicelib.store import behaviour as behaviour_store
from chalicelib.store.attribution import AttributionDayModel
from chalicelib.store.touches import TouchModel
from tests.api.behaviour_support import consume, event, post, stream_records
from tests.support import (
    FROZEN_DAY,
    FROZEN_NOW,
    bearer,
    dynamodb_calls,
    product_body,
    pump_stream,
    sku,
)

AC_FEN, MOP_FEN, TV_FEN, BUNDLE_FEN = 259900, 199900, 459900, 399900
NEXT_DAY = "2026-12-02"
VIDEO = {"video_id": "v-anchor-1", "live_id": "l-stream-1", "creator_id": "c-creator-1"}
CHANNELS = ("video", "live", "search", "mall", "storefront", "recommendation", "distribution",
            "direct")


def shopper(sub="u1"):
    return bearer("shopper", sub)  # minted at call time: tokens live in the test clock's time


@pytest.fixture
def shop(api, frozen_clock):
    shop = api.create_shop()
    products = {name: api.create_product(shop["shop_id"], product_body(
        title=title, category=category, skus=[sku(price, 50)]))["product_id"]
        for name, title, category, price in (("ac", "空调", "空调", AC_FEN),
                                             ("mop", "洗地机 X1", "洗地机", MOP_FEN),
                                             ("tv", "电视 75", "电视", TV_FEN))}
    other = api.create_shop(sub="m2", name="别家小店")
    return {"shop_id": shop["shop_id"], "other_shop_id": other["shop_id"], **products,
            "clock": frozen_clock}


_sent = {"n": 0}


def send(api, *events, headers=None):
    """POST the events (as u1 unless told) and drain the behaviour stream, as Lambda would."""
    status, answer = post(api, list(events), headers or shopper())
    assert (status, answer["rejected"]) == (200, []), answer
    consume(stream_records())


def click(product_id, at, kind="click", scene="mall", **ids):
    _sent["n"] += 1
    return event(_sent["n"], product_id, kind, scene=scene, at=at, **ids)


def store_visit(shop_id, at, scene="video", **ids):
    _sent["n"] += 1
    return {**event(_sent["n"], None, "store_visit", scene=scene, at=at, **ids),
            "shop_id": shop_id}


@pytest.fixture(autouse=True)
def fresh_numbers():
    _sent["n"] = 0


def place(api, items, key, scene="storefront", headers=None, **source):
    body = {"items": [{"bundle_id": pid, "quantity": 1} if ".b" in pid
                      else {"sku_id": f"{pid}.0", "quantity": 1} for pid in items],
            "source": {"scene": scene, **source}}
    status, placed = api.call("post", "/orders", body,
                              {**(headers or shopper()), "Idempotency-Key": key})
    assert status == 201, placed
    return placed["orders"]


def pay(api, order, headers=None):
    status, intent = api.call("post", f"/orders/{order['order_id']}/pay", None,
                              headers or shopper())
    assert status == 200, intent
    simulator = intent["simulator"]
    status, paid = api.call("post", "/payments/callback", raw=simulator["callback_body"],
                            headers={"X-Signature": simulator["signature"]})
    assert (status, paid["status"]) == (200, "paid"), paid


def attribution(channel, touched_at=None, creator_id=None, video_id=None, live_id=None):
    return {"channel": channel, "creator_id": creator_id, "video_id": video_id,
            "live_id": live_id, "touched_at": to_iso(touched_at)}


# --- last click --------------------------------------------------------------------------------

def test_a_video_anchor_click_then_a_checkout_credits_the_video_and_its_stream(api, shop):
    clicked_at = FROZEN_NOW - 3_600_000
    send(api, click(shop["ac"], clicked_at, "anchor_click", scene="video", **VIDEO))
    (order,) = place(api, [shop["ac"], shop["mop"]], "anchor-0001")
    ac_line, mop_line = order["lines"]
    assert ac_line["attribution"] == attribution("video", clicked_at, **VIDEO)
    assert mop_line["attribution"] == attribution("storefront")  # no click: the source
    assert order["assists"] == []
    status, stored = api.call("get", f"/orders/{order['order_id']}", None, shopper())
    assert status == 200 and stored["lines"][0]["attribution"] == ac_line["attribution"]


def test_a_later_mall_click_on_the_same_product_wins_whatever_order_they_arrive_in(api, shop):
    anchor_at, mall_at = FROZEN_NOW - 2 * 3_600_000, FROZEN_NOW - 3_600_000
    send(api, click(shop["ac"], mall_at, scene="mall"))
    send(api, click(shop["ac"], anchor_at, "anchor_click", scene="video", **VIDEO))  # late
    (touch,) = TouchModel.query("shopper#u1")
    assert (touch.touch, int(touch.at), touch.scene) == (f"click#{shop['ac']}", mall_at, "mall")
    (order,) = place(api, [shop["ac"]], "mall-0001", scene="search")
    assert order["lines"][0]["attribution"] == attribution("mall", mall_at)


def test_a_click_counts_for_exactly_seven_days(api, shop):
    clock = shop["clock"]
    send(api, click(shop["ac"], FROZEN_NOW, "anchor_click", scene="video", **VIDEO))
    clock["now"] = FROZEN_NOW + WINDOW_MS  # exactly 7 days later: still counts
    (order,) = place(api, [shop["ac"]], "edge-00001")
    assert order["lines"][0]["attribution"]["channel"] == "video"
    clock["now"] = FROZEN_NOW + WINDOW_MS + 1
    (order,) = place(api, [shop["ac"]], "edge-00002")
    assert order["lines"][0]["attribution"] == attribution("storefront")
    clock["now"] = FROZEN_NOW + 8 * DAY_MS  # TTL deletes lag: the item may still be read
    (order,) = place(api, [shop["ac"]], "edge-00003", scene="search")
    assert order["lines"][0]["attribution"] == attribution("search")


def test_a_bundle_line_takes_the_latest_click_on_any_part(api, shop):
    _, bundle = api.call("post", f"/shops/{shop['shop_id']}/bundles", {
        "name": "全屋套装", "price_fen": BUNDLE_FEN,
        "items": [{"sku_id": f"{shop['ac']}.0", "quantity": 1},
                  {"sku_id": f"{shop['mop']}.0", "quantity": 1}]}, bearer())
    send(api, click(shop["ac"], FROZEN_NOW - 7_200_000, scene="search"),
         click(shop["mop"], FROZEN_NOW - 3_600_000, scene="recommendation"),
         click(shop["tv"], FROZEN_NOW - 60_000, scene="mall"))
    (order,) = place(api, [bundle["bundle_id"]], "bundle-001")
    assert order["lines"][0]["attribution"] == attribution("recommendation",
                                                           FROZEN_NOW - 3_600_000)


def test_only_the_shoppers_own_touches_decide(api, shop):
    # a click sent signed out (device only) is the device's, even once the device signs in
    send(api, click(shop["ac"], FROZEN_NOW - 60_000, scene="search"),
         headers={"X-Device-Id": "device-0001"})
    assert [t.actor for t in TouchModel.scan()] == ["device#device-0001"]
    assert post(api, [click(shop["tv"], FROZEN_NOW, kind="impression")],
                {**shopper(), "X-Device-Id": "device-0001"})[0] == 200  # the device links
    (order,) = place(api, [shop["ac"]], "device-001")
    assert order["lines"][0]["attribution"] == attribution("storefront")


# --- assists -----------------------------------------------------------------------------------

def test_a_store_visit_from_a_video_is_an_assist_of_that_shops_order_only(api, shop):
    visited_at = FROZEN_NOW - 3_600_000
    send(api, store_visit(shop["shop_id"], visited_at, **VIDEO),
         store_visit(shop["shop_id"], visited_at, scene="mall"),  # not from a video
         store_visit(shop["other_shop_id"], visited_at, video_id="v-other-1"))
    (order,) = place(api, [shop["ac"]], "assist-001", scene="direct")
    assert order["assists"] == [{**VIDEO, "at": to_iso(visited_at)}]
    # a store visit is never a last click: the line is the source's
    assert order["lines"][0]["attribution"] == attribution("direct")
    status, stored = api.call("get", f"/orders/{order['order_id']}", None, shopper())
    assert (status, stored["assists"]) == (200, order["assists"])


# --- cost and replays --------------------------------------------------------------------------

@contextlib.contextmanager
def queried_tables():
    """The tables each DynamoDB Query of the block read."""
    tables = Counter()
    original = BaseClient._make_api_call

    def recording(client, operation_name, params):
        if operation_name == "Query":
            tables[params["TableName"]] += 1
        return original(client, operation_name, params)

    with mock.patch.object(BaseClient, "_make_api_call", recording):
        yield tables


def test_the_checkout_costs_exactly_one_query_more(api, shop):
    send(api, *[click(pid, FROZEN_NOW - n * 60_000, scene="search")
                for n, pid in enumerate((shop["ac"], shop["mop"], shop["tv"]))],
         store_visit(shop["shop_id"], FROZEN_NOW - 60_000, **VIDEO))
    other = api.create_product(shop["other_shop_id"], product_body(
        title="别家商品", skus=[sku(9900, 10)]), sub="m2")["product_id"]
    items = [shop["ac"], shop["mop"], other]
    # before attribution, the checkout stamped lines from the source alone (bench.attribution)
    with mock.patch.object(attribution_service, "attribute", source_only_stamping), \
            dynamodb_calls() as before:
        place(api, items, "cost-00000", headers=shopper("u9"))
    with dynamodb_calls() as calls, queried_tables() as tables:
        orders = place(api, items, "cost-00001")
    assert len(orders) == 2  # two shops, two orders: still one read of the touches
    # BatchGetItem 1 + TransactWriteItems 1 + the idempotency record's PutItem (in progress)
    # and UpdateItem (completed), and now one Query more: the touches
    assert before == {"BatchGetItem": 1, "TransactWriteItems": 1, "PutItem": 1, "UpdateItem": 1}
    assert calls == before + Counter({"Query": 1})
    assert list(tables) == [TouchModel.Meta.table_name]
    assert [line["attribution"]["channel"] for line in orders[0]["lines"]] == ["search"] * 2


def touch_state():
    return sorted((m.actor, m.touch, m.serialize()) for m in TouchModel.scan())


def test_a_replayed_behaviour_batch_writes_no_new_touch_state(api, shop):
    post(api, [click(shop["ac"], FROZEN_NOW - 60_000, "anchor_click", scene="video", **VIDEO),
               click(shop["ac"], FROZEN_NOW - 120_000, scene="mall"),
               store_visit(shop["shop_id"], FROZEN_NOW - 60_000, **VIDEO)], shopper())
    records = stream_records()
    consume(records)
    before = touch_state()
    assert [(actor, key) for actor, key, _ in before] == [
        ("shopper#u1", f"click#{shop['ac']}"),
        ("shopper#u1", f"visit#{shop['shop_id']}#{VIDEO['video_id']}")]
    consume(records)  # the same batch again
    consume(list(reversed(records)))  # and delivered out of order
    events = [behaviour_store.from_image(r["dynamodb"]["NewImage"]) for r in records]
    assert attribution_service.keep_touches(events) == 0  # every put refused: nothing changed
    assert touch_state() == before


# --- the reconciliation report -----------------------------------------------------------------

def ops():
    return bearer("ops", "ops1")


def report(api, day, headers=None):
    return api.call("get", f"/ops/reports/attribution?day={day}", None, headers or ops())


def test_reconciliation_holds_exactly_over_a_day_of_mixed_orders(api, shop):
    clock = shop["clock"]
    _, bundle = api.call("post", f"/shops/{shop['shop_id']}/bundles", {
        "name": "全屋套装", "price_fen": BUNDLE_FEN,
        "items": [{"sku_id": f"{shop['ac']}.0", "quantity": 1},
                  {"sku_id": f"{shop['mop']}.0", "quantity": 1}]}, bearer())
    # u1: a video anchor click on the air conditioner; the mop line is direct
    send(api, click(shop["ac"], FROZEN_NOW - 60_000, "anchor_click", scene="video", **VIDEO))
    (a,) = place(api, [shop["ac"], shop["mop"]], "mixed-0001", scene="direct")
    # u2: a store visit from a video, then a direct order: unattributed but assisted
    send(api, store_visit(shop["shop_id"], FROZEN_NOW - 60_000, video_id="v-2"),
         headers=shopper("u2"))
    (b,) = place(api, [shop["tv"]], "mixed-0002", scene="direct", headers=shopper("u2"))
    # u3: no touch, a search order; and a bundle whose part the shopper clicked in recommendations
    (c,) = place(api, [shop["tv"]], "mixed-0003", scene="search", headers=shopper("u3"))
    send(api, click(shop["mop"], FROZEN_NOW - 60_000, scene="recommendation"),
         headers=shopper("u4"))
    (d,) = place(api, [bundle["bundle_id"]], "mixed-0004", scene="direct",
                 headers=shopper("u4"))
    # u5: placed and never paid: not in the report
    place(api, [shop["ac"]], "mixed-0005", scene="mall", headers=shopper("u5"))
    for order, sub in ((a, "u1"), (b, "u2"), (c, "u3"), (d, "u4")):
        pay(api, order, shopper(sub))
    # u3 again, paid after midnight in Shanghai: the next business day
    clock["now"] = FROZEN_NOW + DAY_MS
    (e,) = place(api, [shop["mop"]], "mixed-0006", scene="mall", headers=shopper("u3"))
    pay(api, e, shopper("u3"))
    pump_stream()

    status, day = report(api, FROZEN_DAY)
    assert status == 200, day
    paid = AC_FEN + MOP_FEN + TV_FEN + TV_FEN + BUNDLE_FEN
    assert day == {
        "day": FROZEN_DAY, "orders": 4, "paid_gmv_fen": paid,
        "attributed_gmv_fen": AC_FEN + TV_FEN + BUNDLE_FEN,
        "unattributed_gmv_fen": MOP_FEN + TV_FEN,
        "assisted_gmv_fen": TV_FEN, "assisted_orders": 1,
        "by_channel": {**dict.fromkeys(CHANNELS, 0), "video": AC_FEN, "search": TV_FEN,
                       "recommendation": BUNDLE_FEN, "direct": MOP_FEN + TV_FEN}}
    assert day["attributed_gmv_fen"] + day["unattributed_gmv_fen"] == day["paid_gmv_fen"]
    assert sum(day["by_channel"].values()) == day["paid_gmv_fen"]
    assert report(api, NEXT_DAY)[1]["by_channel"]["mall"] == MOP_FEN == report(
        api, NEXT_DAY)[1]["paid_gmv_fen"]

    pump_stream()  # a replayed events-stream batch adds nothing
    assert report(api, FROZEN_DAY)[1] == day


def test_the_report_is_for_ops_with_a_real_day_and_zeros_for_a_quiet_one(api, shop):
    status, quiet = report(api, "2026-11-30")
    assert status == 200
    assert quiet == {"day": "2026-11-30", "orders": 0, "paid_gmv_fen": 0,
                     "attributed_gmv_fen": 0, "unattributed_gmv_fen": 0,
                     "assisted_gmv_fen": 0, "assisted_orders": 0,
                     "by_channel": dict.fromkeys(CHANNELS, 0)}
    for bad in ("", "2026-02-30", "2026-12-1", "yesterday", "2026-12-01T00:00"):
        status, error = report(api, bad)
        assert status == 422, (bad, error)
        assert error["error"]["details"][0]["field"] == "day"
    assert api.call("get", "/ops/reports/attribution?day=2026-12-01&shop=x", None,
                    ops())[0] == 422
    assert report(api, FROZEN_DAY, shopper())[0] == 403
    assert report(api, FROZEN_DAY, bearer("merchant", "m1"))[0] == 403
    assert api.call("get", f"/ops/reports/attribution?day={FROZEN_DAY}")[0] == 401
    status, today = api.call("get", "/ops/reports/attribution", None, ops())
    assert (status, today["day"]) == (200, FROZEN_DAY)
    assert AttributionDayModel.count(FROZEN_DAY) == 0  # reading writes nothing
