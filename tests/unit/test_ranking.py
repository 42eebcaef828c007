import pytest

from chalicelib.domain.ranking import bayesian_rate, comprehensive_rank, traffic_multiplier


@pytest.mark.parametrize(("score", "expected"), [
    (None, 0.9), (5.0, 1.0), (4.0, 0.8), (3.0, 0.6), (1.0, 0.2), (0.0, 0.2),
])
def test_traffic_multiplier(score, expected):
    assert traffic_multiplier(score) == pytest.approx(expected)


def test_bayesian_rate_leans_on_prior_for_small_samples():
    assert bayesian_rate(0, 0, 0.04, 200) == pytest.approx(0.04)
    assert bayesian_rate(1, 1, 0.04, 200) == pytest.approx(9 / 201)
    assert bayesian_rate(5000, 10000, 0.04, 200) == pytest.approx(5008 / 10200)


def test_rank_rewards_quality_and_conversion():
    base = dict(impressions=1000, clicks=50, orders=5, price_fen=10000)
    good = comprehensive_rank(**base, product_score=4.9, shop_score=4.8)
    unknown = comprehensive_rank(**base, product_score=None, shop_score=None)
    poor = comprehensive_rank(**base, product_score=3.2, shop_score=3.5)
    assert good > unknown > poor
    converting = comprehensive_rank(**{**base, "orders": 20}, product_score=None, shop_score=None)
    assert converting > unknown
