"""The search query log on moto: every search counted, zero-result queries for ops, hot queries
and the ops blocklist."""

from urllib.parse import urlencode

import pytest

from chalicelib.domain import clock, query_log
from chalicelib.services import search_log
from chalicelib.store import search_log as log_store
from chalicelib.store.search_log import SearchLogModel
from tests.support import (
    FROZEN_DAY,
    FROZEN_NOW,
    bearer,
    dynamodb_calls,
    product_body,
    pump_stream,
    sku,
)

OPS = bearer("ops", "ops1")
SHOPPER = bearer("shopper", "u1")
NOW, TODAY, YESTERDAY = FROZEN_NOW, FROZEN_DAY, "2026-11-30"
pytestmark = pytest.mark.usefixtures("frozen_clock")  # the search aids read the day


@pytest.fixture
def catalogue(api):
    shop = api.create_shop(name="搜索日志店")
    for title, category, brand in [("追觅X20 无线洗地机 自清洁", "洗地机", "追觅"),
                                   ("添可芙万 智能洗地机", "洗地机", "添可"),
                                   ("格力云佳 1.5匹 变频空调", "空调", "格力")]:
        api.create_product(shop["shop_id"], product_body(
            title=title, category=category, attributes={"品牌": brand},
            skus=[sku(199900, 5, 规格="标准版")]))
    pump_stream()
    return shop["shop_id"]


def search(api, **params):
    status, body = api.call("get", "/search?" + urlencode(params))
    assert status == 200, body
    return body


def logged(query, day=TODAY):
    shard = query_log.shard_of(query)
    return SearchLogModel.get(query_log.partition(day, shard), query)


def zero_results(api, headers=OPS, **params):
    return api.call("get", "/ops/search/zero-results?" + urlencode(params), headers=headers)


# --- the log -------------------------------------------------------------------------------------

def test_each_search_is_logged_once_with_its_result_count(api, catalogue):
    with dynamodb_calls() as calls:
        body = search(api, q="  XiDiJi ", limit=1)
    assert body["total"] == 2 and body["next_cursor"]
    assert calls["UpdateItem"] == 1  # the log's one write, nothing else writes

    item = logged("xidiji")  # as the search understood it: normalised
    assert (item.searches, item.pages, item.last_results, item.last_relaxed) == (1, 1, 2, False)
    assert item.scene == "search" and item.outcome == query_log.outcome_partition(
        TODAY, query_log.shard_of("xidiji"), found=True)
    assert item.expires_at == (clock.business_day_start_ms(TODAY) + 35 * clock.DAY_MS) // 1000

    search(api, q="xidiji", limit=1, cursor=body["next_cursor"])  # the next page: no new search
    search(api, q="xidiji")
    item = logged("xidiji")
    assert (item.searches, item.pages) == (2, 3)

    search(api, q="nkie")  # relaxed, finds nothing in this catalogue
    assert (logged("nkie").searches, logged("nkie").last_results) == (1, 0)


def test_a_failing_log_never_fails_the_search(api, catalogue, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("log table unavailable")

    monkeypatch.setattr(log_store, "record", broken)
    body = search(api, q="洗地机")
    assert body["total"] == 2 and len(body["items"]) == 2
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert [r.getMessage() for r in warnings] == ["search not logged"]
    assert SearchLogModel.count() == 0


# --- zero-result queries for ops ----------------------------------------------------------------

def test_zero_result_queries_are_listed_most_searched_first_page_by_page(api, catalogue):
    search(api, q="不存在的宝贝")
    search(api, q="不存在的宝贝")
    counts = {f"query {n}": n for n in range(1, 12)}  # 11 more, spread over the shards
    for query, searches in counts.items():
        for _ in range(searches):
            log_store.record(TODAY, query, 0, True, True, NOW)
    log_store.record(TODAY, "洗地鸡", 0, True, True, NOW)
    log_store.record(TODAY, "洗地鸡", 2, False, True, NOW)  # found something since: not listed
    log_store.record(YESTERDAY, "昨天的", 0, False, True, NOW)

    seen, cursor, pages = [], None, 0
    while True:
        with dynamodb_calls() as calls:
            status, body = zero_results(api, limit=5, **({"cursor": cursor} if cursor else {}))
        assert status == 200, body
        assert set(calls) == {"Query"} and calls["Query"] <= query_log.SHARDS
        assert body["day"] == TODAY and len(body["items"]) <= 5
        seen += body["items"]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    expected = sorted([*counts.items(), ("不存在的宝贝", 2)], key=lambda pair: -pair[1])
    assert [item["searches"] for item in seen] == [searches for _, searches in expected]
    assert {item["query"] for item in seen} == {query for query, _ in expected}
    assert pages == 3
    assert seen[0]["last_seen"] == clock.to_iso(NOW)

    status, body = zero_results(api, day=YESTERDAY)
    assert [item["query"] for item in body["items"]] == ["昨天的"] and body["next_cursor"] is None


def test_zero_results_are_for_ops_only_and_check_their_parameters(api):
    assert zero_results(api, headers=SHOPPER)[0] == 403
    assert zero_results(api, headers={})[0] == 401
    for params, field in [({"day": "2026-02-30"}, "day"), ({"day": "yesterday"}, "day"),
                          ({"limit": "0"}, "limit"), ({"sort": "x"}, "sort")]:
        status, body = zero_results(api, **params)
        assert status == 422 and body["error"]["details"][0]["field"] == field, body
    _, page = zero_results(api, limit=1)
    assert page["items"] == [] and page["next_cursor"] is None
    status, body = zero_results(api, cursor="bm9wZQ.bm9wZQ")
    assert status == 400 and body["error"]["code"] == "invalid_cursor"


# --- hot queries and the blocklist -------------------------------------------------------------

def test_hot_queries_are_yesterdays_most_searched_that_found_something(api, catalogue,
                                                                       frozen_clock):
    for query, times in [("洗地机", 5), ("空调", 4), ("xdj", 3), ("不存在的宝贝", 6),
                         ("追觅", 1)]:
        for _ in range(times):
            search(api, q=query)
    frozen_clock["now"] = NOW + clock.DAY_MS  # the next day: the job sums up the one before
    assert search_log.refresh_hot_queries() == {"day": TODAY, "hot_queries": 3,
                                                "written": True}

    with dynamodb_calls() as calls:
        status, body = api.call("get", "/search/hot")
    assert status == 200 and calls == {"BatchGetItem": 1}
    assert body == {"day": TODAY, "items": [{"query": "洗地机", "searches": 5},
                                            {"query": "空调", "searches": 4},
                                            {"query": "xdj", "searches": 3}]}
    # not the zero-result query, nor one searched once (someone's own words stay theirs)

    status, _ = api.call("put", "/ops/search/blocklist", {"queries": [" 空调 "]}, OPS)
    assert status == 200
    _, body = api.call("get", "/search/hot")  # blocked at once, before the job runs again
    assert [item["query"] for item in body["items"]] == ["洗地机", "xdj"]
    search_log.refresh_hot_queries()
    _, body = api.call("get", "/search/hot")
    assert [item["query"] for item in body["items"]] == ["洗地机", "xdj"]

    # a rerun for an older day never rolls the summary back
    assert search_log.refresh_hot_queries(day=YESTERDAY)["written"] is False
    assert api.call("get", "/search/hot")[1]["day"] == TODAY


def test_hot_queries_before_any_summary_are_empty(api):
    status, body = api.call("get", "/search/hot")
    assert status == 200 and body == {"day": YESTERDAY, "items": []}


def test_the_blocklist_is_normalised_replaced_whole_and_ops_only(api):
    status, body = api.call("put", "/ops/search/blocklist",
                            {"queries": ["ＮＩＫＥ", "nike", "  坏  词 "]}, OPS)
    assert status == 200 and body == {"queries": ["nike", "坏 词"]}
    assert api.call("get", "/ops/search/blocklist", headers=OPS) == (200, body)

    for bad, field in [(["好词", ""], "queries.1"), (["好词", "长" * 51], "queries.1"),
                       ([f"q{n}" for n in range(501)], "queries"), (["好词", 7], "queries.1"),
                       ("nike", "queries")]:
        status, error = api.call("put", "/ops/search/blocklist", {"queries": bad}, OPS)
        assert status == 422, error
        assert error["error"]["details"][0]["field"] == field
    assert api.call("get", "/ops/search/blocklist", headers=OPS)[1] == body  # unchanged

    assert api.call("put", "/ops/search/blocklist", {"queries": []}, OPS) == (
        200, {"queries": []})
    assert api.call("get", "/ops/search/blocklist", headers=SHOPPER)[0] == 403
    status, error = api.call("put", "/ops/search/blocklist", {"queries": [""]}, SHOPPER)
    assert status == 403 and error["error"]["code"] == "wrong_role"
