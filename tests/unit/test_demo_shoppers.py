"""The demo shoppers `make run` loads: deterministic, with the patterns the recommendations
learn from (consumables bought again at their interval, pairs bought together, durables bought
once, hits), u1 showing each of them, browsing with plausible click rates, and reviews."""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict

import pytest

from chalicelib.domain.clock import DAY_MS
from chalicelib.domain.orders import OrderStatus
from local.demo_data import build_demo_catalog
from local.demo_shoppers import (
    BROWSE_DAYS,
    DEFAULT_AS_OF_MS,
    HISTORY_DAYS,
    NEW_SHOP_MAX_ORDERS,
    PAIRS,
    REVIEW_TEXTS,
    apply_ratings,
    build_demo_shoppers,
    domain_orders,
    fulfilment,
    holdouts,
    rating_summaries,
    training_orders,
)

AS_OF = DEFAULT_AS_OF_MS
# consumable groups and the days between their purchases
TARGETS = {"茶叶": 30, "海鲜干货": 45, "零食坚果": 20, "防晒霜": 60, "纸尿裤": 25}
GROUP_OF = {"清爽防晒霜": "防晒霜", "防晒喷雾": "防晒霜", "儿童防晒乳": "防晒霜",
            "婴儿纸尿裤": "纸尿裤", "婴儿拉拉裤": "纸尿裤"}
ASCII_IN_CHINESE = re.compile(r"[\u4e00-\u9fff][,.!?;:()]|[,.!?;:()][\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def catalog():
    return build_demo_catalog()


@pytest.fixture(scope="module")
def demo(catalog):
    return build_demo_shoppers(catalog, AS_OF)


def _item(catalog, product_id):
    return catalog.items[product_id]


def _checkouts(demo):
    """What each shopper bought at one moment, across the shops of the checkout."""
    grouped = defaultdict(list)
    for order in demo.orders:
        grouped[(order.buyer_id, order.paid_at)].extend(order.lines)
    return grouped


def _gaps(demo, catalog, buyer=None):
    """Days between a shopper's consecutive purchase days of each consumable group."""
    last, gaps = {}, defaultdict(list)
    for order in demo.orders:
        if buyer and order.buyer_id != buyer:
            continue
        day = order.paid_at // DAY_MS
        for product_id, _, _, _, category in order.lines:
            group = GROUP_OF.get(_item(catalog, product_id), category)
            if group not in TARGETS:
                continue
            key = (order.buyer_id, group)
            if key in last and day != last[key]:
                gaps[group].append(day - last[key])
            last[key] = day
    return gaps


def test_the_same_catalogue_and_day_give_the_same_shoppers(catalog, demo):
    again = build_demo_shoppers(catalog, AS_OF)
    assert again == demo
    assert [o.order_id for o in again.orders] == [o.order_id for o in demo.orders]


def test_sizes(demo):
    assert demo.shoppers == [f"u{n}" for n in range(1, 301)]
    buyers = {order.buyer_id for order in demo.orders}
    assert len(buyers) >= 250
    assert len(demo.orders) >= 1000
    assert len(demo.follows) >= 200
    assert len(demo.reviews) >= 500
    assert len({o.order_id for o in demo.orders}) == len(demo.orders)
    assert len({e.event_id for e in demo.events}) == len(demo.events)


def test_orders_name_listed_products_in_stock_on_sale_at_their_prices(catalog, demo):
    products = {p.product_id: p for p in catalog.products}
    shop_ids = {shop.shop_id for shop in catalog.shops}
    for order in demo.orders:
        assert AS_OF - HISTORY_DAYS * DAY_MS <= order.paid_at < AS_OF
        assert order.shop_id in shop_ids
        assert order.scene in {"mall", "search", "storefront", "recommendation", "video"}
        assert order.buyer_id in demo.shoppers
        for product_id, sku_id, quantity, price, category in order.lines:
            product = products[product_id]
            sku = product.sku(sku_id)
            assert product.listed_on_shelves and product.shop_id == order.shop_id
            assert sku is not None and sku.stock > 0 and product.total_stock > 0
            assert product.created_at < order.paid_at
            assert type(price) is int and price == sku.price_fen and price > 0
            assert type(quantity) is int and 1 <= quantity <= 2
            assert category == product.category
        assert type(order.total_fen) is int
    assert {o.scene for o in demo.orders} == {"mall", "search", "storefront", "recommendation",
                                              "video"}


def test_consumables_are_bought_again_near_their_interval(catalog, demo):
    gaps = _gaps(demo, catalog)
    for group, target in TARGETS.items():
        assert len(gaps[group]) >= 15, group
        assert 0.85 * target <= statistics.median(gaps[group]) <= 1.15 * target, group


def test_consumables_are_mostly_the_same_product_again(catalog, demo):
    repeats = Counter()
    for order in demo.orders:
        for product_id, *_ in order.lines:
            repeats[(order.buyer_id, product_id)] += 1
    again = [n for n in repeats.values() if n >= 2]
    assert len(again) >= 150
    assert max(again) >= 4


def test_pairs_are_bought_together(catalog, demo):
    together = Counter()
    for lines in _checkouts(demo).values():
        names = {_item(catalog, line[0]) for line in lines} | {line[4] for line in lines}
        for trigger, attach, _ in PAIRS:
            if trigger in names and attach in names:
                together[(trigger, attach)] += 1
    for trigger, attach, _ in PAIRS:
        assert together[(trigger, attach)] >= 3, (trigger, attach)
    assert together[("空调", "空调防尘罩")] >= 10
    assert together[("茶叶", "零食坚果")] >= 20
    same_order = sum(1 for o in demo.orders
                     if {"空调", "家电配件"} <= {line[4] for line in o.lines})
    assert same_order >= 5  # one order when the shop sells both


def test_durables_are_bought_once(catalog, demo):
    bought = Counter()
    air = Counter()
    for order in demo.orders:
        for product_id, _, _, _, category in order.lines:
            item = _item(catalog, product_id)
            if category in {"空调", "洗地机", "翡翠", "国风服饰", "美容仪", "家纺"}:
                bought[(order.buyer_id, item)] += 1
            if category == "空调":
                air[order.buyer_id] += 1
    assert bought and max(bought.values()) == 1
    assert max(air.values()) == 1


def test_popularity_has_hits(catalog, demo):
    units = Counter(line[0] for order in demo.orders for line in order.lines)
    listed = [p for p in catalog.listed_products() if p.total_stock > 0]
    top = [count for _, count in units.most_common(10)]
    assert top[0] >= 20 and sum(top) >= 0.12 * sum(units.values())
    assert len(units) >= 0.8 * len(listed)  # and a long tail


def test_the_new_shop_has_a_handful_of_recent_orders(catalog, demo):
    new_shop = next(shop for shop in catalog.shops if shop.name == "栖居家纺")
    orders = [o for o in demo.orders if o.shop_id == new_shop.shop_id]
    assert 1 <= len(orders) <= NEW_SHOP_MAX_ORDERS + 3
    assert all(o.paid_at >= new_shop.created_at for o in orders)


def test_u1_has_every_pattern(catalog, demo):
    orders = demo.orders_of("u1")
    gaps = _gaps(demo, catalog, buyer="u1")
    for group, target in (("茶叶", 30), ("海鲜干货", 45), ("防晒霜", 60)):
        assert gaps[group] and all(abs(g - target) <= 4 for g in gaps[group]), group
    categories = Counter(line[4] for o in orders for line in o.lines)
    assert categories["空调"] == 1 and categories["家电配件"] == 0 and categories["洗地机"] == 0
    assert categories["国风服饰"] == 0
    lines = [{_item(catalog, line[0]) for line in lines} | {line[4] for line in lines}
             for (buyer, _), lines in _checkouts(demo).items() if buyer == "u1"]
    assert any({"茶叶", "零食坚果"} <= names for names in lines)
    assert any({"清爽防晒霜", "大檐防晒帽"} <= names for names in lines)
    followed = [shop for shopper, shop, _ in demo.follows if shopper == "u1"]
    assert 2 <= len(followed) <= 3
    assert any(o.shop_id in followed for o in orders)
    products = {p.product_id: p for p in catalog.products}
    clicks = [e for e in demo.events if e.actor == "shopper#u1" and e.type == "click"]
    assert sum(products[e.product_id].category == "国风服饰" for e in clicks) >= 3
    device = [d for d, shopper, _ in demo.devices if shopper == "u1"]
    assert len(device) == 1
    assert any(e.actor == f"device#{device[0]}" for e in demo.events)
    due = AS_OF - orders[-1].paid_at
    assert due < 30 * DAY_MS  # active lately: the candidate job picks u1 up


def test_browsing_click_rates_fall_with_position(catalog, demo):
    impressions, clicks = Counter(), Counter()
    by_position = defaultdict(Counter)
    for event in demo.events:
        assert AS_OF - (BROWSE_DAYS + 6) * DAY_MS <= event.at <= AS_OF
        assert event.actor.startswith(("shopper#u", "device#d"))
        if event.type in ("impression", "click"):
            (impressions if event.type == "impression" else clicks)[event.scene] += 1
            position = demo.positions[event.event_id]
            by_position["top" if position < 3 else "low" if position >= 8 else "mid"][
                event.type] += 1
        else:
            assert event.type == "store_visit" and event.shop_id and event.product_id is None
    assert set(impressions) == {"mall", "search", "recommendation", "storefront"}
    for scene in impressions:
        assert 0.02 <= clicks[scene] / impressions[scene] <= 0.08, scene
    rate = {k: v["click"] / v["impression"] for k, v in by_position.items()}
    assert rate["top"] > 1.5 * rate["low"]
    assert all(demo.queries[e.event_id] for e in demo.events if e.scene == "search")


def test_anonymous_devices_and_a_few_linked_ones(demo):
    actors = {event.actor for event in demo.events}
    devices = {actor for actor in actors if actor.startswith("device#")}
    linked = {f"device#{device}" for device, _, _ in demo.devices}
    assert len(devices - linked) >= 50
    assert 10 <= len(linked) <= 40 and linked <= devices
    for device, shopper, linked_at in demo.devices:
        assert shopper in demo.shoppers and linked_at <= AS_OF
        assert all(e.at < linked_at for e in demo.events if e.actor == f"device#{device}")


def test_follows(catalog, demo):
    shop_ids = {shop.shop_id for shop in catalog.shops}
    edges = [(shopper, shop) for shopper, shop, _ in demo.follows]
    assert len(set(edges)) == len(edges)
    for shopper, shop, at in demo.follows:
        assert shopper in demo.shoppers and shop in shop_ids and at <= AS_OF
    assert len({shop for _, shop in edges}) >= 15


def test_products_with_sales_have_reviews_some_of_them_bad(catalog, demo):
    reviewed = {review.product_id for review in demo.reviews}
    settled = [p for p in catalog.listed_products() if p.stats.sales_30d > 0
               and p.total_stock > 0 and p.created_at < AS_OF - 10 * DAY_MS]
    assert settled and all(p.product_id in reviewed for p in settled)
    ratings = Counter(review.rating for review in demo.reviews)
    assert set(ratings) == {1, 2, 3, 4, 5}
    bad = ratings[1] + ratings[2]
    assert 0.03 * len(demo.reviews) <= bad <= 0.15 * len(demo.reviews)
    assert ratings[5] > ratings[4] > ratings[3]
    complaints = ("物流慢", "色差", "尺码偏小", "漏液", "异味", "客服不回复")
    bank = [text for texts in REVIEW_TEXTS.values() for text in texts["bad"]]
    assert all(any(word in text for text in bank) for word in complaints)
    texts = [review.text for review in demo.reviews if review.rating <= 2]
    assert sum(any(word in text for text in texts) for word in complaints) >= 5


def test_reviews_belong_to_delivered_lines_and_fit_the_product(catalog, demo):
    orders = {order.order_id: order for order in demo.orders}
    lines = set()
    for review in demo.reviews:
        order = orders[review.order_id]
        product_id, sku_id, *_ = order.lines[review.line]
        assert (review.product_id, review.sku_id, review.buyer_id, review.shop_id) == (
            product_id, sku_id, order.buyer_id, order.shop_id)
        assert fulfilment(order).delivered_at < review.created_at < AS_OF
        assert (review.order_id, review.line) not in lines
        lines.add((review.order_id, review.line))
        assert 1 <= review.rating <= 5 and review.text
        assert not ASCII_IN_CHINESE.search(review.text)
        item = _item(catalog, product_id)
        if item in ("冰丝防晒衣", "大檐防晒帽", "冰袖防晒袖套"):
            assert review.text not in sum(REVIEW_TEXTS["防晒"].values(), ())
    for texts in REVIEW_TEXTS.values():
        for text in sum(texts.values(), ()):
            assert text.endswith("。") and not ASCII_IN_CHINESE.search(text), text


def test_rating_summaries_agree_with_the_reviews(catalog, demo):
    summaries = rating_summaries(demo.reviews)
    for product_id, summary in summaries.items():
        own = [r.rating for r in demo.reviews if r.product_id == product_id]
        assert (summary.count, summary.total_stars, summary.low_count) == (
            len(own), sum(own), sum(r <= 2 for r in own))
    products = build_demo_catalog().products
    assert apply_ratings(products, demo.reviews) == len(summaries)
    assert apply_ratings(products, demo.reviews) == 0
    assert {p.product_id: p.rating for p in products if p.rating.count} == summaries


def test_holdouts_take_each_shoppers_last_purchase(demo):
    held = holdouts(demo.orders)
    counts = Counter(order.buyer_id for order in demo.orders)
    assert {h.shopper_id for h in held} == {b for b, n in counts.items() if n >= 2}
    for h in held:
        own = demo.orders_of(h.shopper_id)
        assert h.order == own[-1] and h.product_id == own[-1].lines[0][0]
        assert h.history == own[:-1]
    training = training_orders(demo.orders)
    assert len(training) == len(demo.orders) - len(held)
    assert not {h.order.order_id for h in held} & {o.order_id for o in training}


def test_domain_orders_reach_their_state_by_the_day(catalog, demo):
    orders = domain_orders(demo, catalog)
    assert [o.order_id for o in orders] == [o.order_id for o in demo.orders]
    statuses = Counter(order.status for order in orders)
    assert statuses[OrderStatus.COMPLETED] > 0.7 * len(orders)
    assert statuses[OrderStatus.DELIVERED] > 0 and statuses[OrderStatus.SHIPPED] > 0
    reviewed = {(r.order_id, r.line) for r in demo.reviews}
    for order, source in zip(orders, demo.orders, strict=True):
        assert order.total_fen == source.total_fen == sum(line.total_fen for line in order.lines)
        assert order.paid_at == source.paid_at and order.source.scene.value == source.scene
        assert order.merchant_id == catalog.shop(order.shop_id).owner_id
        times = [order.paid_at, order.shipped_at, order.collected_at, order.delivered_at,
                 order.completed_at]
        known = [t for t in times if t is not None]
        assert known == sorted(known) and known[-1] <= AS_OF
        assert set(order.reviewed_lines) == {line for oid, line in reviewed
                                             if oid == order.order_id}
        if order.status is OrderStatus.COMPLETED:
            assert None not in times and order.carrier and order.tracking_number


def test_any_day_after_the_catalogue_works_but_not_before(catalog):
    later = build_demo_shoppers(catalog, AS_OF + 400 * DAY_MS)
    assert len(later.orders) >= 1000 and later.orders_of("u1")
    with pytest.raises(ValueError):
        build_demo_shoppers(catalog, AS_OF - 30 * DAY_MS)
