"""The full reindex on the shared job runner: lists the catalogue by shard, converges every
product, records the analyzer version; a new analyzer version starts it once."""

import pytest

from chalicelib.domain import analyzer
from chalicelib.jobs import search_index as reindex
from chalicelib.store import search_index as index_store
from chalicelib.store.search_index import DocModel, PostingModel
from local.pumps import drain_job_queue
from tests.api.test_search import CATALOGUE, index_snapshot, search
from tests.support import bearer, dynamodb_calls, product_body, pump_stream, sku

OPS = bearer("ops", "ops1")


@pytest.fixture
def unindexed(api):
    """A catalogue whose events never reached the index (the stream is not pumped)."""
    shop = api.create_shop(name="重建测试店")
    for title, category, brand, price in CATALOGUE:
        api.create_product(shop["shop_id"], product_body(
            title=title, category=category, attributes={"品牌": brand}, skus=[sku(price, 3)]))
    api.create_product(shop["shop_id"], product_body(title="草稿 洗地机", status="draft"))
    return shop["shop_id"]


def test_a_new_analyzer_version_reindexes_every_listed_product_once(api, queue, unindexed):
    assert DocModel.count() == 0 and search(api, q="洗地机")[1]["items"] == []
    started = reindex.ensure_current_analyzer()
    assert started["started"] is True and started["job"] == "search-index"
    assert drain_job_queue() > 0
    assert DocModel.count() == len(CATALOGUE)  # the draft is listed, and not indexed
    assert len(search(api, q="xdj")[1]["items"]) == 2
    assert index_store.indexed_analyzer_version() == analyzer.dictionary().full_version
    assert reindex.ensure_current_analyzer()["started"] is False  # one GetItem, nothing else


def test_the_reindex_and_the_stream_converge_on_the_same_index(api, queue, unindexed):
    reindex.ensure_current_analyzer()
    drain_job_queue()
    by_job = index_snapshot()
    pump_stream()  # the same products through the stream: nothing to change
    assert index_snapshot() == by_job


def test_a_forced_rerun_on_an_unchanged_catalogue_writes_no_posting(api, queue, unindexed):
    status, run = api.call("post", "/ops/jobs/search-index", {}, OPS)
    assert status == 202 and run["started"] is True
    drain_job_queue()
    status, progress = api.call("get", f"/ops/jobs/search-index/{run['run_id']}", None, OPS)
    assert (status, progress["status"]) == (200, "done")
    postings = PostingModel.count()
    api.call("post", "/ops/jobs/search-index", {}, OPS)
    with dynamodb_calls() as calls:
        drain_job_queue()
    assert PostingModel.count() == postings
    assert not {"BatchWriteItem", "TransactWriteItems"} & set(calls)


def test_a_dictionary_change_starts_a_new_run(api, queue, unindexed, monkeypatch):
    reindex.ensure_current_analyzer()
    drain_job_queue()
    bumped = analyzer.Dictionary("999", analyzer.dictionary().frequencies)
    monkeypatch.setattr(analyzer, "dictionary", lambda: bumped)
    started = reindex.ensure_current_analyzer()
    assert started["started"] is True and started["run_id"].endswith("999.1")
    drain_job_queue()
    assert {doc.analyzer for doc in DocModel.scan()} == {bumped.full_version}


def test_only_ops_start_or_read_reindex_runs(api, queue):
    assert api.call("post", "/ops/jobs/search-index", {}, bearer("merchant", "m1"))[0] == 403
    assert api.call("get", "/ops/jobs/search-index/nope", None, OPS)[0] == 404


def test_the_bulk_load_writes_exactly_what_the_stream_writes(api, queue, unindexed):
    from chalicelib.domain.clock import now_ms
    from chalicelib.services.search_index import load_index
    from chalicelib.store import catalog as catalog_store
    from chalicelib.store.products import ProductModel

    product_ids = [model.product_id for model in ProductModel.scan()]
    found = catalog_store.batch_get(shop_ids=[unindexed], product_ids=product_ids)
    loaded = load_index(list(found["products"].values()), found["shops"], now_ms())
    assert loaded["products"] == len(CATALOGUE)
    assert index_store.indexed_analyzer_version() == analyzer.dictionary().full_version
    index_store.LexiconModel(index_store.ANALYZER).delete()  # the one item only a full build sets
    bulk = index_snapshot()
    with pytest.raises(RuntimeError):
        load_index([], {}, now_ms())  # only into an empty index
    for model in PostingModel.scan():
        model.delete()
    for model in DocModel.scan():
        model.delete()
    from chalicelib.store.search_index import LexiconModel

    for model in LexiconModel.scan():
        model.delete()
    pump_stream()
    assert index_snapshot() == bulk
