"""The search index: postings per term in impact order, one doc item per indexed product, and a
lexicon of deletion keys (Latin typos), suggestions and index metadata.

- search_postings: partition `term` (w:洗地机, p:xidiji, ...), sort `doc` (product id). The LSI
  `by_impact` orders a term's postings by impact, so the best K are one Query. The term's
  header (doc "#", df = document frequency) carries the highest impact, so the same Query
  returns it first: idf costs no extra call.
- search_docs: what was indexed for a product (its terms and weights, its facts, the analyzer
  version), so a change rewrites only the difference and a replay writes nothing.
- search_lexicon: `del#<key>` → Latin terms with that deletion key (SymSpell), `sug#<prefix>`
  → suggestions, `meta#corpus` → number of indexed products, `meta#analyzer` → the analyzer
  version the index was last fully built with.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.exceptions import TransactWriteError
from pynamodb.indexes import AllProjection, LocalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.search import Facts, Posting, TermPostings
from chalicelib.store.base import batch_get_items, connection, table_meta, worker_pool

HEADER = "#"  # the doc id of a term's header item
HEADER_IMPACT = 1e15  # above every posting's impact: the header comes first in impact order
CORPUS = "meta#corpus"
ANALYZER = "meta#analyzer"
_PAIRS_PER_TRANSACTION = 50  # a posting and its header: 2 of TransactWriteItems' 100 actions
_PARALLEL_READS = 6


class ByImpact(LocalSecondaryIndex):
    class Meta:
        index_name = "by_impact"
        projection = AllProjection()

    term = UnicodeAttribute(hash_key=True)
    impact = NumberAttribute(range_key=True)


class PostingModel(Model):
    Meta = table_meta("search_postings")

    term = UnicodeAttribute(hash_key=True)
    doc = UnicodeAttribute(range_key=True)
    impact = NumberAttribute()
    df = NumberAttribute(null=True)  # header only
    weight = NumberAttribute(null=True)
    quality = NumberAttribute(null=True)
    shop_id = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    price_fen = NumberAttribute(null=True)
    sales_30d = NumberAttribute(null=True)
    created_at = NumberAttribute(null=True)
    in_stock = BooleanAttribute(null=True)

    by_impact = ByImpact()


class FactsMap(MapAttribute):
    shop_id = UnicodeAttribute()
    category = UnicodeAttribute()
    price_fen = NumberAttribute()
    sales_30d = NumberAttribute()
    created_at = NumberAttribute()
    in_stock = BooleanAttribute()
    quality = NumberAttribute()


class DocModel(Model):
    Meta = table_meta("search_docs")

    product_id = UnicodeAttribute(hash_key=True)
    weights = MapAttribute(default=dict)  # term → BM25F weight
    facts = FactsMap()
    analyzer = UnicodeAttribute()
    revision = NumberAttribute()
    indexed_at = NumberAttribute()


class SuggestionMap(MapAttribute):
    text = UnicodeAttribute()
    kind = UnicodeAttribute()
    weight = NumberAttribute()


class LexiconModel(Model):
    Meta = table_meta("search_lexicon")

    key = UnicodeAttribute(hash_key=True)
    terms = UnicodeSetAttribute(null=True)  # del#…
    suggestions = ListAttribute(of=SuggestionMap, null=True)  # sug#…
    count = NumberAttribute(null=True)  # meta#corpus
    value = UnicodeAttribute(null=True)  # meta#analyzer
    expires_at = NumberAttribute(null=True)  # sug#… (TTL, epoch seconds)


# --- indexed documents -------------------------------------------------------------------------

class IndexedDoc:
    def __init__(self, weights: dict[str, float], facts: Facts, analyzer: str, revision: int):
        self.weights, self.facts, self.analyzer, self.revision = weights, facts, analyzer, revision


def get_doc(product_id: str) -> IndexedDoc | None:
    try:
        model = DocModel.get(product_id, consistent_read=True)
    except DocModel.DoesNotExist:
        return None
    weights = {term: float(weight) for term, weight in model.weights.as_dict().items()}
    return IndexedDoc(weights, _facts(model.facts.as_dict()), model.analyzer, int(model.revision))


def _facts(raw: dict) -> Facts:
    return Facts(shop_id=raw["shop_id"], category=raw["category"],
                 price_fen=int(raw["price_fen"]), sales_30d=int(raw["sales_30d"]),
                 created_at=int(raw["created_at"]), in_stock=bool(raw["in_stock"]),
                 quality=float(raw["quality"]))


# --- writing a product's postings ---------------------------------------------------------------

def write_postings(product_id: str, facts: Facts, weights: dict[str, float],
                   impacts: dict[str, float]) -> int:
    """Put postings whose term the product already had (their weight or facts moved): plain
    overwrites, no document frequency changes. Returns how many were written."""
    with PostingModel.batch_write() as batch:
        for term, weight in weights.items():
            batch.save(_posting(term, product_id, weight, impacts[term], facts))
    return len(weights)


def add_and_remove_postings(product_id: str, facts: Facts, added: dict[str, float],
                            impacts: dict[str, float], removed: set[str]) -> int:
    """Put new postings and delete old ones, each in the same transaction as its header's df
    change, so a document frequency counts every posting exactly once. A pair that a previous
    delivery already applied fails its condition and is dropped. Returns pairs applied."""
    pairs = [("put", term) for term in sorted(added)] + [("delete", term)
                                                          for term in sorted(removed)]
    applied = 0
    for start in range(0, len(pairs), _PAIRS_PER_TRANSACTION):
        group = pairs[start:start + _PAIRS_PER_TRANSACTION]
        while group:
            try:
                _apply_pairs(product_id, facts, added, impacts, group)
            except TransactWriteError as error:
                done = _already_applied(error, group)
                if not done:
                    raise
                group = [pair for n, pair in enumerate(group) if n not in done]
                continue
            applied += len(group)
            group = []
    return applied


def _apply_pairs(product_id, facts, added, impacts, group) -> None:
    with TransactWrite(connection=connection()) as tx:
        for action, term in group:
            if action == "put":
                tx.save(_posting(term, product_id, added[term], impacts[term], facts),
                        condition=PostingModel.doc.does_not_exist())
                delta = 1
            else:
                tx.delete(PostingModel(term, product_id), condition=PostingModel.doc.exists())
                delta = -1
            tx.update(PostingModel(term, HEADER),
                      actions=[PostingModel.df.add(delta), PostingModel.impact.set(HEADER_IMPACT)])


def _already_applied(error: TransactWriteError, group: list) -> set[int]:
    """Pairs whose posting condition failed: an earlier delivery applied them already
    (cancellation reasons come one per action, two actions per pair)."""
    reasons = error.cancellation_reasons or []
    return {position // 2 for position, reason in enumerate(reasons)
            if reason is not None and reason.code == "ConditionalCheckFailed"}


def _posting(term: str, product_id: str, weight: float, impact: float,
             facts: Facts) -> PostingModel:
    return PostingModel(term, product_id, impact=impact, weight=weight, quality=facts.quality,
                        shop_id=facts.shop_id, category=facts.category,
                        price_fen=facts.price_fen, sales_30d=facts.sales_30d,
                        created_at=facts.created_at, in_stock=facts.in_stock)


def save_doc(product_id: str, weights: dict[str, float], facts: Facts, analyzer: str,
             revision: int, now_ms: int, is_new: bool) -> None:
    """Record what is indexed for the product; a new doc also counts in the corpus size, in
    the same transaction (a replay finds the doc and counts nothing)."""
    model = DocModel(product_id, weights=weights, facts=FactsMap(**vars(facts)),
                     analyzer=analyzer, revision=revision, indexed_at=now_ms)
    if not is_new:
        model.save()
        return
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.save(model, condition=DocModel.product_id.does_not_exist())
            tx.update(LexiconModel(CORPUS), actions=[LexiconModel.count.add(1)])
    except TransactWriteError as error:
        if not _condition_failed(error):
            raise
        model.save()  # another delivery created it first and counted it


def delete_doc(product_id: str) -> None:
    """Forget a product that left the shelves; the corpus shrinks by one, once."""
    try:
        with TransactWrite(connection=connection()) as tx:
            tx.delete(DocModel(product_id), condition=DocModel.product_id.exists())
            tx.update(LexiconModel(CORPUS), actions=[LexiconModel.count.add(-1)])
    except TransactWriteError as error:
        if not _condition_failed(error):
            raise


def _condition_failed(error: TransactWriteError) -> bool:
    return any(reason is not None and reason.code == "ConditionalCheckFailed"
               for reason in error.cancellation_reasons or [])


def add_deletion_keys(keys_by_term: dict[str, list[str]]) -> int:
    """ADD each Latin term to the sets of its deletion keys: one update per key with all its
    terms (a transaction may touch an item once; vivo and vivio share keys), 100 keys per
    transaction. A set ADD is idempotent; a term whose products all left stays listed and
    finds no postings. Returns keys written."""
    terms_by_key: dict[str, set[str]] = {}
    for term, keys in keys_by_term.items():
        for key in keys:
            terms_by_key.setdefault(key, set()).add(term)
    keys = sorted(terms_by_key)
    for start in range(0, len(keys), 100):
        with TransactWrite(connection=connection()) as tx:
            for key in keys[start:start + 100]:
                tx.update(LexiconModel(f"del#{key}"),
                          actions=[LexiconModel.terms.add(terms_by_key[key])])
    return len(keys)


# --- reading ---------------------------------------------------------------------------------

def read_terms(terms: list[str], limit: int, shop_id: str | None = None,
               with_corpus: bool = False) -> tuple[dict[str, TermPostings], int | None]:
    """The header and best `limit` postings of each term: one Query per term, all in
    parallel (one round trip), and with `with_corpus` the corpus size in the same round.
    Within one shop, each Query filters on the shop server-side and looks at up to 1 MB of
    the term's postings."""
    pool = worker_pool("postings", _PARALLEL_READS)
    futures = {term: pool.submit(_read_term, term, limit, shop_id) for term in terms}
    corpus = pool.submit(corpus_size) if with_corpus else None
    read = {term: future.result() for term, future in futures.items()}
    return read, corpus.result() if corpus else None


def _read_term(term: str, limit: int, shop_id: str | None) -> TermPostings:
    request = {
        "TableName": PostingModel.Meta.table_name, "IndexName": "by_impact",
        "KeyConditionExpression": "#term = :term",
        "ExpressionAttributeNames": {"#term": "term"},
        "ExpressionAttributeValues": {":term": {"S": term}},
        "ScanIndexForward": False, "Limit": limit + 1,
    }
    if shop_id:
        request["FilterExpression"] = "#doc = :header OR shop_id = :shop"
        request["ExpressionAttributeNames"]["#doc"] = "doc"
        request["ExpressionAttributeValues"].update(
            {":header": {"S": HEADER}, ":shop": {"S": shop_id}})
        request.pop("Limit")
    items = connection().client.query(**request).get("Items", [])
    frequency, postings = 0, []
    for item in items:
        model = PostingModel.from_raw_data(item)
        if model.doc == HEADER:
            frequency = int(model.df or 0)
            continue
        postings.append(Posting(term, model.doc, float(model.weight), Facts(
            shop_id=model.shop_id, category=model.category, price_fen=int(model.price_fen),
            sales_30d=int(model.sales_30d), created_at=int(model.created_at),
            in_stock=bool(model.in_stock), quality=float(model.quality))))
    return TermPostings(frequency, postings[:limit])


def corpus_size() -> int:
    try:
        return int(LexiconModel.get(CORPUS).count or 0)
    except LexiconModel.DoesNotExist:
        return 0


def deletion_sets(keys: list[str]) -> dict[str, set[str]]:
    """Latin terms listed under each deletion key: one BatchGetItem (≤ 100 keys)."""
    table = LexiconModel.Meta.table_name
    request = {table: {"Keys": [{"key": {"S": f"del#{key}"}} for key in keys[:100]]}}
    items = batch_get_items(request).get(table, []) if keys else []
    return {item["key"]["S"].removeprefix("del#"): set(item.get("terms", {}).get("SS", []))
            for item in items}


def all_terms_count(product_id: str) -> int:
    """How many terms a product is indexed under (bench and tests)."""
    doc = get_doc(product_id)
    return len(doc.weights) if doc else 0


def document_frequencies(terms: list[str]) -> dict[str, int]:
    """The df of each term from its header: BatchGetItem, 100 headers per call (jobs)."""
    table = PostingModel.Meta.table_name
    found: dict[str, int] = {}
    for start in range(0, len(terms), 100):
        request = {table: {"Keys": [{"term": {"S": term}, "doc": {"S": HEADER}}
                                    for term in terms[start:start + 100]]}}
        for item in batch_get_items(request).get(table, []):
            found[item["term"]["S"]] = int(item.get("df", {}).get("N", "0"))
    return found


def indexed_analyzer_version() -> str | None:
    """The analyzer version the last full reindex built the index with."""
    try:
        return LexiconModel.get(ANALYZER).value
    except LexiconModel.DoesNotExist:
        return None


def set_indexed_analyzer_version(version: str) -> None:
    LexiconModel(ANALYZER, value=version).save()


def load_index(postings: list[tuple], frequencies: dict[str, int], docs: list[tuple],
               deletion_sets: dict[str, set[str]], analyzer: str, now_ms: int) -> None:
    """Put a whole index with batch writes (an empty index; demo data and bench only), built
    whole with `analyzer`."""
    with PostingModel.batch_write() as batch:
        for term, product_id, weight, impact, facts in postings:
            batch.save(_posting(term, product_id, weight, impact, facts))
        for term, frequency in frequencies.items():
            batch.save(PostingModel(term, HEADER, df=frequency, impact=HEADER_IMPACT))
    with DocModel.batch_write() as batch:
        for product_id, weights, facts, revision in docs:
            batch.save(DocModel(product_id, weights=weights, facts=FactsMap(**vars(facts)),
                                analyzer=analyzer, revision=revision, indexed_at=now_ms))
    with LexiconModel.batch_write() as batch:
        for key, terms in deletion_sets.items():
            batch.save(LexiconModel(f"del#{key}", terms=terms))
        batch.save(LexiconModel(CORPUS, count=len(docs)))
        batch.save(LexiconModel(ANALYZER, value=analyzer))
