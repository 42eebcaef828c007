"""The search scene: a query → ranked, live product cards.

Cost per page (docs/search.md): the strict pass reads one postings Query per distinct analyzed
term (at most MAX_TERMS, in parallel: one round trip) and then the page's products and shops in
one BatchGetItem, which drops anything no longer on shelf and gives live prices and stock. A
query with no result gets one relaxed pass: fuzzy Latin candidates (one BatchGetItem of
deletion keys), bigrams, and fewer required units, reading only terms not read yet.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from chalicelib.domain import analyzer, fuzzy, ids
from chalicelib.domain import search as ranking
from chalicelib.domain.analyzer import PREFIX, Kind, QueryPlan
from chalicelib.domain.catalog import Product, Shop
from chalicelib.pagination import decode_cursor, encode_cursor
from chalicelib.store import catalog as catalog_store
from chalicelib.store import search_index as index_store

MAX_TERMS = 6
RELAXED_TERMS = 5  # the relaxed pass also spends one BatchGetItem on deletion keys
FUZZY_PER_UNIT = 2
SPARE_CARDS = 10  # read a few more products than the page, so hidden ones leave no hole
CORPUS_TTL_SECONDS = 300  # the corpus size only scales idf: a few minutes old is fine


@dataclass(frozen=True)
class SearchRequest:
    q: str
    category: str | None = None
    shop_id: str | None = None
    price_min_fen: int | None = None
    price_max_fen: int | None = None
    sort: ranking.SearchSort = ranking.SearchSort.COMPREHENSIVE
    limit: int = 20
    cursor: str | None = None

    @property
    def filters(self) -> ranking.Filters:
        return ranking.Filters(self.category, self.shop_id, self.price_min_fen,
                               self.price_max_fen)


@dataclass
class SearchAnswer:
    query: str
    relaxed: bool
    total: int  # products that match, up to ranking.MAX_RESULTS
    cards: list[tuple[Product, Shop, list[str]]]
    next_cursor: str | None


_corpus = {"size": 0, "read_at": float("-inf")}


def search(request: SearchRequest) -> SearchAnswer:
    plan = analyzer.analyze_query(request.q)
    scope = (f"search:{plan.text}:{request.category or ''}:{request.shop_id or ''}:"
             f"{request.price_min_fen or ''}:{request.price_max_fen or ''}:{request.sort.value}")
    after = decode_cursor(scope, request.cursor)
    results, relaxed = _results(plan, request)
    start = _position_after(results, after["key"]) if after else 0
    page, examined = _live_page(results[start:start + request.limit + SPARE_CARDS], request)
    last = start + examined - 1  # the last result this page looked at
    more = examined > 0 and last + 1 < len(results)
    next_cursor = encode_cursor(scope, {"key": results[last][0]}) if more else None
    return SearchAnswer(plan.text, relaxed, len(results), page, next_cursor)


def _results(plan: QueryPlan, request: SearchRequest):
    """The ordered result list with paging keys, from the strict pass or else the relaxed
    one: [(key, Ranked), ...]."""
    if not plan.units:
        return [], False
    read, documents = _read(plan.terms(MAX_TERMS), request.shop_id)
    relevant = ranking.rank(plan, read, documents)
    results = ranking.ordered(relevant, request.filters, request.sort)
    if results:
        return results, False
    extra, more = _relaxed_alternatives(plan, read)
    if more:
        read.update(_read(more, request.shop_id)[0])
    relevant = ranking.rank(plan, read, documents, extra=extra, relaxed=True)
    return ranking.ordered(relevant, request.filters, request.sort), True


def _read(terms: list[str], shop_id: str | None):
    stale = time.monotonic() - _corpus["read_at"] > CORPUS_TTL_SECONDS
    read, corpus = index_store.read_terms(terms, ranking.CANDIDATES_PER_TERM, shop_id,
                                          with_corpus=stale)
    if corpus:  # an empty index is asked again: caching 0 would flatten idf for minutes
        _corpus.update(size=corpus, read_at=time.monotonic())
    return read, corpus or _corpus["size"]


def _relaxed_alternatives(plan: QueryPlan, read: dict) -> tuple[dict, list[str]]:
    """For every unit the strict pass found nothing for: near Latin spellings of its word
    (fuzzy) and the bigrams of its Chinese text. Returns (alternatives per unit, terms to
    read)."""
    unmatched = [index for index, unit in enumerate(plan.units)
                 if not any(read.get(a.term) and read[a.term].postings
                            for a in unit.alternatives)]
    typos = {index: plan.units[index].fuzzy for index in unmatched
             if plan.units[index].fuzzy and len(plan.units[index].fuzzy)
             >= fuzzy.MIN_QUERY_LENGTH}
    corrections = _fuzzy_corrections(typos)
    extra: dict[int, list[tuple[str, Kind, float]]] = {}
    weight = analyzer.ALTERNATIVE_WEIGHTS
    for index in unmatched:
        suffix = plan.units[index].fuzzy_suffix
        options = [(PREFIX[Kind.WORD] + term + suffix, Kind.FUZZY, weight["fuzzy"] / distance)
                   for term, distance in corrections.get(index, [])[:FUZZY_PER_UNIT]]
        options += [(term, Kind.BIGRAM, weight["bigram"]) for term in plan.units[index].bigrams]
        if options:
            extra[index] = options
    budget = RELAXED_TERMS if typos else MAX_TERMS
    wanted: list[str] = []
    for rank in range(max((len(options) for options in extra.values()), default=0)):
        for options in extra.values():
            term = options[rank][0] if rank < len(options) else None
            if term and term not in read and term not in wanted and len(wanted) < budget:
                wanted.append(term)
    kept = {index: [o for o in options if o[0] in wanted or o[0] in read]
            for index, options in extra.items()}
    return kept, wanted


def _fuzzy_corrections(typos: dict[int, str]) -> dict[int, list[tuple[str, int]]]:
    """Near spellings of each misspelt word among the indexed Latin terms: one BatchGetItem
    of the words' deletion keys."""
    if not typos:
        return {}
    keys_by_unit = {index: fuzzy.deletion_keys(word) for index, word in typos.items()}
    wanted = sorted({key for keys in keys_by_unit.values() for key in keys})
    listed = index_store.deletion_sets(wanted)
    found = {}
    for index, keys in keys_by_unit.items():
        candidates = set().union(*(listed.get(key, set()) for key in keys))
        found[index] = fuzzy.corrections(typos[index], candidates)
    return found


def _position_after(results: list, key: list) -> int:
    """Where the page after the cursor's last item starts (keys are totally ordered)."""
    for position, (result_key, _) in enumerate(results):
        if result_key > key:
            return position
    return len(results)


def _live_page(candidates: list, request: SearchRequest):
    """The page's products and shops in one BatchGetItem: hidden products are dropped, prices
    and stock are live. Returns ([(product, shop, matched)], how many candidates it used)."""
    if not candidates:
        return [], 0
    product_ids = [ranked.product_id for _, ranked in candidates]
    shop_ids = {ids.shop_of_product(product_id) for product_id in product_ids} - {None}
    found = catalog_store.batch_get(shop_ids=shop_ids, product_ids=product_ids)
    page = []
    for examined, (_, ranked) in enumerate(candidates, start=1):
        product = found["products"].get(ranked.product_id)
        shop = found["shops"].get(ranked.facts.shop_id)
        if product is None or shop is None or not product.listed_on_shelves:
            continue  # off shelf since it was indexed: never shown, not even for a moment
        if not request.filters.admit(_live_facts(ranked.facts, product)):
            continue  # its live price left the asked range
        page.append((product, shop, ranked.matched))
        if len(page) == request.limit:
            return page, examined
    return page, len(candidates)


def _live_facts(facts: ranking.Facts, product: Product) -> ranking.Facts:
    return ranking.Facts(shop_id=product.shop_id, category=product.category,
                         price_fen=product.min_price_fen, sales_30d=facts.sales_30d,
                         created_at=facts.created_at, in_stock=product.total_stock > 0,
                         quality=facts.quality)
