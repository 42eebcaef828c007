"""Keeping the search index in step with the catalogue, one product at a time.

Indexing a product converges its postings on what the catalogue holds now: it reads the
product and its shop (one BatchGetItem) and what was indexed for it (one GetItem), and writes
only the difference. So it is idempotent (a redelivered event finds nothing to change and
writes nothing), order-free (two events of one product both converge on the latest state),
and a product that leaves the shelves (off shelf, draft, deleted) loses every posting.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.domain import analyzer, fuzzy, ids
from chalicelib.domain import search as ranking
from chalicelib.domain.analyzer import PREFIX, Kind
from chalicelib.domain.clock import now_ms
from chalicelib.observability import logger
from chalicelib.store import catalog as catalog_store
from chalicelib.store import search_index as index_store


@dataclass
class Indexed:
    added: int = 0
    removed: int = 0
    rewritten: int = 0
    deletion_keys: int = 0

    @property
    def postings_written(self) -> int:
        return self.added + self.removed + self.rewritten


def index_product(product_id: str) -> Indexed:
    shop_id = ids.shop_of_product(product_id)
    found = catalog_store.batch_get(shop_ids=[shop_id] if shop_id else [],
                                    product_ids=[product_id] if shop_id else [])
    product, shop = found["products"].get(product_id), found["shops"].get(shop_id)
    doc = index_store.get_doc(product_id)
    if product is None or shop is None or not product.listed_on_shelves:
        return _remove(product_id, doc)
    weights = ranking.term_weights(analyzer.analyze_document(ranking.document_fields(product)))
    facts = ranking.facts_of(product, shop.score)
    old = doc.weights if doc else {}
    version = analyzer.dictionary().full_version
    moved = doc is None or facts.moved(doc.facts)
    if not moved:
        facts = doc.facts  # postings keep the facts they were written with
    added = {term: weight for term, weight in weights.items() if term not in old}
    removed = set(old) - set(weights)
    rewritten = {term: weight for term, weight in weights.items()
                 if term in old and (moved or old[term] != weight)}
    result = Indexed()
    if not (added or removed or rewritten) and doc is not None and doc.analyzer == version:
        return result  # already indexed as it is: a replay writes nothing
    impacts = {term: ranking.impact(weight, facts.quality) for term, weight in weights.items()}
    result.rewritten = index_store.write_postings(product_id, facts, rewritten, impacts)
    applied = index_store.add_and_remove_postings(product_id, facts, added, impacts, removed)
    result.added, result.removed = len(added), len(removed)
    result.deletion_keys = index_store.add_deletion_keys(_deletion_keys(added))
    index_store.save_doc(product_id, weights, facts, version, product.revision, now_ms(),
                         is_new=doc is None)
    logger.debug("product indexed", extra={"product_id": product_id, "pairs": applied})
    return result


def _remove(product_id: str, doc) -> Indexed:
    if doc is None:
        return Indexed()
    index_store.add_and_remove_postings(product_id, doc.facts, {}, {}, set(doc.weights))
    index_store.delete_doc(product_id)
    return Indexed(removed=len(doc.weights))


def _deletion_keys(added: dict[str, float]) -> dict[str, list[str]]:
    """Deletion keys of the Latin words the product is newly indexed under."""
    word = PREFIX[Kind.WORD]
    latin = [term.removeprefix(word) for term in added if term.startswith(word)]
    return {text: fuzzy.deletion_keys(text) for text in latin if fuzzy.is_fuzzy_term(text)}


def load_index(products: list, shops: dict, now: int) -> dict:
    """Bulk-load an empty index (demo data and bench only): the same items the stream would
    write, computed in memory and put with batch writes, since one transaction per posting
    pair is slow on moto at catalogue scale. Returns what was written."""
    if index_store.corpus_size():
        raise RuntimeError("load_index fills an empty index; this one has products")
    version = analyzer.dictionary().full_version
    postings, docs, deletion_sets = [], [], {}
    frequencies: dict[str, int] = {}
    for product in products:
        shop = shops.get(product.shop_id)
        if shop is None or not product.listed_on_shelves:
            continue
        weights = ranking.term_weights(
            analyzer.analyze_document(ranking.document_fields(product)))
        facts = ranking.facts_of(product, shop.score)
        for term, weight in weights.items():
            postings.append((term, product.product_id, weight,
                             ranking.impact(weight, facts.quality), facts))
            frequencies[term] = frequencies.get(term, 0) + 1
        for term_text, keys in _deletion_keys(weights).items():
            for key in keys:
                deletion_sets.setdefault(key, set()).add(term_text)
        docs.append((product.product_id, weights, facts, product.revision))
    index_store.load_index(postings, frequencies, docs, deletion_sets, version, now)
    return {"products": len(docs), "postings": len(postings), "terms": len(frequencies),
            "deletion_keys": len(deletion_sets)}
