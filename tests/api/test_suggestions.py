"""Suggestions (搜索联想) on moto: indexed catalogue words and searched queries, one GetItem per
keystroke."""

from urllib.parse import urlencode

import pytest

from chalicelib.domain import clock
from chalicelib.services import suggestions
from chalicelib.store import search_log as log_store
from chalicelib.store.search_index import LexiconModel
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
NOW, TODAY = FROZEN_NOW, FROZEN_DAY
pytestmark = pytest.mark.usefixtures("frozen_clock")  # the search aids read the day


@pytest.fixture
def floor_washer(api):
    """One indexed product titled with 洗地机, by the brand 追觅, and the suggestions rebuilt."""
    shop = api.create_shop(name="联想测试店")
    api.create_product(shop["shop_id"], product_body(
        title="追觅X20 无线洗地机 自清洁", category="洗地机", attributes={"品牌": "追觅"},
        skus=[sku(299900, 5, 规格="标准版")]))
    pump_stream()
    return suggestions.rebuild_suggestions(day=TODAY)


def suggest(api, q):
    return api.call("get", "/search/suggest?" + urlencode({"q": q}))


def texts(body):
    return [item["text"] for item in body["items"]]


def test_xd_completes_to_the_floor_washer_in_one_get_item(api, floor_washer):
    with dynamodb_calls() as calls:
        status, body = suggest(api, "xd")
    assert status == 200, body
    assert calls == {"GetItem": 1}
    assert body["query"] == "xd"
    assert {"text": "洗地机", "kind": "category"} in body["items"]


@pytest.mark.parametrize("typed", ["洗", "洗地", "x", "xi", "xidi", "xdj", "洗d", "洗di",
                                   "洗dj", "洗地j", "XDJ", "ｘｉｄｉ", " 洗 d "])
def test_every_way_of_typing_it_completes_to_it(api, floor_washer, typed):
    status, body = suggest(api, typed)
    assert status == 200 and "洗地机" in texts(body), (typed, body)


def test_brands_are_suggested_as_brands_and_unindexed_words_not_at_all(api, floor_washer):
    _, body = suggest(api, "zm")
    assert {"text": "追觅", "kind": "brand"} in body["items"]
    _, body = suggest(api, "kt")  # 空调 is a dictionary word, but no product has it
    assert "空调" not in texts(body)
    assert floor_washer["words"] >= 3 and floor_washer["prefixes"] > 0


def test_searched_queries_that_found_products_become_suggestions(api, floor_washer):
    for query, results, times in [("洗地机 自清洁", 1, 3), ("洗地机 没货的", 0, 9),
                                  ("洗地机 一次", 1, 1), ("洗地机 坏词", 1, 5)]:
        for _ in range(times):
            log_store.record(TODAY, query, results, False, True, NOW)
    assert api.call("put", "/ops/search/blocklist", {"queries": ["洗地机 坏词"]}, OPS)[0] == 200
    assert suggestions.rebuild_suggestions(day=TODAY)["queries"] == 2  # 自清洁, 坏词

    _, body = suggest(api, "洗地机z")
    assert body["items"] == [{"text": "洗地机 自清洁", "kind": "query"}]
    _, body = suggest(api, "xdj")
    assert texts(body)[0] == "洗地机 自清洁"  # searched 3 times outweighs one product
    assert not {"洗地机 没货的", "洗地机 一次", "洗地机 坏词"} & set(texts(body))


def test_a_long_keystroke_reads_the_capped_key_and_keeps_what_still_fits(api, floor_washer):
    query = "洗地机 自清洁 热水洗 大吸力 家用"
    for _ in range(3):
        log_store.record(TODAY, query, 1, False, True, NOW)
    suggestions.rebuild_suggestions(day=TODAY)
    with dynamodb_calls() as calls:
        _, body = suggest(api, "xidijiziqingjiereshui")  # 21 letters, over the 20 cap
    assert calls == {"GetItem": 1} and texts(body) == [query]
    _, body = suggest(api, "xidijiziqingjiereshux")  # the same first 20 letters, then not
    assert body["items"] == []


def test_q_must_have_1_to_50_characters(api):
    for q in ["", "   ", "洗" * 51]:
        status, body = suggest(api, q)
        assert status == 422, body
        assert [d["field"] for d in body["error"]["details"]] == ["q"]
    status, body = api.call("get", "/search/suggest")
    assert status == 422 and body["error"]["details"][0]["field"] == "q"
    assert suggest(api, "洗" * 50)[0] == 200


def test_an_unchanged_rebuild_writes_nothing_and_lists_are_renewed_before_they_expire(
        api, floor_washer, frozen_clock):
    assert floor_washer["written"] == floor_washer["prefixes"] > 0
    with dynamodb_calls() as calls:
        again = suggestions.rebuild_suggestions(day=TODAY)
    assert again["written"] == 0 and again["prefixes"] == floor_washer["prefixes"]
    assert not {"BatchWriteItem", "PutItem"} & set(calls)

    assert int(LexiconModel.get("sug#xdj").expires_at) == NOW // 1000 + 3 * 86400
    frozen_clock["now"] = NOW + clock.DAY_MS  # a day on: the same lists are written again
    assert suggestions.rebuild_suggestions(day=TODAY)["written"] == again["prefixes"]
    assert int(LexiconModel.get("sug#xdj").expires_at) == (NOW + clock.DAY_MS) // 1000 + 3 * 86400

    frozen_clock["now"] = NOW + 4 * clock.DAY_MS  # past the TTL, not yet deleted by DynamoDB
    assert suggest(api, "xdj")[1]["items"] == []
