"""Chuanliu rules: the holdout, who brought a buyer, credits, the pool cap, the 30-day window,
boosts, the brand-channel GMV and the increment (chalicelib/domain/chuanliu.py)."""

from __future__ import annotations

import pytest

from chalicelib.domain import chuanliu as rules
from chalicelib.domain.beta import DEFAULT_PRIOR
from chalicelib.domain.chuanliu import DAY_MS, HOUR_MS, GroupStats
from chalicelib.domain.feeds import Candidate as FeedCandidate
from chalicelib.domain.feeds import mall_score
from chalicelib.domain.orders import (
    Attribution,
    Channel,
    Order,
    OrderLine,
    OrderStatus,
    Scene,
    Source,
)
from chalicelib.domain.recommend import (
    SOURCE_WEIGHTS,
    Listed,
    Reason,
    ShopperInputs,
    build_candidates,
)

NOW = 1_796_090_400_000  # 10:00 on 2026-12-01 in Shanghai


def line(number: int, fen: int, channel: Channel = Channel.DIRECT,
         creator: str | None = None) -> OrderLine:
    return OrderLine(line=number, title=f"line {number}", quantity=1, unit_price_fen=fen,
                     product_id=f"p{number}", attribution=Attribution(channel, creator_id=creator))


def order(*lines: OrderLine, buyer: str = "u1", shop: str = "s1") -> Order:
    return Order(order_id="o1", checkout_id="c1", buyer_id=buyer, shop_id=shop, shop_name="店",
                 merchant_id="m1", status=OrderStatus.PAID, lines=list(lines),
                 source=Source(Scene.DIRECT), created_at=NOW, updated_at=NOW,
                 total_fen=sum(x.total_fen for x in lines), paid_at=NOW)


# --- the holdout -----------------------------------------------------------------------------

def test_the_holdout_is_stable_per_brand_and_buyer_and_holds_about_a_tenth():
    buyers = [f"buyer-{n}" for n in range(20_000)]
    held = [b for b in buyers if rules.in_holdout("s-brand", b)]
    assert 0.09 < len(held) / len(buyers) < 0.11
    assert held == [b for b in buyers if rules.in_holdout("s-brand", b)]  # same answer again
    # another brand draws its own tenth: the same buyers are not held out everywhere
    other = {b for b in buyers if rules.in_holdout("s-other", b)}
    assert 0.05 < len(other & set(held)) / len(held) < 0.15
    assert all(0 <= rules.holdout_bucket("s-brand", b) < 100 for b in buyers[:100])


def test_the_holdout_is_the_documented_hash():
    import hashlib

    digest = hashlib.sha256(b"chuanliu-holdout|s1|u1").digest()
    assert rules.holdout_bucket("s1", "u1") == int.from_bytes(digest[:8], "big") % 100


# --- who brought the buyer -------------------------------------------------------------------

def test_the_bringer_is_the_creator_of_the_largest_creator_line_never_the_buyer():
    placed = order(line(0, 5_000, Channel.DISTRIBUTION, "c-small"),
                   line(1, 9_000, Channel.DIRECT),
                   line(2, 8_000, Channel.VIDEO, "c-big"),
                   line(3, 8_000, Channel.VIDEO, "c-tie"))
    assert rules.bringer(placed) == "c-big"
    own = order(line(0, 5_000, Channel.DISTRIBUTION, "u1"), buyer="u1")
    assert rules.bringer(own) is None  # a creator buying through its own link
    assert rules.bringer(order(line(0, 5_000, Channel.MALL))) is None
    first = rules.first_order_membership(placed, NOW)
    assert (first.member, first.creator_id, first.joined_at) == (True, "c-big", NOW)
    assert first.holdout == rules.in_holdout("s1", "u1")
    assert rules.first_order_membership(own, NOW).member is False


# --- credits and the pool --------------------------------------------------------------------

def test_credits_are_the_floor_of_lambda_times_gmv():
    assert rules.credits_for(30_000, 500) == 15  # 300 yuan at 5 %
    assert rules.credits_for(29_999, 500) == 14  # 14.9995 → 14
    assert rules.credits_for(1_999, 500) == 0
    assert rules.credits_for(100, 10_000) == 1  # λ = 100 %: a credit per yuan
    assert rules.credits_for(0, 500) == 0 and rules.credits_for(-5, 500) == 0
    # over many orders the floor only ever loses less than a credit each
    orders = [1_234 * n + 7 for n in range(1, 500)]
    total = sum(rules.credits_for(fen, 500) for fen in orders)
    assert 0 <= sum(orders) * 500 / 1_000_000 - total < len(orders)


def test_the_pool_pays_in_full_in_part_or_nothing_and_never_past_the_cap():
    assert rules.pool_take(15, 0, 10_000) == 15
    assert rules.pool_take(15, 9_995, 10_000) == 5  # short: paid in part
    assert rules.pool_take(15, 10_000, 10_000) == 0
    assert rules.pool_take(15, 10_007, 10_000) == 0
    issued = 0
    for due in [37, 12, 90, 41, 5, 66]:
        issued += rules.pool_take(due, issued, 200)
        assert issued <= 200
    assert issued == 200


def test_the_pool_month_is_the_business_month_in_shanghai():
    december = NOW - 10 * HOUR_MS  # 00:00 on 1 December in Shanghai
    assert rules.pool_month(december) == "2026-12"
    assert rules.pool_month(december - 1) == "2026-11"


def test_the_credit_window_is_30_days_from_joining_both_ends_included():
    joined = NOW
    assert rules.in_credit_window(joined, joined)  # the joining order itself
    assert rules.in_credit_window(joined, joined + 30 * DAY_MS)
    assert not rules.in_credit_window(joined, joined + 30 * DAY_MS + 1)
    assert not rules.in_credit_window(joined, joined - 1)


# --- boosts ----------------------------------------------------------------------------------

def test_a_boost_adds_an_hour_a_credit_after_the_running_one_and_is_capped_at_7_days():
    assert rules.boost_until(None, NOW, 24) == NOW + 24 * HOUR_MS
    assert rules.boost_until(NOW - HOUR_MS, NOW, 24) == NOW + 24 * HOUR_MS  # expired: from now
    assert rules.boost_until(NOW + 10 * HOUR_MS, NOW, 24) == NOW + 34 * HOUR_MS
    assert rules.boost_until(None, NOW, rules.MAX_BOOST_CREDITS) == NOW + 7 * DAY_MS
    with pytest.raises(rules.BoostTooLong):
        rules.boost_until(NOW + HOUR_MS, NOW, rules.MAX_BOOST_CREDITS)
    assert rules.active({"a": NOW + 1, "b": NOW}, NOW) == {"a": NOW + 1}


def test_a_running_boost_raises_the_mall_score_by_its_factor_and_an_ended_one_not():
    prior = DEFAULT_PRIOR
    product = dict(product_id="p", shop_id="s", price_fen=9_900, product_score=4.5,
                   shop_score=4.5, created_at=NOW - 60 * DAY_MS, in_stock=True)
    plain = mall_score(FeedCandidate(**product), prior, NOW)
    boosted = mall_score(FeedCandidate(**product, boosted_until=NOW + HOUR_MS), prior, NOW)
    ended = mall_score(FeedCandidate(**product, boosted_until=NOW), prior, NOW)
    assert boosted == pytest.approx(plain * rules.BOOST_FACTOR)
    assert ended == plain


# --- the recommendation source ---------------------------------------------------------------

def test_chuanliu_ranks_right_after_followed_shop_and_a_boost_lifts_a_candidate():
    inputs = ShopperInputs(
        followed_new=[Listed("new", "s-followed", "茶叶", NOW - DAY_MS)],
        chuanliu={"s-brand": ["best", "second", "third"]},
        popular=[("pop", "s-pop", 9.0)])
    ranked = build_candidates(inputs, NOW)
    assert [(c.product_id, c.reason) for c in ranked] == [
        ("new", Reason.FOLLOWED_SHOP), ("best", Reason.CHUANLIU), ("second", Reason.CHUANLIU),
        ("third", Reason.CHUANLIU), ("pop", Reason.POPULAR)]
    assert ranked[1].score == SOURCE_WEIGHTS[Reason.CHUANLIU]
    assert ranked[2].score == pytest.approx(SOURCE_WEIGHTS[Reason.CHUANLIU] * 0.95)
    # a product both propose keeps followed_shop; one chuanliu and popular propose, chuanliu
    both = build_candidates(ShopperInputs(
        followed_new=[Listed("best", "s-brand", "茶叶", NOW)],
        chuanliu={"s-brand": ["best", "pop"]}, popular=[("pop", "s-brand", 1.0)]), NOW)
    assert {c.product_id: c.reason for c in both} == {"best": Reason.FOLLOWED_SHOP,
                                                      "pop": Reason.CHUANLIU}
    inputs.boosted = {"third": NOW + HOUR_MS}
    lifted = build_candidates(inputs, NOW)  # 0.12 · 0.9 · 1.5 = 0.162: past the followed 0.1475
    assert [c.product_id for c in lifted[:3]] == ["third", "new", "best"]
    assert lifted[0].score == pytest.approx(SOURCE_WEIGHTS[Reason.CHUANLIU] * 0.9 * 1.5)


# --- brand-channel GMV and the increment -----------------------------------------------------

def test_brand_gmv_counts_storefront_recommendation_and_the_brands_own_stream_only():
    placed = order(line(0, 1_000, Channel.STOREFRONT), line(1, 2_000, Channel.RECOMMENDATION),
                   line(2, 4_000, Channel.LIVE), line(3, 8_000, Channel.LIVE, "c-streamer"),
                   line(4, 16_000, Channel.DISTRIBUTION, "c1"), line(5, 32_000, Channel.MALL),
                   line(6, 64_000, Channel.VIDEO, "c2"), line(7, 128_000, Channel.DIRECT))
    assert rules.brand_gmv(placed) == 7_000


def test_the_increment_compares_gmv_per_buyer_against_the_holdout():
    stats = GroupStats(group_size=10, holdout_size=2, treated_gmv_fen=12_000,
                       holdout_gmv_fen=2_000, credits_issued=40)
    assert (stats.treated_size, stats.group_gmv_fen) == (8, 14_000)
    assert rules.per_buyer_fen(12_000, 8) == 1_500 and rules.per_buyer_fen(2_000, 2) == 1_000
    assert rules.increment_pct(stats) == 50.0
    # one decimal from the exact ratios: (1000/3 − 300) / 300 = 11.11… %
    assert rules.increment_pct(GroupStats(4, 1, 1_000, 300)) == 11.1
    assert rules.increment_pct(GroupStats(2, 1, 250, 300)) == -16.7
    # halves go away from zero
    assert rules.increment_pct(GroupStats(2, 1, 10_005, 10_000)) == 0.1
    assert rules.increment_pct(GroupStats(2, 1, 9_995, 10_000)) == -0.1
    assert rules.per_buyer_fen(1_001, 2) == 501 and rules.per_buyer_fen(1_000, 3) == 333


def test_the_increment_is_null_when_it_cannot_be_measured():
    assert rules.increment_pct(GroupStats(5, 0, 9_000, 0)) is None  # no holdout
    assert rules.increment_pct(GroupStats(5, 1, 9_000, 0)) is None  # the holdout spent nothing
    assert rules.increment_pct(GroupStats(1, 1, 0, 500)) is None  # nobody treated
    assert rules.per_buyer_fen(0, 0) is None
