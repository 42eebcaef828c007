"""Behaviour event rules: which events are taken, what they count, how a stream batch is cut
into transactions, each product's share of an order, report windows and rates changes."""

import pytest

from chalicelib.domain import behaviour as rules
from chalicelib.domain import ids
from chalicelib.domain.behaviour import BehaviourEvent, EventKind
from chalicelib.domain.clock import DAY_MS, to_iso
from chalicelib.domain.orders import OrderLine, StockTake
from chalicelib.domain.scene_stats import (
    Counts,
    RatesState,
    WindowError,
    rate,
    rates_change,
    report_rows,
    report_window,
    window_sums,
)
from chalicelib.services.behaviour import check_events
from tests.support import FROZEN_NOW

SHOP = ids.new_shop_id(FROZEN_NOW)
PRODUCT = ids.new_product_id(SHOP, FROZEN_NOW)
OTHER_SHOP = ids.new_shop_id(FROZEN_NOW)


def event(n=0, **fields):
    return {"event_id": f"evt-{n:06d}", "type": "impression", "scene": "search",
            "at": to_iso(FROZEN_NOW), "product_id": PRODUCT, **fields}


def test_good_events_are_taken_and_each_bad_one_is_rejected_with_its_field():
    items = [
        event(0),
        event(1, type="click", position=3, request_id="feed:v3", query="空调"),
        event(2, type="nope"),
        "not an object",
        event(4, at=to_iso(FROZEN_NOW + DAY_MS + 60_000)),
        event(5, at=to_iso(FROZEN_NOW - 8 * DAY_MS - 60_000)),
        event(6, at="2026-12-01T10:00:00"),  # no zone
        event(7, type="anchor_click"),  # needs video_id too
        {**event(8, type="store_visit"), "product_id": None},  # needs shop_id
        event(9, shop_id=OTHER_SHOP),  # not the product's shop
        event(0),  # a repeat of the first
        event(11, event_id="short"),
        event(12, position=-1),
        event(13, extra="field"),
        event(14, type="store_visit", product_id=None, shop_id=SHOP),
        event(15, type="live_view", product_id=None, live_id="live-1", scene="live"),
        event(16, at=to_iso(FROZEN_NOW + DAY_MS - 60_000)),  # within a day ahead
    ]
    accepted, rejected = check_events(items, "device#dev-00001", FROZEN_NOW)
    assert [e.event_id for e in accepted] == [
        "evt-000000", "evt-000001", "evt-000014", "evt-000015", "evt-000016"]
    assert [(r.index, r.field) for r in rejected] == [
        (2, "type"), (3, "event"), (4, "at"), (5, "at"), (6, "at"), (7, "video_id"),
        (8, "shop_id"), (9, "shop_id"), (10, "event_id"), (11, "event_id"), (12, "position"),
        (13, "extra")]
    first = accepted[0]
    assert (first.shop_id, first.actor, first.at) == (SHOP, "device#dev-00001", FROZEN_NOW)
    assert accepted[1].query == "空调" and accepted[1].position == 3
    assert "24 hours" in rejected[2].message and "8 days" in rejected[3].message


def test_device_ids_and_instants():
    assert rules.is_device_id("dev_0001-AB") and not rules.is_device_id("dev 0001")
    assert not rules.is_device_id("short") and not rules.is_device_id("x" * 65)
    assert rules.parse_instant("2026-12-01T18:00:00+08:00") == rules.parse_instant(
        "2026-12-01T10:00:00Z")
    with pytest.raises(ValueError):
        rules.parse_instant("2026-12-01 10:00")


def _behaviour(n, kind=EventKind.IMPRESSION, product=PRODUCT, at=FROZEN_NOW,
               actor="shopper#u1", scene="search"):
    return BehaviourEvent(f"evt-{n:06d}", kind, scene, at, actor, product_id=product,
                          shop_id=ids.shop_of_product(product) if product else SHOP)


def test_what_each_event_type_counts():
    effects = rules.effects_of([
        _behaviour(1), _behaviour(2, EventKind.CLICK), _behaviour(3, EventKind.ANCHOR_CLICK),
        _behaviour(4, EventKind.STORE_VISIT, product=None),
        _behaviour(5, EventKind.VIDEO_VIEW),
    ], {PRODUCT: "空调"}, shard=3)
    slot = "2026-12-01#search"
    assert effects.counters == {
        (f"product#{PRODUCT}", slot): {"impressions": 1, "clicks": 2},
        ("category#空调", slot): {"impressions": 1, "clicks": 2},
        (f"shop#{SHOP}", slot): {"impressions": 1, "clicks": 2, "store_visits": 1},
        ("platform#3", slot): {"impressions": 1, "clicks": 2, "store_visits": 1},
    }
    assert effects.affinities == {("shopper#u1", "空调"): (2, FROZEN_NOW)}
    assert {key: (info.kind, day) for key, (info, day) in effects.active.items()} == {
        f"scene_product#{PRODUCT}": ("scene_product", FROZEN_NOW // DAY_MS),
        "shopper#u1": ("shopper", FROZEN_NOW // DAY_MS)}
    # an unknown product: only its shop and the platform count it
    unknown = rules.effects_of([_behaviour(6)], {}, shard=0)
    assert set(unknown.counters) == {(f"shop#{SHOP}", slot), ("platform#0", slot)}


def test_events_count_on_the_business_day_in_shanghai():
    late = rules.parse_instant("2026-11-30T16:30:00Z")  # 00:30 on 1 December in Shanghai
    effects = rules.effects_of([_behaviour(1, at=late)], {PRODUCT: "空调"}, shard=0)
    assert {slot for _, slot in effects.counters} == {"2026-12-01#search"}


def test_a_batch_is_cut_into_transactions_of_at_most_100_items():
    products = [ids.new_product_id(SHOP, FROZEN_NOW + n) for n in range(100)]
    events = [_behaviour(n, EventKind.CLICK, product=p, actor=f"shopper#u{n}")
              for n, p in enumerate(products)]
    categories = {p: f"cat{n % 7}" for n, p in enumerate(products)}
    chunks = rules.plan_chunks(events, categories)
    assert [e for chunk in chunks for e in chunk.events] == events  # in order, none lost
    assert all(chunk.items <= rules.MAX_TRANSACTION_ITEMS for chunk in chunks)
    assert len(chunks) == 4  # each click: a mark, a product row, an affinity (+ shared rows)
    for chunk in chunks:
        again = rules.effects_of(chunk.events, categories, chunk.shard)
        assert again.counters == chunk.effects.counters
        assert chunk.shard == rules.platform_shard(chunk.events[0].event_id)
    # events that count nothing take no part
    views = [_behaviour(n, EventKind.VIDEO_VIEW) for n in range(5)]
    assert rules.plan_chunks(views, categories) == []
    # impressions of one product share their 4 rows: 96 marks + 4 rows fill one transaction
    same = [_behaviour(n) for n in range(97)]
    first, second = rules.plan_chunks(same, {PRODUCT: "空调"})
    assert (len(first.events), first.items, len(second.events), second.items) == (96, 100, 1, 5)


def test_each_product_has_its_share_of_an_order():
    other = ids.new_product_id(SHOP, FROZEN_NOW + 1)
    lines = [
        OrderLine(0, "空调", 2, 259900, product_id=PRODUCT, sku_id=f"{PRODUCT}.0",
                  parts=[StockTake(f"{PRODUCT}.0", PRODUCT, 0, 1)]),
        # a bundle: 1 unit of each of two products, 3 bundles at 1001 fen
        OrderLine(1, "套装", 3, 1001, bundle_id="b",
                  parts=[StockTake(f"{PRODUCT}.1", PRODUCT, 1, 1),
                         StockTake(f"{other}.0", other, 0, 2)]),
    ]
    shares = rules.product_gmv(lines)
    assert shares == {PRODUCT: 2 * 259900 + 1001, other: 2002}
    assert sum(shares.values()) == sum(line.total_fen for line in lines)


def test_an_order_counts_once_per_row():
    effects = rules.Effects()
    rules.add_order(effects, at=FROZEN_NOW, scene="live", shop_id=SHOP, buyer_id="u1",
                    amount_fen=5000, gmv={PRODUCT: 5000, "gone": 0},
                    categories={PRODUCT: "茶叶"}, shard=5)
    slot = "2026-12-01#live"
    assert effects.counters == {
        (f"shop#{SHOP}", slot): {"orders": 1, "gmv_fen": 5000},
        ("platform#5", slot): {"orders": 1, "gmv_fen": 5000},
        (f"product#{PRODUCT}", slot): {"orders": 1, "gmv_fen": 5000},
        ("category#茶叶", slot): {"orders": 1, "gmv_fen": 5000},
    }
    assert set(effects.active) == {f"scene_product#{PRODUCT}", "shopper#u1"}


def test_affinity_halves_every_14_days():
    assert rules.affinity_weight(8, FROZEN_NOW, FROZEN_NOW) == 8
    assert rules.affinity_weight(8, FROZEN_NOW, FROZEN_NOW + 14 * DAY_MS) == pytest.approx(4)
    assert rules.affinity_weight(8, FROZEN_NOW, FROZEN_NOW + 28 * DAY_MS) == pytest.approx(2)


def test_a_raw_event_stays_one_write_unit():
    """DynamoDB sizes an item as its attribute names and values in UTF-8: the largest event
    the schema takes is under 1 KB, so each raw put is 1 WCU."""
    from chalicelib.store.behaviour import raw_model

    biggest = BehaviourEvent(
        "e" * 64, EventKind.ANCHOR_CLICK, "recommendation", FROZEN_NOW, "device#" + "d" * 64,
        product_id=PRODUCT, shop_id=SHOP, video_id="v" * 64, live_id="l" * 64,
        creator_id="c" * 64, position=100_000, request_id="r" * 64, query="空" * 100)
    size = 0
    for name, value in raw_model(biggest).serialize().items():
        (kind, text), = value.items()
        size += len(name.encode()) + (len(str(text).encode()) if kind == "S" else 21)
    assert size < 1024, size


def test_report_rows_and_rates():
    rows = report_rows({("2026-12-02", "mall"): Counts(impressions=3, clicks=1),
                        ("2026-12-01", "search"): Counts(impressions=0, clicks=0, orders=1,
                                                         gmv_fen=900),
                        ("2026-12-01", "live"): Counts()})
    assert rows == [
        {"day": "2026-12-01", "scene": "search", "impressions": 0, "clicks": 0,
         "store_visits": 0, "orders": 1, "gmv_fen": 900, "ctr": None, "cvr": None},
        {"day": "2026-12-02", "scene": "mall", "impressions": 3, "clicks": 1,
         "store_visits": 0, "orders": 0, "gmv_fen": 0, "ctr": 0.3333, "cvr": 0.0},
    ]
    assert rate(2, 3) == 0.6667 and rate(1, 0) is None


def test_report_windows():
    assert report_window(None, None, FROZEN_NOW) == ("2026-11-25", "2026-12-01")
    assert report_window("2026-11-01", "2026-11-30", FROZEN_NOW) == ("2026-11-01", "2026-11-30")
    assert report_window(None, "2026-11-10", FROZEN_NOW) == ("2026-11-04", "2026-11-10")
    for first, last, field in (("2026-12-02", "2026-12-01", "from"), ("2026-13-01", None, "from"),
                               (None, "yesterday", "to"), ("2026-01-01", "2026-12-01", "from"),
                               ("2026-1-1", None, "from")):
        with pytest.raises(WindowError) as error:
            report_window(first, last, FROZEN_NOW)
        assert error.value.field == field
    assert report_window("2026-09-01", "2026-12-01", FROZEN_NOW)  # 92 days: allowed


def test_window_sums_and_rates_changes():
    rows = [("2026-11-01#search", Counts(impressions=5)),
            ("2026-11-20#search", Counts(impressions=10, clicks=2)),
            ("2026-11-21#mall", Counts(impressions=4, orders=1)),
            ("2026-12-02#mall", Counts(impressions=99))]  # after the window
    sums = window_sums(rows, "2026-11-02", "2026-12-01")
    assert sums == {"search": Counts(impressions=10, clicks=2), "mall": Counts(4, 0, 1)}
    before = RatesState("空调", {"search": (7, 1, 0), "live": (3, 0, 0)})
    after = RatesState("空调", {"search": (10, 2, 0), "mall": (4, 0, 1)})
    change = rates_change(before, after)
    assert change.puts == {"search#空调": (10, 2, 0), "mall#空调": (4, 0, 1)}
    assert change.deletes == ["live#空调"]
    moved = rates_change(after, RatesState("洗地机", after.triples))  # a new category
    assert set(moved.puts) == {"search#洗地机", "mall#洗地机"}
    assert moved.deletes == ["mall#空调", "search#空调"]
    assert rates_change(after, after).empty
    assert RatesState.decode("空调", after.encode()) == after
    assert after.totals() == (14, 2, 1)
