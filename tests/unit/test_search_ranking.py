"""Search relevance and ordering (chalicelib.domain.search), hand-checked on small inputs."""

import math

import pytest

from chalicelib.domain import search as ranking
from chalicelib.domain.analyzer import AnalyzedDocument, Kind, analyze_query
from chalicelib.domain.search import Facts, Filters, Posting, SearchSort, TermPostings


def facts(shop="s1", category="洗地机", price=100_000, sales=0, created=0, stock=True,
          quality=1.0):
    return Facts(shop, category, price, sales, created, stock, quality)


def postings(term, *entries, df=None):
    items = [Posting(term, product_id, weight, fact) for product_id, weight, fact in entries]
    return TermPostings(df if df is not None else len(items), items)


def test_bm25f_weights_saturate_and_favour_short_titles_and_strong_fields():
    from collections import Counter

    document = AnalyzedDocument(
        terms={"w:洗地机": Counter(title=1), "w:添可": Counter(brand=1),
               "p:xidiji": Counter(title=1), "w:无线": Counter(title=3)},
        lengths=Counter(title=14, brand=1))
    weights = ranking.term_weights(document)
    assert weights["w:添可"] > weights["w:洗地机"]  # brand field weight 1.5
    assert weights["p:xidiji"] == pytest.approx(weights["w:洗地机"] * 0.6, abs=1e-4)
    assert weights["w:洗地机"] < weights["w:无线"] < 3 * weights["w:洗地机"]  # saturation
    longer = AnalyzedDocument(terms={"w:洗地机": Counter(title=1)}, lengths=Counter(title=40))
    assert ranking.term_weights(longer)["w:洗地机"] < weights["w:洗地机"]


def test_idf_is_higher_for_rarer_terms_and_never_negative():
    assert ranking.idf(1, 1000) > ranking.idf(100, 1000) > 0
    assert ranking.idf(1000, 1000) > 0 and ranking.idf(5, 0) > 0
    assert ranking.idf(1, 1000) == pytest.approx(math.log(1 + 999.5 / 1.5))


def test_strict_rank_needs_every_unit_and_cuts_weak_matches():
    plan = analyze_query("追觅 洗地机")
    read = {
        "w:追觅": postings("w:追觅", ("a", 1.0, facts()), ("b", 0.05, facts())),
        "w:洗地机": postings("w:洗地机", ("a", 1.0, facts()), ("c", 1.0, facts()),
                          ("b", 0.05, facts())),
    }
    ranked = ranking.rank(plan, read, documents=100)
    assert [r.product_id for r in ranked] == ["a"]  # b matches both, far below the best
    relaxed = ranking.rank(plan, read, documents=100, relaxed=True)
    assert {r.product_id for r in relaxed} == {"a", "c"}  # c matches one of two units
    assert relaxed[0].product_id == "a"  # both units before one


def test_quality_orders_products_of_equal_relevance():
    plan = analyze_query("洗地机")
    read = {"w:洗地机": postings("w:洗地机", ("plain", 1.0, facts(quality=1.0)),
                              ("great", 1.0, facts(quality=2.0)))}
    assert [r.product_id for r in ranking.rank(plan, read, 10)] == ["great", "plain"]


def test_a_unit_counts_its_best_alternative_and_says_how_it_matched():
    plan = analyze_query("xidiji")
    read = {"w:洗地机": postings("w:洗地机", ("a", 1.0, facts())),
            "p:xidiji": postings("p:xidiji", ("a", 0.6, facts()), ("b", 0.6, facts()))}
    ranked = {r.product_id: r for r in ranking.rank(plan, read, 100)}
    assert ranked["a"].matched == ["pinyin"] and ranked["a"].units_matched == 1
    assert ranked["a"].relevance > ranked["b"].relevance


def test_relaxed_extra_alternatives_add_fuzzy_matches():
    plan = analyze_query("nkie")
    read = {"w:nike": postings("w:nike", ("n", 1.0, facts()))}
    extra = {0: [("w:nike", Kind.FUZZY, 0.6)]}
    assert ranking.rank(plan, read, 10) == []
    (found,) = ranking.rank(plan, read, 10, extra=extra, relaxed=True)
    assert (found.product_id, found.matched) == ("n", ["fuzzy"])


def test_sorts_order_the_relevant_set_sold_out_last_with_total_keys():
    plan = analyze_query("洗地机")
    read = {"w:洗地机": postings(
        "w:洗地机", ("cheap", 1.0, facts(price=100, sales=5, created=3)),
        ("dear", 1.0, facts(price=900, sales=50, created=1)),
        ("gone", 1.0, facts(price=50, sales=500, created=9, stock=False)))}
    relevant = ranking.rank(plan, read, 10)

    def order(sort):
        return [r.product_id for _, r in ranking.ordered(relevant, Filters(), sort)]

    assert order(SearchSort.PRICE_ASC) == ["cheap", "dear", "gone"]
    assert order(SearchSort.PRICE_DESC) == ["dear", "cheap", "gone"]
    assert order(SearchSort.SALES) == ["dear", "cheap", "gone"]
    assert order(SearchSort.NEW) == ["cheap", "dear", "gone"]
    keys = [key for key, _ in ranking.ordered(relevant, Filters(), SearchSort.COMPREHENSIVE)]
    assert keys == sorted(keys) and len(set(map(tuple, keys))) == 3


def test_filters_use_the_indexed_facts_and_results_are_capped():
    relevant = [ranking.Ranked(f"p{n}", facts(price=n, category="空调" if n % 2 else "洗地机"),
                               1.0, 1, ["word"], score=1.0) for n in range(500)]
    assert len(ranking.ordered(relevant, Filters(), SearchSort.COMPREHENSIVE)) == 200
    cheap = ranking.ordered(relevant, Filters(price_max_fen=9), SearchSort.PRICE_ASC)
    assert [r.facts.price_fen for _, r in cheap] == list(range(10))
    assert all(r.facts.category == "空调" for _, r in ranking.ordered(
        relevant, Filters(category="空调"), SearchSort.COMPREHENSIVE))


def test_postings_are_rewritten_only_when_facts_or_quality_move():
    base = facts(quality=1.0)
    assert not facts(quality=1.04).moved(base)
    assert facts(quality=1.06).moved(base)
    assert facts(price=99).moved(base) and facts(stock=False).moved(base)
    assert base.moved(None)
