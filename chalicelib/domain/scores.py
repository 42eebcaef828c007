"""The three scores (docs/scores.md), as pure functions. No I/O.

store experience score (店铺体验分, shop), selling reputation score (带货口碑分, creator) and
product score (商品分, product) are all built the same way:

    daily counters ──window_totals──▶ window totals ──metrics──▶ rates, smoothed toward a prior
    ──bands──▶ points (1–5) ──weighted mean──▶ dimensions ──weighted mean──▶ total (0–5 or null)

Counters are filed under the day an order was *delivered* (service sessions: the day the chat
started). Days are numbered since the epoch (UTC); ``as_of_day`` is the last complete day the
score covers. The window is the ``window_days`` days ending at ``as_of_day`` (ages 0 … 89 by
default; a day 90 days old is out). Order counters count only from *mature* days, at least
``maturity_days`` old (age ≥ 7: the after-sales window of an order delivered that day has
closed by the end of ``as_of_day``); session counters count from every day in the window.

Every constant lives in :class:`ScoreConfig`; docs/scores.md explains the numbers and walks one
shop through the whole computation (tests/unit/test_scores.py reproduces it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from chalicelib.domain.ranking import bayesian_rate
from chalicelib.domain.score_display import format_score

# --- daily counters ------------------------------------------------------------------------------


@dataclass
class DailyCounters:
    """One entity's counters for one day (or summed over a window). Floats: window totals of
    creators are recency-weighted, and stored numbers come back from DynamoDB as decimals."""

    orders: float = 0  # delivered orders (the denominator for order-level rates)
    collected_48h: float = 0  # of those, collected by the carrier within 48h of payment
    collection_known: float = 0  # of those, orders whose collection time is known
    on_time: float = 0  # delivered within the promised time after payment
    reviews: float = 0  # first reviews (one per order line)
    bad_reviews: float = 0  # first reviews rated 1–2★
    positive_reviews: float = 0  # first reviews rated 4–5★
    quality_returns: float = 0  # after-sales cases with reason "quality"
    nad_refunds: float = 0  # after-sales cases with reason "not_as_described"
    after_sales: float = 0  # all after-sales cases requested
    handled_cases: float = 0  # cases the merchant decided (approved/rejected)
    handling_ms: float = 0  # sum of request→decision times of handled cases
    disputes: float = 0  # cases escalated by the shopper (counted as complaints)
    seller_fault_disputes: float = 0  # disputes ops ruled seller fault
    sessions: float = 0  # customer-service sessions
    replied_3min: float = 0  # sessions with a (human) reply within 180 s
    replied_3s: float = 0  # sessions with a first reply within 3 s

    def add(self, other: DailyCounters, weight: float = 1.0) -> DailyCounters:
        """A new DailyCounters: self + weight · other (self and other are left unchanged)."""
        return DailyCounters(**{
            f.name: getattr(self, f.name) + weight * getattr(other, f.name)
            for f in fields(self)
        })

    def to_dict(self) -> dict[str, float]:
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DailyCounters:
        """Missing counters are 0; unknown keys are ignored (older or newer stored items)."""
        return cls(**{f.name: float(data.get(f.name) or 0) for f in fields(cls)})


SESSION_FIELDS = frozenset({"sessions", "replied_3min", "replied_3s"})
ORDER_FIELDS = frozenset(f.name for f in fields(DailyCounters)) - SESSION_FIELDS


# --- configuration -------------------------------------------------------------------------------

SHOP, CREATOR, PRODUCT = "shop", "creator", "product"
KINDS = (SHOP, CREATOR, PRODUCT)
RATE, MEAN, WILSON = "rate", "mean", "wilson"
MS_PER_HOUR = 3_600_000


@dataclass(frozen=True)
class Band:
    """Anchors of the piecewise-linear map from a metric's rate to points: ``best`` gives the top
    anchor points (5.0), ``median`` the middle (4.5), ``worst`` the bottom (1.0); linear between,
    clamped outside. For a higher-is-better metric best > median > worst, else best < median <
    worst."""

    best: float
    median: float
    worst: float

    def check(self, higher_is_better: bool, name: str) -> None:
        ordered = (self.worst < self.median < self.best if higher_is_better
                   else self.best < self.median < self.worst)
        if not ordered:
            direction = "higher" if higher_is_better else "lower"
            raise ValueError(f"band of {name} ({direction} is better) must run best → median → "
                             f"worst monotonically, got {self}")


@dataclass(frozen=True)
class MetricSpec:
    """One metric: where its rate comes from and how it turns into points.

    kind ``rate``: numerator / denominator, smoothed toward the prior's rate.
    kind ``mean``: numerator / denominator / scale (a mean, e.g. ms → hours), smoothed the same way.
    kind ``wilson``: Wilson lower bound of numerator / denominator (its own small-sample penalty,
    not smoothed; no data without a denominator).
    """

    name: str
    dimension: str
    weight: float  # within its dimension (0 = tracked: computed and shown, not counted)
    higher_is_better: bool
    band: Band
    numerator: str
    denominator: str
    kind: str = RATE
    scale: float = 1.0

    def __post_init__(self) -> None:
        names = {f.name for f in fields(DailyCounters)}
        if self.numerator not in names or self.denominator not in names:
            raise ValueError(f"{self.name}: numerator and denominator must be counter names")
        if self.kind not in (RATE, MEAN, WILSON):
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")
        if self.weight < 0 or self.scale <= 0:
            raise ValueError(f"{self.name}: weight must be ≥ 0 and scale > 0")
        self.band.check(self.higher_is_better, self.name)


def _spec(name, dimension, weight, higher, band, numerator, denominator, kind=RATE, scale=1.0):
    return MetricSpec(name, dimension, weight, higher, Band(*band), numerator, denominator,
                      kind, scale)


# (best, median, worst) per metric; docs/scores.md gives the reasoning.
BAD_REVIEW_BAND = (0.002, 0.02, 0.15)
QUALITY_RETURN_BAND = (0.001, 0.01, 0.08)
COLLECT_48H_BAND = (0.99, 0.92, 0.60)
ON_TIME_BAND = (0.99, 0.95, 0.70)
REPLY_3MIN_BAND = (0.98, 0.90, 0.50)
REPLY_3S_BAND = (0.90, 0.40, 0.0)
HANDLING_HOURS_BAND = (2.0, 12.0, 48.0)
SELLER_FAULT_BAND = (0.0005, 0.002, 0.02)
COMPLAINT_BAND = (0.001, 0.008, 0.05)
NAD_SHARE_BAND = (0.02, 0.10, 0.40)
WILSON_POSITIVE_BAND = (0.95, 0.80, 0.30)
NAD_REFUND_BAND = (0.001, 0.008, 0.05)

SHOP_METRICS: tuple[MetricSpec, ...] = (
    _spec("bad_review_rate", "product", 0.5, False, BAD_REVIEW_BAND, "bad_reviews", "reviews"),
    _spec("quality_return_rate", "product", 0.5, False, QUALITY_RETURN_BAND,
          "quality_returns", "orders"),
    _spec("collect_48h_rate", "logistics", 0.5, True, COLLECT_48H_BAND,
          "collected_48h", "collection_known"),
    _spec("on_time_rate", "logistics", 0.5, True, ON_TIME_BAND, "on_time", "orders"),
    _spec("reply_3min_rate", "service", 0.3, True, REPLY_3MIN_BAND, "replied_3min", "sessions"),
    _spec("reply_3s_rate", "service", 0.0, True, REPLY_3S_BAND, "replied_3s", "sessions"),
    _spec("handling_hours", "service", 0.2, False, HANDLING_HOURS_BAND,
          "handling_ms", "handled_cases", MEAN, MS_PER_HOUR),
    _spec("seller_fault_dispute_rate", "service", 0.25, False, SELLER_FAULT_BAND,
          "seller_fault_disputes", "orders"),
    _spec("complaint_rate", "service", 0.25, False, COMPLAINT_BAND, "disputes", "orders"),
)
CREATOR_METRICS: tuple[MetricSpec, ...] = (
    *SHOP_METRICS,
    _spec("not_as_described_share", "content", 1.0, False, NAD_SHARE_BAND,
          "nad_refunds", "after_sales"),
)
PRODUCT_METRICS: tuple[MetricSpec, ...] = (
    _spec("wilson_positive", "product", 0.3, True, WILSON_POSITIVE_BAND,
          "positive_reviews", "reviews", WILSON),
    _spec("bad_review_rate", "product", 0.2, False, BAD_REVIEW_BAND, "bad_reviews", "reviews"),
    _spec("quality_return_rate", "product", 0.3, False, QUALITY_RETURN_BAND,
          "quality_returns", "orders"),
    _spec("nad_refund_rate", "product", 0.2, False, NAD_REFUND_BAND, "nad_refunds", "orders"),
)


@dataclass(frozen=True)
class ScoreConfig:
    """Every number the scores and their gates use. Change one with dataclasses.replace."""

    # window and sample
    window_days: int = 90
    maturity_days: int = 7
    min_orders_shop: float = 30
    min_orders_creator: float = 30
    min_orders_product: float = 10
    smoothing_k: float = 20.0  # (x + k·p) / (n + k)
    creator_recency_tau_days: float = 30.0  # creators' days weigh exp(−age/τ)
    wilson_z: float = 1.96
    # what the counters count (read by whoever builds DailyCounters from events)
    promised_delivery_hours: float = 72.0
    collection_hours: float = 48.0
    reply_seconds: float = 180.0
    fast_reply_seconds: float = 3.0
    # bands: points at the best, median and worst anchors
    points_best: float = 5.0
    points_median: float = 4.5
    points_worst: float = 1.0
    # weights and metrics per score
    # (dicts are left out of the hash, so the frozen config stays hashable)
    shop_dimension_weights: dict[str, float] = field(hash=False, default_factory=lambda: {
        "product": 0.4, "logistics": 0.3, "service": 0.3})
    creator_dimension_weights: dict[str, float] = field(hash=False, default_factory=lambda: {
        "product": 0.35, "logistics": 0.2, "service": 0.2, "content": 0.25})
    product_dimension_weights: dict[str, float] = field(hash=False, default_factory=lambda: {
        "product": 1.0})
    shop_metrics: tuple[MetricSpec, ...] = SHOP_METRICS
    creator_metrics: tuple[MetricSpec, ...] = CREATOR_METRICS
    product_metrics: tuple[MetricSpec, ...] = PRODUCT_METRICS
    # per-category band overrides: category → metric name → Band
    category_bands: dict[str, dict[str, Band]] = field(hash=False, default_factory=dict)
    # gates (gates.py)
    regular_campaign_min: float = 4.0
    major_campaign_min: float = 4.5
    creator_campaign_min: float = 4.5
    null_regular_campaign_eligible: bool = True  # new-shop support period: null is neutral
    subsidy_product_min: float = 4.6
    subsidy_shop_min: float = 4.5
    rights_min: float = 4.8
    creator_paid_traffic_min: float = 4.2

    def __post_init__(self) -> None:
        if not (self.points_worst < self.points_median < self.points_best):
            raise ValueError("band points must satisfy worst < median < best")
        if self.window_days < 1 or not 0 <= self.maturity_days < self.window_days:
            raise ValueError("need window_days ≥ 1 and 0 ≤ maturity_days < window_days")
        known: dict[str, MetricSpec] = {}
        for kind in KINDS:
            weights = self.dimension_weights(kind)
            for spec in self.metrics(kind):
                if spec.dimension not in weights:
                    raise ValueError(f"{kind} metric {spec.name}: dimension {spec.dimension!r} "
                                     "has no weight")
                known[spec.name] = spec
        for category, bands in self.category_bands.items():
            for name, band in bands.items():
                if name not in known:
                    raise ValueError(f"category {category!r}: unknown metric {name!r}")
                band.check(known[name].higher_is_better, f"{name} in {category!r}")

    def metrics(self, kind: str) -> tuple[MetricSpec, ...]:
        return {SHOP: self.shop_metrics, CREATOR: self.creator_metrics,
                PRODUCT: self.product_metrics}[kind]

    def dimension_weights(self, kind: str) -> dict[str, float]:
        return {SHOP: self.shop_dimension_weights, CREATOR: self.creator_dimension_weights,
                PRODUCT: self.product_dimension_weights}[kind]

    def min_orders(self, kind: str) -> float:
        return {SHOP: self.min_orders_shop, CREATOR: self.min_orders_creator,
                PRODUCT: self.min_orders_product}[kind]

    def spec(self, kind: str, name: str) -> MetricSpec:
        for spec in self.metrics(kind):
            if spec.name == name:
                return spec
        raise KeyError(f"{kind} score has no metric {name!r}")

    def band(self, spec: MetricSpec, category: str | None = None) -> Band:
        if category is not None:
            return self.category_bands.get(category, {}).get(spec.name, spec.band)
        return spec.band


DEFAULT_SCORE_CONFIG = ScoreConfig()


# --- what the counters count ---------------------------------------------------------------------


def day_of(epoch_ms: int) -> int:
    """The day number (days since the epoch, UTC) a moment falls on."""
    return epoch_ms // (24 * MS_PER_HOUR)


def collected_in_time(paid_at_ms: int, collected_at_ms: int,
                      config: ScoreConfig = DEFAULT_SCORE_CONFIG) -> bool:
    """Collected by the carrier within ``collection_hours`` of payment (the bound included)."""
    return collected_at_ms - paid_at_ms <= config.collection_hours * MS_PER_HOUR


def delivered_on_time(paid_at_ms: int, delivered_at_ms: int,
                      config: ScoreConfig = DEFAULT_SCORE_CONFIG) -> bool:
    """Delivered within ``promised_delivery_hours`` of payment (the bound included)."""
    return delivered_at_ms - paid_at_ms <= config.promised_delivery_hours * MS_PER_HOUR


def replied_in_time(reply_after_ms: int, config: ScoreConfig = DEFAULT_SCORE_CONFIG, *,
                    fast: bool = False) -> bool:
    """A reply ``reply_after_ms`` after the chat started is within 180 s (or 3 s with fast)."""
    seconds = config.fast_reply_seconds if fast else config.reply_seconds
    return reply_after_ms <= seconds * 1000


# --- the window ----------------------------------------------------------------------------------


def window_totals(days: Iterable[tuple[int, DailyCounters]], *, as_of_day: int,
                  config: ScoreConfig = DEFAULT_SCORE_CONFIG,
                  recency_tau_days: float | None = None) -> DailyCounters:
    """Sum the days inside the window ending at ``as_of_day`` (inclusive).

    A day of age a = as_of_day − day counts when 0 ≤ a < window_days (days after as_of_day are
    ignored); its order counters only when also a ≥ maturity_days; its session counters always.
    With ``recency_tau_days`` each day weighs exp(−a/τ) (creators: τ = 30).
    """
    sums = DailyCounters().to_dict()
    for day, counters in days:
        age = as_of_day - day
        if not 0 <= age < config.window_days:
            continue
        weight = 1.0 if recency_tau_days is None else math.exp(-age / recency_tau_days)
        counted = SESSION_FIELDS if age < config.maturity_days else sums.keys()
        for name in counted:
            sums[name] += weight * getattr(counters, name)
    return DailyCounters(**sums)


def creator_window_totals(days: Iterable[tuple[int, DailyCounters]], *, as_of_day: int,
                          config: ScoreConfig = DEFAULT_SCORE_CONFIG,
                          ) -> tuple[DailyCounters, float]:
    """A creator's recency-weighted window totals, and its UNweighted mature orders (the sample
    that decides null), for ``score_creator(totals, prior, config, sample_orders=...)``."""
    days = list(days)
    weighted = window_totals(days, as_of_day=as_of_day, config=config,
                             recency_tau_days=config.creator_recency_tau_days)
    plain = window_totals(days, as_of_day=as_of_day, config=config)
    return weighted, plain.orders


# --- rates and points ----------------------------------------------------------------------------


def wilson_lower_bound(successes: float, trials: float, z: float = 1.96) -> float:
    """Lower bound of the Wilson score interval of successes/trials (0 when trials is 0)."""
    if trials <= 0:
        return 0.0
    p = successes / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    spread = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    return max(0.0, (centre - spread) / (1 + z2 / trials))


def band_points(value: float, band: Band, higher_is_better: bool,
                config: ScoreConfig = DEFAULT_SCORE_CONFIG) -> float:
    """Points of a rate: best → 5, median → 4.5, worst → 1, linear between, clamped outside."""
    sign = -1.0 if higher_is_better else 1.0  # read every band as lower-is-better
    v, best, median, worst = (sign * x for x in (value, band.best, band.median, band.worst))
    top, mid, low = config.points_best, config.points_median, config.points_worst
    if v <= best:
        return top
    if v <= median:
        return top - (top - mid) * (v - best) / (median - best)
    if v < worst:
        return mid - (mid - low) * (v - median) / (worst - median)
    return low


def band_rate(points: float, band: Band, config: ScoreConfig = DEFAULT_SCORE_CONFIG) -> float:
    """The inverse of band_points: the rate that gives ``points`` (the anchor rate at the ends)."""
    top, mid, low = config.points_best, config.points_median, config.points_worst
    if points >= top:
        return band.best
    if points >= mid:
        return band.best + (top - points) / (top - mid) * (band.median - band.best)
    if points > low:
        return band.median + (mid - points) / (mid - low) * (band.worst - band.median)
    return band.worst


# --- results -------------------------------------------------------------------------------------


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass
class MetricResult:
    value: float | None  # the raw rate (None when the entity has no denominator of its own)
    smoothed: float  # what is scored: smoothed toward the prior (Wilson: the lower bound)
    points: float
    weight: float  # effective weight within its dimension (after renormalising)
    dimension: str
    numerator: float
    denominator: float
    higher_is_better: bool

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "smoothed": self.smoothed, "points": self.points,
                "weight": self.weight, "dimension": self.dimension,
                "numerator": self.numerator, "denominator": self.denominator,
                "higher_is_better": self.higher_is_better}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MetricResult:
        return cls(value=_num(data["value"]), smoothed=float(data["smoothed"]),
                   points=float(data["points"]), weight=float(data["weight"]),
                   dimension=str(data["dimension"]), numerator=float(data["numerator"]),
                   denominator=float(data["denominator"]),
                   higher_is_better=bool(data["higher_is_better"]))


@dataclass
class DimensionResult:
    points: float
    weight: float  # effective weight in the total (after renormalising)

    def to_dict(self) -> dict[str, float]:
        return {"points": self.points, "weight": self.weight}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DimensionResult:
        return cls(points=float(data["points"]), weight=float(data["weight"]))


@dataclass
class ScoreResult:
    """A score with its breakdown. ``total`` is kept to 3 decimals (what gates compare);
    ``display`` is total floored to one decimal. A null score still carries its breakdown.

    Products below the minimum sample: total = (1 − shop_weight)·own_total + shop_weight·shop_score.
    """

    kind: str
    total: float | None
    display: str
    sample_orders: float
    dimensions: dict[str, DimensionResult]
    metrics: dict[str, MetricResult]
    category: str | None = None
    own_total: float | None = None  # the weighted mean of the dimensions, unrounded
    shop_score: float | None = None  # the shop score a small product was pulled toward
    shop_weight: float = 0.0  # (m − n) / m when pulled, else 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "total": self.total, "display": self.display,
            "sample_orders": self.sample_orders, "category": self.category,
            "own_total": self.own_total, "shop_score": self.shop_score,
            "shop_weight": self.shop_weight,
            "dimensions": {k: d.to_dict() for k, d in self.dimensions.items()},
            "metrics": {k: m.to_dict() for k, m in self.metrics.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoreResult:
        """Reads back what to_dict wrote, also after a trip through JSON or DynamoDB (Decimal)."""
        category = data.get("category")
        return cls(
            kind=str(data["kind"]), total=_num(data.get("total")), display=str(data["display"]),
            sample_orders=float(data["sample_orders"]),
            dimensions={k: DimensionResult.from_dict(v)
                        for k, v in (data.get("dimensions") or {}).items()},
            metrics={k: MetricResult.from_dict(v) for k, v in (data.get("metrics") or {}).items()},
            category=None if category is None else str(category),
            own_total=_num(data.get("own_total")), shop_score=_num(data.get("shop_score")),
            shop_weight=float(data.get("shop_weight") or 0.0),
        )


# --- scoring -------------------------------------------------------------------------------------


def _metric(spec: MetricSpec, totals: DailyCounters, prior: DailyCounters, config: ScoreConfig,
            category: str | None) -> MetricResult | None:
    x, n = getattr(totals, spec.numerator), getattr(totals, spec.denominator)
    px, pn = getattr(prior, spec.numerator), getattr(prior, spec.denominator)
    if spec.kind == WILSON:
        if n <= 0:
            return None  # a bound from no reviews says nothing: the metric is left out
        value: float | None = x / n
        smoothed = wilson_lower_bound(x, n, config.wilson_z)
    else:
        if n <= 0 and (pn <= 0 or config.smoothing_k <= 0):
            return None  # no data of its own and no prior: left out of its dimension
        value = x / n / spec.scale if n > 0 else None
        if pn > 0:
            smoothed = bayesian_rate(x, n, px / pn, config.smoothing_k) / spec.scale
        else:
            smoothed = x / n / spec.scale  # nothing to smooth toward
    points = band_points(smoothed, config.band(spec, category), spec.higher_is_better, config)
    return MetricResult(value=value, smoothed=smoothed, points=points, weight=spec.weight,
                        dimension=spec.dimension, numerator=float(x), denominator=float(n),
                        higher_is_better=spec.higher_is_better)


def _breakdown(kind: str, totals: DailyCounters, prior: DailyCounters | None,
               config: ScoreConfig, category: str | None,
               ) -> tuple[float | None, dict[str, DimensionResult], dict[str, MetricResult]]:
    prior = prior or DailyCounters()
    metrics: dict[str, MetricResult] = {}
    for spec in config.metrics(kind):
        result = _metric(spec, totals, prior, config, category)
        if result is not None:
            metrics[spec.name] = result
    dimension_points: dict[str, float] = {}
    for dimension in config.dimension_weights(kind):
        members = [m for m in metrics.values() if m.dimension == dimension]
        weight = sum(m.weight for m in members)
        if weight <= 0:
            continue  # no metric with data (and weight): the dimension is left out
        for m in members:
            m.weight = m.weight / weight
        dimension_points[dimension] = sum(m.weight * m.points for m in members)
    weights = {d: config.dimension_weights(kind)[d] for d in dimension_points}
    weight = sum(weights.values())
    if weight <= 0:
        return None, {}, metrics
    dimensions = {d: DimensionResult(points=p, weight=weights[d] / weight)
                  for d, p in dimension_points.items()}
    own = sum(d.weight * d.points for d in dimensions.values())
    return own, dimensions, metrics


def _result(kind: str, total: float | None, sample: float, own: float | None,
            dimensions: dict[str, DimensionResult], metrics: dict[str, MetricResult],
            category: str | None, **pull: Any) -> ScoreResult:
    kept = None if total is None else round(total, 3)
    return ScoreResult(kind=kind, total=kept, display=format_score(kept),
                       sample_orders=float(sample), dimensions=dimensions, metrics=metrics,
                       category=category, own_total=own, **pull)


def score_shop(totals: DailyCounters, prior: DailyCounters | None,
               config: ScoreConfig = DEFAULT_SCORE_CONFIG, *,
               category: str | None = None) -> ScoreResult:
    """店铺体验分 from the shop's window totals; ``prior``: the platform's totals, same window."""
    own, dimensions, metrics = _breakdown(SHOP, totals, prior, config, category)
    enough = totals.orders >= config.min_orders_shop
    return _result(SHOP, own if enough else None, totals.orders, own, dimensions, metrics,
                   category)


def score_creator(totals: DailyCounters, prior: DailyCounters | None,
                  config: ScoreConfig = DEFAULT_SCORE_CONFIG, *,
                  sample_orders: float | None = None,
                  category: str | None = None) -> ScoreResult:
    """带货口碑分 from the creator's recency-weighted totals (see creator_window_totals).

    ``sample_orders``: the UNweighted mature orders that decide null; when omitted, totals.orders
    is used (right only if ``totals`` is unweighted)."""
    sample = totals.orders if sample_orders is None else sample_orders
    own, dimensions, metrics = _breakdown(CREATOR, totals, prior, config, category)
    enough = sample >= config.min_orders_creator
    return _result(CREATOR, own if enough else None, sample, own, dimensions, metrics, category)


def score_product(totals: DailyCounters, prior: DailyCounters | None, shop_score: float | None,
                  config: ScoreConfig = DEFAULT_SCORE_CONFIG, *,
                  category: str | None = None) -> ScoreResult:
    """商品分; ``prior``: the category's totals, same window; ``shop_score``: the shop's total.

    n orders below the minimum m: with n ≥ 1 and a shop score, s = (n·s_own + (m − n)·s_shop)/m;
    otherwise null."""
    own, dimensions, metrics = _breakdown(PRODUCT, totals, prior, config, category)
    n, m = totals.orders, config.min_orders_product
    if own is not None and n >= m:
        return _result(PRODUCT, own, n, own, dimensions, metrics, category)
    if own is not None and n >= 1 and shop_score is not None:
        shop_weight = (m - n) / m
        total = (1 - shop_weight) * own + shop_weight * shop_score
        return _result(PRODUCT, total, n, own, dimensions, metrics, category,
                       shop_score=float(shop_score), shop_weight=shop_weight)
    return _result(PRODUCT, None, n, own, dimensions, metrics, category)


# --- explaining a score to the merchant ----------------------------------------------------------


@dataclass(frozen=True)
class Improvement:
    """What one metric's (smoothed) rate must become to reach ``target_points``."""

    metric: str
    dimension: str
    higher_is_better: bool
    rate: float  # the smoothed rate now
    target_rate: float
    change: float  # target_rate − rate (negative: the rate must go down)
    points: float
    target_points: float
    effort: float  # |change| as a share of the band's span |worst − best|: comparable across units

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "dimension": self.dimension,
                "higher_is_better": self.higher_is_better, "rate": self.rate,
                "target_rate": self.target_rate, "change": self.change, "points": self.points,
                "target_points": self.target_points, "effort": self.effort}


@dataclass(frozen=True)
class Loss:
    """Points of the TOTAL a metric costs, and how to win back ``gain`` of them (None when this
    metric alone cannot give that much)."""

    metric: str
    dimension: str
    points: float
    loss: float
    gain: float
    improvement: Improvement | None

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "dimension": self.dimension, "points": self.points,
                "loss": self.loss, "gain": self.gain,
                "improvement": None if self.improvement is None else self.improvement.to_dict()}


def _contributions(result: ScoreResult) -> dict[str, float]:
    """Each metric's weight in the total: (1 − shop pull) × dimension weight × metric weight."""
    own_share = 1.0 - result.shop_weight
    return {name: own_share * result.dimensions[m.dimension].weight * m.weight
            for name, m in result.metrics.items() if m.dimension in result.dimensions}


def _improve(result: ScoreResult, name: str, target_points: float,
             config: ScoreConfig) -> Improvement:
    metric = result.metrics[name]
    spec = config.spec(result.kind, name)
    band = config.band(spec, result.category)
    target_rate = band_rate(target_points, band, config)
    change = target_rate - metric.smoothed
    return Improvement(metric=name, dimension=metric.dimension,
                       higher_is_better=metric.higher_is_better, rate=metric.smoothed,
                       target_rate=target_rate, change=change, points=metric.points,
                       target_points=target_points,
                       effort=abs(change) / abs(band.worst - band.best))


_EPS = 1e-9


def biggest_losses(result: ScoreResult, config: ScoreConfig = DEFAULT_SCORE_CONFIG,
                   top: int = 3, *, gain: float = 0.1) -> list[Loss]:
    """The ``top`` metrics that cost the most points of the total, most first: loss = weight in
    the total × (5 − points); together all losses are 5 − total. Each says what its rate must
    become to add ``gain`` to the total. A null score has no losses."""
    if result.total is None:
        return []
    losses = []
    for name, weight in _contributions(result).items():
        metric = result.metrics[name]
        loss = weight * (config.points_best - metric.points)
        if loss <= _EPS:
            continue
        target = metric.points + gain / weight
        improvement = (_improve(result, name, min(target, config.points_best), config)
                       if target <= config.points_best + _EPS else None)
        losses.append(Loss(metric=name, dimension=metric.dimension, points=metric.points,
                           loss=loss, gain=gain, improvement=improvement))
    losses.sort(key=lambda item: (-item.loss, item.metric))
    return losses[:top]


def improvement_to_reach(result: ScoreResult, target_total: float,
                         config: ScoreConfig = DEFAULT_SCORE_CONFIG) -> Improvement | None:
    """The single metric whose improvement alone lifts the total to ``target_total`` with the
    least effort (its rate change as a share of its band's span, so hours and percentages
    compare). None when the score is null, already at the target, or no metric alone can do it.
    """
    if result.total is None or result.own_total is None:
        return None
    weights = _contributions(result)
    current = (sum(w * result.metrics[name].points for name, w in weights.items())
               + result.shop_weight * (result.shop_score or 0.0))
    needed = target_total - current
    if needed <= 0:
        return None
    best: Improvement | None = None
    for name, weight in sorted(weights.items()):
        if weight <= 0:
            continue
        target = result.metrics[name].points + needed / weight
        if target > config.points_best + _EPS:
            continue
        option = _improve(result, name, min(target, config.points_best), config)
        if best is None or option.effort < best.effort:
            best = option
    return best


def plan_to_reach(result: ScoreResult, target_total: float,
                  config: ScoreConfig = DEFAULT_SCORE_CONFIG) -> list[Improvement]:
    """The fewest metric changes that lift the total to ``target_total``: the cheapest single
    change when one is enough (improvement_to_reach), else the metrics that cost the most points
    taken to their best, most first, and the last one only as far as needed. Empty when the score
    is null, already there, or even every metric at its best would not do."""
    single = improvement_to_reach(result, target_total, config)
    if single is not None:
        return [single]
    if result.total is None or result.own_total is None:
        return []
    weights = _contributions(result)
    needed = target_total - (sum(w * result.metrics[n].points for n, w in weights.items())
                             + result.shop_weight * (result.shop_score or 0.0))
    if needed <= 0:
        return []
    gains = sorted(((w * (config.points_best - result.metrics[n].points), n)
                    for n, w in weights.items() if w > 0), key=lambda item: (-item[0], item[1]))
    plan = []
    for gain, name in gains:
        if gain <= _EPS:
            break
        if gain >= needed - _EPS:
            target = result.metrics[name].points + needed / weights[name]
            plan.append(_improve(result, name, min(target, config.points_best), config))
            return plan
        plan.append(_improve(result, name, config.points_best, config))
        needed -= gain
    return []
