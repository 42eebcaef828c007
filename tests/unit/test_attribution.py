"""Attribution rules (pure): last click within 7 days, the window's edges, bundles, the source
fallback, assists, the channel of a click, the touches kept, and the reconciliation counters."""

from __future__ import annotations

import pytest

from chalicelib.domain import attribution as rules
from chalicelib.domain.attribution import Touch
from chalicelib.domain.behaviour import BehaviourEvent, EventKind
from chalicelib.domain.clock import DAY_MS
from chalicelib.domain.orders import (
    Assist,
    Attribution,
    Channel,
    Order,
    OrderLine,
    OrderStatus,
    Scene,
    Source,
    StockTake,
)

NOW = 1_796_090_400_000
ACTOR = "shopper#u1"
SHOP = "s" + "1" * 20
OTHER_SHOP = "s" + "2" * 20
P1, P2, P3 = (f"{SHOP}.p{str(n) * 20}" for n in (3, 4, 5))
STOREFRONT = Source(Scene.STOREFRONT)


def click(product_id=P1, at=NOW - DAY_MS, event_id="e1", scene="mall", kind="click", **ids):
    return Touch(ACTOR, rules.CLICK, at, event_id, kind, scene, product_id=product_id,
                 shop_id=SHOP, **ids)


def visit(video_id="v1", at=NOW - DAY_MS, shop_id=SHOP, event_id="e9", **ids):
    return Touch(ACTOR, rules.VISIT, at, event_id, "store_visit", "video", shop_id=shop_id,
                 video_id=video_id, **ids)


def sku_line(product_id=P1, total=1000, number=0):
    return OrderLine(line=number, title="t", quantity=1, unit_price_fen=total,
                     product_id=product_id, sku_id=f"{product_id}.0",
                     parts=[StockTake(f"{product_id}.0", product_id, 0, 1)])


def bundle_line(*product_ids, total=3000, number=0):
    return OrderLine(line=number, title="b", quantity=1, unit_price_fen=total,
                     bundle_id=f"{SHOP}.b1",
                     parts=[StockTake(f"{pid}.0", pid, 0, 1) for pid in product_ids])


def attribute(line, touches, source=STOREFRONT, now=NOW):
    return rules.line_attribution(line, source, touches, now)


# --- last click --------------------------------------------------------------------------------

def test_the_last_click_on_the_product_wins():
    touches = [click(at=NOW - 3 * DAY_MS, event_id="a", video_id="v1", kind="anchor_click"),
               click(at=NOW - DAY_MS, event_id="b", scene="search"),
               click(P2, at=NOW - 60_000, event_id="c", scene="recommendation")]
    assert attribute(sku_line(), touches) == Attribution(Channel.SEARCH,
                                                         touched_at=NOW - DAY_MS)


def test_a_tie_in_time_is_broken_by_event_id():
    touches = [click(at=NOW - DAY_MS, event_id="b", scene="search"),
               click(at=NOW - DAY_MS, event_id="a", scene="mall")]
    assert attribute(sku_line(), touches).channel is Channel.SEARCH


def test_exactly_seven_days_old_counts_and_one_ms_more_does_not():
    edge = click(at=NOW - rules.WINDOW_MS, scene="search")
    assert attribute(sku_line(), [edge]) == Attribution(Channel.SEARCH,
                                                        touched_at=NOW - rules.WINDOW_MS)
    too_old = click(at=NOW - rules.WINDOW_MS - 1, scene="search")
    assert attribute(sku_line(), [too_old]) == Attribution(Channel.STOREFRONT)


def test_an_older_click_in_the_window_decides_when_the_latest_is_out_of_it():
    touches = [click(at=NOW - rules.WINDOW_MS - 1, event_id="old", scene="search"),
               click(at=NOW - 2 * DAY_MS, event_id="newer", scene="mall")]
    assert attribute(sku_line(), touches).channel is Channel.MALL


def test_clicks_ahead_of_the_checkout_count_only_within_the_clock_skew():
    skewed = click(at=NOW + rules.MAX_CLOCK_SKEW_MS, scene="search")
    assert attribute(sku_line(), [skewed]).channel is Channel.SEARCH
    future = click(at=NOW + rules.MAX_CLOCK_SKEW_MS + 1, scene="search")
    assert attribute(sku_line(), [future]) == Attribution(Channel.STOREFRONT)


def test_a_bundle_line_takes_the_latest_click_on_any_of_its_parts():
    touches = [click(P1, at=NOW - 3 * DAY_MS, event_id="a", scene="search"),
               click(P2, at=NOW - DAY_MS, event_id="b", live_id="l1"),
               click(P3, at=NOW - 60_000, event_id="c", scene="mall")]  # not a part
    assert attribute(bundle_line(P1, P2), touches) == Attribution(
        Channel.LIVE, live_id="l1", touched_at=NOW - DAY_MS)


def test_no_click_on_the_product_falls_back_to_the_order_source():
    touches = [click(P2, scene="search"), visit()]
    assert attribute(sku_line(), touches) == Attribution(Channel.STOREFRONT)
    creator_link = Source(Scene.DISTRIBUTION, creator_id="c9")
    assert attribute(sku_line(), [], creator_link) == Attribution(Channel.DISTRIBUTION,
                                                                  creator_id="c9")
    assert attribute(sku_line(), [], Source(Scene.DIRECT)) == Attribution(Channel.DIRECT)


def test_a_store_visit_is_never_a_last_click():
    # a visit from a video to the product's shop, later than nothing: the source decides
    assert attribute(sku_line(), [visit(at=NOW - 60_000)]) == Attribution(Channel.STOREFRONT)


# --- channels ----------------------------------------------------------------------------------

@pytest.mark.parametrize("touch, channel", [
    (click(kind="anchor_click", scene="video", video_id="v1"), Channel.VIDEO),
    (click(kind="anchor_click", scene="live", video_id="v1", live_id="l1"), Channel.VIDEO),
    (click(scene="search", video_id="v1"), Channel.VIDEO),
    (click(scene="live", live_id="l1", creator_id="c1"), Channel.LIVE),
    (click(scene="mall", creator_id="c1"), Channel.DISTRIBUTION),
    (click(scene="distribution"), Channel.DISTRIBUTION),
    (click(scene="mall"), Channel.MALL),
    (click(scene="search"), Channel.SEARCH),
    (click(scene="storefront"), Channel.STOREFRONT),
    (click(scene="recommendation"), Channel.RECOMMENDATION),
    (click(scene="video"), Channel.VIDEO),
])
def test_the_channel_of_a_click(touch, channel):
    assert rules.click_channel(touch) is channel


def test_a_click_credits_its_promoters_and_its_time():
    touch = click(kind="anchor_click", scene="video", video_id="v1", live_id="l1",
                  creator_id="c1", at=NOW - 5000)
    assert rules.click_attribution(touch) == Attribution(
        Channel.VIDEO, creator_id="c1", video_id="v1", live_id="l1", touched_at=NOW - 5000)


# --- assists -----------------------------------------------------------------------------------

def test_assists_are_the_orders_shop_video_visits_in_the_window_one_per_video():
    touches = [
        visit("v1", at=NOW - 2 * DAY_MS, event_id="a", creator_id="c1", live_id="l1"),
        visit("v1", at=NOW - DAY_MS, event_id="b", creator_id="c1", live_id="l1"),
        visit("v2", at=NOW - rules.WINDOW_MS, event_id="c"),  # the edge counts
        visit("v3", at=NOW - rules.WINDOW_MS - 1, event_id="d"),  # too old
        visit("v4", shop_id=OTHER_SHOP, event_id="e"),  # another shop
        click(kind="anchor_click", video_id="v5"),  # a click is not an assist
    ]
    assert rules.assists_for(SHOP, touches, NOW) == [
        Assist("v2", NOW - rules.WINDOW_MS),
        Assist("v1", NOW - DAY_MS, creator_id="c1", live_id="l1"),
    ]
    assert rules.assists_for(OTHER_SHOP, touches, NOW) == [Assist("v4", NOW - DAY_MS)]


# --- touches kept from behaviour events --------------------------------------------------------

def event(kind, event_id="evt-00000001", at=NOW, **fields):
    return BehaviourEvent(event_id=event_id, type=kind, scene=fields.pop("scene", "video"),
                          at=at, actor=ACTOR, **fields)


def test_only_product_clicks_and_video_store_visits_are_touches():
    anchor = rules.touch_of(event(EventKind.ANCHOR_CLICK, product_id=P1, shop_id=SHOP,
                                  video_id="v1", live_id="l1", creator_id="c1"))
    assert (anchor.kind, anchor.key, anchor.video_id, anchor.creator_id) == (
        "click", f"click#{P1}", "v1", "c1")
    from_video = rules.touch_of(event(EventKind.STORE_VISIT, shop_id=SHOP, video_id="v1"))
    assert (from_video.kind, from_video.key) == ("visit", f"visit#{SHOP}#v1")
    assert rules.touch_of(event(EventKind.STORE_VISIT, shop_id=SHOP, scene="mall")) is None
    assert rules.touch_of(event(EventKind.IMPRESSION, product_id=P1, shop_id=SHOP)) is None
    assert rules.touch_of(event(EventKind.VIDEO_VIEW, video_id="v1")) is None


def test_a_batch_keeps_the_latest_touch_per_actor_and_key():
    touches = [click(at=NOW - 5, event_id="a"), click(at=NOW - 1, event_id="b"),
               click(at=NOW - 3, event_id="c"), click(P2, at=NOW - 9, event_id="d")]
    kept = {t.key: t.event_id for t in rules.latest_per_key(touches)}
    assert kept == {f"click#{P1}": "b", f"click#{P2}": "d"}


def test_a_touch_already_out_of_the_window_is_not_kept():
    assert rules.worth_keeping(click(at=NOW - rules.WINDOW_MS), NOW)
    assert not rules.worth_keeping(click(at=NOW - rules.WINDOW_MS - 1), NOW)


# --- reconciliation ----------------------------------------------------------------------------

def order(lines, assists=(), source=STOREFRONT):
    return Order(order_id="o1", checkout_id="c1", buyer_id="u1", shop_id=SHOP, shop_name="s",
                 merchant_id="m1", status=OrderStatus.PAID, lines=lines, source=source,
                 created_at=NOW, updated_at=NOW, total_fen=sum(x.total_fen for x in lines),
                 paid_at=NOW, assists=list(assists))


def stamped(line, channel, **ids):
    line.attribution = Attribution(channel, **ids)
    return line


def test_a_paid_orders_counters_split_its_gmv_exactly_once():
    paid = order([stamped(sku_line(P1, 1001), Channel.VIDEO, video_id="v1"),
                  stamped(sku_line(P2, 2002, 1), Channel.DIRECT),
                  stamped(bundle_line(P1, P3, total=3003, number=2), Channel.SEARCH)],
                 assists=[Assist("v1", NOW)])
    assert rules.paid_counters(paid) == {
        "orders": 1, "paid_gmv_fen": 6006, "attributed_gmv_fen": 4004,
        "unattributed_gmv_fen": 2002, "assisted_gmv_fen": 6006, "assisted_orders": 1,
        "video_gmv_fen": 1001, "direct_gmv_fen": 2002, "search_gmv_fen": 3003}


def test_an_order_without_stamps_counts_by_its_source_and_no_assist_counts_nothing_assisted():
    legacy = order([sku_line(P1, 500)], source=Source(Scene.MALL))
    assert rules.paid_counters(legacy) == {"orders": 1, "paid_gmv_fen": 500,
                                           "attributed_gmv_fen": 500, "mall_gmv_fen": 500}


def test_the_report_sums_shards_and_reconciles():
    shards = [{"orders": 1, "paid_gmv_fen": 100, "attributed_gmv_fen": 70,
               "unattributed_gmv_fen": 30, "video_gmv_fen": 70, "direct_gmv_fen": 30},
              {"orders": 2, "paid_gmv_fen": 50, "unattributed_gmv_fen": 50,
               "direct_gmv_fen": 50, "assisted_gmv_fen": 50, "assisted_orders": 1}]
    report = rules.report("2026-12-01", shards)
    assert report["paid_gmv_fen"] == 150 == report["attributed_gmv_fen"] + report[
        "unattributed_gmv_fen"] == sum(report["by_channel"].values())
    assert report["assisted_gmv_fen"] == 50
    assert set(report["by_channel"]) == {c.value for c in Channel}
    empty = rules.report("2026-12-02", [])
    assert empty["paid_gmv_fen"] == 0 and set(empty["by_channel"].values()) == {0}


def test_every_channel_has_a_stored_counter():
    from chalicelib.store.attribution import AttributionDayModel

    stored = set(AttributionDayModel.get_attributes())
    assert set(rules.COUNTERS) <= stored
