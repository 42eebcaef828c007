"""Mall feeds: which listed products a feed holds and in what order (pure; docs/scenes.md).

A category feed ranks the category's listed, in-stock products by expected value per impression
in the mall, S = CTR̂ · CVR̂ · price^β · Q_product · Q_shop · boost, where CTR̂ and CVR̂ are the
product's 30-day mall clicks and orders smoothed with the Beta prior fitted for (mall,
category), and boost the novelty head start of a new listing times the Chuanliu traffic boost of
a product a creator boosted (running at the rebuild: a boost shows from the first rebuild in its
window). The all-categories feed merges every category feed by S; the popular list (non-personal
recommendations) merges them by S relative to each category's best, so every category's leaders
come first instead of only the dearest category's. Every feed is then laid out under the
shop-window rule and capped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from chalicelib.domain.beta import Prior
from chalicelib.domain.ranking import expected_value, novelty_boost, traffic_boost
from chalicelib.domain.scene_stats import Counts
from chalicelib.domain.shop_window import arrange

MAX_FEED_ITEMS = 1000


@dataclass(frozen=True)
class Candidate:
    """What the rebuild knows of one listed product."""

    product_id: str
    shop_id: str
    price_fen: int
    product_score: float | None
    shop_score: float | None
    created_at: int
    in_stock: bool
    counts: Counts = field(default_factory=Counts)  # its 30 days in the mall
    boosted_until: int | None = None  # a Chuanliu traffic boost's end (epoch ms), if any


@dataclass(frozen=True)
class Ranked:
    product_id: str
    shop_id: str
    score: float


def mall_score(candidate: Candidate, prior: Prior, now_ms: int) -> float:
    counts = candidate.counts
    return expected_value(
        ctr=prior.ctr.smoothed(counts.clicks, counts.impressions),
        cvr=prior.cvr.smoothed(counts.orders, counts.clicks),
        price_fen=candidate.price_fen, product_score=candidate.product_score,
        shop_score=candidate.shop_score,
        boost=(novelty_boost(candidate.created_at, now_ms)
               * traffic_boost(candidate.boosted_until, now_ms)))


def category_feed(candidates: Iterable[Candidate], prior: Prior, now_ms: int,
                  cap: int = MAX_FEED_ITEMS) -> list[Ranked]:
    """One category's feed: in-stock products by S, best first (ties by product id, so a
    rebuild of unchanged data is identical), then the shop-window layout, capped."""
    ranked = [Ranked(c.product_id, c.shop_id, round(mall_score(c, prior, now_ms), 12))
              for c in candidates if c.in_stock]
    return laid_out(ranked, cap)


def merged_feed(feeds: Mapping[str, list[Ranked]], cap: int = MAX_FEED_ITEMS) -> list[Ranked]:
    """The all-categories feed: every category's entries by S."""
    return laid_out([entry for entries in feeds.values() for entry in entries], cap)


def popular_feed(feeds: Mapping[str, list[Ranked]], cap: int = MAX_FEED_ITEMS) -> list[Ranked]:
    """The non-personal recommendations: every category's entries by S over that category's
    best S, so the leaders of each category lead the list."""
    relative = []
    for entries in feeds.values():
        best = max((entry.score for entry in entries), default=0.0) or 1.0
        relative += [Ranked(e.product_id, e.shop_id, round(e.score / best, 12))
                     for e in entries]
    return laid_out(relative, cap)


def laid_out(ranked: list[Ranked], cap: int) -> list[Ranked]:
    ordered = sorted(ranked, key=lambda entry: (-entry.score, entry.product_id))
    return arrange(ordered, lambda entry: entry.shop_id, limit=cap).placed
