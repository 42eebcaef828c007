"""The full search reindex, on the shared job runner.

The index follows the catalogue event by event (chalicelib.jobs.events); this job passes every
product through the same indexer, to rebuild after the analyzer changed (a new dictionary
version: `ensure_current_analyzer` starts it, once per version) or when ops ask
(`POST /ops/jobs/search-index`). Products are listed from the products table's catalogue-shard
index, 16 shards read in parallel chunks of 100, never by a Scan. Indexing converges, so a
product already indexed as it is costs two reads and no write, and a rerun changes nothing.

    products  every product, 16 shards → the indexer (adds, rewrites, removes postings)
    finish    one chunk: record the analyzer version the whole index is now built with
"""

from __future__ import annotations

from chalicelib.domain import analyzer
from chalicelib.jobs import runner
from chalicelib.jobs.runner import Job, Phase, RunContext
from chalicelib.store import products as product_store
from chalicelib.store import search_index as index_store

JOB_NAME = "search-index"


def ensure_current_analyzer() -> dict:
    """Scheduled: start the reindex when the index was built with another analyzer version
    (one GetItem when it was not; a second start of the same version is a no-op)."""
    current = analyzer.dictionary().full_version
    indexed = index_store.indexed_analyzer_version()
    if indexed == current:
        return {"version": current, "started": False}
    return runner.start(JOB_NAME, {"version": current})


def _resolve(params: dict) -> dict:
    return {"version": params.get("version") or analyzer.dictionary().full_version}


def _catalogue_shards(ctx: RunContext) -> list[int]:
    return list(range(product_store.CATALOG_SHARDS))


def _products(ctx: RunContext, shard: int, cursor, limit: int):
    product_ids, next_key = product_store.catalog_page(int(shard), limit, cursor)
    page = [(product_id, {"catalog_shard": {"S": str(shard)},
                          "product_id": {"S": product_id}}) for product_id in product_ids]
    return page, next_key or None


def _index(ctx: RunContext, product_id: str) -> int:
    from chalicelib.services.search_index import index_product

    return index_product(product_id).postings_written


def _once(ctx: RunContext, shard, cursor, limit: int):
    return [("finish", None)], None


def _record_version(ctx: RunContext, item) -> None:
    index_store.set_indexed_analyzer_version(ctx.params["version"])


JOB = Job(
    name=JOB_NAME,
    phases=(
        Phase("products", _catalogue_shards, _products, _index),
        Phase("finish", lambda ctx: ["all"], _once, _record_version),
    ),
    run_key=lambda params: params["version"],
    chunk_size=100,
    resolve=_resolve,
)
