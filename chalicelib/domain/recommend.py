"""Recommendation rules: candidate sources, their scores, and one shopper's ranked candidates.

Pure (no I/O). What orders teach is in chalicelib.domain.purchases; the store keeps the counts
and the jobs (chalicelib.jobs.recommend) turn them into the read models this module ranks from.

Co-purchase ("买了又买"): for products a and b, buyers(a,b) is the number of distinct buyers who
bought both; the similarity is the cosine buyers(a,b) / sqrt(buyers(a) · buyers(b)) shrunk by
buyers(a,b) / (buyers(a,b) + λ) with λ = CO_PURCHASE_SHRINK (2): a pair seen once scores a third
of its cosine, a pair seen by 20 buyers 91 %, so one coincidence never tops a list. Each product
keeps its TOP_K (20) neighbours.

Repurchase: a category is a consumable when its repurchase rate (buyers with ≥ 2 orders in the
category within 90 days ÷ buyers, where the later order buys again a product bought before:
chalicelib.domain.purchases) is at least CONSUMABLE_RATE (5 %) over at least
CONSUMABLE_MIN_BUYERS (20) buyers; its interval is the median gap in whole days between a
buyer's purchases of the same product. 5 % because categories mix goods: sunscreen shares 防晒
with hats and sleeves, diapers share 母婴用品 with strollers, so a category whose consumables are
bought again every two months shows under 10 % while a durable category shows about none.
A consumable's due score x = elapsed ÷ interval, counted from the category's latest purchase (a
restock with another brand counts), is DUE_FLOOR (0.1) just after a purchase, rising linearly
to 1 at 1 − DUE_LEAD (80 % of the interval: the reminder comes before the tea runs out), 1 until
the interval is up, then 1/x until MAX_OVERDUE_INTERVALS intervals overdue (after that the
shopper has moved on: not proposed). Early is not excluded: the list is kept for days and gaps
vary from buyer to buyer, and a product the shopper keeps buying is likelier than any new one,
so timing orders the consumables rather than gating them. Everything else is durable: a product
already bought is not proposed again by any source.

Candidates: each source proposes products with a score in [0, 1]:

    repurchase         the due score · (1 + 0.1 · min(times, 5)) / 1.5  (bought often: surer)
    followed_shop      1 for a product listed today, falling to 0.5 at NEW_PRODUCT_DAYS
    chuanliu           for a brand whose Chuanliu group the shopper is in (outside its
                       holdout: docs/chuanliu.md), its CHUANLIU_PER_BRAND (10) best products
                       as its storefront ranks them: 1 for the first, falling by 0.05 a place
    co_purchase        Σ over the 10 most recent purchases of similarity · 0.5^(age / 30 days),
                       ÷ the source's best
    category_affinity  affinity(category) · feed score ÷ its feed's best, for the
                       AFFINITY_CATEGORIES (3) categories of highest affinity
    popular            feed score ÷ the best

with affinity(category) in [0, 1] the shopper's share of interest (browse weights and buys,
each normalised by its maximum, averaged); then

    weighted = SOURCE_WEIGHTS[source] · score
               · (DURABLE_DEMOTION if the shopper bought a durable of that category)

A product proposed by several sources keeps the reason of the most personal one (Reason order)
and scores its best weighted score plus a quarter of the others': agreement between sources
counts, the best source counts most; that score is multiplied by the traffic boost (1.5 while a
creator's Chuanliu boost of the product runs, domain/ranking.py). Repurchase weighs 1.0,
followed shop, co-purchase and category 0.15, chuanliu 0.12, popular 0.05: a shopper's
consumables are far likelier purchases than anything new. On the demo world's temporal split
(bench.scenes: lists built at a cutoff, purchases of the next 14 days) a quarter of each
shopper's three best repurchase proposals were bought, against 11 % of the best co-purchase
neighbours, 4–5 % of the best category items and under 1 % of followed shops' new products and
of popular items; between the new-product sources, weights from 0.05 to 0.3 all did about as
well (the signals are weak: most products have one buyer), so they are even. No source is lifted
for being personal: a neighbour shared with one other buyer is a coincidence, and lifting every
neighbour to at least half weight fills 60 % of the demo shoppers' first pages with them, of
which under 1 % are bought. Chuanliu ranks right after followed_shop: its reason wins over every
source but followed_shop for a product both propose, and its weight is just under
followed_shop's, since a shop the shopper chose to follow says more than one they bought from
once through a creator (the brand's report measures what it adds).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from chalicelib.domain.ranking import traffic_boost

DAY_MS = 24 * 60 * 60 * 1000

CO_PURCHASE_SHRINK = 2.0  # λ
TOP_K = 20  # neighbours kept per product
HEAVY_BUYER_RECENT = 30  # H: a buyer's most recent distinct products that pair with a new one

REPURCHASE_WINDOW_DAYS = 90
CONSUMABLE_RATE = 0.05
CONSUMABLE_MIN_BUYERS = 20
MAX_GAP_DAYS = REPURCHASE_WINDOW_DAYS  # a longer gap is a new buyer, not a repurchase
DUE_LEAD = 0.2
DUE_FLOOR = 0.1  # the due score of a consumable just bought
MAX_OVERDUE_INTERVALS = 3

NEW_PRODUCT_DAYS = 30  # a followed shop's product is new for this long after it was listed
CHUANLIU_PER_BRAND = 10  # a group's brand: its best products proposed to the group
MAX_CANDIDATES = 200
RECENT_PURCHASES = 10  # whose co-purchase neighbours are read
NEIGHBOUR_HALF_LIFE_DAYS = 30  # an older purchase's neighbours weigh less
AFFINITY_CATEGORIES = 3  # categories whose popular items the category source proposes
REPURCHASE_PER_CATEGORY = 3  # products of a due category proposed again
TIMES_BONUS = 0.1  # per purchase of the product, up to 5
DURABLE_DEMOTION = 0.5
OTHER_SOURCES_SHARE = 0.25


class Reason(StrEnum):
    """Why a product is proposed, most personal first: the order is the priority."""

    FOLLOWED_SHOP = "followed_shop"
    CHUANLIU = "chuanliu"
    REPURCHASE = "repurchase"
    CO_PURCHASE = "co_purchase"
    CATEGORY_AFFINITY = "category_affinity"
    POPULAR = "popular"


PRIORITY: dict[Reason, int] = {reason: rank for rank, reason in enumerate(Reason)}
SOURCE_WEIGHTS: dict[Reason, float] = {
    Reason.FOLLOWED_SHOP: 0.15, Reason.CHUANLIU: 0.12, Reason.REPURCHASE: 1.0,
    Reason.CO_PURCHASE: 0.15, Reason.CATEGORY_AFFINITY: 0.15, Reason.POPULAR: 0.05,
}
RELATIVE = frozenset({Reason.CO_PURCHASE, Reason.POPULAR})  # scores ÷ the source's best

Entry = tuple[str, str, float]  # (product_id, shop_id, score): similar lists, feeds


@dataclass(frozen=True)
class Candidate:
    product_id: str
    shop_id: str
    reason: Reason
    score: float


@dataclass(frozen=True)
class Bought:
    """A product in a shopper's purchase history (the last 90 days)."""

    product_id: str
    shop_id: str
    category: str
    last_bought_at: int
    times: int = 1


@dataclass(frozen=True)
class Listed:
    """A product of a followed shop, with when it was listed."""

    product_id: str
    shop_id: str
    category: str
    listed_at: int


@dataclass(frozen=True)
class ConsumableProfile:
    category: str
    consumable: bool
    interval_days: float | None
    rate: float
    buyers: int


# --- co-purchase ---------------------------------------------------------------------------------

def co_purchase_score(pair_buyers: int, buyers_a: int, buyers_b: int,
                      shrink: float = CO_PURCHASE_SHRINK) -> float:
    """Shrunk cosine of two products' buyer sets (0 when either count is unknown)."""
    if pair_buyers <= 0 or buyers_a <= 0 or buyers_b <= 0:
        return 0.0
    cosine = pair_buyers / math.sqrt(buyers_a * buyers_b)
    return cosine * pair_buyers / (pair_buyers + shrink)


def top_neighbours(product_buyers: int, neighbours: Iterable[tuple[str, str, int, int]],
                   k: int = TOP_K) -> list[Entry]:
    """The k most similar products: neighbours are (product_id, shop_id, buyers of both,
    buyers of it). Ties go to the product id, so a recomputation gives the same list."""
    scored = [(product_id, shop_id, round(co_purchase_score(pair, product_buyers, buyers), 4))
              for product_id, shop_id, pair, buyers in neighbours]
    scored = [entry for entry in scored if entry[2] > 0]
    scored.sort(key=lambda entry: (-entry[2], entry[0]))
    return scored[:k]


# --- repurchase ----------------------------------------------------------------------------------

def histogram_median(histogram: Mapping[int, int]) -> float | None:
    """The median of values given as value → count (the middle two averaged when the count
    is even); None when empty."""
    total = sum(count for count in histogram.values() if count > 0)
    if total == 0:
        return None
    wanted = {(total - 1) // 2, total // 2}
    found, seen = [], 0
    for value in sorted(histogram):
        count = histogram[value]
        if count <= 0:
            continue
        found.extend(value for position in sorted(wanted) if seen <= position < seen + count)
        seen += count
        if len(found) == len(wanted):
            break
    return sum(found) / len(found)


def learn_profile(category: str, buyers: int, repeat_buyers: int,
                  gaps: Mapping[int, int]) -> ConsumableProfile:
    """Whether a category is a consumable and its interval, from its counts in the window."""
    rate = repeat_buyers / buyers if buyers > 0 else 0.0
    interval = histogram_median(gaps)
    consumable = (buyers >= CONSUMABLE_MIN_BUYERS and rate >= CONSUMABLE_RATE
                  and interval is not None and interval >= 1)
    return ConsumableProfile(category, consumable, interval, round(rate, 4), buyers)


def due_score(last_bought_at: int, interval_days: float, now: int) -> float | None:
    """How due a consumable bought at `last_bought_at` is, x = elapsed / interval: DUE_FLOOR
    at x = 0 rising linearly to 1.0 at 1 − DUE_LEAD, 1.0 until the interval is up, then 1/x
    (0.25 at the far end); None more than MAX_OVERDUE_INTERVALS intervals overdue."""
    if interval_days <= 0:
        return None
    x = max(now - last_bought_at, 0) / DAY_MS / interval_days
    if x > 1 + MAX_OVERDUE_INTERVALS:
        return None
    if x < 1 - DUE_LEAD:
        return round(DUE_FLOOR + (1 - DUE_FLOOR) * x / (1 - DUE_LEAD), 4)
    return 1.0 if x <= 1 else round(1 / x, 4)


# --- candidates ----------------------------------------------------------------------------------

@dataclass
class ShopperInputs:
    """Everything the candidate sources read for one shopper."""

    history: Sequence[Bought] = ()
    followed_new: Sequence[Listed] = ()
    neighbours: Mapping[str, Sequence[Entry]] = field(default_factory=dict)  # bought → similar
    browse_affinity: Mapping[str, float] = field(default_factory=dict)  # category → weight
    popular_by_category: Mapping[str, Sequence[Entry]] = field(default_factory=dict)
    popular: Sequence[Entry] = ()
    profiles: Mapping[str, ConsumableProfile] = field(default_factory=dict)
    # the brands whose Chuanliu group targets the shopper → their products, best first
    chuanliu: Mapping[str, Sequence[str]] = field(default_factory=dict)
    boosted: Mapping[str, int] = field(default_factory=dict)  # product → its boost's end (ms)


def recent_purchases(history: Sequence[Bought], n: int = RECENT_PURCHASES) -> list[Bought]:
    return sorted(history, key=lambda b: (-b.last_bought_at, b.product_id))[:n]


def affinity(history: Sequence[Bought], browse: Mapping[str, float]) -> dict[str, float]:
    """The shopper's interest per category in [0, 1]: browse weights and buys (orders per
    category), each normalised by its maximum, averaged over the signals the shopper has."""
    buys: dict[str, float] = {}
    for bought in history:
        buys[bought.category] = buys.get(bought.category, 0) + bought.times
    signals = [_normalised(signal) for signal in (dict(browse), buys) if signal]
    if not signals:
        return {}
    categories = set().union(*signals)
    return {c: round(sum(s.get(c, 0.0) for s in signals) / len(signals), 4) for c in categories}


def top_categories(affinities: Mapping[str, float], n: int = AFFINITY_CATEGORIES) -> list[str]:
    ranked = sorted((c for c, w in affinities.items() if w > 0),
                    key=lambda c: (-affinities[c], c))
    return ranked[:n]


def due_products(history: Sequence[Bought], profiles: Mapping[str, ConsumableProfile],
                 now: int) -> dict[str, tuple[Bought, float]]:
    """Products of consumable categories that may come back, with their repurchase score in
    [0, 1]: the category's due score, counted from its latest purchase (a restock with another
    brand counts), for its REPURCHASE_PER_CATEGORY most recent products, more for a product
    bought more often."""
    by_category: dict[str, list[Bought]] = {}
    for bought in history:
        by_category.setdefault(bought.category, []).append(bought)
    due: dict[str, tuple[Bought, float]] = {}
    for category, items in by_category.items():
        profile = profiles.get(category)
        if profile is None or not profile.consumable or not profile.interval_days:
            continue
        items.sort(key=lambda b: (-b.last_bought_at, b.product_id))
        score = due_score(items[0].last_bought_at, profile.interval_days, now)
        if score is None:
            continue
        for bought in items[:REPURCHASE_PER_CATEGORY]:
            often = (1 + TIMES_BONUS * min(bought.times, 5)) / (1 + TIMES_BONUS * 5)
            due[bought.product_id] = (bought, round(score * often, 4))
    return due


def durable_categories(history: Sequence[Bought],
                       profiles: Mapping[str, ConsumableProfile]) -> set[str]:
    """Categories the shopper bought that are not consumables (unknown ones included)."""
    return {b.category for b in history
            if not (profiles.get(b.category) and profiles[b.category].consumable)}


def pool(inputs: ShopperInputs, now: int) -> set[str]:
    """Every product some source may propose: what the caller checks for live availability
    before build_candidates."""
    products = {entry[0] for entry in _all_entries(inputs)}
    products |= {listed.product_id for listed in inputs.followed_new}
    products |= {pid for products_of in inputs.chuanliu.values()
                 for pid in products_of[:CHUANLIU_PER_BRAND]}
    products |= set(due_products(inputs.history, inputs.profiles, now))
    return products


def _all_entries(inputs: ShopperInputs) -> Iterable[Entry]:
    for entries in inputs.neighbours.values():
        yield from entries
    for entries in inputs.popular_by_category.values():
        yield from entries
    yield from inputs.popular


def build_candidates(inputs: ShopperInputs, now: int, available: set[str] | None = None,
                     categories: Mapping[str, str] | None = None,
                     limit: int = MAX_CANDIDATES) -> list[Candidate]:
    """One shopper's ranked candidates (see the module docstring for the scoring).

    `available`: the products that are listed and in stock (None: no check); `categories`:
    product → category where known (the durable demotion uses it)."""
    categories = dict(categories or {})
    for bought in inputs.history:
        categories.setdefault(bought.product_id, bought.category)
    for listed in inputs.followed_new:
        categories.setdefault(listed.product_id, listed.category)
    for category, entries in inputs.popular_by_category.items():
        for product_id, _, _ in entries:
            categories.setdefault(product_id, category)
    due = due_products(inputs.history, inputs.profiles, now)
    excluded = {b.product_id for b in inputs.history} - set(due)
    if available is not None:
        excluded |= pool(inputs, now) - available
    interest = affinity(inputs.history, inputs.browse_affinity)
    durable = durable_categories(inputs.history, inputs.profiles)
    proposals: dict[str, list[tuple[Reason, float, str]]] = {}
    for reason, raw in _sources(inputs, now, due, interest).items():
        best = max((score for _, score in raw.values()), default=0.0)
        for product_id, (shop_id, score) in raw.items():
            if product_id in excluded or best <= 0 or score <= 0:
                continue
            weighted = SOURCE_WEIGHTS[reason] * (score / best if reason in RELATIVE else score)
            if categories.get(product_id) in durable and reason is not Reason.REPURCHASE:
                weighted *= DURABLE_DEMOTION
            proposals.setdefault(product_id, []).append((reason, weighted, shop_id))
    ranked = [_combine(product_id, found, traffic_boost(inputs.boosted.get(product_id), now))
              for product_id, found in proposals.items()]
    ranked = [candidate for candidate in ranked if candidate.score > 0]
    ranked.sort(key=lambda c: (-c.score, PRIORITY[c.reason], c.product_id))
    return ranked[:limit]


def _combine(product_id: str, found: list[tuple[Reason, float, str]],
             boost: float = 1.0) -> Candidate:
    reason, _, shop_id = min(found, key=lambda f: PRIORITY[f[0]])
    scores = sorted((weighted for _, weighted, _ in found), reverse=True)
    score = (scores[0] + OTHER_SOURCES_SHARE * sum(scores[1:])) * boost
    return Candidate(product_id, shop_id, reason, round(score, 4))


def _sources(inputs: ShopperInputs, now: int, due: dict[str, tuple[Bought, float]],
             interest: Mapping[str, float]) -> dict[Reason, dict[str, tuple[str, float]]]:
    """Each source's proposals: product → (shop, score), in [0, 1] or relative (RELATIVE)."""
    followed: dict[str, tuple[str, float]] = {}
    for listed in inputs.followed_new:
        age_days = (now - listed.listed_at) / DAY_MS
        if age_days <= NEW_PRODUCT_DAYS:  # a clock a little behind: as new as can be
            followed[listed.product_id] = (listed.shop_id,
                                           1 - 0.5 * max(age_days, 0) / NEW_PRODUCT_DAYS)
    repurchase = {pid: (bought.shop_id, score) for pid, (bought, score) in due.items()}
    co_purchase: dict[str, tuple[str, float]] = {}
    for bought in recent_purchases(inputs.history):
        age_days = max(now - bought.last_bought_at, 0) / DAY_MS
        weight = 0.5 ** (age_days / NEIGHBOUR_HALF_LIFE_DAYS)
        for product_id, shop_id, score in inputs.neighbours.get(bought.product_id, ()):
            _add(co_purchase, product_id, shop_id, weight * score)
    by_category: dict[str, tuple[str, float]] = {}
    for category in top_categories(interest):
        entries = inputs.popular_by_category.get(category, ())
        best = max((score for _, _, score in entries), default=0.0)
        for product_id, shop_id, score in entries:
            if best > 0:
                _add(by_category, product_id, shop_id, interest[category] * score / best)
    popular = {product_id: (shop_id, score) for product_id, shop_id, score
               in reversed(list(inputs.popular))}
    chuanliu = {product_id: (shop_id, 1 - 0.5 * place / CHUANLIU_PER_BRAND)
                for shop_id, products in inputs.chuanliu.items()
                for place, product_id in enumerate(products[:CHUANLIU_PER_BRAND])}
    return {Reason.FOLLOWED_SHOP: followed, Reason.CHUANLIU: chuanliu,
            Reason.REPURCHASE: repurchase,
            Reason.CO_PURCHASE: co_purchase, Reason.CATEGORY_AFFINITY: by_category,
            Reason.POPULAR: popular}


def _add(raw: dict[str, tuple[str, float]], product_id: str, shop_id: str,
         score: float) -> None:
    previous = raw.get(product_id, (shop_id, 0.0))[1]
    raw[product_id] = (shop_id, previous + score)


def _normalised(weights: Mapping[str, float]) -> dict[str, float]:
    best = max(weights.values(), default=0.0)
    return {key: value / best for key, value in weights.items()} if best > 0 else {}
