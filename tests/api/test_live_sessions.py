"""Live sessions, videos and post-stream tail GMV on moto: who may start, end and read what,
the storefront's live flag, the automatic end, stream GMV, and the night-by-night tail report
that the post-stream job writes (moving the clock), with its cost."""

from __future__ import annotations

import pytest

from chalicelib.domain.clock import DAY_MS, to_iso
from chalicelib.jobs import registry, runner
from chalicelib.store.live import LiveSessionModel
from chalicelib.store.orders import OrderModel
from chalicelib.store.tail import TAIL_SHARDS, ShopTailDayModel, TailLineModel
from local.pumps import drain_job_queue
from tests.api.behaviour_support import consume, post, stream_records
from tests.support import (
    FROZEN_DAY,
    FROZEN_NOW,
    bearer,
    dynamodb_calls,
    product_body,
    pump_stream,
    sku,
)

HOUR = 60 * 60 * 1000


# Tokens are minted when used: they live on the clock, which these tests move by days.
def merchant(sub="m1"):
    return bearer("merchant", sub)


def creator(sub="c1"):
    return bearer("creator", sub)


def shopper(sub="u1"):
    return bearer("shopper", sub)


def ops():
    return bearer("ops", "ops1")


@pytest.fixture
def world(api, frozen_clock, queue):
    """Shop A (m1) with a tea and an off-shelf kettle, shop B (m2) with a snack."""
    shop_a = api.create_shop("m1", "茶铺")["shop_id"]
    tea = api.create_product(shop_a, product_body("龙井 250g", "茶叶", skus=[sku(5000, 500)]),
                             "m1")["product_id"]
    kettle = api.create_product(shop_a, product_body("铁壶", "茶具", status="off_shelf",
                                                     skus=[sku(30000, 5)]), "m1")["product_id"]
    shop_b = api.create_shop("m2", "零食铺")["shop_id"]
    snack = api.create_product(shop_b, product_body("坚果", "零食", skus=[sku(2000, 500)]),
                               "m2")["product_id"]
    return {"clock": frozen_clock, "shop_a": shop_a, "tea": tea, "kettle": kettle,
            "shop_b": shop_b, "snack": snack}


def start(api, headers, **body):
    body = {"title": "上新专场", **body}
    return api.call("post", "/live-sessions", body, headers)


def shop_session(api, world, **extra) -> dict:
    status, session = start(api, merchant(), shop_id=world["shop_a"], products=[world["tea"]],
                            **extra)
    assert status == 201, session
    return session


def end(api, live_id, headers=None, **body):
    return api.call("post", f"/live-sessions/{live_id}/end", body, headers or merchant())


def live_now(api, shop_id) -> bool:
    status, page = api.call("get", f"/shops/{shop_id}/storefront")
    assert status == 200, page
    return page["shop"]["live_now"]


def video(api, headers, **body):
    return api.call("post", "/videos", {"title": "三分钟讲清龙井", **body}, headers)


def paid_order(api, product_id, key, source, buyer="u1", quantity=1) -> dict:
    """Checkout with `source`, pay through the signed callback: the order as placed."""
    body = {"items": [{"sku_id": f"{product_id}.0", "quantity": quantity}], "source": source}
    status, placed = api.call("post", "/orders", body, {**shopper(buyer), "Idempotency-Key": key})
    assert status == 201, placed
    (order,) = placed["orders"]
    status, intent = api.call("post", f"/orders/{order['order_id']}/pay", None, shopper(buyer))
    assert status == 200, intent
    simulator = intent["simulator"]
    status, paid = api.call("post", "/payments/callback", raw=simulator["callback_body"],
                            headers={"X-Signature": simulator["signature"]})
    assert (status, paid["status"]) == (200, "paid"), paid
    return order


def run_post_stream(**params) -> dict:
    """The scheduled start (or an ops-style forced run for one day), then every chunk."""
    started = (runner.start("post-stream", params, force=True) if params
               else registry()["report_post_stream"]())
    drain_job_queue()
    return started


def tail(api, live_id, headers=None):
    return api.call("get", f"/live-sessions/{live_id}/tail-gmv", None, headers or merchant())


# --- sessions ----------------------------------------------------------------------------------

def test_a_shop_session_shows_live_on_the_storefront_until_it_ends(api, world):
    assert live_now(api, world["shop_a"]) is False
    session = shop_session(api, world)
    assert (session["status"], session["shop_id"], session["creator_id"]) == (
        "live", world["shop_a"], None)
    assert session["started_at"] == to_iso(FROZEN_NOW)
    assert live_now(api, world["shop_a"]) is True
    # one running session per shop: a second is refused and changes nothing
    status, error = start(api, merchant(), shop_id=world["shop_a"], products=[world["tea"]])
    assert (status, error["error"]["code"]) == (409, "shop_already_live")
    assert LiveSessionModel.count() == 1

    # the audience sees the session, not its figures
    status, public = api.call("get", f"/live-sessions/{session['live_id']}")
    assert status == 200 and "gmv_fen" not in public and public["status"] == "live"
    _, owned = api.call("get", f"/live-sessions/{session['live_id']}", None, merchant())
    assert (owned["gmv_fen"], owned["orders"]) == (0, 0)

    world["clock"]["now"] += HOUR
    status, ended = end(api, session["live_id"])
    assert (status, ended["status"], ended["ended_at"]) == (200, "ended",
                                                           to_iso(FROZEN_NOW + HOUR))
    assert ended["ended_by"] == "owner"
    assert live_now(api, world["shop_a"]) is False
    # ending again answers the session unchanged, whatever ended_at is asked
    world["clock"]["now"] += HOUR
    assert end(api, session["live_id"], ended_at=to_iso(FROZEN_NOW + HOUR + 1)) == (200, ended)
    assert live_now(api, world["shop_a"]) is False
    # and the shop may go live again
    assert shop_session(api, world)["status"] == "live"
    assert live_now(api, world["shop_a"]) is True


def test_a_creator_streams_for_itself(api, world):
    status, session = start(api, creator(), creator_id="c1",
                            products=[world["tea"], world["snack"]])  # any shop's products
    assert (status, session["creator_id"], session["shop_id"]) == (201, "c1", None)
    assert live_now(api, world["shop_a"]) is False  # a creator's stream is not the shop's
    assert end(api, session["live_id"], creator("c2"))[0] == 403
    assert end(api, session["live_id"], merchant())[0] == 403
    status, ended = end(api, session["live_id"], creator())
    assert (status, ended["status"]) == (200, "ended")


UNKNOWN_SHOP = "s" + "0" * 20
IN_6_MINUTES = to_iso(FROZEN_NOW + 6 * 60 * 1000)
OVER_A_DAY_AGO = to_iso(FROZEN_NOW - DAY_MS - 1)


@pytest.mark.parametrize(("who", "body", "status", "code"), [
    # body: names of the world's shop ("A") and products, replaced by their ids
    ("creator", {"creator_id": "c2"}, 403, "not_owner"),
    ("creator", {"shop_id": "A"}, 403, "not_owner"),
    ("merchant", {"creator_id": "c1"}, 403, "wrong_role"),
    ("merchant2", {"shop_id": "A"}, 403, "not_owner"),
    ("shopper", {"shop_id": "A"}, 403, "wrong_role"),
    ("merchant", {"shop_id": UNKNOWN_SHOP}, 404, "shop_not_found"),
    ("merchant", {"shop_id": "A", "creator_id": "c1"}, 422, "validation_error"),
    ("merchant", {"shop_id": "A", "products": []}, 422, "validation_error"),
    ("merchant", {"shop_id": "A", "products": ["snack"]}, 422, "products_not_of_shop"),
    ("merchant", {"shop_id": "A", "products": ["tea", "tea"]}, 422, "validation_error"),
    ("merchant", {"shop_id": "A", "products": ["unknown"]}, 422, "products_not_found"),
    ("merchant", {"shop_id": "A", "started_at": IN_6_MINUTES}, 422, "validation_error"),
    ("merchant", {"shop_id": "A", "started_at": OVER_A_DAY_AGO}, 422, "validation_error"),
])
def test_who_may_start_what(api, world, who, body, status, code):
    headers = {"creator": creator(), "merchant": merchant(), "merchant2": merchant("m2"),
               "shopper": shopper()}[who]
    ids = {"A": world["shop_a"], "tea": world["tea"], "snack": world["snack"],
           "unknown": f"{world['shop_a']}.p{'0' * 20}"}
    body = {"products": ["tea"], **body}
    body["products"] = [ids[name] for name in body["products"]]
    if body.get("shop_id") == "A":
        body["shop_id"] = world["shop_a"]
    got, error = start(api, headers, **body)
    assert (got, error["error"]["code"]) == (status, code), error
    assert LiveSessionModel.count() == 0
    assert live_now(api, world["shop_a"]) is False


def test_ending_is_the_owner_s_and_checks_its_time(api, world):
    session = shop_session(api, world)
    live_id = session["live_id"]
    assert end(api, live_id, merchant("m2"))[0] == 403
    assert end(api, live_id, shopper())[0] == 403
    assert end(api, "lv" + "0" * 20)[0] == 404
    for bad in (FROZEN_NOW - 1, FROZEN_NOW + 10 * 60 * 1000):
        status, error = end(api, live_id, ended_at=to_iso(bad))
        assert (status, error["error"]["details"][0]["field"]) == (422, "ended_at")
    assert live_now(api, world["shop_a"]) is True
    status, ended = end(api, live_id, ops(), ended_at=to_iso(FROZEN_NOW + 1000))  # ops may
    assert (status, ended["ended_at"]) == (200, to_iso(FROZEN_NOW + 1000))


def test_sessions_end_automatically_24_hours_after_their_start(api, world):
    clock = world["clock"]
    shop = shop_session(api, world)
    clock["now"] += HOUR
    _, own = start(api, creator(), creator_id="c1", products=[world["tea"]])
    end_overdue = registry()["end_overdue_live_sessions"]
    clock["now"] = FROZEN_NOW + DAY_MS - 1
    assert end_overdue() == {"ended": 0}  # not yet: 24 h have not passed
    assert live_now(api, world["shop_a"]) is True
    clock["now"] = FROZEN_NOW + 3 * DAY_MS  # the clock skipped days: one tick ends them all
    assert end_overdue() == {"ended": 2}
    assert end_overdue() == {"ended": 0}
    assert live_now(api, world["shop_a"]) is False
    for session, started in ((shop, FROZEN_NOW), (own, FROZEN_NOW + HOUR)):
        _, now = api.call("get", f"/live-sessions/{session['live_id']}", None, ops())
        assert (now["status"], now["ended_at"], now["ended_by"]) == (
            "ended", to_iso(started + DAY_MS), "auto")  # ended when it was due
    assert all(model.due_at is None for model in LiveSessionModel.scan())  # out of the index


# --- videos ------------------------------------------------------------------------------------

def test_videos_and_their_rules(api, world):
    shop = shop_session(api, world)
    _, own = start(api, creator(), creator_id="c1", products=[world["tea"]])
    status, clip = video(api, merchant(), anchors=[world["tea"]], shop_id=world["shop_a"],
                         live_id=shop["live_id"])
    assert status == 201, clip
    assert (clip["shop_id_owner"], clip["creator_id"], clip["live_id"]) == (
        world["shop_a"], None, shop["live_id"])
    assert api.call("get", f"/videos/{clip['video_id']}") == (200, clip)  # public
    status, review = video(api, creator(), anchors=[world["tea"], world["snack"]],
                           shop_id=world["shop_b"], live_id=own["live_id"])
    assert (status, review["creator_id"], review["shop_id_owner"]) == (201, "c1", None)
    assert api.call("get", "/videos/vd" + "0" * 20)[0] == 404

    refusals = [
        (merchant(), {"anchors": [world["kettle"]]}, 422, "anchors_unavailable"),  # off shelf
        (merchant(), {"anchors": [f"{world['shop_a']}.p{'0' * 20}"]}, 422,
         "anchors_unavailable"),
        (merchant(), {"anchors": [world["tea"]] * 2}, 422, "validation_error"),
        (merchant(), {"anchors": []}, 422, "validation_error"),
        (merchant(), {"anchors": [world["snack"]]}, 403, "not_owner"),
        (merchant(), {"anchors": [world["tea"], world["snack"]]}, 422,
         "anchors_of_several_shops"),
        (merchant(), {"anchors": [world["tea"]], "shop_id": world["shop_b"]}, 403, "not_owner"),
        (merchant(), {"anchors": [world["tea"]], "live_id": own["live_id"]}, 422,
         "live_of_another_owner"),
        (creator(), {"anchors": [world["tea"]], "live_id": shop["live_id"]}, 422,
         "live_of_another_owner"),
        (creator("c2"), {"anchors": [world["tea"]], "live_id": own["live_id"]}, 422,
         "live_of_another_owner"),
        (creator(), {"anchors": [world["tea"]], "live_id": "lv" + "0" * 20}, 422,
         "live_not_found"),
        (creator(), {"anchors": [world["tea"]], "shop_id": "s" + "0" * 20}, 422,
         "shop_not_found"),
        (shopper(), {"anchors": [world["tea"]]}, 403, "wrong_role"),
    ]
    for headers, body, status, code in refusals:
        got, error = video(api, headers, **body)
        assert (got, error["error"]["code"]) == (status, code), (body, error)
    assert video(api, creator(), anchors=[world["snack"]] * 11)[0] == 422


# --- stream GMV --------------------------------------------------------------------------------

def test_stream_gmv_counts_attributed_orders_paid_during_the_stream_once(api, world):
    clock = world["clock"]
    session = shop_session(api, world)
    live_id = session["live_id"]
    _, clip = video(api, merchant(), anchors=[world["tea"]], live_id=live_id)
    paid_order(api, world["tea"], "live-order-0", {"scene": "storefront"})  # not the stream's
    clock["now"] += 10 * 60 * 1000
    in_room = paid_order(api, world["tea"], "live-order-1", {"scene": "live", "live_id": live_id},
                         quantity=2)
    cut = paid_order(api, world["tea"], "live-order-2",
                     {"scene": "video", "video_id": clip["video_id"], "live_id": live_id})
    pump_stream()
    pump_stream()  # a replayed batch adds nothing
    clock["now"] += HOUR
    # an end before an order already counted would make the figures wrong: refused
    status, error = end(api, live_id, ended_at=to_iso(FROZEN_NOW + 60 * 1000))
    assert (status, error["error"]["code"]) == (409, "sales_after_end")
    status, ended = end(api, live_id)
    assert status == 200
    assert (ended["gmv_fen"], ended["orders"]) == (in_room["total_fen"] + cut["total_fen"], 2)
    clock["now"] += HOUR
    paid_order(api, world["tea"], "live-order-3", {"scene": "live", "live_id": live_id})
    pump_stream()
    _, after = api.call("get", f"/live-sessions/{live_id}", None, merchant())
    assert (after["gmv_fen"], after["orders"]) == (ended["gmv_fen"], 2)  # paid after the end


# --- post-stream tail GMV ----------------------------------------------------------------------

@pytest.fixture
def stream(api, world):
    """Shop A's session 10:00–12:00 on FROZEN_DAY and a video cut from it."""
    session = shop_session(api, world)
    world["clock"]["now"] = FROZEN_NOW + 2 * HOUR
    _, ended = end(api, session["live_id"])
    _, clip = video(api, merchant(), anchors=[world["tea"]], shop_id=world["shop_a"],
                    live_id=session["live_id"])
    return {**world, "live_id": session["live_id"], "video_id": clip["video_id"],
            "ended_at": ended["ended_at"]}


def from_clip(stream) -> dict:
    return {"scene": "video", "video_id": stream["video_id"], "live_id": stream["live_id"]}


def store_visit_from_clip(api, stream, buyer, n):
    """The buyer enters shop A from the clip: the checkout credits the clip as an assist."""
    visit = {"event_id": f"visit-{n:04d}", "type": "store_visit", "scene": "video",
             "at": to_iso(stream["clock"]["now"]), "shop_id": stream["shop_a"],
             "video_id": stream["video_id"], "live_id": stream["live_id"]}
    status, answer = post(api, [visit], shopper(buyer))
    assert status == 202 or status == 200, answer
    consume(stream_records())


def test_tail_gmv_shows_each_order_on_its_night(api, stream):
    clock, live_id = stream["clock"], stream["live_id"]
    clock["now"] = FROZEN_NOW + 3 * HOUR  # 13:00, night 0
    night0 = paid_order(api, stream["tea"], "tail-order-0", from_clip(stream), quantity=3)
    store_visit_from_clip(api, stream, "u2", 1)
    assisted = paid_order(api, stream["tea"], "tail-order-1", {"scene": "storefront"}, "u2")
    assert OrderModel.get(assisted["order_id"]).assists  # the visit was kept as an assist
    pump_stream()
    first = run_post_stream()
    assert (first["from"], first["to"]) == ("2026-11-17", FROZEN_DAY)  # a first run: 15 days
    clock["now"] += DAY_MS  # night 1
    night1 = paid_order(api, stream["tea"], "tail-order-2", from_clip(stream))
    pump_stream()
    second = run_post_stream()
    assert (second["from"], second["to"]) == (FROZEN_DAY, "2026-12-02")

    status, body = tail(api, live_id)
    assert status == 200, body
    assert (body["live_id"], body["ended_at"]) == (live_id, stream["ended_at"])
    assert body["nights"] == [
        {"night": FROZEN_DAY, "gmv_fen": night0["total_fen"], "orders": 1,
         "assisted_gmv_fen": assisted["total_fen"]},
        {"night": "2026-12-02", "gmv_fen": night1["total_fen"], "orders": 1,
         "assisted_gmv_fen": 0}]
    # a replayed stream batch and a rerun change nothing
    pump_stream()
    run_post_stream(day=FROZEN_DAY)
    assert tail(api, live_id) == (200, body)

    status, report = api.call(
        "get", f"/shops/{stream['shop_a']}/reports/post-stream?from={FROZEN_DAY}&to=2026-12-03",
        None, merchant())
    assert status == 200, report
    assert report["items"] == [
        {"day": FROZEN_DAY, "gmv_fen": night0["total_fen"], "orders": 1,
         "assisted_gmv_fen": assisted["total_fen"]},
        {"day": "2026-12-02", "gmv_fen": night1["total_fen"], "orders": 1,
         "assisted_gmv_fen": 0},
        {"day": "2026-12-03", "gmv_fen": 0, "orders": 0, "assisted_gmv_fen": 0}]

    # the clock skips a week: one scheduled run covers every day since the last one
    clock["now"] += 7 * DAY_MS
    late = paid_order(api, stream["tea"], "tail-order-3", from_clip(stream))
    pump_stream()
    third = run_post_stream()
    assert (third["from"], third["to"]) == ("2026-12-02", "2026-12-09")
    _, body = tail(api, live_id)
    assert [night["night"] for night in body["nights"]][-1] == "2026-12-09"
    assert len(body["nights"]) == 9  # nights 0..8 so far, zeros included
    assert body["nights"][-1]["gmv_fen"] == late["total_fen"]
    assert sum(night["orders"] for night in body["nights"]) == 3


def test_tail_gmv_is_read_in_one_query_and_only_by_its_owners(api, stream):
    with dynamodb_calls() as calls:
        status, body = tail(api, stream["live_id"])
    assert (status, calls) == (200, {"Query": 1})
    assert body["nights"] == [{"night": FROZEN_DAY, "gmv_fen": 0, "orders": 0,
                               "assisted_gmv_fen": 0}]  # night 0 has begun, nothing sold
    assert tail(api, stream["live_id"], ops())[0] == 200
    for headers in (merchant("m2"), creator(), shopper()):
        assert tail(api, stream["live_id"], headers)[0] == 403
    assert tail(api, "lv" + "0" * 20)[0] == 404
    assert api.call("get", f"/live-sessions/{stream['live_id']}/tail-gmv")[0] == 401
    # a creator's own session is the creator's
    _, own = start(api, creator(), creator_id="c1", products=[stream["tea"]])
    assert tail(api, own["live_id"], creator()) == (200, {
        "live_id": own["live_id"], "ended_at": None, "nights": []})  # still running


def test_the_shop_report_is_its_owner_s_and_bounded(api, stream):
    path = f"/shops/{stream['shop_a']}/reports/post-stream"
    assert api.call("get", path, None, merchant("m2"))[0] == 403
    assert api.call("get", path, None, creator())[0] == 403
    assert api.call("get", f"/shops/s{'0' * 20}/reports/post-stream", None, merchant())[0] == 404
    status, error = api.call("get", f"{path}?from=2026-01-01&to={FROZEN_DAY}", None, merchant())
    assert (status, error["error"]["details"][0]["field"]) == (422, "from")  # > 92 days
    with dynamodb_calls() as calls:
        status, report = api.call("get", path, None, merchant())  # default: the last 7 days
    assert (status, len(report["items"]), report["to"]) == (200, 7, FROZEN_DAY)
    assert calls == {"GetItem": 1, "Query": 1}


def test_the_job_costs_what_the_day_s_attributed_orders_cost_not_all_orders(api, stream):
    clock = stream["clock"]
    clock["now"] = FROZEN_NOW + 3 * HOUR
    for n in range(2):
        paid_order(api, stream["tea"], f"attributed-{n:03d}", from_clip(stream))

    def cost_with(unattributed: int) -> int:
        already = sum(1 for _ in OrderModel.scan()) - 2
        for n in range(already, unattributed):
            paid_order(api, stream["snack"], f"plain-order-{n:03d}", {"scene": "search"})
        pump_stream()
        clock["now"] += HOUR  # a new hour: a new run of the same day
        with dynamodb_calls() as calls:
            run_post_stream(day=FROZEN_DAY)
        return calls.total

    assert cost_with(2) == cost_with(20)
    assert ShopTailDayModel.get(stream["shop_a"], FROZEN_DAY).orders == 2
    # only the attributed orders are in the day's index
    assert sum(TailLineModel.count(f"{FROZEN_DAY}#{n}") for n in range(TAIL_SHARDS)) == 2


def test_ops_run_the_job_for_one_day_through_the_runner_route(api, stream):
    status, started = api.call("post", "/ops/jobs/post-stream", {"day": FROZEN_DAY}, ops())
    assert (status, started["from"], started["to"], started["started"]) == (
        202, FROZEN_DAY, FROZEN_DAY, True)
    drain_job_queue()
    _, run = api.call("get", f"/ops/jobs/post-stream/{started['run_id']}", None, ops())
    assert run["finished_at"] is not None
    for bad in ({"day": "2026-13-01"}, {"day": "2026-12-31"}, {"day": 20261201}):
        assert api.call("post", "/ops/jobs/post-stream", bad, ops())[0] == 422
    assert api.call("post", "/ops/jobs/post-stream", {}, merchant())[0] == 403
