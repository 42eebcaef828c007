"""Ranking on shelves: expected value per impression, weighted by quality (docs/scores.md).

S = CTR̂ · CVR̂ · price^β · Q_product · Q_shop · boost, with Bayesian-averaged rates so a product
with ten impressions is neither first nor last, Q the traffic multiplier the scores give, and
boost = novelty (a new listing's head start) × traffic (a Chuanliu boost bought with credits).
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain.chuanliu import BOOST_FACTOR


@dataclass(frozen=True)
class RankingConfig:
    prior_ctr: float = 0.04
    prior_ctr_weight: float = 200.0  # impressions' worth of belief in the prior
    prior_cvr: float = 0.03
    prior_cvr_weight: float = 100.0  # clicks' worth of belief in the prior
    price_beta: float = 0.3
    null_score_multiplier: float = 0.9
    multiplier_floor: float = 0.2
    multiplier_ceiling: float = 1.0


DEFAULT_RANKING = RankingConfig()


def bayesian_rate(successes: int, trials: int, prior_rate: float, prior_weight: float) -> float:
    """(x + k·p) / (n + k): small samples lean on the prior, large ones on their own data."""
    return (successes + prior_weight * prior_rate) / (trials + prior_weight)


def traffic_multiplier(score: float | None, config: RankingConfig = DEFAULT_RANKING) -> float:
    """Q = 0.6 + 0.4·((score − 3) / 2), clamped; a missing score (暂无分) is neutral, not low."""
    if score is None:
        return config.null_score_multiplier
    raw = 0.6 + 0.4 * ((score - 3.0) / 2.0)
    return max(config.multiplier_floor, min(config.multiplier_ceiling, raw))


def comprehensive_rank(
    *,
    impressions: int,
    clicks: int,
    orders: int,
    price_fen: int,
    product_score: float | None,
    shop_score: float | None,
    boost: float = 1.0,
    config: RankingConfig = DEFAULT_RANKING,
) -> float:
    return expected_value(
        ctr=bayesian_rate(clicks, impressions, config.prior_ctr, config.prior_ctr_weight),
        cvr=bayesian_rate(orders, clicks, config.prior_cvr, config.prior_cvr_weight),
        price_fen=price_fen, product_score=product_score, shop_score=shop_score, boost=boost,
        config=config)


NOVELTY_DAYS = 14
NOVELTY_BOOST = 0.2  # a product listed today ranks as if 20% better, fading to none at 14 days


def novelty_boost(created_at_ms: int, now_ms: int) -> float:
    """The mall's and recommendations' `boost`: new listings get a fading head start, so a new
    product is seen long enough to earn click and order data of its own."""
    age_days = max(0.0, (now_ms - created_at_ms) / 86_400_000)
    return 1.0 + NOVELTY_BOOST * max(0.0, 1.0 - age_days / NOVELTY_DAYS)


def traffic_boost(boosted_until_ms: int | None, now_ms: int) -> float:
    """The Chuanliu traffic boost a creator bought with credits for a video's anchored products
    (domain/chuanliu.py): BOOST_FACTOR while it runs, else 1. The mall's and recommendations'
    `boost` is novelty_boost × traffic_boost."""
    return BOOST_FACTOR if boosted_until_ms is not None and boosted_until_ms > now_ms else 1.0


def expected_value(*, ctr: float, cvr: float, price_fen: int, product_score: float | None,
                   shop_score: float | None, boost: float = 1.0,
                   config: RankingConfig = DEFAULT_RANKING) -> float:
    """S = CTR̂ · CVR̂ · price^β · Q_product · Q_shop · boost, from rates already smoothed (the
    mall smooths them with the Beta prior of its scene and the product's category)."""
    price_yuan = max(price_fen, 1) / 100
    return (ctr * cvr * price_yuan**config.price_beta
            * traffic_multiplier(product_score, config)
            * traffic_multiplier(shop_score, config) * boost)
