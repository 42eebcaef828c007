"""The Beta prior fit: it recovers the population it was drawn from, keeps small samples from
outranking proven products, and falls back when there is too little to fit."""

import random

import pytest

from chalicelib.domain import beta
from chalicelib.domain.beta import BetaPrior, Moments, fit_beta


def _binomial(rng: random.Random, trials: int, p: float) -> int:
    return sum(rng.random() < p for _ in range(trials))


def _population(seed: int, alpha: float, beta_: float, items: int = 400):
    rng = random.Random(seed)
    samples = []
    for _ in range(items):
        trials = rng.randint(100, 2500)
        samples.append((_binomial(rng, trials, rng.betavariate(alpha, beta_)), trials))
    return samples


@pytest.mark.parametrize(("alpha", "beta_"), [(12.0, 288.0), (3.0, 197.0), (40.0, 760.0)])
def test_a_fit_recovers_the_population_mean_and_strength(alpha, beta_):
    prior = fit_beta(_population(7, alpha, beta_))
    true_mean, true_strength = alpha / (alpha + beta_), alpha + beta_
    assert prior.mean == pytest.approx(true_mean, rel=0.08)
    assert true_strength / 1.6 <= prior.strength <= true_strength * 1.6


def test_the_strength_is_clamped_to_the_documented_range():
    # every product has the same rate: no spread beyond binomial noise → as strong as allowed
    same = [(50, 1000)] * 20
    assert fit_beta(same).strength == pytest.approx(beta.MAX_STRENGTH)
    # wildly spread rates → as weak as allowed, never weaker
    spread = [(0, 1000), (900, 1000)] * 10
    assert fit_beta(spread).strength == pytest.approx(beta.MIN_STRENGTH)
    assert fit_beta(spread).mean == pytest.approx(0.45)


def test_few_clicks_do_not_outrank_a_proven_product():
    proven = (500, 10_000)  # 5 % of 10,000 impressions
    lucky = (2, 3)  # 2 clicks in 3 impressions
    fitted = fit_beta(_population(3, 6.0, 194.0))  # a category around 3 %
    for prior in (fitted, beta.DEFAULT_CTR):
        assert prior.smoothed(*lucky) < prior.smoothed(*proven)
    # raw rates would have put the lucky one first
    assert lucky[0] / lucky[1] > proven[0] / proven[1]


def test_too_few_usable_samples_fall_back():
    fallback = BetaPrior(2.0, 98.0)
    # four products with enough trials, and many with fewer than 30: not enough to fit
    samples = [(3, 100), (5, 120), (2, 90), (4, 200)] + [(1, 10)] * 50
    assert fit_beta(samples, fallback=fallback) == fallback
    assert fit_beta([], fallback=fallback) == fallback
    assert fit_beta([*samples, (6, 150)], fallback=fallback) != fallback


def test_smoothing_leans_on_the_prior_for_small_samples_and_on_data_for_large():
    prior = BetaPrior(4.0, 96.0)  # 4 %, 100 impressions' worth
    assert prior.smoothed(0, 0) == pytest.approx(0.04)
    assert prior.smoothed(1, 1) == pytest.approx(5 / 101)
    assert prior.smoothed(10_000, 100_000) == pytest.approx(0.1, abs=0.001)


def test_no_successes_at_all_still_gives_a_proper_prior():
    prior = fit_beta([(0, 500)] * 10)
    assert prior.alpha > 0 and prior.beta > 0 and prior.mean < 0.001


def test_moments_add_up_so_a_scene_prior_is_the_fit_of_its_categories_together():
    a, b = _population(1, 6.0, 194.0, 60), _population(2, 20.0, 380.0, 60)
    together = Moments.of(a) + Moments.of(b)
    whole = Moments.of(a + b)
    assert (together.items, together.trials, together.successes) == (
        whole.items, whole.trials, whole.successes)
    assert together.weighted_sq == pytest.approx(whole.weighted_sq)
    fitted, direct = beta.fit_moments(together), fit_beta(a + b)
    assert (fitted.alpha, fitted.beta) == pytest.approx((direct.alpha, direct.beta))


def test_priors_fall_back_from_category_to_scene_to_defaults():
    rich = beta.stats_of([(1000 + n * 50, 40 + n, 2 + n % 3) for n in range(10)])
    poor = beta.stats_of([(1000, 30, 1)] * 2)  # two products: not enough of its own
    priors = beta.priors_from({("mall", "空调"): rich, ("mall", "茶叶"): poor})
    scene = priors[("mall", beta.ALL_CATEGORIES)]
    assert priors[("mall", "茶叶")] == scene  # too few: the scene's, fitted from both
    assert priors[("mall", "空调")].ctr == fit_beta([(40 + n, 1000 + n * 50) for n in range(10)])
    assert beta.lookup(priors, "mall", "洗地机") == scene  # unseen category: the scene's
    assert beta.lookup(priors, "search", "空调") == beta.DEFAULT_PRIOR  # unseen scene
    assert beta.DEFAULT_PRIOR.ctr.mean == pytest.approx(0.04)
