"""Search relevance and ranking, free of I/O.

Index time: each term of a product gets a BM25F weight (field-weighted, length-normalised,
saturated term frequency, times the weight of the term's kind), stored on its posting with the
product's quality, and the posting is ordered by impact = weight × quality, so the top K of a
term are its best candidates. Query time: a product's relevance is the sum over the query's
units of the best matching alternative's idf × weight × alternative weight; products under a
relevance cut-off drop out, and the rest rank by S = relevance^α · quality, where quality is
DOMAIN's CTR̂ · CVR̂ · price^β · Q_product · Q_shop (chalicelib.domain.ranking).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum

from chalicelib.domain.analyzer import AnalyzedDocument, Kind, QueryPlan, term_kind
from chalicelib.domain.catalog import Product
from chalicelib.domain.ranking import comprehensive_rank

# BM25F: a brand or category match says more than one word among twenty in a title.
FIELD_WEIGHTS = {"title": 1.0, "brand": 1.5, "category": 1.2, "specs": 0.6}
FIELD_LENGTH_NORMS = {"title": 0.6, "brand": 0.0, "category": 0.0, "specs": 0.3}  # b per field
AVERAGE_FIELD_LENGTH = {"title": 14.0, "brand": 1.0, "category": 1.0, "specs": 8.0}
K1 = 1.2
# A pinyin or initials posting stands for the same word as its Chinese one, less surely.
KIND_WEIGHTS = {Kind.WORD: 1.0, Kind.PINYIN: 0.6, Kind.INITIALS: 0.4, Kind.BIGRAM: 0.25}
WEIGHT_DECIMALS = 4
RELEVANCE_EXPONENT = 2.0  # α: relevance dominates; quality orders products alike in relevance
RELEVANCE_CUTOFF = 0.3  # products under this share of the best relevance are not shown
QUALITY_MOVE = 0.05  # a quality change under 5% does not rewrite a product's postings
CANDIDATES_PER_TERM = 500
RELEVANT_SET = 500  # filters and sorts apply within the top 500 relevant products
MAX_RESULTS = 200


def document_fields(product: Product) -> dict[str, str]:
    """The text a product is found by, per field."""
    attributes = dict(product.attributes)
    brand = attributes.pop("品牌", "")
    specs = [value for sku in product.skus for value in sku.specs.values()]
    specs += [value for value in attributes.values() if isinstance(value, str)]
    return {"title": product.title, "brand": brand, "category": product.category,
            "specs": " ".join(dict.fromkeys(specs))}


def term_weights(document: AnalyzedDocument) -> dict[str, float]:
    """BM25F weight of every term (before idf), times its kind's weight."""
    weights = {}
    for term, by_field in document.terms.items():
        frequency = 0.0
        for name, count in by_field.items():
            norm = FIELD_LENGTH_NORMS[name]
            length = document.lengths[name] or 1
            frequency += FIELD_WEIGHTS[name] * count / (
                1 - norm + norm * length / AVERAGE_FIELD_LENGTH[name])
        saturated = frequency * (K1 + 1) / (K1 + frequency)
        weights[term] = round(saturated * KIND_WEIGHTS[term_kind(term)], WEIGHT_DECIMALS)
    return weights


@dataclass(frozen=True)
class Facts:
    """What a posting carries of its product, so filters and sorts need no other read."""

    shop_id: str
    category: str
    price_fen: int
    sales_30d: int
    created_at: int
    in_stock: bool
    quality: float

    def moved(self, other: Facts | None) -> bool:
        """Whether postings must be rewritten: any fact changed, or quality by over 5%."""
        if other is None:
            return True
        same = (self.shop_id, self.category, self.price_fen, self.in_stock, self.created_at) \
            == (other.shop_id, other.category, other.price_fen, other.in_stock, other.created_at)
        if not same:
            return True
        base = max(abs(other.quality), 1e-12)
        return abs(self.quality - other.quality) / base > QUALITY_MOVE


def facts_of(product: Product, shop_score: float | None) -> Facts:
    stats = product.stats
    quality = comprehensive_rank(
        impressions=stats.impressions_30d, clicks=stats.clicks_30d, orders=stats.orders_30d,
        price_fen=product.min_price_fen, product_score=product.score, shop_score=shop_score)
    return Facts(shop_id=product.shop_id, category=product.category,
                 price_fen=product.min_price_fen, sales_30d=stats.sales_30d,
                 created_at=product.created_at, in_stock=product.total_stock > 0,
                 quality=float(f"{quality:.6g}"))


def impact(weight: float, quality: float) -> float:
    """The order of a term's postings: its best candidates first."""
    return float(f"{weight * quality:.6g}")


def idf(document_frequency: int, documents: int) -> float:
    """BM25's idf, never negative."""
    documents = max(documents, document_frequency, 1)
    return math.log(1 + (documents - document_frequency + 0.5) / (document_frequency + 0.5))


# --- query time --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Posting:
    term: str
    product_id: str
    weight: float
    facts: Facts


@dataclass
class TermPostings:
    document_frequency: int
    postings: list[Posting]


@dataclass
class Ranked:
    product_id: str
    facts: Facts
    relevance: float
    units_matched: int
    matched: list[str]
    score: float = 0.0
    _kinds: dict[int, Kind] = field(default_factory=dict, repr=False)


class SearchSort(StrEnum):
    COMPREHENSIVE = "comprehensive"
    SALES = "sales"
    PRICE_ASC = "price_asc"
    PRICE_DESC = "price_desc"
    NEW = "new"


def rank(plan: QueryPlan, read: dict[str, TermPostings], documents: int,
         extra: dict[int, list[tuple[str, Kind, float]]] | None = None,
         relaxed: bool = False) -> list[Ranked]:
    """Relevant products, best first (comprehensive order).

    `extra` adds alternatives found in the relaxed pass (fuzzy and bigram terms) per unit. A
    strict pass keeps products that match every unit; a relaxed one, those that match at least
    half of them.
    """
    alternatives = {index: [(a.term, a.kind, a.weight) for a in unit.alternatives]
                    for index, unit in enumerate(plan.units)}
    for index, found in (extra or {}).items():
        alternatives[index] = alternatives[index] + found
    best: dict[str, Ranked] = {}
    unit_scores: dict[tuple[str, int], tuple[float, Kind]] = {}
    for index, options in alternatives.items():
        for term, kind, weight in options:
            term_postings = read.get(term)
            if term_postings is None or not term_postings.postings:
                continue
            term_idf = idf(term_postings.document_frequency, documents)
            for posting in term_postings.postings:
                contribution = term_idf * posting.weight * weight
                key = (posting.product_id, index)
                if contribution > unit_scores.get(key, (0.0, kind))[0]:
                    unit_scores[key] = (contribution, kind)
                if posting.product_id not in best:
                    best[posting.product_id] = Ranked(posting.product_id, posting.facts, 0.0, 0,
                                                      [])
    for (product_id, index), (contribution, kind) in unit_scores.items():
        ranked = best[product_id]
        ranked.relevance += contribution
        ranked.units_matched += 1
        ranked._kinds[index] = kind
    needed = max(1, math.ceil(len(plan.units) / 2)) if relaxed else len(plan.units)
    kept = [ranked for ranked in best.values() if ranked.units_matched >= needed]
    if not kept:
        return []
    top = max(ranked.relevance for ranked in kept)
    kept = [ranked for ranked in kept if ranked.relevance >= RELEVANCE_CUTOFF * top]
    for ranked in kept:
        ranked.matched = sorted({kind.value for kind in ranked._kinds.values()})
        ranked.score = (ranked.relevance / top) ** RELEVANCE_EXPONENT * ranked.facts.quality
    kept.sort(key=lambda ranked: (-ranked.units_matched, -ranked.score, ranked.product_id))
    return kept[:RELEVANT_SET]


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    shop_id: str | None = None
    price_min_fen: int | None = None
    price_max_fen: int | None = None

    def admit(self, facts: Facts) -> bool:
        return ((self.category is None or facts.category == self.category)
                and (self.shop_id is None or facts.shop_id == self.shop_id)
                and (self.price_min_fen is None or facts.price_fen >= self.price_min_fen)
                and (self.price_max_fen is None or facts.price_fen <= self.price_max_fen))


def sort_key(ranked: Ranked, sort: SearchSort, position: int) -> list:
    """A total order for keyset paging: the sort's field, then the comprehensive position;
    sold-out products follow the ones in stock."""
    facts = ranked.facts
    field_value = {
        SearchSort.COMPREHENSIVE: 0,
        SearchSort.SALES: -facts.sales_30d,
        SearchSort.PRICE_ASC: facts.price_fen,
        SearchSort.PRICE_DESC: -facts.price_fen,
        SearchSort.NEW: -facts.created_at,
    }[sort]
    return [0 if facts.in_stock else 1, field_value, position, ranked.product_id]


def ordered(relevant: list[Ranked], filters: Filters, sort: SearchSort) -> list[tuple[list,
                                                                                        Ranked]]:
    """The filtered relevant set in the requested order with each item's paging key, capped."""
    keyed = [(sort_key(ranked, sort, position), ranked)
             for position, ranked in enumerate(relevant) if filters.admit(ranked.facts)]
    keyed.sort(key=lambda pair: pair[0])
    return keyed[:MAX_RESULTS]
