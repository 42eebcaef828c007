"""Beta priors for CTR and CVR per (scene, category), fitted by the weighted method of moments.

A product's smoothed rate is (s + α) / (n + α + β): with few trials it stays near the prior
mean α / (α + β), with many it is its own rate. α + β (the strength) is how many trials' worth
of belief the prior carries.

Fit. Over products with at least `min_trials` trials, p_i = s_i / n_i, weighted by n_i:
    mean      m = Σ s / Σ n
    variance  v = Σ n (p − m)² / Σ n = Σ (s² / n) / Σ n − m²
For Beta-binomial data, E[v] = m (1 − m) (ρ + (1 − ρ) h) with ρ = 1 / (strength + 1) and
h = (number of products) / Σ n (the binomial noise each product's own sample adds), so
    ρ = (v / (m (1 − m)) − h) / (1 − h),   strength = 1 / ρ − 1,   α = m·strength.
The strength is clamped to [MIN_STRENGTH, MAX_STRENGTH]: below 100 a product with a handful of
lucky impressions outranks a proven one (2 clicks in 3 impressions against 5 % of 10,000); above
2,000 a month of a product's own data barely moves it. With fewer than `min_samples` usable
products the fit is not trusted and the fallback is used (the platform-wide scene prior, then
the ranking defaults).

The statistics (products, Σ n, Σ s, Σ s²/n) add up across categories, so the platform-wide
prior of a scene is fitted from the sum of its categories' statistics, without reading a
product twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chalicelib.domain.ranking import DEFAULT_RANKING

MIN_TRIALS = 30
MIN_SAMPLES = 5
MIN_STRENGTH = 100.0
MAX_STRENGTH = 2000.0
ALL_CATEGORIES = "*"  # the category key of a scene's platform-wide prior


@dataclass(frozen=True)
class BetaPrior:
    alpha: float
    beta: float

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    @property
    def strength(self) -> float:
        return self.alpha + self.beta

    def smoothed(self, successes: int, trials: int) -> float:
        return (successes + self.alpha) / (trials + self.alpha + self.beta)


def prior_of(mean: float, strength: float) -> BetaPrior:
    return BetaPrior(mean * strength, (1 - mean) * strength)


DEFAULT_CTR = prior_of(DEFAULT_RANKING.prior_ctr, DEFAULT_RANKING.prior_ctr_weight)
DEFAULT_CVR = prior_of(DEFAULT_RANKING.prior_cvr, DEFAULT_RANKING.prior_cvr_weight)


@dataclass(frozen=True)
class Moments:
    """Sufficient statistics of the usable samples (those with at least MIN_TRIALS trials)."""

    items: int = 0
    trials: int = 0
    successes: int = 0
    weighted_sq: float = 0.0  # Σ s² / n

    def __add__(self, other: Moments) -> Moments:
        return Moments(self.items + other.items, self.trials + other.trials,
                       self.successes + other.successes, self.weighted_sq + other.weighted_sq)

    @staticmethod
    def of(samples: Iterable[tuple[int, int]], min_trials: int = MIN_TRIALS) -> Moments:
        """From (successes, trials) pairs; pairs under `min_trials` trials are left out."""
        usable = [(min(s, n), n) for s, n in samples if n >= min_trials and s >= 0]
        return Moments(len(usable), sum(n for _, n in usable), sum(s for s, _ in usable),
                       sum(s * s / n for s, n in usable))


def fit_moments(moments: Moments, min_samples: int = MIN_SAMPLES,
                strength_range: tuple[float, float] = (MIN_STRENGTH, MAX_STRENGTH)
                ) -> BetaPrior | None:
    """The fitted prior, or None when there are fewer than `min_samples` usable samples (the
    caller falls back)."""
    if moments.items < min_samples or moments.trials <= 0:
        return None
    low, high = strength_range
    half = 0.5 / moments.trials  # a mean of exactly 0 or 1 would give α or β = 0
    mean = min(max(moments.successes / moments.trials, half), 1 - half)
    variance = max(0.0, moments.weighted_sq / moments.trials
                   - (moments.successes / moments.trials) ** 2)
    noise = moments.items / moments.trials  # h
    rho = (variance / (mean * (1 - mean)) - noise) / (1 - noise) if noise < 1 else 0.0
    strength = high if rho <= 0 else 1 / rho - 1
    return prior_of(mean, min(max(strength, low), high))


def fit_beta(samples: Iterable[tuple[int, int]], *, min_trials: int = MIN_TRIALS,
             min_samples: int = MIN_SAMPLES,
             strength_range: tuple[float, float] = (MIN_STRENGTH, MAX_STRENGTH),
             fallback: BetaPrior = DEFAULT_CTR) -> BetaPrior:
    """A Beta prior for (successes, trials) samples; `fallback` with too few usable ones."""
    fitted = fit_moments(Moments.of(samples, min_trials), min_samples, strength_range)
    return fitted if fitted is not None else fallback


@dataclass(frozen=True)
class Prior:
    """The two priors of one (scene, category): CTR over impressions, CVR over clicks."""

    ctr: BetaPrior
    cvr: BetaPrior


DEFAULT_PRIOR = Prior(DEFAULT_CTR, DEFAULT_CVR)


@dataclass(frozen=True)
class FittedStats:
    """What the priors job keeps per (scene, category): both moment sets."""

    ctr: Moments
    cvr: Moments


def stats_of(rows: Iterable[tuple[int, int, int]]) -> FittedStats:
    """From products' (impressions, clicks, orders): CTR = clicks / impressions, CVR = orders /
    clicks."""
    rows = list(rows)
    return FittedStats(Moments.of((c, i) for i, c, _ in rows),
                       Moments.of((o, c) for _, c, o in rows))


def priors_from(stats: dict[tuple[str, str], FittedStats]) -> dict[tuple[str, str], Prior]:
    """Every (scene, category)'s prior, and each scene's platform-wide one under
    (scene, ALL_CATEGORIES): a category's own fit where it has enough products, else its
    scene's, else the ranking defaults (each of CTR and CVR on its own)."""
    by_scene: dict[str, FittedStats] = {}
    for (scene, _), fitted in stats.items():
        total = by_scene.get(scene)
        by_scene[scene] = fitted if total is None else FittedStats(
            total.ctr + fitted.ctr, total.cvr + fitted.cvr)
    scene_priors = {
        scene: Prior(fit_moments(total.ctr) or DEFAULT_CTR,
                     fit_moments(total.cvr) or DEFAULT_CVR)
        for scene, total in by_scene.items()}
    priors = {(scene, ALL_CATEGORIES): prior for scene, prior in scene_priors.items()}
    for (scene, category), fitted in stats.items():
        fallback = scene_priors[scene]
        priors[(scene, category)] = Prior(fit_moments(fitted.ctr) or fallback.ctr,
                                          fit_moments(fitted.cvr) or fallback.cvr)
    return priors


def lookup(priors: dict[tuple[str, str], Prior], scene: str, category: str | None) -> Prior:
    """The prior for a product of `category` in `scene`: its own, its scene's, the defaults."""
    return (priors.get((scene, category or ALL_CATEGORIES))
            or priors.get((scene, ALL_CATEGORIES)) or DEFAULT_PRIOR)
