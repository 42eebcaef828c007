"""Recommendation rules: candidate reasons and scoring, repurchase, co-purchase counting."""

from __future__ import annotations

import math

import pytest

from chalicelib.domain.purchases import BuyerHistory, CategoryVisit, Line, applied, order_delta
from chalicelib.domain.recommend import (
    CO_PURCHASE_SHRINK,
    CONSUMABLE_MIN_BUYERS,
    DAY_MS,
    DURABLE_DEMOTION,
    HEAVY_BUYER_RECENT,
    MAX_CANDIDATES,
    SOURCE_WEIGHTS,
    Bought,
    Candidate,
    ConsumableProfile,
    Listed,
    Reason,
    ShopperInputs,
    build_candidates,
    co_purchase_score,
    due_score,
    histogram_median,
    learn_profile,
    top_neighbours,
)

NOW = 1_796_090_400_000
TEA = ConsumableProfile("茶叶", True, 30.0, 0.4, 50)
AC = ConsumableProfile("空调", False, None, 0.01, 80)


def days_ago(days: float) -> int:
    return NOW - int(days * DAY_MS)


def reasons(candidates: list[Candidate]) -> dict[str, Reason]:
    return {c.product_id: c.reason for c in candidates}


# --- reasons and exclusions ----------------------------------------------------------------------

def test_the_most_personal_source_gives_the_reason():
    inputs = ShopperInputs(
        history=[Bought("ac", "s1", "空调", days_ago(10))],
        followed_new=[Listed("cover", "s2", "空调配件", days_ago(2))],
        neighbours={"ac": [("cover", "s2", 0.8), ("remote", "s3", 0.5)]},
        popular=[("cover", "s2", 9.0), ("remote", "s3", 8.0), ("fan", "s4", 7.0)],
        profiles={"空调": AC})
    found = reasons(build_candidates(inputs, NOW))
    assert found == {"cover": Reason.FOLLOWED_SHOP, "remote": Reason.CO_PURCHASE,
                     "fan": Reason.POPULAR}
    assert list(Reason) == [Reason.FOLLOWED_SHOP, Reason.CHUANLIU, Reason.REPURCHASE,
                            Reason.CO_PURCHASE, Reason.CATEGORY_AFFINITY, Reason.POPULAR]


def test_agreeing_sources_add_up_and_a_weak_neighbour_is_not_lifted():
    inputs = ShopperInputs(
        history=[Bought("ac", "s1", "空调", days_ago(10))],
        neighbours={"ac": [("cover", "s2", 0.8), ("remote", "s3", 0.1)]},
        popular=[("fan", "s4", 9.0), ("cover", "s2", 1.0)])
    ranked = {c.product_id: c for c in build_candidates(inputs, NOW)}
    co, popular = SOURCE_WEIGHTS[Reason.CO_PURCHASE], SOURCE_WEIGHTS[Reason.POPULAR]
    # cover: the best neighbour, plus a quarter of what popular gives it
    assert ranked["cover"].score == pytest.approx(co + 0.25 * popular / 9, abs=1e-4)
    # remote: an eighth of the best neighbour stays an eighth, below the most popular item
    assert ranked["remote"].score == pytest.approx(co / 8, abs=1e-4)
    assert ranked["remote"].score < ranked["fan"].score == popular
    assert ranked["remote"].reason is Reason.CO_PURCHASE


def test_durable_goods_bought_are_never_proposed_again():
    inputs = ShopperInputs(
        history=[Bought("ac", "s1", "空调", days_ago(40))],
        neighbours={"ac": [("ac", "s1", 1.0), ("cover", "s2", 0.6)]},
        popular=[("ac", "s1", 9.0), ("fan", "s4", 5.0)],
        popular_by_category={"空调": [("ac", "s1", 3.0), ("ac2", "s5", 2.0)]},
        profiles={"空调": AC})
    ranked = build_candidates(inputs, NOW)
    assert "ac" not in reasons(ranked)
    assert reasons(ranked) == {"cover": Reason.CO_PURCHASE, "ac2": Reason.CATEGORY_AFFINITY,
                               "fan": Reason.POPULAR}
    # another product of a durable category just bought is demoted, not dropped
    ac2 = next(c for c in ranked if c.product_id == "ac2")
    undemoted = SOURCE_WEIGHTS[Reason.CATEGORY_AFFINITY] * 2 / 3  # affinity 1 · its feed score
    assert ac2.score == pytest.approx(undemoted * DURABLE_DEMOTION, abs=1e-4)


def test_unknown_categories_count_as_durable():
    inputs = ShopperInputs(history=[Bought("x", "s1", "新品类", days_ago(40))],
                           popular=[("x", "s1", 9.0)])
    assert build_candidates(inputs, NOW) == []


def test_unavailable_products_are_dropped():
    inputs = ShopperInputs(popular=[("a", "s1", 3.0), ("b", "s2", 2.0), ("c", "s3", 1.0)])
    assert [c.product_id for c in build_candidates(inputs, NOW, available={"b", "c"})] == [
        "b", "c"]


# --- repurchase ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("days", "due"), [
    (0, 0.1),        # just bought: the floor
    (-1, 0.1),       # a clock a little behind: just bought
    (12, 0.55),      # on the way: 0.1 + 0.9 · (12 / 30) / 0.8
    (23.9, 0.9962),  # just before the lead (30 − 20 % = 24 days)
    (24, 1.0),       # the lead: due a little early
    (30, 1.0),
    (60, 0.5),       # one interval overdue
    (120, 0.25),     # three intervals overdue: the last day it is proposed
    (121, None),     # moved on
])
def test_the_repurchase_due_score(days, due):
    assert due_score(days_ago(days), 30.0, NOW) == due


def test_a_due_consumable_leads_and_an_early_one_comes_back_lower():
    def with_tea_bought(days):
        return ShopperInputs(history=[Bought("tea", "s1", "茶叶", days_ago(days), times=3)],
                             popular=[("tea", "s1", 5.0), ("fan", "s2", 4.0)],
                             profiles={"茶叶": TEA})
    due = build_candidates(with_tea_bought(28), NOW)
    assert reasons(due) == {"tea": Reason.REPURCHASE, "fan": Reason.POPULAR}
    assert due[0].product_id == "tea"
    bought_often = (1 + 0.1 * 3) / 1.5  # three times
    assert due[0].score == pytest.approx(bought_often + 0.25 * SOURCE_WEIGHTS[Reason.POPULAR],
                                         abs=1e-4)
    early = build_candidates(with_tea_bought(6), NOW)
    assert reasons(early) == {"tea": Reason.REPURCHASE, "fan": Reason.POPULAR}
    tea = next(c for c in early if c.product_id == "tea")
    assert tea.score < due[0].score / 2


def test_due_consumables_rank_above_the_other_sources_and_early_ones_below_them():
    inputs = ShopperInputs(
        history=[Bought("tea", "s1", "茶叶", days_ago(28)),
                 Bought("nuts", "s2", "零食坚果", days_ago(1))],
        followed_new=[Listed("new", "s3", "茶具", days_ago(0))],
        neighbours={"tea": [("cup", "s4", 0.9)]},
        popular_by_category={"茶叶": [("oolong", "s5", 3.0)]},
        popular=[("fan", "s6", 9.0)],
        profiles={"茶叶": TEA, "零食坚果": ConsumableProfile("零食坚果", True, 20.0, 0.5, 80)})
    ranked = [c.product_id for c in build_candidates(inputs, NOW)]
    assert ranked[0] == "tea"  # due: before anything new
    assert ranked.index("nuts") > ranked.index("oolong")  # bought yesterday: not yet
    assert set(ranked) == {"tea", "nuts", "new", "cup", "oolong", "fan"}


def test_a_category_is_due_from_its_latest_purchase():
    inputs = ShopperInputs(history=[Bought("tea-a", "s1", "茶叶", days_ago(40)),
                                    Bought("tea-b", "s2", "茶叶", days_ago(5))],
                           profiles={"茶叶": TEA})
    ranked = build_candidates(inputs, NOW)
    # restocked with another tea 5 days ago: both come back, as early as the restock
    expected = round(due_score(days_ago(5), 30.0, NOW) * 1.1 / 1.5, 4)
    assert {(c.product_id, c.score) for c in ranked} == {("tea-a", expected),
                                                        ("tea-b", expected)}
    assert expected < 0.3


def test_interval_is_the_median_of_the_gap_histogram():
    assert histogram_median({}) is None
    assert histogram_median({7: 1}) == 7
    assert histogram_median({10: 1, 30: 3, 90: 1}) == 30
    assert histogram_median({10: 2, 30: 2}) == 20  # even: the middle two averaged
    assert histogram_median({1: 3, 28: 2, 29: 5}) == 28.5
    assert histogram_median({3: 0, 40: 1}) == 40


def test_a_consumable_needs_a_rate_and_enough_buyers():
    gaps = {28: 5, 30: 6, 33: 4}
    tea = learn_profile("茶叶", 40, 12, gaps)
    assert (tea.consumable, tea.interval_days, tea.rate, tea.buyers) == (True, 30, 0.3, 40)
    assert not learn_profile("空调", 40, 1, {200: 1}).consumable  # rate 0.025
    few = learn_profile("海鲜", CONSUMABLE_MIN_BUYERS - 1, 10, gaps)
    assert few.rate > 0.5 and not few.consumable
    assert not learn_profile("茶叶", 40, 12, {}).consumable  # no interval learnt


def test_a_category_mixing_consumables_and_durables_is_a_consumable():
    # sunscreen is bought again every two months, the hats and sleeves of 防晒 never: 9 %
    sun = learn_profile("防晒", 100, 9, {55: 4, 56: 3, 60: 2})
    assert (sun.consumable, sun.interval_days, sun.rate) == (True, 56, 0.09)
    inputs = ShopperInputs(history=[Bought("spf50", "s1", "防晒", days_ago(50))],
                           popular_by_category={"防晒": [("hat", "s2", 2.0)]},
                           profiles={"防晒": sun})
    ranked = build_candidates(inputs, NOW)
    assert [(c.product_id, c.reason) for c in ranked] == [
        ("spf50", Reason.REPURCHASE), ("hat", Reason.CATEGORY_AFFINITY)]
    # a consumable category is not demoted as a durable one would be
    assert ranked[1].score == SOURCE_WEIGHTS[Reason.CATEGORY_AFFINITY]


# --- co-purchase ---------------------------------------------------------------------------------

def test_co_purchase_score_is_a_shrunk_cosine():
    assert co_purchase_score(10, 20, 40) == pytest.approx(
        10 / math.sqrt(800) * 10 / (10 + CO_PURCHASE_SHRINK))
    assert co_purchase_score(0, 20, 40) == 0 and co_purchase_score(3, 0, 4) == 0
    # a pair seen once among two one-off buyers is a perfect cosine, yet scores low
    assert co_purchase_score(1, 1, 1) == pytest.approx(1 / 3)
    assert co_purchase_score(1, 1, 1) < co_purchase_score(15, 30, 30)


def test_top_neighbours_rank_and_cut():
    neighbours = [("b", "s1", 15, 30), ("c", "s1", 1, 1), ("d", "s2", 5, 400), ("e", "s3", 0, 9)]
    ranked = top_neighbours(30, neighbours, k=2)
    assert [pid for pid, _, _ in ranked] == ["b", "c"]
    assert ranked[0] == ("b", "s1", round(co_purchase_score(15, 30, 30), 4))
    assert len(top_neighbours(30, [(f"p{i:02d}", "s", 3, 5) for i in range(40)])) == 20


def lines(*names: str, category: str = "空调") -> list[Line]:
    return [Line(name, "s1", category) for name in names]


def test_a_buyer_counts_once_per_pair_and_item():
    history = BuyerHistory()
    first = order_delta(history, lines("a", "b"), days_ago(10))
    assert first.pairs == [("a", "b")]
    assert [line.product_id for line in first.new_items] == ["a", "b"]
    history = applied(history, first)
    again = order_delta(history, lines("a", "b"), days_ago(5))  # bought both again
    assert again.pairs == [] and again.new_items == []
    third = order_delta(applied(history, again), lines("a", "c"), days_ago(1))
    assert third.pairs == [("a", "c"), ("b", "c")]  # c pairs with the order and the history
    assert third.touched == ["a", "b", "c"]


def test_a_heavy_buyer_pairs_only_their_recent_products():
    history = BuyerHistory()
    for n in range(HEAVY_BUYER_RECENT + 20):
        history = applied(history, order_delta(history, lines(f"old{n:03d}"),
                                               days_ago(80 - n)))
    delta = order_delta(history, lines("new"), NOW)
    partners = {a if b == "new" else b for a, b in delta.pairs}
    assert len(partners) == HEAVY_BUYER_RECENT
    assert partners == {f"old{n:03d}" for n in range(20, HEAVY_BUYER_RECENT + 20)}


def test_a_replayed_or_older_order_adds_nothing():
    history = BuyerHistory()
    delta = order_delta(history, lines("a", "b", category="茶叶"), days_ago(3))
    history = applied(history, delta)
    assert order_delta(history, lines("a", "b", category="茶叶"), days_ago(3)).empty
    assert order_delta(history, lines("a", category="茶叶"), days_ago(4)).empty


def test_category_buyers_repeats_and_gaps():
    tea = lines("t1", category="茶叶")
    history = BuyerHistory()
    first = order_delta(history, tea, days_ago(70))
    assert (len(first.buyers), first.repeats, first.gaps) == (1, [], [])
    history = applied(history, first)
    same_day = order_delta(history, lines("t2", category="茶叶"), days_ago(70) + 3_600_000)
    assert (same_day.buyers, same_day.repeats, same_day.gaps) == ([], [], [])
    history = applied(history, same_day)
    second = order_delta(history, tea, days_ago(40))
    assert (second.buyers, len(second.repeats), second.gaps) == ([], 1, [("茶叶", 30)])
    history = applied(history, second)
    third = order_delta(history, tea, days_ago(10))
    assert (third.buyers, third.repeats, third.gaps) == ([], [], [("茶叶", 30)])  # repeat: once
    history = applied(history, third)
    # 90 days after the buyer was counted, a new window counts them again
    fourth = order_delta(history, tea, days_ago(-25))
    assert (len(fourth.buyers), fourth.repeats, fourth.gaps) == (1, [], [("茶叶", 35)])


def test_another_product_of_the_category_is_not_a_repurchase():
    history = BuyerHistory()
    history = applied(history, order_delta(history, lines("dress1", category="国风服饰"),
                                           days_ago(60)))
    other = order_delta(history, lines("dress2", category="国风服饰"), days_ago(30))
    assert (other.buyers, other.repeats, other.gaps) == ([], [], [])
    history = applied(history, other)
    again = order_delta(history, lines("dress1", "dress3", category="国风服饰"), days_ago(10))
    assert (len(again.repeats), again.gaps) == (1, [("国风服饰", 50)])


def test_history_outside_the_window_counts_as_not_bought():
    history = BuyerHistory(
        {"a": Bought("a", "s1", "茶叶", days_ago(100))},
        {"茶叶": CategoryVisit("茶叶", days_ago(100), days_ago(100))})
    delta = order_delta(history, lines("a", category="茶叶"), NOW)
    assert [line.product_id for line in delta.new_items] == ["a"]
    assert (len(delta.buyers), delta.gaps) == (1, [])


# --- popular fill --------------------------------------------------------------------------------

def test_popular_fills_when_there_is_no_history():
    popular = [(f"p{n:03d}", f"s{n % 7}", 300.0 - n) for n in range(250)]
    ranked = build_candidates(ShopperInputs(popular=popular), NOW)
    assert len(ranked) == MAX_CANDIDATES
    assert {c.reason for c in ranked} == {Reason.POPULAR}
    assert [c.product_id for c in ranked] == [pid for pid, _, _ in popular[:MAX_CANDIDATES]]


def test_browse_affinity_proposes_popular_items_of_the_browsed_categories():
    inputs = ShopperInputs(browse_affinity={"海鲜": 5.0, "茶叶": 1.0},
                           popular_by_category={"海鲜": [("shrimp", "s1", 10.0)],
                                                "茶叶": [("tea", "s2", 10.0)]},
                           popular=[("fan", "s3", 10.0)])
    ranked = build_candidates(inputs, NOW)
    assert [(c.product_id, c.reason) for c in ranked] == [
        ("shrimp", Reason.CATEGORY_AFFINITY), ("fan", Reason.POPULAR),
        ("tea", Reason.CATEGORY_AFFINITY)]
