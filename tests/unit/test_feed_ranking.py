"""Mall feed ranking: S = CTR̂ · CVR̂ · price^β · Q_product · Q_shop · boost, then the layout."""

import pytest

from chalicelib.domain import feeds
from chalicelib.domain.beta import BetaPrior, Prior
from chalicelib.domain.feeds import Candidate
from chalicelib.domain.ranking import expected_value, novelty_boost, traffic_multiplier
from chalicelib.domain.scene_stats import Counts

NOW = 1_796_090_400_000
DAY = 86_400_000
PRIOR = Prior(ctr=BetaPrior(4, 96), cvr=BetaPrior(3, 97))  # 4% and 3%


NO_DATA = Counts()


def candidate(pid="p1", shop="s1", price=10_000, counts=NO_DATA, product_score=4.5,
              shop_score=4.5, age_days=60, in_stock=True):
    return Candidate(pid, shop, price, product_score, shop_score, NOW - age_days * DAY,
                     in_stock, counts)


def test_the_formula_multiplies_its_factors():
    c = candidate(counts=Counts(impressions=1000, clicks=50, orders=5))
    ctr = (50 + 4) / (1000 + 100)
    cvr = (5 + 3) / (50 + 100)
    expected = ctr * cvr * 100 ** 0.3 * traffic_multiplier(4.5) ** 2
    assert feeds.mall_score(c, PRIOR, NOW) == pytest.approx(expected)
    assert expected_value(ctr=ctr, cvr=cvr, price_fen=10_000, product_score=4.5,
                          shop_score=4.5) == pytest.approx(expected)


def test_three_impressions_do_not_outrank_a_proven_product():
    lucky = candidate("lucky", counts=Counts(impressions=3, clicks=2, orders=1))
    proven = candidate("proven", counts=Counts(impressions=20_000, clicks=1_600, orders=160))
    assert feeds.mall_score(proven, PRIOR, NOW) > feeds.mall_score(lucky, PRIOR, NOW)


def test_novelty_fades_out_over_two_weeks():
    assert novelty_boost(NOW, NOW) == pytest.approx(1.2)
    assert novelty_boost(NOW - 7 * DAY, NOW) == pytest.approx(1.1)
    assert novelty_boost(NOW - 30 * DAY, NOW) == 1.0


def test_a_poor_shop_score_pulls_a_product_down():
    good = candidate("good", shop_score=4.8)
    poor = candidate("poor", shop_score=3.2)
    assert feeds.mall_score(good, PRIOR, NOW) > feeds.mall_score(poor, PRIOR, NOW)


def test_category_feed_leaves_out_sold_out_caps_and_obeys_the_shop_rule():
    candidates = [candidate(f"a{n}", "A", price=10_000 + n) for n in range(8)]
    candidates += [candidate(f"b{n}", "B", price=5_000 + n) for n in range(3)]
    candidates += [candidate(f"c{n}", "C", price=1_000 + n) for n in range(3)]
    candidates.append(candidate("gone", "D", price=99_000, in_stock=False))
    feed = feeds.category_feed(candidates, PRIOR, NOW, cap=10)
    assert len(feed) == 10 and "gone" not in {entry.product_id for entry in feed}
    shops = [entry.shop_id for entry in feed]
    assert shops[:6] == ["A", "A", "B", "B", "C", "C"]  # A is dearest, but only 2 per window


def test_popular_list_leads_with_each_categorys_best():
    cheap = [feeds.Ranked(f"t{n}", f"s{n}", 0.001 / (n + 1)) for n in range(3)]
    dear = [feeds.Ranked(f"k{n}", f"z{n}", 0.5 / (n + 1)) for n in range(3)]
    popular = feeds.popular_feed({"茶叶": cheap, "空调": dear})
    assert {popular[0].product_id, popular[1].product_id} == {"t0", "k0"}
    merged = feeds.merged_feed({"茶叶": cheap, "空调": dear})
    assert [entry.product_id for entry in merged[:3]] == ["k0", "k1", "k2"]
