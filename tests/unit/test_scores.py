"""The three scores: counters → window → metrics → points → dimensions → total (docs/scores.md).

Expected values are computed by hand; the arithmetic is in the comments. Default bands
(best, median, worst) used below:
  bad_review_rate 0.002/0.02/0.15   quality_return_rate 0.001/0.01/0.08
  collect_48h_rate 0.99/0.92/0.60   on_time_rate 0.99/0.95/0.70
  reply_3min_rate 0.98/0.90/0.50    reply_3s_rate 0.90/0.40/0.0    handling_hours 2/12/48
  seller_fault_dispute_rate 0.0005/0.002/0.02   complaint_rate 0.001/0.008/0.05
  not_as_described_share 0.02/0.10/0.40   wilson_positive 0.95/0.80/0.30
  nad_refund_rate 0.001/0.008/0.05
"""

import json
import math
from dataclasses import replace
from decimal import Decimal

import pytest

from chalicelib.domain.score_display import format_score
from chalicelib.domain.scores import (
    DEFAULT_SCORE_CONFIG,
    Band,
    DailyCounters,
    ScoreConfig,
    ScoreResult,
    band_points,
    band_rate,
    biggest_losses,
    collected_in_time,
    creator_window_totals,
    delivered_on_time,
    improvement_to_reach,
    plan_to_reach,
    replied_in_time,
    score_creator,
    score_product,
    score_shop,
    wilson_lower_bound,
    window_totals,
)

CFG = DEFAULT_SCORE_CONFIG
H = 3_600_000  # ms per hour


# --- the worked example of docs/scores.md --------------------------------------------------------

def example_shop() -> DailyCounters:
    return DailyCounters(
        orders=980, collection_known=980, collected_48h=937, on_time=961,
        reviews=380, bad_reviews=4, positive_reviews=350,
        quality_returns=8, nad_refunds=5, after_sales=40,
        handled_cases=40, handling_ms=240 * H, disputes=12, seller_fault_disputes=1,
        sessions=480, replied_3min=462, replied_3s=192,
    )


def platform_prior() -> DailyCounters:
    # rates: bad reviews 0.02, quality returns 0.01, collected 0.90, on time 0.95,
    # 3-min replies 0.90, 3-s replies 0.40, handling 12 h, seller fault 0.002, complaints 0.01
    return DailyCounters(
        orders=100_000, collection_known=100_000, collected_48h=90_000, on_time=95_000,
        reviews=50_000, bad_reviews=1_000, positive_reviews=45_000,
        quality_returns=1_000, nad_refunds=500, after_sales=5_000,
        handled_cases=5_000, handling_ms=5_000 * 12 * H, disputes=1_000,
        seller_fault_disputes=200, sessions=40_000, replied_3min=36_000, replied_3s=16_000,
    )


# metric: (raw value, smoothed value, points), with k = 20
WORKED = {
    # (4 + 20·0.02) / (380 + 20) = 4.4/400 = 0.011; 5 − 0.5·(0.011−0.002)/(0.02−0.002) = 4.75
    "bad_review_rate": (4 / 380, 0.011, 4.75),
    # (8 + 20·0.01) / (980 + 20) = 8.2/1000 = 0.0082; 5 − 0.5·(0.0072/0.009) = 4.6
    "quality_return_rate": (8 / 980, 0.0082, 4.6),
    # (937 + 20·0.90) / 1000 = 0.955; 4.5 + 0.5·(0.955−0.92)/(0.99−0.92) = 4.75
    "collect_48h_rate": (937 / 980, 0.955, 4.75),
    # (961 + 20·0.95) / 1000 = 0.98; 4.5 + 0.5·(0.98−0.95)/(0.99−0.95) = 4.875
    "on_time_rate": (961 / 980, 0.98, 4.875),
    # (462 + 20·0.90) / 500 = 0.96; 4.5 + 0.5·(0.96−0.90)/(0.98−0.90) = 4.875
    "reply_3min_rate": (462 / 480, 0.96, 4.875),
    # (192 + 20·0.40) / 500 = 0.40 = the median → 4.5 (tracked, weight 0)
    "reply_3s_rate": (0.4, 0.4, 4.5),
    # raw 240 h / 40 = 6 h; (240 + 20·12) / (40 + 20) = 8 h; 5 − 0.5·(8−2)/(12−2) = 4.7
    "handling_hours": (6.0, 8.0, 4.7),
    # (1 + 20·0.002) / 1000 = 0.00104; 5 − 0.5·(0.00104−0.0005)/(0.002−0.0005) = 4.82
    "seller_fault_dispute_rate": (1 / 980, 0.00104, 4.82),
    # (12 + 20·0.01) / 1000 = 0.0122; 4.5 − 3.5·(0.0122−0.008)/(0.05−0.008) = 4.5−0.35 = 4.15
    "complaint_rate": (12 / 980, 0.0122, 4.15),
}


def test_worked_example_every_shop_metric():
    result = score_shop(example_shop(), platform_prior())
    assert set(result.metrics) == set(WORKED)
    for name, (value, smoothed, points) in WORKED.items():
        metric = result.metrics[name]
        assert metric.value == pytest.approx(value), name
        assert metric.smoothed == pytest.approx(smoothed), name
        assert metric.points == pytest.approx(points), name


def test_worked_example_dimensions_and_total():
    result = score_shop(example_shop(), platform_prior())
    # product   = 0.5·4.75 + 0.5·4.6 = 4.675
    # logistics = 0.5·4.75 + 0.5·4.875 = 4.8125
    # service   = 0.3·4.875 + 0·4.5 + 0.2·4.7 + 0.25·4.82 + 0.25·4.15
    #           = 1.4625 + 0.94 + 1.205 + 1.0375 = 4.645
    assert result.dimensions["product"].points == pytest.approx(4.675)
    assert result.dimensions["logistics"].points == pytest.approx(4.8125)
    assert result.dimensions["service"].points == pytest.approx(4.645)
    assert {d: x.weight for d, x in result.dimensions.items()} == pytest.approx(
        {"product": 0.4, "logistics": 0.3, "service": 0.3})
    # total = 0.4·4.675 + 0.3·4.8125 + 0.3·4.645 = 1.87 + 1.44375 + 1.3935 = 4.70725
    assert result.own_total == pytest.approx(4.70725)
    assert result.total == 4.707  # kept to 3 decimals
    assert result.display == "4.7"  # floored to one decimal
    assert result.sample_orders == 980
    assert result.kind == "shop"


# --- counters and the window ---------------------------------------------------------------------

def test_counters_add_to_dict_from_dict():
    a = DailyCounters(orders=2, sessions=1)
    b = DailyCounters(orders=3, reviews=4)
    total = a.add(b)
    assert (total.orders, total.sessions, total.reviews) == (5, 1, 4)
    assert a.orders == 2  # add leaves its operands alone
    assert a.add(b, weight=0.5).orders == 3.5  # 2 + 0.5·3
    assert DailyCounters.from_dict(total.to_dict()) == total
    # stored items: Decimal numbers, missing counters, counters we no longer know
    stored = {"orders": Decimal("7"), "handling_ms": Decimal("1.5"), "retired_counter": 9}
    back = DailyCounters.from_dict(stored)
    assert (back.orders, back.handling_ms, back.reviews) == (7.0, 1.5, 0.0)
    assert all(isinstance(v, float) for v in back.to_dict().values())
    assert len(DailyCounters().to_dict()) == 17


AS_OF = 20_000


def _day(age: int, orders: float, sessions: float) -> tuple[int, DailyCounters]:
    return AS_OF - age, DailyCounters(orders=orders, reviews=orders, sessions=sessions,
                                      replied_3min=sessions)


def test_window_edges_maturity_and_session_days():
    # Window: ages 0..89 (the 90 days ending at as_of_day). Orders: only ages ≥ 7 (mature).
    days = [
        _day(-1, 100_000, 100_000),  # after as_of_day: ignored
        _day(0, 1_000, 1),  # today-ish: sessions in, orders immature
        _day(6, 100, 10),  # 6 days old: still immature
        _day(7, 1, 100),  # exactly 7 days old: mature
        _day(89, 10, 1_000),  # oldest day in the window
        _day(90, 10_000, 10_000),  # exactly 90 days old: out
    ]
    total = window_totals(days, as_of_day=AS_OF)
    assert total.orders == 11  # ages 7 and 89: 1 + 10
    assert total.reviews == 11  # every order counter follows the same rule
    assert total.sessions == 1_111  # ages 0, 6, 7, 89: 1 + 10 + 100 + 1000
    assert total.replied_3min == 1_111


def test_window_and_maturity_are_configurable():
    config = replace(CFG, window_days=30, maturity_days=0)
    days = [_day(0, 1, 1), _day(29, 10, 10), _day(30, 100, 100)]
    total = window_totals(days, as_of_day=AS_OF, config=config)
    assert (total.orders, total.sessions) == (11, 11)  # ages 0 and 29 in, 30 out


def test_shop_whose_orders_are_all_immature_is_null():
    days = [_day(age, 100, 50) for age in range(7)]  # 700 orders, all delivered < 7 days ago
    totals = window_totals(days, as_of_day=AS_OF)
    assert totals.orders == 0
    assert totals.sessions == 350  # service sessions need no maturity
    result = score_shop(totals, platform_prior())
    assert result.total is None
    assert result.display == "暂无分"
    assert result.sample_orders == 0


def test_recency_weighting_for_creators():
    days = [_day(7, 100, 0), _day(37, 100, 0), _day(0, 0, 10)]
    weighted, unweighted_orders = creator_window_totals(days, as_of_day=AS_OF)
    # 100·e^(−7/30) + 100·e^(−37/30) = 100·0.791890 + 100·0.291320 = 108.321
    assert weighted.orders == pytest.approx(108.321, abs=1e-3)
    assert weighted.sessions == pytest.approx(10)  # age 0 weighs e^0 = 1
    assert unweighted_orders == 200
    plain = window_totals(days, as_of_day=AS_OF, recency_tau_days=30)
    assert plain == weighted


def test_creator_minimum_sample_counts_unweighted_orders():
    days = [(AS_OF - 30, DailyCounters(orders=30, on_time=30, collection_known=30,
                                       collected_48h=30, after_sales=2, nad_refunds=1))]
    weighted, sample = creator_window_totals(days, as_of_day=AS_OF)
    assert weighted.orders == pytest.approx(30 / math.e)  # 11.04 weighted orders
    assert score_creator(weighted, None, sample_orders=sample).total is not None
    # without the unweighted count the weighted 11.04 < 30 decides: null
    assert score_creator(weighted, None).total is None


# --- points --------------------------------------------------------------------------------------

LOWER = Band(0.002, 0.02, 0.15)
HIGHER = Band(0.99, 0.92, 0.60)


@pytest.mark.parametrize(("value", "points"), [
    (0.0, 5.0), (0.002, 5.0),  # at or better than best: clamped to 5
    (0.011, 4.75),  # 5 − 0.5·(0.009/0.018)
    (0.02, 4.5),  # median
    (0.085, 2.75),  # 4.5 − 3.5·(0.065/0.13)
    (0.15, 1.0), (0.9, 1.0),  # at or worse than worst: clamped to 1
])
def test_band_lower_is_better(value, points):
    assert band_points(value, LOWER, False) == pytest.approx(points)


@pytest.mark.parametrize(("value", "points"), [
    (1.0, 5.0), (0.99, 5.0),
    (0.955, 4.75),  # 4.5 + 0.5·(0.035/0.07)
    (0.92, 4.5),
    (0.76, 2.75),  # 4.5 − 3.5·(0.16/0.32)
    (0.60, 1.0), (0.1, 1.0),
])
def test_band_higher_is_better(value, points):
    assert band_points(value, HIGHER, True) == pytest.approx(points)


@pytest.mark.parametrize(("band", "points", "rate"), [
    (LOWER, 5.0, 0.002), (LOWER, 4.75, 0.011), (LOWER, 4.5, 0.02), (LOWER, 2.75, 0.085),
    (LOWER, 1.0, 0.15), (HIGHER, 5.0, 0.99), (HIGHER, 4.75, 0.955), (HIGHER, 2.75, 0.76),
    (HIGHER, 1.0, 0.60),
])
def test_band_rate_inverts_band_points(band, points, rate):
    assert band_rate(points, band) == pytest.approx(rate)


def test_bands_must_run_in_their_direction():
    with pytest.raises(ValueError, match="band of x"):
        Band(0.15, 0.02, 0.002).check(False, "x")
    with pytest.raises(ValueError):
        replace(CFG, category_bands={"fresh": {"bad_review_rate": Band(0.2, 0.04, 0.005)}})
    with pytest.raises(ValueError, match="unknown metric"):
        replace(CFG, category_bands={"fresh": {"nope": Band(0.005, 0.04, 0.2)}})


def test_category_band_override():
    config = replace(CFG, category_bands={"fresh": {"bad_review_rate": Band(0.005, 0.04, 0.2)}})
    fresh = score_shop(example_shop(), platform_prior(), config, category="fresh")
    # smoothed 0.011 on the fresh band: 5 − 0.5·(0.011−0.005)/(0.04−0.005) = 4.914286
    assert fresh.metrics["bad_review_rate"].points == pytest.approx(4.914286, abs=1e-6)
    assert fresh.category == "fresh"
    other = score_shop(example_shop(), platform_prior(), config, category="toys")
    assert other.metrics["bad_review_rate"].points == pytest.approx(4.75)  # default band


# --- smoothing and missing data ------------------------------------------------------------------

def test_smoothing_pulls_small_samples_toward_the_prior():
    # 1 bad review of 2 (raw 0.5): (1 + 20·0.02) / (2 + 20) = 1.4/22 = 0.063636
    shop = DailyCounters(orders=40, reviews=2, bad_reviews=1)
    metric = score_shop(shop, platform_prior()).metrics["bad_review_rate"]
    assert metric.value == 0.5
    assert metric.smoothed == pytest.approx(1.4 / 22)
    # with k = 0 there is no smoothing
    raw = score_shop(shop, platform_prior(), replace(CFG, smoothing_k=0))
    assert raw.metrics["bad_review_rate"].smoothed == pytest.approx(0.5)
    assert "reply_3min_rate" not in raw.metrics  # no sessions and k = 0: the prior cannot speak


def test_no_own_denominator_uses_the_prior_and_no_data_at_all_is_left_out():
    shop = DailyCounters(orders=40)  # no reviews, sessions, cases or collection times
    with_prior = score_shop(shop, platform_prior())
    bad = with_prior.metrics["bad_review_rate"]
    assert bad.value is None  # no raw rate of its own
    assert bad.smoothed == pytest.approx(0.02)  # (0 + 20·0.02) / (0 + 20): the prior's rate
    assert bad.points == pytest.approx(4.5)
    without_prior = score_shop(shop, None)
    assert "bad_review_rate" not in without_prior.metrics
    assert set(without_prior.metrics) == {
        "quality_return_rate", "on_time_rate", "seller_fault_dispute_rate", "complaint_rate"}


def test_weights_renormalise_over_metrics_with_data():
    # no prior; orders 40, 0 quality returns, 38 on time, 0 seller-fault disputes, 2 complaints
    shop = DailyCounters(orders=40, on_time=38, disputes=2)
    result = score_shop(shop, None)
    # product: quality 0/40 = 0 → 5 (weight 0.5/0.5 = 1)
    # logistics: on time 38/40 = 0.95 = median → 4.5 (weight 1)
    # service: seller fault 0 → 5, complaint 2/40 = 0.05 = worst → 1; 0.25/0.5 each → 3.0
    assert result.metrics["quality_return_rate"].weight == 1.0
    assert result.metrics["complaint_rate"].weight == 0.5
    assert result.dimensions["service"].points == pytest.approx(3.0)
    # total = 0.4·5 + 0.3·4.5 + 0.3·3.0 = 2 + 1.35 + 0.9 = 4.25
    assert result.total == pytest.approx(4.25)


def test_a_dimension_without_data_is_left_out_of_the_total():
    # creator without after-sales cases and no prior: no content dimension
    creator = DailyCounters(orders=40, on_time=38, disputes=2)
    result = score_creator(creator, None)
    assert "content" not in result.dimensions
    # same points as the shop above; weights 0.35, 0.2, 0.2 over 0.75:
    # (0.35·5 + 0.2·4.5 + 0.2·3.0) / 0.75 = (1.75 + 0.9 + 0.6) / 0.75 = 4.333333
    assert result.dimensions["product"].weight == pytest.approx(0.35 / 0.75)
    assert result.total == 4.333


def test_creator_content_metric_and_dimension_weights():
    creator = DailyCounters(orders=40, on_time=38, disputes=2, after_sales=10, nad_refunds=2)
    result = score_creator(creator, None)
    # not_as_described_share = 2/10 = 0.2: 4.5 − 3.5·(0.2−0.1)/(0.4−0.1) = 4.5 − 1.166667 = 3.333333
    assert result.metrics["not_as_described_share"].value == pytest.approx(0.2)
    assert result.metrics["not_as_described_share"].points == pytest.approx(10 / 3)
    # total = 0.35·5 + 0.2·4.5 + 0.2·3.0 + 0.25·3.333333 = 1.75 + 0.9 + 0.6 + 0.833333 = 4.083333
    assert result.total == 4.083
    assert result.display == "4.0"


# --- minimum sample ------------------------------------------------------------------------------

def test_shop_minimum_sample_one_below_and_exactly_at():
    below = score_shop(DailyCounters(orders=29, on_time=29), platform_prior())
    assert below.total is None and below.display == "暂无分"
    assert below.metrics  # the breakdown is still there for the merchant
    at = score_shop(DailyCounters(orders=30, on_time=30), platform_prior())
    assert at.total is not None
    assert at.sample_orders == 30


def test_minimum_samples_are_configurable():
    config = replace(CFG, min_orders_shop=5)
    assert score_shop(DailyCounters(orders=5), None, config).total is not None
    assert score_shop(DailyCounters(orders=4), None, config).total is None


# --- products ------------------------------------------------------------------------------------

def category_prior() -> DailyCounters:
    # bad reviews 100/5000 = 0.02, quality returns 100/10000 = 0.01, nad refunds 50/10000 = 0.005
    return DailyCounters(orders=10_000, reviews=5_000, bad_reviews=100, positive_reviews=4_500,
                         quality_returns=100, nad_refunds=50)


@pytest.mark.parametrize(("positive", "reviews", "bound"), [
    (8, 10, 0.4902),  # (0.8 + 0.19208 − 1.96·√(0.016 + 0.009604)) / 1.38416 = 0.678456/1.38416
    (10, 10, 0.7225),  # all positive: n / (n + z²) = 10 / 13.8416
    (0, 10, 0.0),
    (0, 0, 0.0),  # no trials
])
def test_wilson_lower_bound(positive, reviews, bound):
    assert wilson_lower_bound(positive, reviews, 1.96) == pytest.approx(bound, abs=1e-4)


def test_product_metrics_with_wilson():
    product = DailyCounters(orders=20, reviews=10, positive_reviews=8, bad_reviews=1,
                            quality_returns=1, nad_refunds=0)
    result = score_product(product, category_prior(), shop_score=None)
    m = result.metrics
    # wilson 0.4901568 (not smoothed): 4.5 − 3.5·(0.8−0.4901568)/(0.8−0.3) = 2.331098
    assert m["wilson_positive"].smoothed == pytest.approx(0.4901568, abs=1e-7)
    assert m["wilson_positive"].value == pytest.approx(0.8)
    assert m["wilson_positive"].points == pytest.approx(2.331098, abs=1e-6)
    # bad: (1 + 0.4)/30 = 0.046667 → 4.5 − 3.5·(0.026667/0.13) = 3.782051
    assert m["bad_review_rate"].points == pytest.approx(3.782051, abs=1e-6)
    # quality: (1 + 0.2)/40 = 0.03 → 4.5 − 3.5·(0.02/0.07) = 3.5
    assert m["quality_return_rate"].points == pytest.approx(3.5)
    # nad refunds: (0 + 20·0.005)/40 = 0.0025 → 5 − 0.5·(0.0015/0.007) = 4.892857
    assert m["nad_refund_rate"].smoothed == pytest.approx(0.0025)
    assert m["nad_refund_rate"].points == pytest.approx(4.892857, abs=1e-6)
    # total = 0.3·2.331098 + 0.2·3.782051 + 0.3·3.5 + 0.2·4.892857
    #       = 0.699329 + 0.756410 + 1.05 + 0.978571 = 3.484310
    assert result.total == 3.484
    assert result.display == "3.4"


def test_product_without_reviews():
    product = DailyCounters(orders=20)
    result = score_product(product, category_prior(), shop_score=None)
    assert "wilson_positive" not in result.metrics  # no bound from no reviews
    # bad: prior 0.02 → 4.5 (weight 0.2); quality (0 + 0.2)/40 = 0.005 → 5 − 0.5·(0.004/0.009)
    # = 4.777778 (0.3); nad 0.0025 → 4.892857 (0.2); over 0.7:
    # (0.9 + 1.433333 + 0.978571) / 0.7 = 3.311905 / 0.7 = 4.731293
    assert result.metrics["bad_review_rate"].points == pytest.approx(4.5)
    assert result.metrics["quality_return_rate"].weight == pytest.approx(0.3 / 0.7)
    assert result.total == 4.731


def test_product_with_only_bad_reviews():
    product = DailyCounters(orders=10, reviews=10, bad_reviews=10)
    result = score_product(product, category_prior(), shop_score=4.9)
    # wilson 0/10 = 0 < worst 0.3 → 1; bad (10 + 0.4)/30 = 0.346667 > 0.15 → 1
    # quality 0.2/30 = 0.006667 → 5 − 0.5·(0.005667/0.009) = 4.685185
    # nad 0.1/30 = 0.003333 → 5 − 0.5·(0.002333/0.007) = 4.833333
    # total = 0.3·1 + 0.2·1 + 0.3·4.685185 + 0.2·4.833333 = 0.5 + 1.405556 + 0.966667 = 2.872222
    assert result.metrics["wilson_positive"].points == 1.0
    assert result.metrics["bad_review_rate"].points == 1.0
    assert result.total == 2.872  # exactly at the minimum (10): its own score, no pull
    assert result.shop_weight == 0.0


def small_product(orders: int, quality_returns: int = 0) -> DailyCounters:
    return DailyCounters(orders=orders, quality_returns=quality_returns)


def test_product_below_minimum_is_pulled_toward_the_shop():
    # 9 orders, 1 quality return, no category data: quality 1/9 = 0.111 > 0.08 → 1 (0.3),
    # nad 0/9 = 0 → 5 (0.2); no reviews: the rest is left out. own = (0.3 + 1.0)/0.5 = 2.6
    result = score_product(small_product(9, 1), None, shop_score=4.8)
    assert result.own_total == pytest.approx(2.6)
    # (9·2.6 + (10 − 9)·4.8) / 10 = (23.4 + 4.8) / 10 = 2.82
    assert result.total == pytest.approx(2.82)
    assert result.shop_weight == pytest.approx(0.1)
    assert result.shop_score == 4.8
    # one order, own score 5 (no returns): (1·5 + 9·4.8)/10 = 4.82
    assert score_product(small_product(1), None, shop_score=4.8).total == pytest.approx(4.82)


def test_product_null_without_orders_or_without_shop_score():
    assert score_product(small_product(0), category_prior(), shop_score=4.8).total is None
    assert score_product(small_product(9), category_prior(), shop_score=None).total is None
    assert score_product(small_product(10), None, shop_score=None).total == 5.0


# --- display -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("total", "shown"), [
    (4.99, "4.9"),  # floor: never more than earned
    (5.0, "5.0"),
    (None, "暂无分"),
    (4.0, "4.0"),
    (4.3, "4.3"),  # 4.3 is 4.2999… in binary: still "4.3"
    (4.049, "4.0"),
    (0.7, "0.7"),
])
def test_display_floors_to_one_decimal(total, shown):
    assert format_score(total) == shown


def test_total_kept_to_three_decimals_and_display_agrees():
    result = score_shop(example_shop(), platform_prior())
    assert result.own_total != result.total  # 4.70725 (float 4.7072499…) → 4.707
    assert result.total == round(result.own_total, 3)
    assert result.display == format_score(result.total)


# --- storage -------------------------------------------------------------------------------------

def test_result_round_trip_through_json_and_decimal():
    results = [
        score_shop(example_shop(), platform_prior()),
        score_shop(DailyCounters(orders=3), None),  # null
        score_product(small_product(9, 1), None, shop_score=4.8),  # pulled
        score_creator(DailyCounters(orders=40, after_sales=2, nad_refunds=1), None),
    ]
    for result in results:
        data = result.to_dict()
        assert ScoreResult.from_dict(data) == result
        assert ScoreResult.from_dict(json.loads(json.dumps(data))) == result
        # DynamoDB gives numbers back as Decimal
        as_decimal = json.loads(json.dumps(data), parse_float=Decimal)
        assert ScoreResult.from_dict(as_decimal) == result


# --- explaining ----------------------------------------------------------------------------------

def test_biggest_losses_order_and_sum():
    result = score_shop(example_shop(), platform_prior())
    # loss = dimension weight × metric weight × (5 − points):
    #   quality 0.4·0.5·0.4 = 0.08; complaint 0.3·0.25·0.85 = 0.06375; bad 0.4·0.5·0.25 = 0.05
    #   collect 0.3·0.5·0.25 = 0.0375; on time 0.3·0.5·0.125 = 0.01875; handling 0.3·0.2·0.3
    #   = 0.018; seller fault 0.3·0.25·0.18 = 0.0135; 3-min reply 0.3·0.3·0.125 = 0.01125
    losses = biggest_losses(result, CFG, top=3, gain=0.05)
    assert [x.metric for x in losses] == ["quality_return_rate", "complaint_rate",
                                         "bad_review_rate"]
    assert [x.loss for x in losses] == pytest.approx([0.08, 0.06375, 0.05])
    every = biggest_losses(result, CFG, top=99)
    assert len(every) == 8  # reply_3s (weight 0) costs nothing
    assert sum(x.loss for x in every) == pytest.approx(5 - 4.70725)


def test_biggest_losses_improvement_for_a_gain():
    result = score_shop(example_shop(), platform_prior())
    losses = {x.metric: x for x in biggest_losses(result, CFG, top=3, gain=0.05)}
    # quality: +0.05 / 0.2 = +0.25 points → 4.85 → 0.001 + (0.15/0.5)·0.009 = 0.0037
    quality = losses["quality_return_rate"].improvement
    assert quality.target_points == pytest.approx(4.85)
    assert quality.target_rate == pytest.approx(0.0037)
    assert quality.change == pytest.approx(0.0037 - 0.0082)
    # complaint: +0.05/0.075 = +0.666667 → 4.816667 → 0.001 + (0.183333/0.5)·0.007 = 0.0035667
    assert losses["complaint_rate"].improvement.target_rate == pytest.approx(0.0035667, abs=1e-7)
    # bad reviews: +0.05/0.2 = +0.25 → exactly 5.0 → the best anchor 0.002
    assert losses["bad_review_rate"].improvement.target_rate == pytest.approx(0.002)
    # +0.1 would need 4.6 + 0.5 = 5.1 points from quality: impossible alone
    assert biggest_losses(result, CFG, top=1, gain=0.1)[0].improvement is None


def test_improvement_to_reach():
    result = score_shop(example_shop(), platform_prior())
    # 4.75 needs +0.04275. Candidates (points ≤ 5):
    #   quality  4.6 + 0.04275/0.2 = 4.81375 → 0.001 + (0.18625/0.5)·0.009 = 0.0043525,
    #            effort |0.0043525 − 0.0082| / (0.08 − 0.001) = 0.0487
    #   bad      4.75 + 0.21375 = 4.96375 → 0.002 + (0.03625/0.5)·0.018 = 0.003305,
    #            effort 0.007695 / 0.148 = 0.0520
    #   complaint 4.15 + 0.57 = 4.72 → 0.001 + (0.28/0.5)·0.007 = 0.00492, effort 0.00728/0.049
    #   the others would need > 5 points
    best = improvement_to_reach(result, 4.75, CFG)
    assert best.metric == "quality_return_rate"
    assert best.target_points == pytest.approx(4.81375)
    assert best.target_rate == pytest.approx(0.0043525)
    assert best.effort == pytest.approx(0.0038475 / 0.079)
    # 4.8 needs +0.09275: complaint would need 4.15 + 1.2367 > 5, quality 5.06: none alone
    assert improvement_to_reach(result, 4.8, CFG) is None
    assert improvement_to_reach(result, 4.7, CFG) is None  # already there
    null = score_shop(DailyCounters(orders=3), None)
    assert improvement_to_reach(null, 4.0, CFG) is None
    assert biggest_losses(null, CFG) == []


def test_plan_to_reach_takes_the_costliest_metrics_first_when_one_is_not_enough():
    result = score_shop(example_shop(), platform_prior())
    # 4.8 needs +0.09275 (no single metric). Losses: quality 0.4·0.5·(5 − 4.6) = 0.08 first:
    # to its best (0.1 %), +0.08; then complaint (loss 0.06375) for the remaining 0.01275:
    # 4.15 + 0.01275/0.075 = 4.32 points → 0.008 + (4.5 − 4.32)/3.5·0.042 = 0.01016
    quality, complaint = plan_to_reach(result, 4.8, CFG)
    assert (quality.metric, quality.target_points) == ("quality_return_rate", 5.0)
    assert quality.target_rate == pytest.approx(0.001)
    assert complaint.metric == "complaint_rate"
    assert complaint.target_points == pytest.approx(4.32)
    assert complaint.target_rate == pytest.approx(0.01016)
    # one metric is enough for 4.75: the plan is that single cheapest change
    assert plan_to_reach(result, 4.75, CFG) == [improvement_to_reach(result, 4.75, CFG)]
    assert plan_to_reach(result, 4.7, CFG) == []  # already there
    assert plan_to_reach(result, 5.01, CFG) == []  # not even with every metric at its best
    assert plan_to_reach(score_shop(DailyCounters(orders=3), None), 4.0, CFG) == []


def test_improvement_of_a_pulled_product_counts_the_shop_share():
    result = score_product(small_product(9, 1), None, shop_score=4.8)
    # quality: weight in total 0.9·1·0.6 = 0.54, loss 0.54·(5 − 1) = 2.16;
    # nad at 5 costs nothing; 5 − 2.82 = 2.18 = 2.16 + the shop's 0.1·(5 − 4.8)
    [loss] = biggest_losses(result, CFG, top=3)
    assert loss.loss == pytest.approx(2.16)
    # reach 3.0: +0.18 / 0.54 = +0.333333 → 1.333333 points
    # → 0.01 + (4.5 − 1.333333)/3.5·(0.08 − 0.01) = 0.01 + 0.063333 = 0.073333
    best = improvement_to_reach(result, 3.0, CFG)
    assert best.target_points == pytest.approx(4 / 3)
    assert best.target_rate == pytest.approx(0.0733333, abs=1e-7)


# --- what the counters count ---------------------------------------------------------------------

def test_counting_thresholds_include_their_bound():
    assert collected_in_time(0, 48 * H)
    assert not collected_in_time(0, 48 * H + 1)
    assert delivered_on_time(0, 72 * H)
    assert not delivered_on_time(0, 72 * H + 1)
    assert replied_in_time(180_000) and not replied_in_time(180_001)
    assert replied_in_time(3_000, fast=True) and not replied_in_time(3_001, fast=True)
    assert delivered_on_time(0, 50 * H, replace(CFG, promised_delivery_hours=48)) is False


def test_config_is_frozen_and_hashable():
    with pytest.raises(AttributeError):
        CFG.window_days = 30  # type: ignore[misc]
    assert hash(CFG) == hash(ScoreConfig())
